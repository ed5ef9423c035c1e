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

import { ProducerIdManager } from '../../coordinator/txn/index.ts';
import { API, ErrorCode } from '../../protocol/index.ts';
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

export const initProducerIdHandler = defineHandler(API.InitProducerId, {
  handle(request, ctx) {
    const response = API.InitProducerId.createResponse();
    if (request.transactionalId !== null) {
      response.errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      response.producerId = -1n;
      response.producerEpoch = -1;
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

export const TXN_HANDLERS: readonly ApiHandler[] = [initProducerIdHandler, describeProducersHandler];

/** Started with the broker: the producer id expiration schedule. */
export const TXN_STARTUP: readonly ComponentKey<Component>[] = [PRODUCER_STATE];
