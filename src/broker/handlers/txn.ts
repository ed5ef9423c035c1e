// The exactly-once family (issue 5): producer ids and producer state.
//
// InitProducerId (key 22), versions 0-6: without a transactional id, a new producer id with
// epoch 0 from the ProducerIdManager (ids persisted by blocks, never repeated across
// restarts). As Kafka, an idempotent producer that sends its current id and epoch (KIP-360,
// v3+) also gets a fresh id. transactionTimeoutMs is ignored without a transactional id.
// DescribeProducers (key 61), version 0: per partition, the producers its producer state
// holds: last sequence, last timestamp, coordinator epoch, open transaction's first offset.
// UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist.
//
// The PRODUCER_STATE component owns the id manager and the producer.id.expiration.ms
// schedule (every producer.id.expiration.check.interval.ms, default 10 minutes; expiry
// default 1 day), reading both from the broker config (dynamic values included).
//
// Transactions, classic flow (src/coordinator/txn/transaction-coordinator.ts, the
// TXN_COORDINATOR component): InitProducerId with a transactional id (fencing by epoch
// bumps; transaction.max.timeout.ms, default 15 minutes: INVALID_TRANSACTION_TIMEOUT),
// AddPartitionsToTxn (v0-3 per producer; v4-5 batched, verifyOnly), AddOffsetsToTxn,
// TxnOffsetCommit (offsets held until the commit, then committed through the group
// coordinator), EndTxn (COMMIT/ABORT markers as control batches on every partition; the
// partitions' last stable offsets move past them). Epoch errors are PRODUCER_FENCED from
// the versions that know it (KIP-588: InitProducerId 3, AddPartitionsToTxn 2,
// AddOffsetsToTxn 2, EndTxn 2, TxnOffsetCommit 3), INVALID_PRODUCER_EPOCH before.
// Timeouts: every transaction.abort.timed.out.transaction.cleanup.interval.ms (default
// 10 s), transactions open longer than their timeout are aborted with an epoch bump.
// State: every change is written to __transaction_state (Kafka's TransactionLogKey/Value
// v0, created with transaction.state.log.num.partitions, default 50, compacted) and
// replayed at start; interrupted transactions are then aborted or completed.
// DescribeTransactions (v0): state, timeout, start time (-1 unless Ongoing), producer id and
// epoch, partitions; TRANSACTIONAL_ID_NOT_FOUND for an unknown id. ListTransactions
// (v0-2): state and producer id filters (unknown states echoed in unknownStateFilters), v1
// durationFilter (Ongoing longer than that), v2 transactionalIdPattern (a whole-id regular
// expression; INVALID_REGULAR_EXPRESSION if it does not compile).
// Not served yet: EndTxn v5 and TxnOffsetCommit v5 (transactions v2, KIP-890; both are
// capped at v4), WriteTxnMarkers (inter-broker), transactional.id.expiration.ms.

import {
  ProducerIdManager,
  TransactionCoordinator,
  decodeTransactionLogKey,
  decodeTransactionLogValue,
  encodeTransactionLogKey,
  encodeTransactionLogValue,
  partitionForTransactionalId,
  type TopicPartitionRef,
} from '../../coordinator/txn/index.ts';
import { API, ErrorCode, encodeEndTxnMarkerBatch, encodeRecordBatch } from '../../protocol/index.ts';
import { replayInternalTopic } from '../../coordinator/index.ts';
import { groupCoordinator } from './group-component.ts';
import type { Broker } from '../broker.ts';
import { defineComponent, type Component, type ComponentKey } from '../component.ts';
import type { ApiHandler } from '../dispatch.ts';
import { defineHandler } from '../dispatch.ts';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';
const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;
const DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_MS = 600_000;

function configNumber(broker: Broker, name: string, fallback: number): number {
  const v = broker.config.get(name);
  const n = v === null ? NaN : Number(v);
  return Number.isFinite(n) ? n : fallback;
}

