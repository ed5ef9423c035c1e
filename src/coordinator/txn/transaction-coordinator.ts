// The transaction coordinator (Kafka's TransactionCoordinator, classic flow, one broker).
// One TransactionMetadata per transactional id; every change runs synchronously on the
// event loop, so a transactional id's state changes are serialized.
//
// States (Kafka's names): Empty -> Ongoing (AddPartitionsToTxn / AddOffsetsToTxn) ->
// PrepareCommit | PrepareAbort (EndTxn) -> CompleteCommit | CompleteAbort once every
// marker is written. Markers are written synchronously here, so the Prepare states last
// only inside one call.
//
// Fencing: InitProducerId with a transactional id bumps the epoch (aborting an ongoing
// transaction first); requests with an older epoch get PRODUCER_FENCED (INVALID_PRODUCER_EPOCH
// for the versions before it existed is the handler's concern), with another producer id
// INVALID_PRODUCER_ID_MAPPING. An epoch at Short.MAX_VALUE - 1 moves to a new producer id.
// Timeouts: a transaction Ongoing longer than its timeout is aborted with an epoch bump,
// fencing its producer (Kafka's abortTimedOutTransactions).
//
// Durability: every state change is written to __transaction_state (records.ts, through
// the persist hook) before the answer; markers are written synchronously after the
// Prepare state is persisted. After a restart, load() takes the last record of each
// transactional id and recover() finishes what was interrupted: Ongoing transactions are
// aborted (epoch bumped, fencing the producer), Prepare states completed.
// Not yet: transactions v2 (KIP-890); the offsets of a transaction are held in memory
// until its commit (a crash between the Prepare record and the offsets loses them).

import type { TransactionLogValue } from './records.ts';

export type TxnState = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort' | 'Dead';

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export interface PendingOffset {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
}

export interface TransactionMetadata {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** `topic\0partition` keys. */
  partitions: Map<string, TopicPartitionRef>;
  /** Offsets committed in the transaction, by group. */
  pendingOffsets: Map<string, Map<string, PendingOffset>>;
  startTimestamp: number;
  lastUpdateTimestamp: number;
}

export interface TxnCoordinatorHooks {
  now(): number;
  generateProducerId(): bigint;
  /** Appends a COMMIT or ABORT marker to the partition; returns 0 or an error code. */
  writeMarker(tp: TopicPartitionRef, producerId: bigint, producerEpoch: number, commit: boolean): number;
  /** Makes a committed transaction's offsets visible; returns 0 or an error code. */
  commitOffsets(groupId: string, offsets: PendingOffset[]): number;
  partitionExists(tp: TopicPartitionRef): boolean;
  /** Writes the transactional id's state to __transaction_state; 0 or an error code. */
  persist?(transactionalId: string, value: TransactionLogValue): number;
  warn(message: string): void;
}

export const E = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  OPERATION_NOT_ATTEMPTED: 55,
  PRODUCER_FENCED: 90,
} as const;

const MAX_EPOCH = 32767;

function key(tp: TopicPartitionRef): string {
  return `${tp.topic}\0${tp.partition}`;
}

export class TransactionCoordinator {
  readonly #txns = new Map<string, TransactionMetadata>();
  readonly #hooks: TxnCoordinatorHooks;
  readonly #maxTimeoutMs: number;

  constructor(hooks: TxnCoordinatorHooks, maxTimeoutMs: number) {
    this.#hooks = hooks;
    this.#maxTimeoutMs = maxTimeoutMs;
  }

  get(transactionalId: string): TransactionMetadata | undefined {
    return this.#txns.get(transactionalId);
  }

