// The transaction coordinator's state machine (Kafka's TransactionCoordinator and
// TransactionMetadata), classic flow and transactions v2 (KIP-890). One TransactionMetadata
// per transactional id; every change runs synchronously on the event loop, so a
// transactional id's state changes are serialized. Storage and markers are reached through
// hooks (transaction-state-manager.ts wires them to the logs).
//
// States (Kafka's names): Empty -> Ongoing (partitions added) -> PrepareCommit |
// PrepareAbort (EndTxn) -> CompleteCommit | CompleteAbort once every marker is written.
// Markers are written synchronously, so the Prepare states last only inside one call (or
// across a crash, and recovery completes them).
//
// Partitions join a transaction three ways: AddPartitionsToTxn / AddOffsetsToTxn (classic;
// the offsets partition of the group is __consumer_offsets-<partitionFor(group)>), or
// implicitly, when a Produce v12+ or TxnOffsetCommit v5+ reaches a partition (KIP-890 part
// 2). In the classic flow the partition leader verifies that a transactional batch's
// partition was added before writing it (KIP-890 part 1, `verify`), so that no hanging
// transaction can start.
//
// Epochs: InitProducerId bumps the epoch (aborting an ongoing transaction first; a new
// producer id when the epoch would reach Short.MAX_VALUE). Transactions v2 bump it again at
// every EndTxn: the Prepare state, and the markers, carry epoch + 1 (lastProducerEpoch keeps
// the old one, so that a retried EndTxn is recognised), and EndTxn v5 answers with the new
// producer id and epoch; when the epoch is exhausted, a next producer id is allocated and
// becomes current, at epoch 0, when the transaction completes. A timed-out or fenced
// transaction is aborted with the epoch bumped, fencing its producer at every partition:
// once, and once more for the v2 end (timeouts and recovery always, as Kafka's timeouts follow
// the cluster's transaction.version; InitProducerId's fence when the transaction was v2).
//
// Durability: every state change is written to __transaction_state (records.ts, through the
// persist hook) before the answer. After a restart, load() takes the last record of each
// transactional id and recover() finishes what was interrupted.

import type { TransactionLogValue } from './records.ts';

export type TxnState = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort' | 'Dead';

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export interface TransactionMetadata {
  transactionalId: string;
  producerId: bigint;
  /** The producer id before the last rotation (KIP-360 retries), or -1. */
  previousProducerId: bigint;
  /** Transactions v2: the producer id that becomes current when the transaction completes, or -1. */
  nextProducerId: bigint;
  producerEpoch: number;
  /** The epoch before the last bump (a retry of the bumping call is recognised by it), or -1. */
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** `topic\0partition` keys. */
  partitions: Map<string, TopicPartitionRef>;
  startTimestamp: number;
  lastUpdateTimestamp: number;
  /** 2 when the transaction runs under transactions v2 (KIP-890 part 2), else 0. */
  clientTransactionVersion: number;
}

export interface TxnCoordinatorHooks {
  now(): number;
  generateProducerId(): bigint;
  /** Appends a COMMIT or ABORT marker to the partition; returns 0 or an error code. */
  writeMarker(tp: TopicPartitionRef, producerId: bigint, producerEpoch: number, commit: boolean): number;
  partitionExists(tp: TopicPartitionRef): boolean;
  /** Writes the transactional id's state (null: a tombstone) to __transaction_state; 0 or an error code. */
  persist?(transactionalId: string, value: TransactionLogValue | null): number;
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
  TRANSACTION_ABORTABLE: 120,
} as const;

const MAX_EPOCH = 32767;
export const TRANSACTION_VERSION_2 = 2;

/** Kafka never hands out Short.MAX_VALUE, so that a coordinator can always fence. */
function exhausted(epoch: number): boolean {
  return epoch >= MAX_EPOCH - 1;
}

function key(tp: TopicPartitionRef): string {
  return `${tp.topic}\0${tp.partition}`;
}

