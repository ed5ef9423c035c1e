// The data directory of one broker (Kafka's LogManager, one log dir): the directory lock,
// meta.properties, the topic metadata log, one PartitionLog per partition directory
// `<topic>-<partition>`, the recovery-point and log-start-offset checkpoints, and the
// clean-shutdown marker that lets the next start skip recovery.
//
// Layout (docs/storage.md):
//   .lock                              held while a broker runs (pid file)
//   meta.properties                    version, cluster.id, node.id
//   runnel-metadata.log                topics, partitions, configs (checksummed records)
//   recovery-point-offset-checkpoint   topic partition offset
//   log-start-offset-checkpoint        topic partition offset
//   .kafka_cleanshutdown               present only between a clean close and the next open
//   <topic>-<partition>/               segments, partition.metadata
//
// open() is synchronous, like every storage call.

import { ConfigError, CorruptLogError, DataDirLockedError, StorageError } from '../errors.ts';
import { randomUuid } from '../protocol/primitives/uuid.ts';
import { MemoryFileSystem, PendingDirSync, nodeFileSystem, removeSoon, type FileLock, type FileSystem } from './fs.ts';
import { LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, readOffsetCheckpoint, writeFileAtomically, writeOffsetCheckpoint } from './log/checkpoint.ts';
import { cleanLog, type CleanOptions, type CleanResult } from './log/cleaner.ts';
import { isOff, resolveLogConfig, type LogConfig, type LogDefaults } from './log/config.ts';
import { PartitionLog, deleteDirName } from './log/partition-log.ts';
import { readPartitionMetadata } from './log/partition-metadata.ts';
import type { Decompress } from './log/records.ts';
import type { RecoveryStats } from './log/recovery.ts';
import { defaultStorageLogger, type StorageLogger } from './logger.ts';
import { loadOrCreateMetaProperties } from './meta/meta-properties.ts';
import { METADATA_LOG } from './meta/metadata-log.ts';
import { TopicStore, type ClientQuota, type QuotaEntity, type TopicMetadata } from './meta/topic-store.ts';
import { validateTopicName } from './topic-name.ts';
import { join, resolve } from 'node:path';

export const CLEAN_SHUTDOWN_MARKER = '.kafka_cleanshutdown';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
export const LOCK_FILE = '.lock';
const MEMORY_ROOT = '/runnel-memory';

export interface LogManagerDefaults extends LogDefaults {
  /** log.flush.offset.checkpoint.interval.ms (default 60000). */
  flushOffsetCheckpointIntervalMs?: number;
}

export interface LogManagerOptions {
  /** A directory path, or 'memory' for an in-memory store. */
  dataDir: string;
  nodeId: number;
  defaults: LogManagerDefaults;
  /** The file system; defaults to node:fs, or a fresh MemoryFileSystem for 'memory'. */
  fs?: FileSystem;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  logger?: StorageLogger;
  /** Lets ListOffsets by timestamp look inside compressed batches (see log/records.ts). */
  decompress?: Decompress;
}

export interface CreateTopicOptions {
  partitions: number;
  configs?: Readonly<Record<string, string>>;
  topicId?: string;
}

const PARTITION_DIR = /^(.+)-(\d+)$/;
/** Partitions created between two pauses of createTopicGradually (a few ms of system calls). */
const CREATE_SLICE = 10;
/**
 * Partitions whose directories a gradual deletion renames between two pauses: closing a
 * partition's files and renaming its directory take ~30 µs of system calls here, so a topic
 * of 1,000 partitions deleted at once held the event loop for 25-72 ms.
 */
const DELETE_SLICE = 100;
const DELETE_DIR = /^.+-\d+\.[0-9a-f]{32}-delete$/;

