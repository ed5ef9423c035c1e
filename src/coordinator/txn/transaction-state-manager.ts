// The transaction coordinator of one broker, wired to storage (Kafka's
// TransactionStateManager plus the marker writer): owns the internal topic
// __transaction_state (created on first need), replays it when the broker starts and then
// recovers interrupted transactions, writes transaction markers into the partitions' logs,
// and runs the two schedules: transactions past their timeout are aborted (every
// transaction.abort.timed.out.transaction.cleanup.interval.ms) and idle transactional ids
// expire (transactional.id.expiration.ms, checked every
// transaction.remove.expired.transaction.cleanup.interval.ms). The broker wraps it as a
// component; handlers only call it.

import { encodeEndTxnMarkerBatch, encodeRecordBatch, ErrorCode } from '../../protocol/index.ts';
import type { LogManager, PartitionLog } from '../../storage/index.ts';
import { replayInternalTopic } from '../internal-topic.ts';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue, partitionForTransactionalId, type TransactionLogValue } from './records.ts';
import { TransactionCoordinator, type TopicPartitionRef } from './transaction-coordinator.ts';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface TransactionStateManagerOptions {
  logs: LogManager;
  /** A broker config as a number (transaction.*, transactional.id.*). */
  config(name: string): number;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  generateProducerId(): bigint;
  /** Called after an append (wakes long-polling fetches). */
  appended?: (log: PartitionLog) => void;
  /** Called after a marker is written (the group coordinator completes transactional offsets). */
  markerWritten?: (tp: TopicPartitionRef, producerId: bigint, commit: boolean) => void;
}

export class TransactionStateManager {
  readonly coordinator: TransactionCoordinator;
  readonly #options: TransactionStateManagerOptions;
  readonly #now: () => number;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(options: TransactionStateManagerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.coordinator = new TransactionCoordinator(
      {
        now: this.#now,
        generateProducerId: options.generateProducerId,
        partitionExists: (tp) => options.logs.partition(tp.topic, tp.partition) !== undefined,
        writeMarker: (tp, producerId, producerEpoch, commit) => this.#writeMarker(tp, producerId, producerEpoch, commit),
        persist: (transactionalId, value) => this.#persist(transactionalId, value),
        warn: (message) => options.log?.('warn', message),
      },
      options.config('transaction.max.timeout.ms'),
    );
  }

  /** Replays __transaction_state (the last record of each id wins), recovers, starts the schedules. */
  start(): void {
    this.#load();
    this.#every('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'aborting timed out transactions', () => this.abortTimedOut());
    this.#every('transaction.remove.expired.transaction.cleanup.interval.ms', 'expiring transactional ids', () => this.expireTransactionalIds());
  }

  stop(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }

  #every(config: string, what: string, task: () => void): void {
    const timer = setInterval(() => {
      try {
        task();
      } catch (err) {
        this.#options.log?.('warn', `${what} failed: ${(err as Error).message}`, { cause: err });
      }
    }, Math.min(Math.max(1, this.#options.config(config)), 0x7fffffff));
    timer.unref();
    this.#timers.push(timer);
  }

  /** One timeout pass now (also for tests); the transactional ids aborted. */
  abortTimedOut(now = this.#now()): string[] {
    if (this.#options.logs.closed) return [];
    const aborted = this.coordinator.abortTimedOut(now);
    for (const id of aborted) this.#options.log?.('info', `aborted transaction ${id}: it outlived its timeout`);
    return aborted;
  }

  /** One transactional.id.expiration.ms pass now (also for tests); the ids forgotten. */
  expireTransactionalIds(now = this.#now()): string[] {
    if (this.#options.logs.closed) return [];
    const expired = this.coordinator.expireTransactionalIds(now, this.#options.config('transactional.id.expiration.ms'));
    if (expired.length > 0) this.#options.log?.('info', `expired ${expired.length} transactional ids`);
    return expired;
  }

  #load(): void {
    replayInternalTopic(this.#options.logs, TRANSACTION_STATE_TOPIC, (r) => {
      const id = r.key ? decodeTransactionLogKey(r.key) : null;
      if (id === null) return;
      let value: TransactionLogValue | null = null;
      try {
        value = r.value ? decodeTransactionLogValue(r.value) : null;
      } catch (err) {
        this.#options.log?.('warn', `skipping an undecodable ${TRANSACTION_STATE_TOPIC} record of ${id}`, { cause: err });
        return;
      }
      if (r.value && !value) return;
      this.coordinator.load(id, value);
    });
    for (const done of this.coordinator.recover()) this.#options.log?.('info', `recovered transaction ${done}`);
  }

  /**
   * WriteTxnMarkers (a coordinator elsewhere asks): the marker is refused with
   * INVALID_PRODUCER_EPOCH when the partition knows a newer epoch of the producer, or for a
   * transactions v2 marker (KIP-1228), an equal one, since v2 markers carry the bumped epoch.
   */
  writeMarker(tp: TopicPartitionRef, producerId: bigint, producerEpoch: number, commit: boolean, v2 = false): number {
    const log = this.#options.logs.partition(tp.topic, tp.partition);
    if (!log) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const current = log.producers().find((e) => e.producerId === producerId)?.producerEpoch;
    if (current !== undefined && (producerEpoch < current || (v2 && producerEpoch === current))) return ErrorCode.INVALID_PRODUCER_EPOCH;
    return this.#writeMarker(tp, producerId, producerEpoch, commit);
  }

  #writeMarker(tp: TopicPartitionRef, producerId: bigint, producerEpoch: number, commit: boolean): number {
    const log = this.#options.logs.partition(tp.topic, tp.partition);
    if (!log) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    try {
      log.append(encodeEndTxnMarkerBatch({ producerId, producerEpoch, commit, coordinatorEpoch: 0, timestamp: this.#now() }));
    } catch (err) {
      this.#options.log?.('error', `writing a transaction marker to ${tp.topic}-${tp.partition} failed`, { cause: err });
      return ErrorCode.KAFKA_STORAGE_ERROR;
    }
    this.#options.appended?.(log);
    this.#options.markerWritten?.(tp, producerId, commit);
    return 0;
  }

  #persist(transactionalId: string, value: TransactionLogValue | null): number {
    const log = this.#stateLog(transactionalId);
    if (!log) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    try {
      const record = { key: encodeTransactionLogKey(transactionalId), value: value === null ? null : encodeTransactionLogValue(value) };
      log.append(encodeRecordBatch([record], { timestamp: this.#now() }));
      return 0;
    } catch (err) {
      this.#options.log?.('error', `append to ${TRANSACTION_STATE_TOPIC} failed`, { cause: err });
      return ErrorCode.KAFKA_STORAGE_ERROR;
    }
  }

  /** The __transaction_state partition of a transactional id, creating the topic on first use. */
  #stateLog(transactionalId: string): PartitionLog | undefined {
    const { logs, config } = this.#options;
    let topic = logs.topic(TRANSACTION_STATE_TOPIC);
    if (!topic) {
      try {
        topic = logs.createTopic(TRANSACTION_STATE_TOPIC, {
          partitions: config('transaction.state.log.num.partitions'),
          configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(config('transaction.state.log.segment.bytes')) },
        });
        this.#options.log?.('info', `created internal topic ${TRANSACTION_STATE_TOPIC}`);
      } catch (err) {
        this.#options.log?.('error', `creating ${TRANSACTION_STATE_TOPIC} failed`, { cause: err });
        return undefined;
      }
    }
    return logs.partition(TRANSACTION_STATE_TOPIC, partitionForTransactionalId(transactionalId, topic.partitions));
  }
}
