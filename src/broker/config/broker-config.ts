// The broker's resolved configuration: server.properties values and overrides checked
// against the definitions, with Kafka's precedence rules between related keys
// (log.retention.ms over .minutes over .hours, log.roll.ms over .hours, node.id/broker.id,
// log.dirs over log.dir). Unknown keys are kept and reported, as Kafka warns about them.
//
// Dynamic broker configs (AlterConfigs on a BROKER resource) sit above the static ones, as in
// Kafka: a value set for this broker id wins over the cluster-wide default (resource name
// ""), which wins over server.properties, which wins over the built-in default.

import { ConfigError } from '../../errors.ts';
import { BROKER_CONFIG_BY_NAME, TOPIC_CONFIG_BY_NAME, checkConfigValue } from './definitions.ts';

export interface Listener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

const HOUR_MS = 3_600_000;

/** DescribeConfigs' ConfigSource ids. */
export const CONFIG_SOURCE = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  /** A group config override (KIP-848). */
  GROUP_CONFIG: 8,
} as const;

export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: number;
}

/** Broker configs that stand for the same setting, highest precedence first (Kafka's brokerSynonyms). */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  ['log.roll.ms', 'log.roll.hours'],
  ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
  ['node.id', 'broker.id'],
];

export function brokerSynonyms(name: string): readonly string[] {
  const group = SYNONYM_GROUPS.find((g) => g.includes(name));
  return group ? group.slice(group.indexOf(name)) : [name];
}

export class BrokerConfig {
  readonly #values: ReadonlyMap<string, string>;
  #dynamicDefault = new Map<string, string>();
  #dynamicBroker = new Map<string, string>();
  /** Keys given that Runnel does not know; logged once at start. */
  readonly unknownKeys: readonly string[];

  constructor(values: ReadonlyMap<string, string> | Record<string, string> = {}) {
    const map = values instanceof Map ? new Map(values) : new Map(Object.entries(values));
    const unknown: string[] = [];
    for (const [key, value] of map) {
      const d = BROKER_CONFIG_BY_NAME.get(key) ?? listenerScopedDefinition(key);
      if (!d) {
        unknown.push(key);
        continue;
      }
      const problem = checkConfigValue(d, value);
      if (problem) throw new ConfigError(problem);
    }
    this.#values = map;
    this.unknownKeys = unknown;
  }

  /** The value of a broker config as Kafka would report it: dynamic, else static, else default. */
  get(name: string): string | null {
    const set = this.#dynamicBroker.get(name) ?? this.#dynamicDefault.get(name) ?? this.#values.get(name);
    if (set !== undefined) return set;
    return BROKER_CONFIG_BY_NAME.get(name)?.default ?? null;
  }

  /** Set in server.properties (or by an override), as opposed to a default or a dynamic value. */
  isSet(name: string): boolean {
    return this.#values.has(name);
  }

  /** Replaces a dynamic layer: 'broker' for this broker's id, 'default' for the cluster-wide one. */
  setDynamic(layer: 'broker' | 'default', values: Readonly<Record<string, string>>): void {
    const map = new Map(Object.entries(values));
    if (layer === 'broker') this.#dynamicBroker = map;
    else this.#dynamicDefault = map;
  }

  dynamic(layer: 'broker' | 'default'): ReadonlyMap<string, string> {
    return layer === 'broker' ? this.#dynamicBroker : this.#dynamicDefault;
  }

