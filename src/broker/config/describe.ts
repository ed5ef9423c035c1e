// DescribeConfigs entries for topics and brokers, as Kafka's ConfigHelper builds them: the
// effective value, its source (the first synonym's), the synonyms in precedence order,
// read-only (broker configs that cannot change at run time), sensitivity (passwords: no
// value), the type and the documentation. CreateTopics v5+ reuses the topic entries.

import { BrokerConfig, CONFIG_SOURCE, type ConfigSynonym } from './broker-config.ts';
import { BROKER_CONFIGS, BROKER_CONFIG_BY_NAME, CONFIG_TYPE_ID, DYNAMIC_BROKER_CONFIGS, TOPIC_CONFIGS, type ConfigDefinition } from './definitions.ts';

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  source: number;
  isSensitive: boolean;
  synonyms: ConfigSynonym[];
  configType: number;
  documentation: string | null;
}

export function configEntry(d: ConfigDefinition | undefined, name: string, value: string | null, synonyms: ConfigSynonym[], readOnly: boolean): ConfigEntry {
  const isSensitive = d?.type === 'password';
  return {
    name,
    value: isSensitive ? null : value,
    readOnly,
    source: synonyms[0]?.source ?? CONFIG_SOURCE.DEFAULT_CONFIG,
    isSensitive,
    synonyms: isSensitive ? synonyms.map((s) => ({ ...s, value: null })) : synonyms,
    configType: d ? CONFIG_TYPE_ID[d.type] : 0,
    documentation: d?.doc ?? null,
  };
}

/** Every topic config of a topic with `overrides`: the override, else the broker's value behind it. */
export function describeTopicConfigs(config: BrokerConfig, overrides: Readonly<Record<string, string>>): ConfigEntry[] {
  return TOPIC_CONFIGS.map((d) => {
    const set = overrides[d.name];
    const synonyms: ConfigSynonym[] = [];
    if (set !== undefined) synonyms.push({ name: d.name, value: set, source: CONFIG_SOURCE.TOPIC_CONFIG });
    if (d.synonym) synonyms.push(...config.synonyms(d.synonym));
    const value = set ?? (d.synonym ? config.topicDefault(d.name) : d.default);
    return configEntry(d, d.name, value, synonyms, false);
  });
}

/** The configs of this broker (`perBroker`), or the cluster-wide dynamic defaults (resource name ""). */
export function describeBrokerConfigs(config: BrokerConfig, perBroker: boolean): ConfigEntry[] {
  if (!perBroker) {
    return [...config.dynamic('default')].map(([name, value]) => {
      const d = BROKER_CONFIG_BY_NAME.get(name);
      return configEntry(d, name, value, config.synonyms(name, false), !DYNAMIC_BROKER_CONFIGS.has(name));
    });
  }
  return BROKER_CONFIGS.map((d) => configEntry(d, d.name, config.get(d.name), config.synonyms(d.name), !DYNAMIC_BROKER_CONFIGS.has(d.name)));
}
