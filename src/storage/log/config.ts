// Per-partition log settings: the broker-wide defaults (log.segment.bytes, log.roll.ms,
// log.index.*, log.flush.*, log.retention.*, log.cleanup.policy, log.cleaner.*) overridden by a
// topic's own configs (segment.bytes, segment.ms, ..., retention.ms, retention.bytes,
// cleanup.policy, delete.retention.ms, min.cleanable.dirty.ratio, min/max.compaction.lag.ms),
// as Kafka's LogConfig. The broker turns its (possibly dynamic) configs into LogDefaults and
// hands them to the log manager whenever they change.

export interface LogDefaults {
  segmentBytes: number;
  segmentMs: number;
  indexIntervalBytes: number;
  segmentIndexBytes: number;
  /** Messages between forced fsyncs; Infinity (or Kafka's Long.MAX_VALUE) means off. */
  flushMessages: number;
  /** Milliseconds between forced fsyncs; Infinity (or Kafka's Long.MAX_VALUE) means off. */
  flushMs: number;
  /** retention.ms: -1 keeps everything. */
  retentionMs?: number;
  /** retention.bytes: -1 means no size limit. */
  retentionBytes?: number;
  /** cleanup.policy, a comma list of delete and compact. */
  cleanupPolicy?: string;
  deleteRetentionMs?: number;
  minCleanableDirtyRatio?: number;
  minCompactionLagMs?: number;
  maxCompactionLagMs?: number;
}

export interface LogConfig extends Readonly<Required<LogDefaults>> {
  /** cleanup.policy includes delete: retention applies. */
  readonly delete: boolean;
  /** cleanup.policy includes compact: the cleaner applies. */
  readonly compact: boolean;
}

const LONG_MAX = Number.MAX_SAFE_INTEGER * 2;

/** Kafka's broker defaults; flushing is left to the OS. */
export const DEFAULT_LOG_DEFAULTS: LogConfig = Object.freeze({
  segmentBytes: 1073741824,
  segmentMs: 604800000,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10485760,
  flushMessages: Infinity,
  flushMs: Infinity,
  retentionMs: 604800000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 86400000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: LONG_MAX,
  delete: true,
  compact: false,
});

type NumericField = Exclude<keyof LogDefaults, 'cleanupPolicy'>;

/** Topic config keys that change how a partition's log is written, kept or cleaned. */
export const TOPIC_LOG_CONFIG_KEYS: Readonly<Record<string, keyof LogDefaults>> = Object.freeze({
  'segment.bytes': 'segmentBytes',
  'segment.ms': 'segmentMs',
  'index.interval.bytes': 'indexIntervalBytes',
  'segment.index.bytes': 'segmentIndexBytes',
  'flush.messages': 'flushMessages',
  'flush.ms': 'flushMs',
  'retention.ms': 'retentionMs',
  'retention.bytes': 'retentionBytes',
  'cleanup.policy': 'cleanupPolicy',
  'delete.retention.ms': 'deleteRetentionMs',
  'min.cleanable.dirty.ratio': 'minCleanableDirtyRatio',
  'min.compaction.lag.ms': 'minCompactionLagMs',
  'max.compaction.lag.ms': 'maxCompactionLagMs',
});

/** Values at or above this are "off" (Kafka spells off as Long.MAX_VALUE). */
export function isOff(value: number): boolean {
  return !(value < Number.MAX_SAFE_INTEGER);
}

/**
 * The defaults with the topic's overrides applied. Values that do not parse are ignored
 * here: the broker validates configs when they are set (INVALID_CONFIG).
 */
export function resolveLogConfig(defaults: LogDefaults, topicConfigs: Readonly<Record<string, string>> = {}): LogConfig {
  const config: Required<LogDefaults> = { ...DEFAULT_LOG_DEFAULTS, ...stripUndefined(defaults) };
  for (const [key, field] of Object.entries(TOPIC_LOG_CONFIG_KEYS)) {
    const raw = topicConfigs[key];
    if (raw === undefined) continue;
    if (field === 'cleanupPolicy') {
      config.cleanupPolicy = raw;
      continue;
    }
    const value = Number(raw.trim());
    if (raw.trim() !== '' && !Number.isNaN(value)) config[field as NumericField] = value;
  }
  const policies = config.cleanupPolicy.split(',').map((s) => s.trim());
  return Object.freeze({ ...config, delete: policies.includes('delete'), compact: policies.includes('compact') });
}

function stripUndefined(d: LogDefaults): Partial<LogDefaults> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (v !== undefined) out[k] = v;
  return out as Partial<LogDefaults>;
}
