// Cluster metadata of a single broker, kept in the local metadata log (metadata-log.ts):
// topic names, topic ids, partition counts and config overrides; dynamic broker configs
// (per broker id, and the cluster-wide default under the entity ""); client quotas; group
// configs (KIP-848/KIP-932, Kafka keeps them as ConfigRecords of GROUP resources). Record
// types are replayed in order on start; the compacting rewrite turns the state back into
// one TOPIC record per live topic, one BROKER_CONFIGS record per entity, one CLIENT_QUOTAS
// record per quota entity and one GROUP_CONFIGS record per configured group.

import { CorruptLogError, StorageError } from '../../errors.ts';
import type { FileSystem } from '../fs.ts';
import type { StorageLogger } from '../logger.ts';
import { MetadataLog, type MetadataRecord } from './metadata-log.ts';

export interface TopicMetadata {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
  /** Topic-level config overrides (only those set on the topic). */
  readonly configs: Readonly<Record<string, string>>;
}

export const RECORD_TYPE = {
  /** A topic exists: { name, topicId, partitions, configs }. */
  TOPIC: 1,
  /** { topicId } */
  REMOVE_TOPIC: 2,
  /** { topicId, configs: { key: value | null } }, null removes the override. */
  ALTER_CONFIGS: 3,
  /** { topicId, partitions } with the new total count. */
  CREATE_PARTITIONS: 4,
  /** { entity: "" (cluster default) or a broker id, configs: { key: value | null } }. */
  BROKER_CONFIGS: 5,
  /** { entity: [[entityType, entityName | null], ...] sorted by type, quotas: { key: number | null } }. */
  CLIENT_QUOTAS: 6,
  /** { group, configs: { key: value | null } }, null removes the override. */
  GROUP_CONFIGS: 7,
} as const;

/** A client quota entity: (entity type, name) pairs, sorted by type; a null name is the default entity. */
export type QuotaEntity = readonly (readonly [string, string | null])[];

export interface ClientQuota {
  readonly entity: QuotaEntity;
  readonly quotas: Readonly<Record<string, number>>;
}

/** Rewrite the log when it holds this many records more than a snapshot would. */
const COMPACT_SLACK = 256;

function fail(path: string, what: string, payload: unknown): never {
  throw new CorruptLogError(`${path}: ${what}: ${JSON.stringify(payload)}`);
}

function isStringMap(v: unknown, allowNull: boolean): v is Record<string, string | null> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((x) => typeof x === 'string' || (allowNull && x === null));
}

function freeze(t: TopicMetadata): TopicMetadata {
  return Object.freeze({ ...t, configs: Object.freeze({ ...t.configs }) });
}

export class TopicStore {
  #log: MetadataLog;
  #byName = new Map<string, TopicMetadata>();
  #byId = new Map<string, TopicMetadata>();
  #brokerConfigs = new Map<string, Readonly<Record<string, string>>>();
  #quotas = new Map<string, ClientQuota>();
  #groupConfigs = new Map<string, Readonly<Record<string, string>>>();

  private constructor(log: MetadataLog) {
    this.#log = log;
  }

  static open(fs: FileSystem, path: string, logger: StorageLogger): TopicStore {
    const { log, records } = MetadataLog.open(fs, path, logger);
    const store = new TopicStore(log);
    for (const r of records) store.#apply(r, path);
    store.#maybeCompact();
    return store;
  }