export const PRODUCER_STATE = defineComponent('producer-state', (broker) => {
  let ids: ProducerIdManager | undefined;
  let timer: NodeJS.Timeout | undefined;
  const expire = (now = Date.now()): number => {
    if (broker.logs.closed) return 0;
    const ms = configNumber(broker, 'producer.id.expiration.ms', DEFAULT_PRODUCER_ID_EXPIRATION_MS);
    let removed = 0;
    for (const log of broker.logs.partitions()) if (!log.closed) removed += log.removeExpiredProducers(now, ms);
    return removed;
  };
  return {
    start() {
      const every = configNumber(broker, 'producer.id.expiration.check.interval.ms', DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_MS);
      timer = setInterval(() => {
        try {
          expire();
        } catch (err) {
          broker.logger.warn(`producer id expiration failed: ${(err as Error).message}`, { cause: err });
        }
      }, Math.min(Math.max(1, every), 0x7fffffff));
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    /** A new producer id (the manager is opened on first use). */
    generateProducerId(): bigint {
      ids ??= new ProducerIdManager(broker.logs.fs, broker.logs.dataDir);
      return ids.generate();
    },
    /** One expiration pass now (tests); the number of producer entries forgotten. */
    expireNow: expire,
  };
});

export const TXN_COORDINATOR = defineComponent('txn-coordinator', (broker) => {
  const coordinator = new TransactionCoordinator(
    {
      now: () => Date.now(),
      generateProducerId: () => broker.component(PRODUCER_STATE).generateProducerId(),
      partitionExists: (tp) => broker.logs.partition(tp.topic, tp.partition) !== undefined,
      writeMarker(tp: TopicPartitionRef, producerId, producerEpoch, commit) {
        const log = broker.logs.partition(tp.topic, tp.partition);
        if (!log) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        try {
          log.append(encodeEndTxnMarkerBatch({ producerId, producerEpoch, commit, coordinatorEpoch: 0, timestamp: Date.now() }));
          broker.appends.notify(log);
          return 0;
        } catch (err) {
          broker.logger.error(`writing a transaction marker to ${tp.topic}-${tp.partition} failed`, { cause: err });
          return ErrorCode.KAFKA_STORAGE_ERROR;
        }
      },
      commitOffsets(groupId, offsets) {
        const groups = groupCoordinator(broker);
        const group = groups.group(groupId) ?? groups.getOrCreate(groupId);
        if (!group) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        return groups.commitOffsets(
          group,
          offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata })),
          -1,
        );
      },
      persist(transactionalId, value) {
        const log = stateLog(transactionalId);
        if (!log) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        try {
          log.append(encodeRecordBatch([{ key: encodeTransactionLogKey(transactionalId), value: encodeTransactionLogValue(value) }], { timestamp: Date.now() }));
          return 0;
        } catch (err) {
          broker.logger.error(`append to ${TRANSACTION_STATE_TOPIC} failed`, { cause: err });
          return ErrorCode.KAFKA_STORAGE_ERROR;
        }
      },
      warn: (message) => broker.logger.warn(message),
    },
    configNumber(broker, 'transaction.max.timeout.ms', 900_000),
  );
  /** The __transaction_state partition of a transactional id, creating the topic on first use. */
  const stateLog = (transactionalId: string) => {
    let topic = broker.logs.topic(TRANSACTION_STATE_TOPIC);
    if (!topic) {
      try {
        topic = broker.logs.createTopic(TRANSACTION_STATE_TOPIC, {
          partitions: configNumber(broker, 'transaction.state.log.num.partitions', 50),
          configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(configNumber(broker, 'transaction.state.log.segment.bytes', 104_857_600)) },
        });
        broker.logger.info(`created internal topic ${TRANSACTION_STATE_TOPIC}`);
      } catch (err) {
        broker.logger.error(`creating ${TRANSACTION_STATE_TOPIC} failed`, { cause: err });
        return undefined;
      }
    }
    return broker.logs.partition(TRANSACTION_STATE_TOPIC, partitionForTransactionalId(transactionalId, topic.partitions));
  };
  /** Replays __transaction_state (the last record of each transactional id wins), then recovers. */
  const load = (): void => {
    replayInternalTopic(broker.logs, TRANSACTION_STATE_TOPIC, (r) => {
      const id = r.key ? decodeTransactionLogKey(r.key) : null;
      if (id === null) return;
      const value = r.value ? decodeTransactionLogValue(r.value) : null;
      if (r.value && !value) return;
      coordinator.load(id, value);
    });
    for (const done of coordinator.recover()) broker.logger.info(`recovered transaction ${done}`);
  };
  let timer: NodeJS.Timeout | undefined;
  const abortTimedOut = (now = Date.now()): string[] => {
    if (broker.logs.closed) return [];
    const aborted = coordinator.abortTimedOut(now);
    for (const id of aborted) broker.logger.info(`aborted transaction ${id}: it outlived its timeout`);
    return aborted;
  };
  return {
    coordinator,
    start() {
      load();
      const every = configNumber(broker, 'transaction.abort.timed.out.transaction.cleanup.interval.ms', 10_000);
      timer = setInterval(() => {
        try {
          abortTimedOut();
        } catch (err) {
          broker.logger.warn(`aborting timed out transactions failed: ${(err as Error).message}`, { cause: err });
        }
      }, Math.min(Math.max(1, every), 0x7fffffff));
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    /** One timeout pass now (tests); the transactional ids aborted. */
    abortTimedOut,
  };
});

