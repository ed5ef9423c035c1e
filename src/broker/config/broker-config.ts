// The broker's resolved configuration: server.properties values and overrides checked
// against the definitions, with Kafka's precedence rules between related keys
// (log.retention.ms over .minutes over .hours, log.roll.ms over .hours, node.id/broker.id,
// log.dirs over log.dir). Unknown keys are kept and reported, as Kafka warns about them.

import { ConfigError } from '../../errors.ts';
import { BROKER_CONFIG_BY_NAME, TOPIC_CONFIG_BY_NAME, checkConfigValue } from './definitions.ts';

export interface Listener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

const HOUR_MS = 3_600_000;

export class BrokerConfig {
  readonly #values: ReadonlyMap<string, string>;
  /** Keys given that Runnel does not know; logged once at start. */
  readonly unknownKeys: readonly string[];

  constructor(values: ReadonlyMap<string, string> | Record<string, string> = {}) {
    const map = values instanceof Map ? new Map(values) : new Map(Object.entries(values));
    const unknown: string[] = [];
    for (const [key, value] of map) {
      const d = BROKER_CONFIG_BY_NAME.get(key);
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

  /** The value of a broker config as Kafka would report it: set value, else default. */
  get(name: string): string | null {
    const set = this.#values.get(name);
    if (set !== undefined) return set;
    return BROKER_CONFIG_BY_NAME.get(name)?.default ?? null;
  }

  isSet(name: string): boolean {
    return this.#values.has(name);
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
    switch (topicConfig) {
      case 'segment.ms':
        return String(this.segmentMs);
      case 'retention.ms':
        return String(this.retentionMs);
      case 'flush.ms':
        return String(this.flushMs);
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
