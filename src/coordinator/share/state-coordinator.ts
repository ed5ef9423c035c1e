// The share coordinator of KIP-932: the durable state of every share partition (group, topic
// id, partition), kept in the internal topic __share_group_state, which it creates on first
// need with share.coordinator.state.topic.num.partitions partitions. The broker's share
// partitions (share-partition.ts) read their state from here when they start and write
// every change back, as Kafka's share-partition leader does through its persister; the
// inter-broker APIs (InitializeShareGroupState, ReadShareGroupState, WriteShareGroupState,
// DeleteShareGroupState, ReadShareGroupStateSummary) are served from here as well.
//
// Records (state-records.ts): an initialization, and every
// share.coordinator.snapshot.update.records.per.snapshot-th write, is a ShareSnapshot with
// the whole state; other writes are a ShareUpdate with the batches that changed. Replaying
// applies a snapshot as the state and each later update of the same snapshot epoch on top.
// As in Kafka the topic is not compacted (one update key per share partition would lose
// all but the last update): cleanup.policy=delete, retention.ms=-1, and after each snapshot
// the records below the oldest latest-snapshot of the partition's share partitions are
// deleted (Kafka's pruning).
//
// Fencing, as Kafka's share coordinator: a write or read with a leader epoch below the
// stored one gets FENCED_LEADER_EPOCH, a write or initialization with a state epoch below
// (initialization: not above) the stored one FENCED_STATE_EPOCH. Reading a share partition
// with no state answers start offset -1 and no batches (uninitialized).

import { encodeRecordBatch, ErrorCode, type RecordInput } from '../../protocol/index.ts';
import type { LogManager, PartitionLog } from '../../storage/index.ts';
import { ensureInternalTopic, replayInternalTopic } from '../internal-topic.ts';
import { javaStringHashCode } from '../group/records.ts';
import {
  RECORD_TYPE_SHARE_SNAPSHOT,
  RECORD_TYPE_SHARE_UPDATE,
  combineStateBatches,
  decodeShareSnapshotValue,
  decodeShareStateKey,
  decodeShareUpdateValue,
  encodeShareSnapshotValue,
  encodeShareStateKey,
  encodeShareUpdateValue,
  type ShareSnapshotValue,
  type StateBatch,
} from './state-records.ts';

export const SHARE_STATE_TOPIC = '__share_group_state';

export interface ShareStateOptions {
  logs: LogManager;
  config(name: string): number;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Called after an append (wakes long-polling fetches). */
  appended?: (log: PartitionLog) => void;
}

/** The stored state of one share partition: its last snapshot with the updates since applied. */
export interface ShareState extends ShareSnapshotValue {
  /** Updates written since the last snapshot. */
  updates: number;
  /** Offset of the last snapshot record in __share_group_state (for pruning). */
  snapshotOffset: number;
}

export interface ShareStateWrite {
  stateEpoch: number;
  leaderEpoch: number;
  /** -1 leaves the start offset as it is. */
  startOffset: number;
  deliveryCompleteCount: number;
  stateBatches: StateBatch[];
}

export interface SharePartitionId {
  groupId: string;
  topicId: string;
  partition: number;
}

/** Kafka's SharePartitionKey.asCoordinatorKey(): the FindCoordinator SHARE key too. */
export function shareCoordinatorKey(groupId: string, topicId: string, partition: number): string {
  return `${groupId}:${topicId}:${partition}`;
}

/** The __share_group_state partition of a share partition: Utils.abs(key.hashCode) % partitions. */
export function partitionForShareState(groupId: string, topicId: string, partition: number, partitions: number): number {
  const h = javaStringHashCode(shareCoordinatorKey(groupId, topicId, partition));
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}

export class ShareStateCoordinator {
  readonly #options: ShareStateOptions;
  readonly #now: () => number;
  readonly #states = new Map<string, ShareState>();
  #stopped = false;

  constructor(options: ShareStateOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    const started = this.#now();
    const { logs } = this.#options;
    const records = replayInternalTopic(logs, SHARE_STATE_TOPIC, (record) => {
      if (record.key) this.#replay(record.key, record.value, record.offset);
    });
    if (records > 0) this.#options.log?.('info', `loaded ${this.#states.size} share-partition states from ${records} records of ${SHARE_STATE_TOPIC}`, { ms: this.#now() - started });
  }

  stop(): void {
    this.#stopped = true;
  }

  /** Ensures __share_group_state exists (FindCoordinator with a SHARE key creates it). */
  ensureTopic(): boolean {
    try {
      const existed = this.#options.logs.topic(SHARE_STATE_TOPIC) !== undefined;
      const topic = ensureInternalTopic(
        this.#options.logs,
        SHARE_STATE_TOPIC,
        this.#options.config('share.coordinator.state.topic.num.partitions'),
        this.#options.config('share.coordinator.state.topic.segment.bytes'),
        { 'cleanup.policy': 'delete', 'retention.ms': '-1' },
      );
      if (!existed) this.#options.log?.('info', `created internal topic ${topic.name}`);
      return true;
    } catch (err) {
      this.#options.log?.('error', `creating ${SHARE_STATE_TOPIC} failed`, { cause: err });
      return false;
    }
  }