export class LogManager {
  readonly dataDir: string;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly fs: FileSystem;
  /** Whether the previous run ended with a clean close (and recovery was skipped). */
  readonly cleanShutdown: boolean;
  #defaults: LogManagerDefaults;
  #clock: () => number;
  #logger: StorageLogger;
  #decompress: Decompress | undefined;
  #lock: FileLock;
  #store!: TopicStore;
  #logs = new Map<string, PartitionLog[]>();
  /** Topics whose partitions are being made (createTopicGradually): taken, but not visible yet. */
  readonly #creating = new Set<string>();
  /**
   * Deleted topics whose directories are still being renamed away (a gradual deleteTopic),
   * with the rest of that work: a topic created under the same name finishes it first, so
   * that its new directories cannot meet the old ones.
   */
  readonly #deleting = new Map<string, Generator<void, void, void>>();
  #checkpointTimer: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #flushPeriodMs = Infinity;
  #closed = false;
  /** First dirty offset per `topic-partition` (cleaner-offset-checkpoint). */
  #firstDirty = new Map<string, number>();
  #cleaning = false;
  /** New partition directories' names in the data directory, made durable at the first flush among them. */
  readonly #dataDirSync: PendingDirSync;

  private constructor(options: LogManagerOptions) {
    const memory = options.dataDir === 'memory';
    this.fs = options.fs ?? (memory ? new MemoryFileSystem({ trackDurability: false }) : nodeFileSystem);
    this.dataDir = memory ? MEMORY_ROOT : resolve(options.dataDir);
    this.#dataDirSync = new PendingDirSync(this.fs, this.dataDir);
    this.nodeId = options.nodeId;
    this.#defaults = options.defaults;
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger ?? defaultStorageLogger;
    this.#decompress = options.decompress;

    const fs = this.fs;
    fs.mkdir(this.dataDir);
    const locked = fs.tryLock(join(this.dataDir, LOCK_FILE));
    if (!locked.ok) {
      throw new DataDirLockedError(`Failed to acquire lock on data directory ${this.dataDir}: it is in use by ${locked.holder}`);
    }
    this.#lock = locked.lock;
    try {
      this.clusterId = loadOrCreateMetaProperties(fs, this.dataDir, this.nodeId).clusterId;
      const markerPath = join(this.dataDir, CLEAN_SHUTDOWN_MARKER);
      let clean = fs.stat(markerPath) !== undefined;
      let recoveryPoints = new Map<string, number>();
      let logStartOffsets = new Map<string, number>();
      try {
        recoveryPoints = readOffsetCheckpoint(fs, join(this.dataDir, RECOVERY_POINT_CHECKPOINT));
        logStartOffsets = readOffsetCheckpoint(fs, join(this.dataDir, LOG_START_OFFSET_CHECKPOINT));
      } catch (err) {
        if (!(err instanceof CorruptLogError)) throw err;
        this.#logger.warn(`${err.message}; recovering every log from its start`);
        clean = false;
        recoveryPoints = new Map();
      }
      this.cleanShutdown = clean;
      try {
        this.#firstDirty = readOffsetCheckpoint(fs, join(this.dataDir, CLEANER_OFFSET_CHECKPOINT));
      } catch (err) {
        if (!(err instanceof CorruptLogError)) throw err;
        this.#logger.warn(`${err.message}; the cleaner starts over`);
      }
      this.#store = TopicStore.open(fs, join(this.dataDir, METADATA_LOG), this.#logger);
      this.#sweepDirectories();
      for (const topic of this.#store.topics()) {
        const logs: PartitionLog[] = [];
        for (let p = 0; p < topic.partitions; p++) {
          const key = `${topic.name}-${p}`;
          logs.push(this.#openPartition(topic, p, clean, recoveryPoints.get(key), logStartOffsets.get(key)));
        }
        this.#logs.set(topic.name, logs);
      }
      // From here on a crash is an unclean shutdown.
      if (fs.stat(markerPath)) {
        fs.unlink(markerPath);
        fs.fsyncDir(this.dataDir);
      }
      this.checkpoint();
    } catch (err) {
      for (const logs of this.#logs.values()) for (const log of logs) closeQuietly(log);
      this.#store?.close();
      this.#lock.release();
      throw err;
    }
    this.#startTimers();
  }

  /** Locks the data directory, loads metadata and opens every partition log, recovering as needed. Synchronous. */
  static open(options: LogManagerOptions): LogManager {
    return new LogManager(options);
  }

  // -- topics ------------------------------------------------------------------------

  topics(): TopicMetadata[] {
    return this.#store.topics();
  }

  topic(name: string): TopicMetadata | undefined {
    return this.#store.byName(name);
  }

  topicById(topicId: string): TopicMetadata | undefined {
    return this.#store.byId(topicId);
  }

  partition(topic: string, index: number): PartitionLog | undefined {
    return this.#logs.get(topic)?.[index];
  }

  /** Every open partition log. */
  partitions(): PartitionLog[] {
    return [...this.#logs.values()].flat();
  }

  /** The effective log settings of a topic: the broker defaults and the topic's overrides. */
  logConfig(topicConfigs: Readonly<Record<string, string>> = {}): LogConfig {
    return resolveLogConfig(this.#defaults, topicConfigs);
  }

  /**
   * Creates a topic: its partition directories, then its metadata record (fsynced); the
   * topic is visible once both are there. Throws ConfigError for an invalid name or
   * partition count and StorageError if it exists or is being created; the broker checks
   * these first to answer with Kafka's error codes. A crash in between leaves directories of
   * no topic, which the next start sets aside (-stray).
   */
  createTopic(name: string, options: CreateTopicOptions): TopicMetadata {
    return runThrough(this.#createTopic(name, options));
  }

  /**
   * createTopic, with `pause()` awaited after every CREATE_SLICE partitions: creating a
   * partition's directory and files takes 0.1-0.5 ms of system calls, so a topic of 1,000
   * partitions made at once held a broker's event loop for 80-770 ms.
   */
  createTopicGradually(name: string, options: CreateTopicOptions, pause: () => Promise<void>): Promise<TopicMetadata> {
    return runPausing(this.#createTopic(name, options), pause);
  }

  /** The one creation both serve: yields between slices of partitions. */
  *#createTopic(name: string, options: CreateTopicOptions): Generator<void, TopicMetadata, void> {
    this.#ensureOpen();
    const problem = validateTopicName(name);
    if (problem) throw new ConfigError(problem);
    if (!Number.isInteger(options.partitions) || options.partitions < 1) throw new ConfigError(`Number of partitions must be larger than 0 (got ${options.partitions})`);
    if (this.#store.byName(name) || this.#creating.has(name)) throw new StorageError(`topic ${name} already exists`);
    this.#finishDeleting(name);
    const draft: TopicMetadata = { name, topicId: options.topicId ?? this.#newTopicId(), partitions: options.partitions, configs: { ...options.configs } };
    this.#creating.add(name);
    const logs: PartitionLog[] = [];
    try {
      for (let p = 0; p < draft.partitions; p++) {
        logs.push(this.#openPartition(draft, p, true, undefined, undefined, true));
        if ((p + 1) % CREATE_SLICE === 0 && p + 1 < draft.partitions) {
          yield;
          this.#ensureOpen();
        }
      }
      const topic = this.#store.create(draft);
      this.#settle(topic, logs);
      this.#logs.set(name, logs);
      this.#rescheduleFlusher();
      return topic;
    } catch (err) {
      for (const log of logs) closeQuietly(log);
      throw err;
    } finally {
      this.#creating.delete(name);
    }
  }

  /**
   * Partitions opened across pauses took the log config of their start: a broker default
   * changed since (setDefaults), or the topic's configs, apply to them too.
   */
  #settle(topic: TopicMetadata, logs: readonly PartitionLog[]): void {
    const config = this.logConfig(topic.configs);
    for (const log of logs) log.config = config;
  }

  /** Names of topics being created (not visible yet), for checks that must see them too. */
  get topicsBeingCreated(): ReadonlySet<string> {
    return this.#creating;
  }

  #newTopicId(): string {
    for (;;) {
      const id = randomUuid();
      if (!this.#store.byId(id)) return id;
    }
  }

  /**
   * Deletes a topic: its metadata record first (the topic is gone once this returns), then
   * its partition directories, renamed for removal in the background. With `pause`, the
   * renames go DELETE_SLICE partitions at a time with `pause()` awaited in between, after
   * this returns; without, before it returns.
   */
  deleteTopic(name: string, pause?: () => Promise<void>): TopicMetadata | undefined {
    this.#ensureOpen();
    const topic = this.#store.byName(name);
    if (!topic) return undefined;
    this.#store.remove(topic);
    for (let p = 0; p < topic.partitions; p++) this.#firstDirty.delete(`${name}-${p}`);
    const logs = this.#logs.get(name) ?? [];
    this.#logs.delete(name);
    const steps = this.#removePartitionDirs(logs);
    if (pause === undefined) {
      runThrough(steps);
      return topic;
    }
    this.#deleting.set(name, steps);
    runPausing(steps, pause)
      .catch((err: unknown) => this.#logger.warn(`deleting topic ${name}'s directories failed: ${(err as Error).message}`, { cause: err }))
      .finally(() => {
        if (this.#deleting.get(name) === steps) this.#deleting.delete(name);
      });
    return topic;
  }

  /** Runs what is left of a gradual deletion of `name`, if there is one, to its end now. */
  #finishDeleting(name: string): void {
    const steps = this.#deleting.get(name);
    if (steps === undefined) return;
    this.#deleting.delete(name);
    runThrough(steps);
  }

  /** Closes the logs and renames their directories for removal, yielding every DELETE_SLICE. */
  *#removePartitionDirs(logs: readonly PartitionLog[]): Generator<void, void, void> {
    const renamed: string[] = [];
    for (let i = 0; i < logs.length; i++) {
      const log = logs[i]!;
      try {
        const target = log.deleteAll();
        if (target !== undefined) renamed.push(target);
      } catch (err) {
        // The topic is gone from the metadata; its leftover directory is removed (-delete)
        // or set aside (-stray) on the next start.
        this.#logger.warn(`deleting ${log.dir} failed: ${(err as Error).message}`, { cause: err });
      }
      if ((i + 1) % DELETE_SLICE === 0 && i + 1 < logs.length) yield;
    }
    if (renamed.length > 0) {
      this.fs.fsyncDir(this.dataDir);
      // Off the event loop: a topic's GBs of segments take ~40 ms of unlinking per GB.
      removeSoon(this.fs, renamed);
    }
  }

  /** Sets (string) or removes (null) topic config overrides; the logs use them from their next append. */
  alterTopicConfigs(name: string, changes: Readonly<Record<string, string | null>>): TopicMetadata {
    this.#ensureOpen();
    const topic = this.#store.byName(name);
    if (!topic) throw new StorageError(`unknown topic ${name}`);
    const updated = this.#store.alterConfigs(topic, changes);
    const config = this.logConfig(updated.configs);
    for (const log of this.#logs.get(name) ?? []) log.config = config;
    this.#rescheduleFlusher();
    return updated;
  }

  /**
   * New broker-wide log defaults (a dynamic broker config changed): every log's effective
   * config is recomputed with its topic's overrides, and applies from its next append.
   */
  setDefaults(defaults: LogManagerDefaults): void {
    this.#ensureOpen();
    this.#defaults = { ...defaults, flushOffsetCheckpointIntervalMs: this.#defaults.flushOffsetCheckpointIntervalMs };
    for (const topic of this.#store.topics()) {
      const config = this.logConfig(topic.configs);
      for (const log of this.#logs.get(topic.name) ?? []) log.config = config;
    }
    this.#rescheduleFlusher();
  }

  get defaults(): Readonly<LogManagerDefaults> {
    return this.#defaults;
  }

  /** Dynamic broker configs kept in the metadata log: entity "" is the cluster-wide default, else a broker id. */
  dynamicBrokerConfigs(entity: string): Readonly<Record<string, string>> {
    return this.#store.brokerConfigs(entity);
  }

  alterDynamicBrokerConfigs(entity: string, changes: Readonly<Record<string, string | null>>): Readonly<Record<string, string>> {
    this.#ensureOpen();
    return this.#store.alterBrokerConfigs(entity, changes);
  }

  /** Group config overrides kept in the metadata log (KIP-848/KIP-932 GROUP resources). */
  groupConfigs(group: string): Readonly<Record<string, string>> {
    return this.#store.groupConfigs(group);
  }

  configuredGroups(): string[] {
    return this.#store.configuredGroups();
  }

  alterGroupConfigs(group: string, changes: Readonly<Record<string, string | null>>): Readonly<Record<string, string>> {
    this.#ensureOpen();
    return this.#store.alterGroupConfigs(group, changes);
  }

  clientQuotas(): ClientQuota[] {
    return this.#store.clientQuotas();
  }

  alterClientQuotas(entity: QuotaEntity, changes: Readonly<Record<string, number | null>>): void {
    this.#ensureOpen();
    this.#store.alterClientQuotas(entity, changes);
  }

  /**
   * One retention pass over every log (log.retention.check.interval.ms): deletes the
   * segments that retention or the log start offset make obsolete, then writes the
   * log-start-offset checkpoint if anything went. Returns the segments deleted.
   */
  deleteOldSegments(now = this.#clock()): number {
    this.#ensureOpen();
    let deleted = 0;
    for (const log of this.partitions()) {
      try {
        deleted += log.deleteOldSegments(now);
      } catch (err) {
        this.#logger.warn(`retention of ${log.topic}-${log.partition} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    if (deleted > 0) this.checkpoint();
    return deleted;
  }

  /**
   * One cleaner pass over every log with cleanup.policy compact (see log/cleaner.ts), one
   * log at a time; passes do not overlap (a call during a pass returns at once). Writes the
   * cleaner-offset-checkpoint after each cleaned log. Returns the logs cleaned.
   */
  async cleanLogs(options: Omit<CleanOptions, 'firstDirtyOffset'> = {}): Promise<CleanResult[]> {
    if (this.#cleaning || this.#closed) return [];
    this.#cleaning = true;
    const done: CleanResult[] = [];
    try {
      for (const log of this.partitions()) {
        if (this.#closed) break;
        if (log.closed || !log.config.compact) continue;
        const key = `${log.topic}-${log.partition}`;
        try {
          let firstDirtyOffset = this.#firstDirty.get(key) ?? 0;
          if (firstDirtyOffset > log.logEndOffset) firstDirtyOffset = 0; // a stale entry
          const result = await cleanLog(log, { ...options, firstDirtyOffset });
          if (!result || this.#closed) continue;
          done.push(result);
          this.#firstDirty.set(key, result.firstDirtyOffset);
          this.#writeCleanerCheckpoint();
        } catch (err) {
          if (!log.closed) this.#logger.warn(`cleaning ${key} failed: ${(err as Error).message}`, { cause: err });
        }
      }
    } finally {
      this.#cleaning = false;
    }
    return done;
  }

  /** The cleaner checkpoint of a log: offsets below it have been cleaned. */
  firstDirtyOffset(log: PartitionLog): number {
    return this.#firstDirty.get(`${log.topic}-${log.partition}`) ?? 0;
  }

  #writeCleanerCheckpoint(): void {
    const live = this.partitions().filter((l) => l.config.compact);
    writeOffsetCheckpoint(
      this.fs,
      join(this.dataDir, CLEANER_OFFSET_CHECKPOINT),
      live.map((l) => ({ topic: l.topic, partition: l.partition, offset: this.firstDirtyOffset(l) })),
    );
  }

  /** DeleteRecords on one partition: the new log start offset, checkpointed. */
  deleteRecordsBefore(log: PartitionLog, offset: number): number {
    this.#ensureOpen();
    const before = log.logStartOffset;
    const start = log.deleteRecordsBefore(offset);
    if (start !== before) this.checkpoint();
    return start;
  }

  /** Grows a topic to `totalCount` partitions. */
  /** Grows a topic to `totalCount` partitions: the new directories, then the metadata record. */
  createPartitions(name: string, totalCount: number): TopicMetadata {
    return runThrough(this.#createPartitions(name, totalCount));
  }

  /** createPartitions, with `pause()` awaited after every CREATE_SLICE new partitions (as createTopicGradually). */
  createPartitionsGradually(name: string, totalCount: number, pause: () => Promise<void>): Promise<TopicMetadata> {
    return runPausing(this.#createPartitions(name, totalCount), pause);
  }

  *#createPartitions(name: string, totalCount: number): Generator<void, TopicMetadata, void> {
    this.#ensureOpen();
    const topic = this.#store.byName(name);
    if (!topic) throw new StorageError(`unknown topic ${name}`);
    if (!Number.isInteger(totalCount) || totalCount <= topic.partitions) {
      throw new ConfigError(`Topic ${name} has ${topic.partitions} partitions; the new count ${totalCount} must be larger`);
    }
    const added: PartitionLog[] = [];
    try {
      for (let p = topic.partitions; p < totalCount; p++) {
        added.push(this.#openPartition(topic, p, true, undefined, undefined, true));
        if ((p + 1 - topic.partitions) % CREATE_SLICE === 0 && p + 1 < totalCount) {
          yield;
          this.#ensureOpen();
          const now = this.#store.byName(name);
          if (now?.topicId !== topic.topicId || now.partitions !== topic.partitions) throw new StorageError(`topic ${name} was deleted or changed while it grew`);
        }
      }
      const updated = this.#store.setPartitions(this.#store.byName(name)!, totalCount);
      this.#settle(updated, added);
      this.#logs.get(name)!.push(...added);
      return updated;
    } catch (err) {
      for (const log of added) closeQuietly(log);
      throw err;
    }
  }

  // -- partition directories ---------------------------------------------------------

  /**
   * Before opening logs: removes leftover `-delete` directories and sets aside (renames to
   * `-stray`, as Kafka does) partition directories that belong to no live topic.
   */
  #sweepDirectories(): void {
    const fs = this.fs;
    for (const name of fs.readdir(this.dataDir)) {
      const path = join(this.dataDir, name);
      if (DELETE_DIR.test(name)) {
        fs.rm(path);
        continue;
      }
      if (name.endsWith('.tmp') && !fs.stat(path)?.isDirectory) {
        fs.unlink(path);
        continue;
      }
      const m = PARTITION_DIR.exec(name);
      if (!m || !fs.stat(path)?.isDirectory) continue;
      const topic = this.#store.byName(m[1]!);
      const partition = Number(m[2]);
      const storedId = readPartitionMetadata(fs, path);
      if (topic && partition < topic.partitions && (storedId === undefined || storedId === topic.topicId)) continue;
      this.#setAside(path, name, partition, storedId === undefined ? 'no topic' : `topic id ${storedId}`);
    }
  }

  #setAside(path: string, name: string, partition: number, why: string): void {
    const target = join(this.dataDir, deleteDirName(name, partition, '-stray'));
    this.#logger.warn(`${path} (${why}) belongs to no live topic; renamed to ${target}`);
    this.fs.rename(path, target);
    this.fs.fsyncDir(this.dataDir);
  }

  #openPartition(topic: TopicMetadata, partition: number, clean: boolean, recoveryPoint: number | undefined, logStartOffset: number | undefined, fresh = false): PartitionLog {
    const fs = this.fs;
    const name = `${topic.name}-${partition}`;
    const dir = join(this.dataDir, name);
    if (fresh && fs.stat(dir)) {
      const storedId = readPartitionMetadata(fs, dir);
      if (storedId !== topic.topicId) this.#setAside(dir, name, partition, storedId === undefined ? 'no topic' : `topic id ${storedId}`);
    }
    return PartitionLog.open({
      fs,
      dir,
      topic: topic.name,
      partition,
      topicId: topic.topicId,
      config: this.logConfig(topic.configs),
      clock: this.#clock,
      logger: this.#logger,
      decompress: this.#decompress,
      cleanShutdown: clean,
      recoveryPoint,
      logStartOffset,
      parentDir: this.#dataDirSync,
    });
  }

  // -- durability --------------------------------------------------------------------

  /** Totals of what opening the logs found and did. */
  get recoveryStats(): RecoveryStats {
    const total: RecoveryStats = { cleanShutdown: this.cleanShutdown, scannedSegments: 0, scannedBytes: 0, truncatedBytes: 0, deletedSegments: 0, rebuiltIndexes: 0 };
    for (const log of this.partitions()) {
      const s = log.recoveryStats;
      total.scannedSegments += s.scannedSegments;
      total.scannedBytes += s.scannedBytes;
      total.truncatedBytes += s.truncatedBytes;
      total.deletedSegments += s.deletedSegments;
      total.rebuiltIndexes += s.rebuiltIndexes;
    }
    return total;
  }

  /** Writes recovery-point-offset-checkpoint and log-start-offset-checkpoint. */
  checkpoint(): void {
    const logs = this.partitions();
    const fs = this.fs;
    writeOffsetCheckpoint(fs, join(this.dataDir, RECOVERY_POINT_CHECKPOINT), logs.map((l) => ({ topic: l.topic, partition: l.partition, offset: l.recoveryPoint })));
    writeOffsetCheckpoint(fs, join(this.dataDir, LOG_START_OFFSET_CHECKPOINT), logs.map((l) => ({ topic: l.topic, partition: l.partition, offset: l.logStartOffset })));
  }

  /** Fsyncs every log. */
  flush(): void {
    this.#ensureOpen();
    for (const log of this.partitions()) log.flush();
  }

  #startTimers(): void {
    const every = this.#defaults.flushOffsetCheckpointIntervalMs ?? 60000;
    if (!isOff(every) && every > 0) {
      this.#checkpointTimer = setInterval(() => this.#tick('checkpoint', () => this.checkpoint()), every);
      this.#checkpointTimer.unref();
    }
    this.#rescheduleFlusher();
  }

  /** flush.ms: one timer checks every log, as often as the smallest flush.ms (10 ms to 1 s). */
  #rescheduleFlusher(): void {
    let min = isOff(this.#defaults.flushMs) ? Infinity : this.#defaults.flushMs;
    for (const log of this.partitions()) if (!isOff(log.config.flushMs)) min = Math.min(min, log.config.flushMs);
    const period = min === Infinity ? Infinity : Math.min(Math.max(min, 10), 1000);
    if (period === this.#flushPeriodMs) return;
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#flushPeriodMs = period;
    if (period === Infinity) return;
    this.#flushTimer = setInterval(() => {
      const now = this.#clock();
      for (const log of this.partitions()) this.#tick(`flush ${log.topic}-${log.partition}`, () => log.maybeFlushByTime(now));
    }, period);
    this.#flushTimer.unref();
  }

  #tick(what: string, task: () => void): void {
    if (this.#closed) return;
    try {
      task();
    } catch (err) {
      this.#logger.warn(`${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  #ensureOpen(): void {
    if (this.#closed) throw new StorageError(`log manager for ${this.dataDir} is closed`);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Flushes and closes every log, writes the checkpoints and the clean-shutdown marker, and
   * releases the lock. The next open trusts the checkpoints and skips recovery.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#checkpointTimer);
    clearInterval(this.#flushTimer);
    try {
      for (const name of [...this.#deleting.keys()]) {
        try {
          this.#finishDeleting(name);
        } catch (err) {
          this.#logger.warn(`deleting topic ${name}'s directories failed: ${(err as Error).message}`, { cause: err });
        }
      }
      for (const log of this.partitions()) log.close();
      this.checkpoint();
      this.#store.close();
      writeFileAtomically(this.fs, join(this.dataDir, CLEAN_SHUTDOWN_MARKER), Buffer.alloc(0));
    } finally {
      this.#lock.release();
    }
  }
}

/** Runs a creation or deletion (a generator that yields where it may pause) to its end at once. */
function runThrough<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs a creation or deletion to its end, awaiting `pause()` wherever it yields. */
async function runPausing<T>(steps: Generator<void, T, void>, pause: () => Promise<void>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}

function closeQuietly(log: PartitionLog): void {
  try {
    log.close();
  } catch {
    // already failing; the first error is reported
  }
}

