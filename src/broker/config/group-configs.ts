// Group configs (KIP-848, KIP-932, KIP-1071): the per-group overrides Kafka 4.2 accepts on
// GROUP config resources (GroupConfig), their defaults (the broker's group.* config named as
// the synonym, so a dynamic change of the broker config moves every group without an
// override), and Kafka's cross-checks against the broker's bounds (GroupConfig.validateValues).
// Overrides live in the metadata log (LogManager.groupConfigs); the coordinators read the
// effective value at the moment they use it, so an alter applies to the next heartbeat,
// session timer or share partition.

import { BrokerConfig, CONFIG_SOURCE, type ConfigSynonym } from './broker-config.ts';
import { checkConfigValue, type ConfigDefinition } from './definitions.ts';
import { configEntry, type ConfigEntry } from './describe.ts';

export interface GroupConfigDefinition extends ConfigDefinition {
  /** The broker config that supplies the default; null where Kafka has none (a fixed default). */
  readonly synonym: string | null;
}

const def = (name: string, type: 'int' | 'string', synonym: string | null, dflt: string, doc: string, extra: Partial<Pick<ConfigDefinition, 'min' | 'oneOf'>> = {}): GroupConfigDefinition => ({
  name,
  type,
  synonym,
  default: dflt,
  doc,
  ...extra,
});

/** Kafka 4.2's GroupConfig, in its (alphabetical) order. */
export const GROUP_CONFIGS: readonly GroupConfigDefinition[] = [
  def('consumer.heartbeat.interval.ms', 'int', 'group.consumer.heartbeat.interval.ms', '5000', 'The heartbeat interval given to the members of a consumer group.', { min: 1 }),
  def('consumer.session.timeout.ms', 'int', 'group.consumer.session.timeout.ms', '45000', 'The timeout to detect client failures when using the consumer group protocol.', { min: 1 }),
  def('share.auto.offset.reset', 'string', null, 'latest', 'The strategy to initialize the share-partition start offset.'),
  def('share.heartbeat.interval.ms', 'int', 'group.share.heartbeat.interval.ms', '5000', 'The heartbeat interval given to the members of a share group.', { min: 1 }),
  def('share.isolation.level', 'string', null, 'read_uncommitted', 'Controls how to read records written transactionally. If set to "read_committed", the share group will only deliver transactional records which have been committed. If set to "read_uncommitted", the share group will return all messages, even transactional messages which have been aborted. Non-transactional records will be returned unconditionally in either mode.', { oneOf: ['read_committed', 'read_uncommitted'] }),
  def('share.record.lock.duration.ms', 'int', 'group.share.record.lock.duration.ms', '30000', 'The record acquisition lock duration in milliseconds for share groups.', { min: 1000 }),
  def('share.session.timeout.ms', 'int', 'group.share.session.timeout.ms', '45000', 'The timeout to detect client failures when using the share group protocol.', { min: 1 }),
  def('streams.heartbeat.interval.ms', 'int', 'group.streams.heartbeat.interval.ms', '5000', 'The heartbeat interval given to the members.', { min: 1 }),
  def('streams.initial.rebalance.delay.ms', 'int', 'group.streams.initial.rebalance.delay.ms', '3000', 'The amount of time the group coordinator will wait for more streams clients to join a new group before performing the first rebalance.', { min: 0 }),
  def('streams.num.standby.replicas', 'int', 'group.streams.num.standby.replicas', '0', 'The number of standby replicas for each task.', { min: 0 }),
  def('streams.session.timeout.ms', 'int', 'group.streams.session.timeout.ms', '45000', 'The timeout to detect client failures when using the streams group protocol.', { min: 1 }),
];

export const GROUP_CONFIG_BY_NAME: ReadonlyMap<string, GroupConfigDefinition> = new Map(GROUP_CONFIGS.map((d) => [d.name, d]));

/** The broker-side default of a group config: its group.* broker config, else Kafka's default. */
function brokerDefault(config: BrokerConfig, d: GroupConfigDefinition): string {
  return (d.synonym ? config.get(d.synonym) : null) ?? d.default!;
}

/** The effective value of group config `name` for a group with `overrides`. */
export function groupConfigValue(config: BrokerConfig, overrides: Readonly<Record<string, string>>, name: string): string {
  const d = GROUP_CONFIG_BY_NAME.get(name);
  if (!d) throw new Error(`unknown group config ${name}`);
  return overrides[name] ?? brokerDefault(config, d);
}