  /**
   * Where the value of `name` comes from, with its synonyms, as Kafka lists them: by source
   * (dynamic broker, dynamic default, static, default), then synonym order. `perBroker`
   * false leaves out the per-broker dynamic layer (the cluster-default view).
   */
  synonyms(name: string, perBroker = true): ConfigSynonym[] {
    const names = brokerSynonyms(name);
    const out: ConfigSynonym[] = [];
    const layers: [ReadonlyMap<string, string | null>, number][] = [
      [this.#dynamicBroker, CONFIG_SOURCE.DYNAMIC_BROKER_CONFIG],
      [this.#dynamicDefault, CONFIG_SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG],
      [this.#values, CONFIG_SOURCE.STATIC_BROKER_CONFIG],
    ];
    if (!perBroker) layers.shift();
    for (const [map, source] of layers) {
      for (const n of names) {
        const v = map.get(n);
        if (v !== undefined) out.push({ name: n, value: v ?? null, source });
      }
    }
    for (const n of names) {
      const d = BROKER_CONFIG_BY_NAME.get(n)?.default;
      if (d !== undefined && d !== null) out.push({ name: n, value: d, source: CONFIG_SOURCE.DEFAULT_CONFIG });
    }
    return out;
  }

  number(name: string): number {
    const v = this.get(name);
    if (v === null) throw new ConfigError(`${name} has no value`);
    return Number(v);
  }

  boolean(name: string): boolean {
    return this.get(name)?.trim().toLowerCase() === 'true';
  }

  get nodeId(): number {
    if (this.isSet('node.id')) return this.number('node.id');
    const brokerId = this.number('broker.id');
    return brokerId >= 0 ? brokerId : this.number('node.id');
  }

  get dataDir(): string {
    const dirs = this.get('log.dirs');
    if (dirs) return dirs.split(',')[0]!.trim();
    return this.get('log.dir')!;
  }

  get listeners(): Listener[] {
    return parseListeners(this.get('listeners')!);
  }

  get advertisedListeners(): Listener[] {
    const advertised = this.get('advertised.listeners');
    return advertised ? parseListeners(advertised) : this.listeners;
  }

  /** log.roll.ms, else log.roll.hours. */
  get segmentMs(): number {
    if (this.get('log.roll.ms') !== null) return this.number('log.roll.ms');
    return this.number('log.roll.hours') * HOUR_MS;
  }

  /** log.retention.ms, else .minutes, else .hours; -1 means unlimited. */
  get retentionMs(): number {
    if (this.get('log.retention.ms') !== null) return this.number('log.retention.ms');
    if (this.get('log.retention.minutes') !== null) return this.number('log.retention.minutes') * 60_000;
    return this.number('log.retention.hours') * HOUR_MS;
  }

  /** log.flush.interval.ms, else log.flush.scheduler.interval.ms (Kafka's fallback). */
  get flushMs(): number {
    if (this.get('log.flush.interval.ms') !== null) return this.number('log.flush.interval.ms');
    return this.number('log.flush.scheduler.interval.ms');
  }

  /**
   * The broker-level value behind a topic config (its synonym), as the default that a
   * topic without an override uses.
   */
  topicDefault(topicConfig: string): string | null {
    const d = TOPIC_CONFIG_BY_NAME.get(topicConfig);
    if (!d) return null;
    // The configured strings are returned as they are: Long.MAX_VALUE and other longs above
    // 2^53 would lose digits through a JS number.
    switch (topicConfig) {
      case 'segment.ms':
        return this.get('log.roll.ms') ?? String(this.segmentMs);
      case 'retention.ms':
        return this.get('log.retention.ms') ?? String(this.retentionMs);
      case 'flush.ms':
        return this.get('log.flush.interval.ms') ?? this.get('log.flush.scheduler.interval.ms');
      case 'segment.jitter.ms': {
        const ms = this.get('log.roll.jitter.ms');
        return ms ?? String(this.number('log.roll.jitter.hours') * HOUR_MS);
      }
      default:
        return d.synonym ? (this.get(d.synonym) ?? d.default) : d.default;
    }
  }

  /** A copy with some values replaced (for `--set` overrides and tests). */
  with(overrides: Record<string, string>): BrokerConfig {
    return new BrokerConfig(new Map([...this.#values, ...Object.entries(overrides)]));
  }
}

export function parseListeners(value: string): Listener[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((uri) => {
      const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(uri);
      if (!m) throw new ConfigError(`Invalid listener ${JSON.stringify(uri)}: expected NAME://host:port`);
      const host = m[2]!.replace(/^\[|\]$/g, '');
      return { name: m[1]!.toUpperCase(), host, port: Number(m[3]) };
    });
}

// Security (issue 6): per-listener configs, `listener.name.<listener>.<key>` and
// `listener.name.<listener>.<mechanism>.<key>`, are known keys checked like <key>.
const LISTENER_SCOPED = /^listener\.name\.[a-z0-9_]+\.(?:(?:plain|scram-sha-256|scram-sha-512|gssapi|oauthbearer)\.)?(.+)$/;

function listenerScopedDefinition(key: string) {
  const m = LISTENER_SCOPED.exec(key);
  return m ? BROKER_CONFIG_BY_NAME.get(m[1]!) : undefined;
}