/** How partitions join: AddPartitionsToTxn, a leader's check of a classic batch, or v2's implicit add. */
export type EnlistMode = 'add' | 'verify' | 'implicit';

export interface EndTxnResult {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
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

  /** InitProducerId with a transactional id (Kafka's prepareInitProducerIdTransit). */
  initProducerId(transactionalId: string, timeoutMs: number, expectedProducerId: bigint, expectedEpoch: number): EndTxnResult {
    const fail = (errorCode: number) => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    if (timeoutMs <= 0 || timeoutMs > this.#maxTimeoutMs) return fail(E.INVALID_TRANSACTION_TIMEOUT);
    const now = this.#hooks.now();
    let t = this.#txns.get(transactionalId);
    if (!t) {
      t = {
        transactionalId,
        producerId: this.#hooks.generateProducerId(),
        previousProducerId: -1n,
        nextProducerId: -1n,
        producerEpoch: 0,
        lastProducerEpoch: -1,
        timeoutMs,
        state: 'Empty',
        partitions: new Map(),
        startTimestamp: -1,
        lastUpdateTimestamp: now,
        clientTransactionVersion: 0,
      };
      this.#txns.set(transactionalId, t);
      this.#persist(t);
      return { errorCode: 0, producerId: t.producerId, producerEpoch: t.producerEpoch };
    }
    const expected = expectedProducerId >= 0n;
    // KIP-360: the named producer id must be the current one, or the previous one with its
    // epoch exhausted (a retry after a rotation).
    if (expected && expectedProducerId !== t.producerId && !(expectedProducerId === t.previousProducerId && exhausted(expectedEpoch))) {
      return fail(E.PRODUCER_FENCED);
    }
    if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort') return fail(E.CONCURRENT_TRANSACTIONS);
    // The abort markers of an ongoing transaction carry a bumped epoch, which fences the
    // old producer at every partition of the transaction, as Kafka does.
    if (t.state === 'Ongoing') this.#fenceAndAbort(t, t.clientTransactionVersion === TRANSACTION_VERSION_2);
    if (expected && expectedProducerId === t.producerId && !exhausted(t.producerEpoch) && expectedEpoch !== t.producerEpoch) {
      // A retry of a successful call: answer the current epoch without bumping again.
      if (expectedEpoch !== t.lastProducerEpoch) return fail(E.PRODUCER_FENCED);
    } else if (exhausted(t.producerEpoch)) {
      t.previousProducerId = t.producerId;
      t.lastProducerEpoch = expected ? t.producerEpoch : -1;
      t.producerId = this.#hooks.generateProducerId();
      t.producerEpoch = 0;
    } else {
      t.lastProducerEpoch = expected ? t.producerEpoch : -1;
      t.producerEpoch++;
    }
    t.timeoutMs = timeoutMs;
    t.state = 'Empty';
    t.partitions.clear();
    t.startTimestamp = -1;
    t.lastUpdateTimestamp = now;
    t.clientTransactionVersion = 0;
    this.#persist(t);
    return { errorCode: 0, producerId: t.producerId, producerEpoch: t.producerEpoch };
  }

  /** The checks every transactional request starts with; 0 or an error code. */
  #validate(t: TransactionMetadata | undefined, producerId: bigint, producerEpoch: number): number {
    if (!t) return E.INVALID_PRODUCER_ID_MAPPING;
    if (t.producerId !== producerId) return E.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch !== t.producerEpoch) return E.PRODUCER_FENCED;
    if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort') return E.CONCURRENT_TRANSACTIONS;
    return 0;
  }

  /**
   * Partitions joining the transaction, one error code each. `add`: AddPartitionsToTxn and
   * AddOffsetsToTxn; `implicit`: transactions v2 (Produce v12+, TxnOffsetCommit v5+), the
   * same and the transaction marked as v2; `verify`: a classic batch's partition must already
   * be in the ongoing transaction, else TRANSACTION_ABORTABLE (Kafka's
   * handleVerifyPartitionsInTransaction).
   */
  enlist(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: TopicPartitionRef[], mode: EnlistMode = 'add'): number[] {
    const t = this.#txns.get(transactionalId);
    const error = this.#validate(t, producerId, producerEpoch);
    if (error !== 0) return partitions.map(() => error);
    if (mode === 'verify') return partitions.map((tp) => (t!.state === 'Ongoing' && t!.partitions.has(key(tp)) ? 0 : E.TRANSACTION_ABORTABLE));
    const unknown = partitions.map((tp) => (this.#hooks.partitionExists(tp) ? 0 : E.UNKNOWN_TOPIC_OR_PARTITION));
    if (unknown.some((c) => c !== 0)) return unknown.map((c) => (c === 0 ? E.OPERATION_NOT_ATTEMPTED : c));
    const now = this.#hooks.now();
    let changed = false;
    if (t!.state !== 'Ongoing') {
      t!.state = 'Ongoing';
      t!.partitions.clear();
      t!.startTimestamp = now;
      t!.clientTransactionVersion = mode === 'implicit' ? TRANSACTION_VERSION_2 : 0;
      changed = true;
    } else if (mode === 'implicit' && t!.clientTransactionVersion !== TRANSACTION_VERSION_2) {
      t!.clientTransactionVersion = TRANSACTION_VERSION_2;
      changed = true;
    }
    for (const tp of partitions) {
      const k = key(tp);
      if (t!.partitions.has(k)) continue;
      t!.partitions.set(k, tp);
      changed = true;
    }
    t!.lastUpdateTimestamp = now;
    if (changed) this.#persist(t!);
    return partitions.map(() => 0);
  }

  /**
   * EndTxn. Classic (v0-4): strict epoch, no bump; a retry after completion with the same
   * result succeeds. Transactions v2 (v5): the epoch is bumped, and Kafka's table decides:
   * a retry carries the epoch before the bump; ABORT without a transaction is allowed (it
   * bumps the epoch); the answer carries the producer id and epoch to use next.
   */
  endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, v2 = false): EndTxnResult {
    const fail = (errorCode: number) => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    const t = this.#txns.get(transactionalId);
    if (!t) return fail(E.INVALID_PRODUCER_ID_MAPPING);
    if (!v2) {
      if (t.producerId !== producerId) return fail(E.INVALID_PRODUCER_ID_MAPPING);
      if (producerEpoch !== t.producerEpoch) return fail(E.PRODUCER_FENCED);
      switch (t.state) {
        case 'Ongoing':
          return { ...this.#complete(t, commit, false), producerId: -1n, producerEpoch: -1 };
        case 'CompleteCommit':
          return fail(commit ? 0 : E.INVALID_TXN_STATE);
        case 'CompleteAbort':
          return fail(commit ? E.INVALID_TXN_STATE : 0);
        case 'PrepareCommit':
        case 'PrepareAbort':
          return fail((t.state === 'PrepareCommit') === commit ? E.CONCURRENT_TRANSACTIONS : E.INVALID_TXN_STATE);
        default:
          return fail(E.INVALID_TXN_STATE);
      }
    }
    const retryOnOverflow = t.previousProducerId === producerId && producerEpoch === MAX_EPOCH - 1 && t.producerEpoch === 0;
    const retryOnBump = t.producerEpoch === producerEpoch + 1;
    if (t.producerId !== producerId && !retryOnOverflow) return fail(E.INVALID_PRODUCER_ID_MAPPING);
    const completed = t.state === 'CompleteCommit' || t.state === 'CompleteAbort';
    const validEpoch = completed ? retryOnBump || retryOnOverflow || producerEpoch === t.producerEpoch : producerEpoch === t.producerEpoch;
    if (!validEpoch) return fail(E.PRODUCER_FENCED);
    const isRetry = retryOnBump || retryOnOverflow;
    const current = () => ({ errorCode: 0, producerId: t.producerId, producerEpoch: t.producerEpoch });
    switch (t.state) {
      case 'Ongoing':
        return this.#complete(t, commit, true);
      case 'CompleteCommit':
        if (commit) return isRetry ? current() : fail(E.INVALID_TXN_STATE);
        return isRetry ? fail(E.INVALID_TXN_STATE) : this.#complete(t, false, true);
      case 'CompleteAbort':
        if (!commit) return isRetry ? current() : this.#complete(t, false, true);
        return fail(E.INVALID_TXN_STATE);
      case 'Empty':
        return commit ? fail(E.INVALID_TXN_STATE) : this.#complete(t, false, true);
      case 'PrepareCommit':
      case 'PrepareAbort':
        return fail((t.state === 'PrepareCommit') === commit ? E.CONCURRENT_TRANSACTIONS : E.INVALID_TXN_STATE);
      default:
        return fail(E.INVALID_TXN_STATE);
    }
  }

  /**
   * Prepare (persisted), markers to every partition, Complete (persisted). With `bump`
   * (transactions v2) the Prepare state and the markers carry epoch + 1, and an exhausted
   * epoch moves to a next producer id at completion. Returns the id and epoch to use next.
   */
  #complete(t: TransactionMetadata, commit: boolean, bump: boolean): EndTxnResult {
    const now = this.#hooks.now();
    if (bump) {
      if (exhausted(t.producerEpoch)) t.nextProducerId = this.#hooks.generateProducerId();
      t.lastProducerEpoch = t.producerEpoch;
      t.producerEpoch++;
      t.clientTransactionVersion = TRANSACTION_VERSION_2;
      // An abort without partitions (v2) still needs a start time.
      if (t.state !== 'Ongoing') t.startTimestamp = now;
    }
    t.state = commit ? 'PrepareCommit' : 'PrepareAbort';
    t.lastUpdateTimestamp = now;
    this.#persist(t);
    return this.#writeMarkersAndComplete(t);
  }

  #writeMarkersAndComplete(t: TransactionMetadata): EndTxnResult {
    const commit = t.state === 'PrepareCommit';
    let failed = 0;
    for (const tp of t.partitions.values()) {
      const code = this.#hooks.writeMarker(tp, t.producerId, t.producerEpoch, commit);
      if (code !== 0 && code !== E.UNKNOWN_TOPIC_OR_PARTITION) {
        this.#hooks.warn(`transaction ${t.transactionalId}: writing the ${commit ? 'commit' : 'abort'} marker to ${tp.topic}-${tp.partition} failed (${code})`);
        failed = code;
      }
    }
    t.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    if (t.clientTransactionVersion === TRANSACTION_VERSION_2 && t.nextProducerId >= 0n) {
      t.previousProducerId = t.producerId;
      t.producerId = t.nextProducerId;
      t.producerEpoch = 0;
      t.nextProducerId = -1n;
    }
    t.partitions.clear();
    t.lastUpdateTimestamp = this.#hooks.now();
    this.#persist(t);
    return { errorCode: failed, producerId: t.producerId, producerEpoch: t.producerEpoch };
  }

  /**
   * Aborts an Ongoing transaction with the epoch bumped (Kafka's epoch fence). With
   * `v2End`, the abort then bumps it once more, as a transactions v2 end does (Kafka's
   * timeouts use the cluster's transaction.version, 2): the fenced epoch, never handed out,
   * becomes the last epoch, so the producer's own epoch is not taken for a retry.
   */
  #fenceAndAbort(t: TransactionMetadata, v2End: boolean): void {
    if (t.producerEpoch < MAX_EPOCH) t.producerEpoch++;
    t.lastProducerEpoch = -1;
    if (v2End && t.producerEpoch < MAX_EPOCH) {
      t.lastProducerEpoch = t.producerEpoch;
      t.producerEpoch++;
      t.clientTransactionVersion = TRANSACTION_VERSION_2;
    }
    t.state = 'PrepareAbort';
    t.lastUpdateTimestamp = this.#hooks.now();
    this.#persist(t);
    this.#writeMarkersAndComplete(t);
  }

  #value(t: TransactionMetadata): TransactionLogValue {
    const byTopic = new Map<string, number[]>();
    for (const tp of t.partitions.values()) {
      const list = byTopic.get(tp.topic) ?? [];
      list.push(tp.partition);
      byTopic.set(tp.topic, list);
    }
    return {
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      transactionTimeoutMs: t.timeoutMs,
      status: t.state,
      partitions: [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
      lastUpdateTimestampMs: t.lastUpdateTimestamp,
      startTimestampMs: t.startTimestamp,
      previousProducerId: t.previousProducerId,
      nextProducerId: t.nextProducerId,
      nextProducerEpoch: -1,
      clientTransactionVersion: t.clientTransactionVersion,
    };
  }

  #persist(t: TransactionMetadata): void {
    const code = this.#hooks.persist?.(t.transactionalId, this.#value(t)) ?? 0;
    if (code !== 0) this.#hooks.warn(`transaction ${t.transactionalId}: writing its state to __transaction_state failed (${code})`);
  }

  /** Loading: the last record of a transactional id (null: a tombstone). */
  load(transactionalId: string, v: TransactionLogValue | null): void {
    if (v === null || v.status === 'Dead') {
      this.#txns.delete(transactionalId);
      return;
    }
    const partitions = new Map<string, TopicPartitionRef>();
    for (const p of v.partitions) for (const partition of p.partitionIds) partitions.set(key({ topic: p.topic, partition }), { topic: p.topic, partition });
    this.#txns.set(transactionalId, {
      transactionalId,
      producerId: v.producerId,
      previousProducerId: v.previousProducerId ?? -1n,
      nextProducerId: v.nextProducerId ?? -1n,
      producerEpoch: v.producerEpoch,
      lastProducerEpoch: -1,
      timeoutMs: v.transactionTimeoutMs,
      state: v.status === 'PrepareEpochFence' ? 'PrepareAbort' : v.status,
      partitions,
      startTimestamp: v.startTimestampMs,
      lastUpdateTimestamp: v.lastUpdateTimestampMs,
      clientTransactionVersion: v.clientTransactionVersion ?? 0,
    });
  }

  /** After loading: aborts Ongoing transactions (fencing their producer) and completes Prepare ones. */
  recover(): string[] {
    const done: string[] = [];
    for (const t of this.#txns.values()) {
      if (t.state === 'Ongoing') this.#fenceAndAbort(t, true);
      else if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort') this.#writeMarkersAndComplete(t);
      else continue;
      done.push(`${t.transactionalId}: ${t.state}`);
    }
    return done;
  }

  /** Aborts, with an epoch bump that fences the producer, every transaction past its timeout. */
  abortTimedOut(now = this.#hooks.now()): string[] {
    const aborted: string[] = [];
    for (const t of this.#txns.values()) {
      if (t.state !== 'Ongoing' || now - t.startTimestamp <= t.timeoutMs) continue;
      this.#fenceAndAbort(t, true);
      aborted.push(t.transactionalId);
    }
    return aborted;
  }

  /**
   * transactional.id.expiration.ms: a transactional id without a transaction in progress,
   * not updated for that long, is forgotten (a tombstone in __transaction_state), as Kafka's
   * removeExpiredTransactionalIds does.
   */
  expireTransactionalIds(now: number, expirationMs: number): string[] {
    const expired: string[] = [];
    for (const t of [...this.#txns.values()]) {
      if (t.state !== 'Empty' && t.state !== 'CompleteCommit' && t.state !== 'CompleteAbort') continue;
      if (now - t.lastUpdateTimestamp < expirationMs) continue;
      const code = this.#hooks.persist?.(t.transactionalId, null) ?? 0;
      if (code !== 0) continue;
      this.#txns.delete(t.transactionalId);
      expired.push(t.transactionalId);
    }
    return expired;
  }
}