  #apply(r: MetadataRecord, path: string): void {
    const p = r.payload as Record<string, unknown>;
    if (typeof p !== 'object' || p === null) fail(path, 'malformed record', p);
    switch (r.type) {
      case RECORD_TYPE.TOPIC: {
        if (typeof p['name'] !== 'string' || typeof p['topicId'] !== 'string' || !Number.isInteger(p['partitions']) || !isStringMap(p['configs'], false)) {
          fail(path, 'malformed TOPIC record', p);
        }
        this.#put({ name: p['name'], topicId: p['topicId'], partitions: p['partitions'] as number, configs: p['configs'] as Record<string, string> });
        return;
      }
      case RECORD_TYPE.REMOVE_TOPIC: {
        const t = this.#byId.get(p['topicId'] as string);
        if (t) this.#remove(t);
        return;
      }
      case RECORD_TYPE.ALTER_CONFIGS: {
        const t = this.#byId.get(p['topicId'] as string);
        if (!isStringMap(p['configs'], true)) fail(path, 'malformed ALTER_CONFIGS record', p);
        if (t) this.#put({ ...t, configs: mergeConfigs(t.configs, p['configs'] as Record<string, string | null>) });
        return;
      }
      case RECORD_TYPE.CREATE_PARTITIONS: {
        const t = this.#byId.get(p['topicId'] as string);
        if (!Number.isInteger(p['partitions'])) fail(path, 'malformed CREATE_PARTITIONS record', p);
        if (t) this.#put({ ...t, partitions: p['partitions'] as number });
        return;
      }
      case RECORD_TYPE.BROKER_CONFIGS: {
        if (typeof p['entity'] !== 'string' || !isStringMap(p['configs'], true)) fail(path, 'malformed BROKER_CONFIGS record', p);
        const merged = mergeConfigs(this.#brokerConfigs.get(p['entity']) ?? {}, p['configs'] as Record<string, string | null>);
        if (Object.keys(merged).length === 0) this.#brokerConfigs.delete(p['entity']);
        else this.#brokerConfigs.set(p['entity'], Object.freeze(merged));
        return;
      }
      case RECORD_TYPE.CLIENT_QUOTAS: {
        const entity = p['entity'];
        const quotas = p['quotas'];
        if (!Array.isArray(entity) || typeof quotas !== 'object' || quotas === null) fail(path, 'malformed CLIENT_QUOTAS record', p);
        const key = JSON.stringify(entity);
        const merged: Record<string, number> = { ...this.#quotas.get(key)?.quotas };
        for (const [k, v] of Object.entries(quotas as Record<string, number | null>)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        if (Object.keys(merged).length === 0) this.#quotas.delete(key);
        else this.#quotas.set(key, Object.freeze({ entity: entity as QuotaEntity, quotas: Object.freeze(merged) }));
        return;
      }
      case RECORD_TYPE.GROUP_CONFIGS: {
        if (typeof p['group'] !== 'string' || !isStringMap(p['configs'], true)) fail(path, 'malformed GROUP_CONFIGS record', p);
        const merged = mergeConfigs(this.#groupConfigs.get(p['group']) ?? {}, p['configs'] as Record<string, string | null>);
        if (Object.keys(merged).length === 0) this.#groupConfigs.delete(p['group']);
        else this.#groupConfigs.set(p['group'], Object.freeze(merged));
        return;
      }
      default:
        throw new StorageError(`${path}: unknown metadata record type ${r.type}`);
    }
  }

  #put(t: TopicMetadata): TopicMetadata {
    const frozen = freeze(t);
    const old = this.#byName.get(t.name);
    if (old && old.topicId !== t.topicId) this.#byId.delete(old.topicId);
    this.#byName.set(t.name, frozen);
    this.#byId.set(t.topicId, frozen);
    return frozen;
  }

  #remove(t: TopicMetadata): void {
    this.#byName.delete(t.name);
    this.#byId.delete(t.topicId);
  }

  #commit(r: MetadataRecord): void {
    this.#log.append(r);
    this.#apply(r, this.#log.path);
    this.#maybeCompact();
  }