function txns(broker: Broker): TransactionCoordinator {
  return broker.component(TXN_COORDINATOR).coordinator;
}

/** PRODUCER_FENCED for the versions that know it (KIP-588), INVALID_PRODUCER_EPOCH before. */
function fenced(code: number, apiVersion: number, firstVersion: number): number {
  return code === ErrorCode.PRODUCER_FENCED && apiVersion < firstVersion ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
}

export const initProducerIdHandler = defineHandler(API.InitProducerId, {
  handle(request, ctx) {
    const response = API.InitProducerId.createResponse();
    if (request.transactionalId !== null) {
      const r = txns(ctx.broker).initProducerId(request.transactionalId, request.transactionTimeoutMs, ctx.apiVersion >= 3 ? request.producerId : -1n, ctx.apiVersion >= 3 ? request.producerEpoch : -1);
      response.errorCode = fenced(r.errorCode, ctx.apiVersion, 3);
      response.producerId = r.producerId;
      response.producerEpoch = r.producerEpoch;
      return response;
    }
    response.producerId = ctx.broker.component(PRODUCER_STATE).generateProducerId();
    response.producerEpoch = 0;
    return response;
  },
});

export const describeProducersHandler = defineHandler(API.DescribeProducers, {
  handle(request, ctx) {
    const response = API.DescribeProducers.createResponse();
    for (const t of request.topics) {
      const partitions = t.partitionIndexes.map((partitionIndex) => {
        const log = ctx.broker.logs.partition(t.name, partitionIndex);
        if (!log) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
        return {
          partitionIndex,
          errorCode: 0,
          errorMessage: null,
          activeProducers: log.producers().map((e) => ({
            producerId: e.producerId,
            producerEpoch: e.producerEpoch,
            lastSequence: e.batches.length > 0 ? e.batches[e.batches.length - 1]!.lastSeq : -1,
            lastTimestamp: BigInt(e.lastTimestamp),
            coordinatorEpoch: e.coordinatorEpoch,
            currentTxnStartOffset: BigInt(e.currentTxnFirstOffset),
          })),
        };
      });
      response.topics.push({ name: t.name, partitions });
    }
    return response;
  },
});

export const addPartitionsToTxnHandler = defineHandler(API.AddPartitionsToTxn, {
  handle(request, ctx) {
    const response = API.AddPartitionsToTxn.createResponse();
    const coordinator = txns(ctx.broker);
    const add = (transactionalId: string, producerId: bigint, producerEpoch: number, topics: typeof request.v3AndBelowTopics, verifyOnly: boolean) => {
      const tps = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
      const codes = coordinator.addPartitions(transactionalId, producerId, producerEpoch, tps, verifyOnly);
      let i = 0;
      return topics.map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: fenced(codes[i++]!, ctx.apiVersion, 2) })),
      }));
    };
    if (ctx.apiVersion <= 3) {
      response.resultsByTopicV3AndBelow = add(request.v3AndBelowTransactionalId, request.v3AndBelowProducerId, request.v3AndBelowProducerEpoch, request.v3AndBelowTopics, false);
      return response;
    }
    response.resultsByTransaction = request.transactions.map((t) => ({
      transactionalId: t.transactionalId,
      topicResults: add(t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly),
    }));
    return response;
  },
});

