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
// Not yet served: transactions (InitProducerId with a transactional id answers
// COORDINATOR_NOT_AVAILABLE until the transaction coordinator lands), AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit,
// DescribeTransactions, ListTransactions.

import { ProducerIdManager, TransactionCoordinator, type TopicPartitionRef } from '../../coordinator/txn/index.ts';
import { API, ErrorCode, encodeEndTxnMarkerBatch } from '../../protocol/index.ts';
import { groupCoordinator } from './group-component.ts';
import type { Broker } from '../broker.ts';
import { defineComponent, type Component, type ComponentKey } from '../component.ts';
import type { ApiHandler } from '../dispatch.ts';
import { defineHandler } from '../dispatch.ts';

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
      warn: (message) => broker.logger.warn(message),
    },
    configNumber(broker, 'transaction.max.timeout.ms', 900_000),
  );
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

export const TXN_HANDLERS: readonly ApiHandler[] = [
  initProducerIdHandler,
  describeProducersHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  txnOffsetCommitHandler,
  endTxnHandler,
];

/** Started with the broker: the producer id expiration and transaction timeout schedules. */
export const TXN_STARTUP: readonly ComponentKey<Component>[] = [PRODUCER_STATE, TXN_COORDINATOR];