  all(): TransactionMetadata[] {
    return [...this.#txns.values()];
  }

  /** InitProducerId with a transactional id. */
  initProducerId(transactionalId: string, timeoutMs: number, expectedProducerId: bigint, expectedEpoch: number): { errorCode: number; producerId: bigint; producerEpoch: number } {
    const fail = (errorCode: number) => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    if (timeoutMs <= 0 || timeoutMs > this.#maxTimeoutMs) return fail(E.INVALID_TRANSACTION_TIMEOUT);
    const now = this.#hooks.now();
    let t = this.#txns.get(transactionalId);
    if (!t) {
      t = {
        transactionalId,
        producerId: this.#hooks.generateProducerId(),
        producerEpoch: 0,
        timeoutMs,
        state: 'Empty',
        partitions: new Map(),
        pendingOffsets: new Map(),
        startTimestamp: -1,
        lastUpdateTimestamp: now,
      };
      this.#txns.set(transactionalId, t);
      this.#persist(t);
      return { errorCode: 0, producerId: t.producerId, producerEpoch: t.producerEpoch };
    }
    // KIP-360: a producer that names its id and epoch must hold the current (or the just
    // previous, for a retry) pair.
    if (expectedProducerId >= 0n && (expectedProducerId !== t.producerId || expectedEpoch < t.producerEpoch - 1 || expectedEpoch > t.producerEpoch)) {
      return fail(E.PRODUCER_FENCED);
    }
    // The abort markers of an ongoing transaction carry the bumped epoch, which fences the
    // old producer at every partition of the transaction, as Kafka does.
    if (t.state === 'Ongoing') {
      this.#bumpEpochKeepingId(t);
      this.#complete(t, false);
    } else {
      this.#bumpEpoch(t);
    }
    t.timeoutMs = timeoutMs;
    t.state = 'Empty';
    t.lastUpdateTimestamp = now;
    this.#persist(t);
    return { errorCode: 0, producerId: t.producerId, producerEpoch: t.producerEpoch };
  }

  #bumpEpoch(t: TransactionMetadata): void {
    if (t.producerEpoch >= MAX_EPOCH - 1) {
      t.producerId = this.#hooks.generateProducerId();
      t.producerEpoch = 0;
    } else {
      t.producerEpoch++;
    }
  }

  /** The checks every transactional request starts with; 0 or an error code. */
  #validate(t: TransactionMetadata | undefined, producerId: bigint, producerEpoch: number): number {
    if (!t) return E.INVALID_PRODUCER_ID_MAPPING;
    if (t.producerId !== producerId) return E.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch !== t.producerEpoch) return E.PRODUCER_FENCED;
    if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort') return E.CONCURRENT_TRANSACTIONS;
    return 0;
  }

  #begin(t: TransactionMetadata): void {
    if (t.state !== 'Ongoing') {
      t.state = 'Ongoing';
      t.partitions.clear();
      t.pendingOffsets.clear();
      t.startTimestamp = this.#hooks.now();
      this.#persist(t);
    }
    t.lastUpdateTimestamp = this.#hooks.now();
  }

  /** AddPartitionsToTxn; one error code per partition. */
  addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: TopicPartitionRef[], verifyOnly = false): number[] {
    const t = this.#txns.get(transactionalId);
    const error = this.#validate(t, producerId, producerEpoch);
    if (error !== 0) return partitions.map(() => error);
    const unknown = partitions.map((tp) => (this.#hooks.partitionExists(tp) ? 0 : E.UNKNOWN_TOPIC_OR_PARTITION));
    if (unknown.some((c) => c !== 0)) return unknown.map((c) => (c === 0 ? E.OPERATION_NOT_ATTEMPTED : c));
    if (verifyOnly) return partitions.map((tp) => (t!.state === 'Ongoing' && t!.partitions.has(key(tp)) ? 0 : E.INVALID_TXN_STATE));
    this.#begin(t!);
    const before = t!.partitions.size;
    for (const tp of partitions) t!.partitions.set(key(tp), tp);
    if (t!.partitions.size !== before) this.#persist(t!);
    return partitions.map(() => 0);
  }

  /** AddOffsetsToTxn: the group's offsets partition joins the transaction. */
  addOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string): number {
    const t = this.#txns.get(transactionalId);
    const error = this.#validate(t, producerId, producerEpoch);
    if (error !== 0) return error;
    this.#begin(t!);
    if (!t!.pendingOffsets.has(groupId)) t!.pendingOffsets.set(groupId, new Map());
    return 0;
  }

  /** TxnOffsetCommit: offsets held until the transaction commits. */
  commitOffsetsInTxn(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string, offsets: PendingOffset[]): number {
    const t = this.#txns.get(transactionalId);
    const error = this.#validate(t, producerId, producerEpoch);
    if (error !== 0) return error;
    const pending = t!.state === 'Ongoing' ? t!.pendingOffsets.get(groupId) : undefined;
    if (!pending) return E.INVALID_TXN_STATE;
    for (const o of offsets) pending.set(key(o), o);
    return 0;
  }

  /** EndTxn (classic): markers to every partition, then the offsets; Kafka's retry rules. */
  endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean): number {
    const t = this.#txns.get(transactionalId);
    if (!t || t.producerId !== producerId) return E.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch !== t.producerEpoch) return E.PRODUCER_FENCED;
    switch (t.state) {
      case 'Ongoing':
        return this.#complete(t, commit);
      case 'CompleteCommit':
        return commit ? 0 : E.INVALID_TXN_STATE;
      case 'CompleteAbort':
        return commit ? E.INVALID_TXN_STATE : 0;
      case 'PrepareCommit':
      case 'PrepareAbort':
        return E.CONCURRENT_TRANSACTIONS;
      default:
        return E.INVALID_TXN_STATE;
    }
  }

  #complete(t: TransactionMetadata, commit: boolean): number {
    t.state = commit ? 'PrepareCommit' : 'PrepareAbort';
    this.#persist(t);
    let failed = 0;
    for (const tp of t.partitions.values()) {
      const code = this.#hooks.writeMarker(tp, t.producerId, t.producerEpoch, commit);
      if (code !== 0 && code !== E.UNKNOWN_TOPIC_OR_PARTITION) {
        this.#hooks.warn(`transaction ${t.transactionalId}: writing the ${commit ? 'commit' : 'abort'} marker to ${tp.topic}-${tp.partition} failed (${code})`);
        failed = code;
      }
    }
    if (commit) {
      for (const [groupId, offsets] of t.pendingOffsets) {
        const code = this.#hooks.commitOffsets(groupId, [...offsets.values()]);
        if (code !== 0) this.#hooks.warn(`transaction ${t.transactionalId}: committing the offsets of group ${groupId} failed (${code})`);
      }
    }
    t.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    t.partitions.clear();
    t.pendingOffsets.clear();
    t.lastUpdateTimestamp = this.#hooks.now();
    this.#persist(t);
    return failed;
  }

  #persist(t: TransactionMetadata): void {
    const persist = this.#hooks.persist;
    if (!persist) return;
    const byTopic = new Map<string, number[]>();
    for (const tp of t.partitions.values()) {
      const list = byTopic.get(tp.topic) ?? [];
      list.push(tp.partition);
      byTopic.set(tp.topic, list);
    }
    const code = persist(t.transactionalId, {
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      transactionTimeoutMs: t.timeoutMs,
      status: t.state === 'Dead' ? 'Dead' : t.state,
      partitions: [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
      lastUpdateTimestampMs: t.lastUpdateTimestamp,
      startTimestampMs: t.startTimestamp,
    });
    if (code !== 0) this.#hooks.warn(`transaction ${t.transactionalId}: writing its state to __transaction_state failed (${code})`);
  }

  /** Loading: the last record of a transactional id (null: a tombstone). */
  load(transactionalId: string, v: TransactionLogValue | null): void {
    if (v === null) {
      this.#txns.delete(transactionalId);
      return;
    }
    const partitions = new Map<string, TopicPartitionRef>();
    for (const p of v.partitions) for (const partition of p.partitionIds) partitions.set(key({ topic: p.topic, partition }), { topic: p.topic, partition });
    this.#txns.set(transactionalId, {
      transactionalId,
      producerId: v.producerId,
      producerEpoch: v.producerEpoch,
      timeoutMs: v.transactionTimeoutMs,
      state: v.status === 'PrepareEpochFence' ? 'PrepareAbort' : v.status,
      partitions,
      pendingOffsets: new Map(),
      startTimestamp: v.startTimestampMs,
      lastUpdateTimestamp: v.lastUpdateTimestampMs,
    });
  }

  /** After loading: aborts Ongoing transactions (with an epoch bump) and completes Prepare ones. */
  recover(): string[] {
    const done: string[] = [];
    for (const t of this.#txns.values()) {
      if (t.state === 'Ongoing') {
        this.#bumpEpochKeepingId(t);
        this.#complete(t, false);
      } else if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort') {
        this.#complete(t, t.state === 'PrepareCommit');
      } else {
        continue;
      }
      done.push(`${t.transactionalId}: ${t.state}`);
    }
    return done;
  }

  /** Aborts, with an epoch bump that fences the producer, every transaction past its timeout. */
  abortTimedOut(now = this.#hooks.now()): string[] {
    const aborted: string[] = [];
    for (const t of this.#txns.values()) {
      if (t.state !== 'Ongoing' || now - t.startTimestamp <= t.timeoutMs) continue;
      this.#bumpEpochKeepingId(t);
      this.#complete(t, false);
      aborted.push(t.transactionalId);
    }
    return aborted;
  }

  /** Kafka bumps the epoch for a timeout abort, so the producer's next request is fenced. */
  #bumpEpochKeepingId(t: TransactionMetadata): void {
    if (t.producerEpoch < MAX_EPOCH - 1) t.producerEpoch++;
  }
}