/** DescribeConfigs for a GROUP resource: every group config, GROUP_CONFIG where set, else the broker's default. */
export function describeGroupConfigs(config: BrokerConfig, overrides: Readonly<Record<string, string>>): ConfigEntry[] {
  return GROUP_CONFIGS.map((d) => {
    const set = overrides[d.name];
    const synonyms: ConfigSynonym[] = [];
    if (set !== undefined) synonyms.push({ name: d.name, value: set, source: CONFIG_SOURCE.GROUP_CONFIG });
    synonyms.push(d.synonym && config.get(d.synonym) !== null ? { name: d.synonym, value: config.get(d.synonym), source: CONFIG_SOURCE.DEFAULT_CONFIG } : { name: d.name, value: d.default, source: CONFIG_SOURCE.DEFAULT_CONFIG });
    return configEntry(d, d.name, set ?? brokerDefault(config, d), synonyms, false);
  });
}

/** share.auto.offset.reset: latest, earliest or by_duration:<ISO-8601 duration, not negative>. */
export function parseShareAutoOffsetReset(value: string): { kind: 'latest' | 'earliest' } | { kind: 'by_duration'; ms: number } | null {
  const v = value.trim().toLowerCase();
  if (v === 'latest' || v === 'earliest') return { kind: v };
  if (!v.startsWith('by_duration:')) return null;
  // Java's Duration.parse: PnDTnHnMn.nS (days, hours, minutes, seconds with a fraction).
  const m = /^p(?:(\d+)d)?(?:t(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d{1,9})?)s)?)?$/.exec(v.slice('by_duration:'.length).trim());
  if (!m || m[0] === 'p' || m[0].endsWith('t')) return null;
  const [, d, h, min, s] = m;
  return { kind: 'by_duration', ms: Math.round(((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000) };
}

/**
 * Kafka's GroupConfig validation of a group's whole set of overrides once changed: each value
 * by its type and lower bound, then against the broker's min/max bounds, then session
 * timeouts above heartbeat intervals (unset configs count at their broker default).
 * An error message for INVALID_CONFIG, or null.
 */
export function validateGroupConfigs(config: BrokerConfig, overrides: Readonly<Record<string, string>>): string | null {
  for (const [name, value] of Object.entries(overrides)) {
    const d = GROUP_CONFIG_BY_NAME.get(name);
    if (!d) return `Unknown group config name: ${name}`;
    const problem = checkConfigValue(d, value);
    if (problem) return problem;
    if (name === 'share.auto.offset.reset' && !parseShareAutoOffsetReset(value)) {
      return `Invalid value ${value} for configuration ${name}: String must be one of: latest, earliest, by_duration:PnDTnHnMn.nS`;
    }
  }
  const value = (name: string): number => Number(groupConfigValue(config, overrides, name));
  const broker = (name: string): number => config.number(name);
  const ranges: [string, string, string][] = [
    ['consumer.heartbeat.interval.ms', 'group.consumer.min.heartbeat.interval.ms', 'group.consumer.max.heartbeat.interval.ms'],
    ['consumer.session.timeout.ms', 'group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms'],
    ['share.heartbeat.interval.ms', 'group.share.min.heartbeat.interval.ms', 'group.share.max.heartbeat.interval.ms'],
    ['share.session.timeout.ms', 'group.share.min.session.timeout.ms', 'group.share.max.session.timeout.ms'],
    ['share.record.lock.duration.ms', 'group.share.min.record.lock.duration.ms', 'group.share.max.record.lock.duration.ms'],
    ['streams.heartbeat.interval.ms', 'group.streams.min.heartbeat.interval.ms', 'group.streams.max.heartbeat.interval.ms'],
    ['streams.session.timeout.ms', 'group.streams.min.session.timeout.ms', 'group.streams.max.session.timeout.ms'],
  ];
  for (const [name, min, max] of ranges) {
    if (value(name) < broker(min)) return `${name} must be greater than or equal to ${min}`;
    if (value(name) > broker(max)) return `${name} must be less than or equal to ${max}`;
  }
  if (value('streams.num.standby.replicas') > broker('group.streams.max.standby.replicas')) {
    return 'streams.num.standby.replicas must be less than or equal to group.streams.max.standby.replicas';
  }
  for (const kind of ['consumer', 'share', 'streams']) {
    if (value(`${kind}.session.timeout.ms`) <= value(`${kind}.heartbeat.interval.ms`)) return `${kind}.session.timeout.ms must be greater than ${kind}.heartbeat.interval.ms`;
  }
  return null;
}
