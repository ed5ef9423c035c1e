// The producer's identity for idempotence and transactions (KIP-98): a producer id and
// epoch from InitProducerId, the next sequence number per partition, and, with a
// transactional id, the transaction state machine the Java client's TransactionManager
// follows.
//
// Idempotence: every batch carries (producerId, producerEpoch, baseSequence); the broker
// keeps the last five batches per producer and partition and answers a retried one with
// its first offsets instead of writing it twice. When a batch is lost for good (its
// sequence will never arrive) later ones would be OUT_OF_ORDER_SEQUENCE_NUMBER forever:
// as the Java client (KIP-360), an idempotent producer then bumps its epoch
// (InitProducerId with its current id and epoch, v3+; a new id on older brokers) and
// starts every partition at sequence 0 again.
//
// Transactions, classic flow (KIP-98): InitProducerId to the transaction coordinator
// (fencing older instances with the same transactional id), AddPartitionsToTxn before the
// first batch to a partition, AddOffsetsToTxn then TxnOffsetCommit to the group
// coordinator for consumed offsets, and EndTxn to commit or abort. Versions are capped
// where a newer one would mean transactions v2 (KIP-890: AddPartitionsToTxn 4+ is
// broker-only, EndTxn 5 and TxnOffsetCommit 5 bump the epoch per transaction, Produce 12+
// adds partitions implicitly). Transactions v2 is used when the coordinator's ApiVersions
// finalizes `transaction.version` >= 2 and serves EndTxn 5: no AddPartitionsToTxn nor
// AddOffsetsToTxn, and the epoch EndTxn returns replaces ours.
//
// Errors: a failed batch or request inside a transaction makes it abortable (commit throws
// the error; abortTransaction() recovers); PRODUCER_FENCED, INVALID_PRODUCER_EPOCH and
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED are fatal: the producer can only be closed.

import { API, ErrorCode, type TxnOffsetCommitRequest } from '../../protocol/index.ts';
import type { ClientCore } from '../client.ts';
import type { Connection } from '../connection.ts';
import { COORDINATOR_GROUP, COORDINATOR_TRANSACTION, coordinatorMoved, findCoordinator } from '../coordinator.ts';
import { KafkaError } from '../errors.ts';

export type TransactionState = 'uninitialized' | 'ready' | 'in-transaction' | 'committing' | 'aborting' | 'abortable-error' | 'fatal-error';

/** The consumer group whose offsets a transaction commits (Consumer.groupMetadata()). */
export interface ConsumerGroupMetadata {
  groupId: string;
  /** -1 and '' outside a generation: the coordinator then checks nothing (Kafka < 2.5 behaviour). */
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

export interface TransactionOffset {
  topic: string;
  partition: number;
  /** The offset of the next record to consume (the position), as with commit(). */
  offset: number;
  metadata?: string | null;
}

const MAX_SEQUENCE = 0x7fffffff;
/** Codes after which the transactional producer can only be closed. */
const FATAL = new Set<number>([
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  ErrorCode.INVALID_PRODUCER_ID_MAPPING,
]);
/** Retries of CONCURRENT_TRANSACTIONS (a previous EndTxn still writing markers) are many and short, as Java's. */
const TXN_RETRIES = 50;

export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

export class ProducerSession {
  readonly transactionalId: string | null;
  readonly #core: ClientCore;
  readonly #transactionTimeoutMs: number;
  producerId = -1;
  producerEpoch = -1;
  #sequences = new Map<string, number>();
  #state: TransactionState = 'uninitialized';
  #error: KafkaError | undefined;
  #coordinator: Connection | undefined;
  /** Partitions added to the current transaction ("topic\0partition"). */
  #partitions = new Set<string>();
  #v2 = false;
  /** The current transaction sent a batch or offsets: it needs an EndTxn. */
  #started = false;
  #initializing: Promise<void> | undefined;
  /** Set when a batch was lost for good: the next drain bumps the epoch first. */
  bumpNeeded = false;

  constructor(core: ClientCore, transactionalId: string | null, transactionTimeoutMs: number) {
    this.#core = core;
    this.transactionalId = transactionalId;
    this.#transactionTimeoutMs = transactionTimeoutMs;
  }

  get state(): TransactionState {
    return this.#state;
  }