  #snapshot(): MetadataRecord[] {
    return [
      ...[...this.#byName.values()].map((t) => topicRecord(t)),
      ...[...this.#brokerConfigs].map(([entity, configs]) => ({ type: RECORD_TYPE.BROKER_CONFIGS, payload: { entity, configs } })),
      ...[...this.#quotas.values()].map((q) => ({ type: RECORD_TYPE.CLIENT_QUOTAS, payload: { entity: q.entity, quotas: q.quotas } })),
      ...[...this.#groupConfigs].map(([group, configs]) => ({ type: RECORD_TYPE.GROUP_CONFIGS, payload: { group, configs } })),
    ];
  }

  #maybeCompact(): void {
    if (this.#log.recordCount <= this.#byName.size + this.#brokerConfigs.size + this.#quotas.size + this.#groupConfigs.size + COMPACT_SLACK) return;
    this.#log.rewrite(this.#snapshot());
  }

  /** Rewrites the log as a snapshot now. */
  compact(): void {
    this.#log.rewrite(this.#snapshot());
  }

  /** Dynamic broker configs of an entity: a broker id, or "" for the cluster-wide default. */
  brokerConfigs(entity: string): Readonly<Record<string, string>> {
    return this.#brokerConfigs.get(entity) ?? {};
  }

  alterBrokerConfigs(entity: string, changes: Readonly<Record<string, string | null>>): Readonly<Record<string, string>> {
    this.#commit({ type: RECORD_TYPE.BROKER_CONFIGS, payload: { entity, configs: changes } });
    return this.brokerConfigs(entity);
  }

  /** A group's config overrides (only those set on the group). */
  groupConfigs(group: string): Readonly<Record<string, string>> {
    return this.#groupConfigs.get(group) ?? {};
  }

  /** The groups with config overrides. */
  configuredGroups(): string[] {
    return [...this.#groupConfigs.keys()];
  }

  alterGroupConfigs(group: string, changes: Readonly<Record<string, string | null>>): Readonly<Record<string, string>> {
    this.#commit({ type: RECORD_TYPE.GROUP_CONFIGS, payload: { group, configs: changes } });
    return this.groupConfigs(group);
  }

  clientQuotas(): ClientQuota[] {
    return [...this.#quotas.values()];
  }

  alterClientQuotas(entity: QuotaEntity, changes: Readonly<Record<string, number | null>>): void {
    this.#commit({ type: RECORD_TYPE.CLIENT_QUOTAS, payload: { entity, quotas: changes } });
  }

  get recordCount(): number {
    return this.#log.recordCount;
  }

  topics(): TopicMetadata[] {
    return [...this.#byName.values()];
  }

  byName(name: string): TopicMetadata | undefined {
    return this.#byName.get(name);
  }

  byId(id: string): TopicMetadata | undefined {
    return this.#byId.get(id);
  }

  create(t: TopicMetadata): TopicMetadata {
    if (this.#byName.has(t.name)) throw new StorageError(`topic ${t.name} already exists`);
    if (this.#byId.has(t.topicId)) throw new StorageError(`topic id ${t.topicId} is already used by ${this.#byId.get(t.topicId)!.name}`);
    this.#commit(topicRecord(t));
    return this.#byName.get(t.name)!;
  }

  remove(t: TopicMetadata): void {
    this.#commit({ type: RECORD_TYPE.REMOVE_TOPIC, payload: { topicId: t.topicId } });
  }

  alterConfigs(t: TopicMetadata, changes: Readonly<Record<string, string | null>>): TopicMetadata {
    this.#commit({ type: RECORD_TYPE.ALTER_CONFIGS, payload: { topicId: t.topicId, configs: changes } });
    return this.#byId.get(t.topicId)!;
  }

  setPartitions(t: TopicMetadata, partitions: number): TopicMetadata {
    this.#commit({ type: RECORD_TYPE.CREATE_PARTITIONS, payload: { topicId: t.topicId, partitions } });
    return this.#byId.get(t.topicId)!;
  }

  close(): void {
    this.#log.close();
  }
}

function topicRecord(t: TopicMetadata): MetadataRecord {
  return { type: RECORD_TYPE.TOPIC, payload: { name: t.name, topicId: t.topicId, partitions: t.partitions, configs: t.configs } };
}

function mergeConfigs(base: Readonly<Record<string, string>>, changes: Readonly<Record<string, string | null>>): Record<string, string> {
  const out: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
