// Per-partition log settings: the broker-wide defaults (log.segment.bytes, log.roll.ms,
// log.index.interval.bytes, log.index.size.max.bytes, log.flush.interval.messages,
// log.flush.interval.ms) overridden by a topic's own configs (segment.bytes, segment.ms,
// index.interval.bytes, segment.index.bytes, flush.messages, flush.ms), as Kafka's LogConfig.

export interface LogDefaults {
  segmentBytes: number;
  segmentMs: number;
  indexIntervalBytes: number;
  segmentIndexBytes: number;
  /** Messages between forced fsyncs; Infinity (or Kafka's Long.MAX_VALUE) means off. */
  flushMessages: number;
  /** Milliseconds between forced fsyncs; Infinity (or Kafka's Long.MAX_VALUE) means off. */
  flushMs: number;
}

export type LogConfig = Readonly<LogDefaults>;

/** Kafka's broker defaults; flushing is left to the OS. */
export const DEFAULT_LOG_DEFAULTS: LogConfig = Object.freeze({
  segmentBytes: 1073741824,
  segmentMs: 604800000,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10485760,
  flushMessages: Infinity,
  flushMs: Infinity,
});

/** Topic config keys that change how a partition's log is written. */
export const TOPIC_LOG_CONFIG_KEYS: Readonly<Record<string, keyof LogDefaults>> = Object.freeze({
  'segment.bytes': 'segmentBytes',
  'segment.ms': 'segmentMs',
  'index.interval.bytes': 'indexIntervalBytes',
  'segment.index.bytes': 'segmentIndexBytes',
  'flush.messages': 'flushMessages',
  'flush.ms': 'flushMs',
});

/** Values at or above this are "off" (Kafka spells off as Long.MAX_VALUE). */
export function isOff(value: number): boolean {
  return !(value < Number.MAX_SAFE_INTEGER);
}

/**
 * The defaults with the topic's overrides applied. Values that do not parse as numbers are
 * ignored here: the broker validates configs when they are set (INVALID_CONFIG).
 */
export function resolveLogConfig(defaults: LogDefaults, topicConfigs: Readonly<Record<string, string>> = {}): LogConfig {
  const config: LogDefaults = { ...defaults };
  for (const [key, field] of Object.entries(TOPIC_LOG_CONFIG_KEYS)) {
    const raw = topicConfigs[key];
    if (raw === undefined) continue;
    const value = Number(raw.trim());
    if (raw.trim() !== '' && !Number.isNaN(value)) config[field] = value;
  }
  return Object.freeze(config);
}