  state(groupId: string, topicId: string, partition: number): ShareState | undefined {
    return this.#states.get(shareCoordinatorKey(groupId, topicId, partition));
  }

  /** The share partitions of a group that have state. */
  partitionsOf(groupId: string): { topicId: string; partition: number }[] {
    const out: { topicId: string; partition: number }[] = [];
    for (const key of this.#states.keys()) {
      const [group, topicId, partition] = splitKey(key);
      if (group === groupId) out.push({ topicId, partition });
    }
    return out;
  }

  /** Groups that have share-partition state. */
  groupIds(): Set<string> {
    return new Set([...this.#states.keys()].map((key) => splitKey(key)[0]));
  }

  // -- the share state operations (the inter-broker APIs) --------------------------------

  /** InitializeShareGroupState: a fresh snapshot at `startOffset` (state epoch must rise). */
  initialize(id: SharePartitionId, stateEpoch: number, startOffset: number): number {
    const key = shareCoordinatorKey(id.groupId, id.topicId, id.partition);
    const existing = this.#states.get(key);
    if (existing && stateEpoch <= existing.stateEpoch) return ErrorCode.FENCED_STATE_EPOCH;
    const now = this.#now();
    const state: ShareState = {
      snapshotEpoch: existing ? existing.snapshotEpoch + 1 : 0,
      stateEpoch,
      leaderEpoch: -1,
      startOffset,
      deliveryCompleteCount: 0,
      createTimestamp: now,
      writeTimestamp: now,
      stateBatches: [],
      updates: 0,
      snapshotOffset: -1,
    };
    return this.#writeSnapshot(id, state);
  }

  read(id: SharePartitionId, leaderEpoch: number): { errorCode: number; state: ShareState | null } {
    const state = this.#states.get(shareCoordinatorKey(id.groupId, id.topicId, id.partition));
    if (!state) return { errorCode: 0, state: null };
    if (leaderEpoch !== -1 && leaderEpoch < state.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, state: null };
    if (leaderEpoch > state.leaderEpoch) {
      // A new leader epoch is recorded, as Kafka's read does, so an older leader is fenced.
      const error = this.write(id, { stateEpoch: state.stateEpoch, leaderEpoch, startOffset: -1, deliveryCompleteCount: state.deliveryCompleteCount, stateBatches: [] });
      if (error !== 0) return { errorCode: error, state: null };
    }
    return { errorCode: 0, state };
  }

  /** WriteShareGroupState: the changed batches (and maybe a new start offset) over the state. */
  write(id: SharePartitionId, w: ShareStateWrite): number {
    const key = shareCoordinatorKey(id.groupId, id.topicId, id.partition);
    const existing = this.#states.get(key);
    const now = this.#now();
    if (existing) {
      if (w.leaderEpoch !== -1 && w.leaderEpoch < existing.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
      if (w.stateEpoch < existing.stateEpoch) return ErrorCode.FENCED_STATE_EPOCH;
    }
    const startOffset = w.startOffset === -1 ? (existing?.startOffset ?? -1) : w.startOffset;
    const next: ShareState = {
      snapshotEpoch: existing?.snapshotEpoch ?? 0,
      stateEpoch: existing?.stateEpoch ?? w.stateEpoch,
      leaderEpoch: w.leaderEpoch === -1 ? (existing?.leaderEpoch ?? -1) : w.leaderEpoch,
      startOffset,
      deliveryCompleteCount: w.deliveryCompleteCount,
      createTimestamp: existing?.createTimestamp ?? now,
      writeTimestamp: now,
      stateBatches: combineStateBatches(existing?.stateBatches ?? [], w.stateBatches, startOffset),
      updates: (existing?.updates ?? 0) + 1,
      snapshotOffset: existing?.snapshotOffset ?? -1,
    };
    if (!existing || existing.updates >= this.#options.config('share.coordinator.snapshot.update.records.per.snapshot')) {
      next.snapshotEpoch = existing ? existing.snapshotEpoch + 1 : 0;
      next.updates = 0;
      return this.#writeSnapshot(id, next);
    }
    const value = encodeShareUpdateValue({
      snapshotEpoch: next.snapshotEpoch,
      leaderEpoch: next.leaderEpoch,
      startOffset: w.startOffset,
      deliveryCompleteCount: w.deliveryCompleteCount,
      stateBatches: w.stateBatches,
    });
    const appended = this.#append(id, [{ key: encodeShareStateKey(RECORD_TYPE_SHARE_UPDATE, id.groupId, id.topicId, id.partition), value }]);
    if (typeof appended === 'number') return appended;
    this.#states.set(key, next);
    return 0;
  }

  /** DeleteShareGroupState: tombstones for both record keys; no state is not an error. */
  delete(id: SharePartitionId): number {
    const key = shareCoordinatorKey(id.groupId, id.topicId, id.partition);
    if (!this.#states.has(key)) return 0;
    const appended = this.#append(id, [
      { key: encodeShareStateKey(RECORD_TYPE_SHARE_SNAPSHOT, id.groupId, id.topicId, id.partition), value: null },
      { key: encodeShareStateKey(RECORD_TYPE_SHARE_UPDATE, id.groupId, id.topicId, id.partition), value: null },
    ]);
    if (typeof appended === 'number') return appended;
    this.#states.delete(key);
    return 0;
  }

  // -- records ------------------------------------------------------------------------------

  #writeSnapshot(id: SharePartitionId, state: ShareState): number {
    const value = encodeShareSnapshotValue({
      snapshotEpoch: state.snapshotEpoch,
      stateEpoch: state.stateEpoch,
      leaderEpoch: state.leaderEpoch,
      startOffset: state.startOffset,
      deliveryCompleteCount: state.deliveryCompleteCount,
      createTimestamp: state.createTimestamp,
      writeTimestamp: state.writeTimestamp,
      stateBatches: state.stateBatches,
    });
    const appended = this.#append(id, [{ key: encodeShareStateKey(RECORD_TYPE_SHARE_SNAPSHOT, id.groupId, id.topicId, id.partition), value }]);
    if (typeof appended === 'number') return appended;
    state.snapshotOffset = appended.offset;
    this.#states.set(shareCoordinatorKey(id.groupId, id.topicId, id.partition), state);
    this.#prune(appended.log, appended.partition);
    return 0;
  }

  /** Appends to the share partition's state partition; the first record's offset, or an error code. */
  #append(id: SharePartitionId, records: RecordInput[]): { offset: number; log: PartitionLog; partition: number } | number {
    if (this.#stopped || !this.ensureTopic()) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const { logs } = this.#options;
    const topic = logs.topic(SHARE_STATE_TOPIC)!;
    const partition = partitionForShareState(id.groupId, id.topicId, id.partition, topic.partitions);
    const log = logs.partition(SHARE_STATE_TOPIC, partition);
    if (!log) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    try {
      const { baseOffset } = log.append(encodeRecordBatch(records, { timestamp: this.#now() }));
      this.#options.appended?.(log);
      return { offset: baseOffset, log, partition };
    } catch (err) {
      this.#options.log?.('error', `append to ${log.topic}-${log.partition} failed`, { cause: err });
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  /** Deletes the records every share partition of this state partition has a later snapshot of. */
  #prune(log: PartitionLog, partition: number): void {
    const partitions = this.#options.logs.topic(SHARE_STATE_TOPIC)?.partitions ?? 0;
    let min = Infinity;
    for (const [key, state] of this.#states) {
      const [groupId, topicId, p] = splitKey(key);
      if (partitionForShareState(groupId, topicId, p, partitions) !== partition) continue;
      if (state.snapshotOffset < 0) return; // loaded without knowing its snapshot: keep all
      min = Math.min(min, state.snapshotOffset);
    }
    if (!Number.isFinite(min) || min <= log.logStartOffset) return;
    try {
      this.#options.logs.deleteRecordsBefore(log, min);
    } catch (err) {
      this.#options.log?.('warn', `pruning ${log.topic}-${log.partition} failed`, { cause: err });
    }
  }

  #replay(keyBytes: Buffer, value: Buffer | null, offset: number): void {
    try {
      const key = decodeShareStateKey(keyBytes);
      if (!key) return;
      const mapKey = shareCoordinatorKey(key.groupId, key.topicId, key.partition);
      if (value === null) {
        this.#states.delete(mapKey);
        return;
      }
      if (key.recordType === RECORD_TYPE_SHARE_SNAPSHOT) {
        const v = decodeShareSnapshotValue(value);
        this.#states.set(mapKey, { ...v, updates: 0, snapshotOffset: offset });
        return;
      }
      const state = this.#states.get(mapKey);
      const v = decodeShareUpdateValue(value);
      if (!state || v.snapshotEpoch !== state.snapshotEpoch) return; // an update of an older snapshot
      if (v.startOffset !== -1) state.startOffset = v.startOffset;
      if (v.leaderEpoch !== -1) state.leaderEpoch = v.leaderEpoch;
      state.deliveryCompleteCount = v.deliveryCompleteCount;
      state.stateBatches = combineStateBatches(state.stateBatches, v.stateBatches, state.startOffset);
      state.updates++;
    } catch (err) {
      this.#options.log?.('warn', `skipping an undecodable ${SHARE_STATE_TOPIC} record`, { cause: err });
    }
  }
}

/** A state key back into group id, topic id and partition (a group id may contain ':'; the others never do). */
function splitKey(key: string): [string, string, number] {
  const parts = key.split(':');
  return [parts.slice(0, -2).join(':'), parts[parts.length - 2]!, Number(parts[parts.length - 1])];
}