  get transactional(): boolean {
    return this.transactionalId !== null;
  }

  /** Transactions v2 (KIP-890) in use: partitions join transactions implicitly. */
  get v2(): boolean {
    return this.#v2;
  }

  /** Sequence for the next batch of `count` records to a partition; advances it (wrapping as Kafka does). */
  nextSequence(topic: string, partition: number, count: number): number {
    const k = `${topic}\0${partition}`;
    const base = this.#sequences.get(k) ?? 0;
    this.#sequences.set(k, (base + count) % (MAX_SEQUENCE + 1));
    return base;
  }

  /** An idempotent producer's id and epoch, fetched once (concurrent callers share the request). */
  async ensureIdentity(): Promise<void> {
    if (this.producerId >= 0 && !this.bumpNeeded) return;
    this.#initializing ??= this.#initProducerId().finally(() => (this.#initializing = undefined));
    await this.#initializing;
  }

  /**
   * InitProducerId. Without a transactional id, to any broker; with one, to its coordinator,
   * which fences older instances and aborts their open transaction. With a current id and
   * epoch (KIP-360, v3+) the broker bumps the epoch instead of handing out a new id.
   */
  async #initProducerId(): Promise<void> {
    await this.#core.retry(
      'initProducerId',
      async () => {
        const connection = this.transactional ? await this.#coordinatorConnection() : await this.#core.metadata.anyConnection();
        const body = API.InitProducerId.createRequest();
        body.transactionalId = this.transactionalId;
        body.transactionTimeoutMs = this.#transactionTimeoutMs;
        const bump = this.producerId >= 0 && connection.versionFor(API.InitProducerId) >= 3;
        body.producerId = BigInt(bump ? this.producerId : -1);
        body.producerEpoch = bump ? this.producerEpoch : -1;
        const response = await connection.request(API.InitProducerId, body);
        this.#checkCoordinator(response.errorCode);
        this.producerId = Number(response.producerId);
        this.producerEpoch = response.producerEpoch;
        this.#sequences.clear();
        this.bumpNeeded = false;
        if (this.transactional) {
          this.#v2 = connection.featureLevel('transaction.version') >= 2 && connection.versionFor(API.EndTxn) >= 5;
        }
      },
      { retries: TXN_RETRIES },
    );
  }

  async #coordinatorConnection(): Promise<Connection> {
    if (this.#coordinator !== undefined && !this.#coordinator.closed) return this.#coordinator;
    this.#coordinator = await findCoordinator(this.#core, this.transactionalId!, COORDINATOR_TRANSACTION);
    return this.#coordinator;
  }

  /** Throws the error of a coordinator answer, forgetting the coordinator when it moved. */
  #checkCoordinator(code: number, options: { topic?: string; partition?: number } = {}): void {
    const error = KafkaError.fromCode(code, options);
    if (error === null) return;
    if (coordinatorMoved(code)) this.#coordinator = undefined;
    throw error;
  }

  // ---- the transaction state machine ----

  async initTransactions(): Promise<void> {
    this.#requireTransactional('initTransactions');
    if (this.#state !== 'uninitialized') throw this.#stateError('initTransactions');
    try {
      await this.ensureIdentity();
    } catch (err) {
      throw this.#fail(err);
    }
    this.#state = 'ready';
  }

  beginTransaction(): void {
    this.#requireTransactional('beginTransaction');
    if (this.#state !== 'ready') throw this.#stateError('beginTransaction');
    this.#partitions.clear();
    this.#started = false;
    this.#state = 'in-transaction';
  }

  /** Sends may happen: in a transaction, or any time without a transactional id. */
  checkSend(): void {
    if (!this.transactional) return;
    if (this.#state === 'fatal-error' || this.#state === 'abortable-error') throw this.#error!;
    if (this.#state !== 'in-transaction') throw this.#stateError('send');
  }

  /**
   * Adds partitions to the transaction before batches go to them (classic flow). A failure
   * makes the transaction abortable and is thrown for the batches waiting on it.
   */
  async addPartitions(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    if (!this.transactional) return;
    if (partitions.length > 0) this.#started = true;
    if (this.#v2) return; // Produce v12+ adds them (KIP-890)
    if (this.#state === 'abortable-error' || this.#state === 'fatal-error') throw this.#error!;
    const missing = partitions.filter((tp) => !this.#partitions.has(`${tp.topic}\0${tp.partition}`));
    if (missing.length === 0) return;
    const byTopic = new Map<string, number[]>();
    for (const tp of missing) {
      let l = byTopic.get(tp.topic);
      if (l === undefined) byTopic.set(tp.topic, (l = []));
      if (!l.includes(tp.partition)) l.push(tp.partition);
    }
    try {
      await this.#core.retry(
        'addPartitionsToTxn',
        async () => {
          const connection = await this.#coordinatorConnection();
          const body = API.AddPartitionsToTxn.createRequest();
          body.v3AndBelowTransactionalId = this.transactionalId!;
          body.v3AndBelowProducerId = BigInt(this.producerId);
          body.v3AndBelowProducerEpoch = this.producerEpoch;
          body.v3AndBelowTopics = [...byTopic].map(([name, ps]) => ({ name, partitions: ps }));
          // Versions 4+ are for brokers (verifyOnly); clients stay at 3 or below.
          const response = await connection.request(API.AddPartitionsToTxn, body, { version: Math.min(3, connection.versionFor(API.AddPartitionsToTxn)) });
          this.#checkCoordinator(response.errorCode);
          const errors: KafkaError[] = [];
          for (const t of response.resultsByTopicV3AndBelow) {
            for (const p of t.resultsByPartition) {
              // OPERATION_NOT_ATTEMPTED: another partition of the request failed.
              if (p.partitionErrorCode === ErrorCode.OPERATION_NOT_ATTEMPTED) continue;
              const e = KafkaError.fromCode(p.partitionErrorCode, { topic: t.name, partition: p.partitionIndex });
              if (e !== null) errors.push(e);
            }
          }
          if (errors.length > 0) {
            if (errors.some((e) => coordinatorMoved(e.code))) this.#coordinator = undefined;
            throw KafkaError.collect(errors, 'AddPartitionsToTxn failed');
          }
        },
        { retries: TXN_RETRIES },
      );
    } catch (err) {
      throw this.#fail(err);
    }
    for (const tp of missing) this.#partitions.add(`${tp.topic}\0${tp.partition}`);
  }

  /** AddOffsetsToTxn (classic), then TxnOffsetCommit to the group's coordinator. */
  async sendOffsets(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    this.#requireTransactional('sendOffsetsToTransaction');
    if (this.#state === 'abortable-error' || this.#state === 'fatal-error') throw this.#error!;
    if (this.#state !== 'in-transaction') throw this.#stateError('sendOffsetsToTransaction');
    this.#started = true;
    try {
      if (!this.#v2) {
        await this.#core.retry(
          'addOffsetsToTxn',
          async () => {
            const connection = await this.#coordinatorConnection();
            const body = API.AddOffsetsToTxn.createRequest();
            body.transactionalId = this.transactionalId!;
            body.producerId = BigInt(this.producerId);
            body.producerEpoch = this.producerEpoch;
            body.groupId = group.groupId;
            const response = await connection.request(API.AddOffsetsToTxn, body);
            this.#checkCoordinator(response.errorCode);
          },
          { retries: TXN_RETRIES },
        );
      }
      let groupCoordinator: Connection | undefined;
      await this.#core.retry(
        'txnOffsetCommit',
        async () => {
          if (groupCoordinator === undefined || groupCoordinator.closed) groupCoordinator = await findCoordinator(this.#core, group.groupId, COORDINATOR_GROUP);
          const body: TxnOffsetCommitRequest = API.TxnOffsetCommit.createRequest();
          body.transactionalId = this.transactionalId!;
          body.groupId = group.groupId;
          body.producerId = BigInt(this.producerId);
          body.producerEpoch = this.producerEpoch;
          body.generationId = group.generationId ?? -1;
          body.memberId = group.memberId ?? '';
          body.groupInstanceId = group.groupInstanceId ?? null;
          const byTopic = new Map<string, TransactionOffset[]>();
          for (const o of offsets) {
            let l = byTopic.get(o.topic);
            if (l === undefined) byTopic.set(o.topic, (l = []));
            l.push(o);
          }
          body.topics = [...byTopic].map(([name, os]) => ({
            name,
            partitions: os.map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: o.metadata ?? null })),
          }));
          const max = groupCoordinator.versionFor(API.TxnOffsetCommit);
          const response = await groupCoordinator.request(API.TxnOffsetCommit, body, { version: this.#v2 ? max : Math.min(4, max) });
          const errors: KafkaError[] = [];
          for (const t of response.topics) {
            for (const p of t.partitions) {
              const e = KafkaError.fromCode(p.errorCode, { topic: t.name, partition: p.partitionIndex });
              if (e !== null) errors.push(e);
            }
          }
          if (errors.length > 0) {
            if (errors.some((e) => coordinatorMoved(e.code))) groupCoordinator = undefined;
            throw KafkaError.collect(errors, 'TxnOffsetCommit failed');
          }
        },
        { retries: TXN_RETRIES },
      );
    } catch (err) {
      throw this.#fail(err);
    }
  }

  /** Before EndTxn: the transaction must be open (commit) or open or abortable (abort). */
  startEnd(commit: boolean): void {
    this.#requireTransactional(commit ? 'commitTransaction' : 'abortTransaction');
    if (this.#state === 'fatal-error') throw this.#error!;
    if (commit && this.#state === 'abortable-error') throw this.#error!;
    if (this.#state !== 'in-transaction' && (commit || this.#state !== 'abortable-error')) {
      throw this.#stateError(commit ? 'commitTransaction' : 'abortTransaction');
    }
    this.#state = commit ? 'committing' : 'aborting';
  }

  /**
   * EndTxn. A transaction that never sent a batch or offsets needs none (the coordinator
   * has nothing open, and answers a commit of nothing with INVALID_TXN_STATE); Java skips
   * it too.
   */
  async end(commit: boolean, batchFailed: boolean): Promise<void> {
    try {
      if (this.#started) {
        await this.#core.retry(
          'endTxn',
          async () => {
            const connection = await this.#coordinatorConnection();
            const body = API.EndTxn.createRequest();
            body.transactionalId = this.transactionalId!;
            body.producerId = BigInt(this.producerId);
            body.producerEpoch = this.producerEpoch;
            body.committed = commit;
            const max = connection.versionFor(API.EndTxn);
            const response = await connection.request(API.EndTxn, body, { version: this.#v2 ? max : Math.min(4, max) });
            this.#checkCoordinator(response.errorCode);
            // Transactions v2: the coordinator bumped the epoch; sequences start over.
            if (this.#v2 && response.producerEpoch >= 0) {
              this.producerId = Number(response.producerId);
              this.producerEpoch = response.producerEpoch;
              this.#sequences.clear();
            }
          },
          { retries: TXN_RETRIES },
        );
      }
      // A lost batch left a gap in some partition's sequences: start over with a new epoch.
      if (batchFailed && !this.#v2) {
        this.bumpNeeded = true;
        await this.ensureIdentity();
      }
    } catch (err) {
      throw this.#fail(err, commit ? undefined : 'abortable-error');
    }
    this.#partitions.clear();
    this.#error = undefined;
    this.#state = 'ready';
  }

  /**
   * Records a failure: fatal codes end the producer; anything else inside a transaction
   * makes it abortable. Returns the error to throw.
   */
  #fail(err: unknown, state?: TransactionState): unknown {
    if (!(err instanceof KafkaError)) return err;
    const codes = err.errors.length > 0 ? err.errors.map((e) => e.code) : [err.code];
    if (codes.some((c) => FATAL.has(c))) {
      this.#state = 'fatal-error';
      this.#error = err;
    } else if (this.#state === 'in-transaction' || this.#state === 'committing' || this.#state === 'aborting') {
      this.#state = state ?? 'abortable-error';
      this.#error = err;
    }
    return err;
  }

  /** A batch of the transaction failed: the transaction can only be aborted. */
  batchFailed(err: unknown): void {
    this.#fail(err);
  }

  #requireTransactional(operation: string): void {
    if (!this.transactional) throw new KafkaError(ErrorCode.INVALID_TXN_STATE, `${operation}() needs the transactionalId option`);
  }

  #stateError(operation: string): KafkaError {
    return new KafkaError(ErrorCode.INVALID_TXN_STATE, `${operation}() is not allowed in transaction state '${this.#state}'`);
  }
}