export const addOffsetsToTxnHandler = defineHandler(API.AddOffsetsToTxn, {
  handle(request, ctx) {
    const response = API.AddOffsetsToTxn.createResponse();
    response.errorCode = fenced(txns(ctx.broker).addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId), ctx.apiVersion, 2);
    return response;
  },
});

export const txnOffsetCommitHandler = defineHandler(API.TxnOffsetCommit, {
  maxVersion: 4,
  handle(request, ctx) {
    const response = API.TxnOffsetCommit.createResponse();
    const offsets = request.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: ctx.apiVersion >= 2 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata ?? '' })),
    );
    const code = fenced(txns(ctx.broker).commitOffsetsInTxn(request.transactionalId, request.producerId, request.producerEpoch, request.groupId, offsets), ctx.apiVersion, 3);
    response.topics = request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) }));
    return response;
  },
});

export const endTxnHandler = defineHandler(API.EndTxn, {
  maxVersion: 4,
  handle(request, ctx) {
    const response = API.EndTxn.createResponse();
    response.errorCode = fenced(txns(ctx.broker).endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed), ctx.apiVersion, 2);
    return response;
  },
});

const STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

export const describeTransactionsHandler = defineHandler(API.DescribeTransactions, {
  handle(request, ctx) {
    const response = API.DescribeTransactions.createResponse();
    const coordinator = txns(ctx.broker);
    response.transactionStates = request.transactionalIds.map((transactionalId) => {
      const t = coordinator.get(transactionalId);
      if (!t) {
        return { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
      }
      const byTopic = new Map<string, number[]>();
      for (const tp of t.partitions.values()) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
      return {
        errorCode: 0,
        transactionalId,
        transactionState: t.state,
        transactionTimeoutMs: t.timeoutMs,
        transactionStartTimeMs: BigInt(t.state === 'Ongoing' ? t.startTimestamp : -1),
        producerId: t.producerId,
        producerEpoch: t.producerEpoch,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      };
    });
    return response;
  },
});

export const listTransactionsHandler = defineHandler(API.ListTransactions, {
  handle(request, ctx) {
    const response = API.ListTransactions.createResponse();
    response.unknownStateFilters = request.stateFilters.filter((f) => !STATES.includes(f));
    let pattern: RegExp | null = null;
    if (ctx.apiVersion >= 2 && request.transactionalIdPattern !== null && request.transactionalIdPattern !== '') {
      try {
        pattern = new RegExp(`^(?:${request.transactionalIdPattern})$`);
      } catch {
        response.errorCode = ErrorCode.INVALID_REGULAR_EXPRESSION;
        return response;
      }
    }
    const now = Date.now();
    const duration = ctx.apiVersion >= 1 ? Number(request.durationFilter) : -1;
    response.transactionStates = txns(ctx.broker)
      .all()
      .filter((t) => request.stateFilters.length === 0 || request.stateFilters.includes(t.state))
      .filter((t) => request.producerIdFilters.length === 0 || request.producerIdFilters.includes(t.producerId))
      .filter((t) => duration < 0 || (t.state === 'Ongoing' && now - t.startTimestamp > duration))
      .filter((t) => pattern === null || pattern.test(t.transactionalId))
      .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state }));
    return response;
  },
});

export const TXN_HANDLERS: readonly ApiHandler[] = [
  describeTransactionsHandler,
  listTransactionsHandler,
  initProducerIdHandler,
  describeProducersHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  txnOffsetCommitHandler,
  endTxnHandler,
];

/** Started with the broker: the producer id expiration and transaction timeout schedules. */
export const TXN_STARTUP: readonly ComponentKey<Component>[] = [PRODUCER_STATE, TXN_COORDINATOR];
