// Transactional requests through our codec, as a client sends them, for the raw-wire
// transaction tests: a transactional Produce of one batch, and a read_committed Fetch of
// partition 0 that keeps what a read_committed consumer keeps.

import { API, ZERO_UUID, decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/index.ts';
import type { RawClient } from './raw-client.ts';

/** Produces `values` as one transactional batch to partition 0; returns the partition's error code. */
export async function produceTransactional(c: RawClient, transactionalId: string | null, topic: string, producerId: bigint, producerEpoch: number, baseSequence: number, values: string[], version: number): Promise<number> {
  const records = encodeRecordBatch(values.map((value) => ({ key: null, value })), { producerId, producerEpoch, baseSequence, isTransactional: true });
  const request = { ...API.Produce.createRequest(), acks: -1, timeoutMs: 5000, transactionalId, topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] };
  const r = await c.request(API.Produce.apiKey, version, request);
  return r.responses[0].partitionResponses[0].errorCode as number;
}

export interface ReadCommitted {
  /** The values a read_committed consumer keeps: no control batches, nothing of an aborted transaction. */
  values: string[];
  highWatermark: number;
  lastStableOffset: number;
  aborted: { producerId: bigint; firstOffset: bigint }[];
}

/** A read_committed Fetch (v11) of partition 0 from offset 0. */
export async function readCommitted(c: RawClient, topic: string): Promise<ReadCommitted> {
  const request = {
    ...API.Fetch.createRequest(),
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 1,
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1n }] }],
  };
  const p = (await c.request(API.Fetch.apiKey, 11, request)).responses[0].partitions[0];
  const bytes = Buffer.concat(Array.isArray(p.records) ? p.records : p.records ? [p.records] : []);
  const aborted = (p.abortedTransactions ?? []) as { producerId: bigint; firstOffset: bigint }[];
  const values: string[] = [];
  // An aborted transaction covers its producer's transactional batches from its first offset.
  for (const b of decodeRecordBatches(bytes, { verifyCrc: false })) {
    const dropped = b.isTransactional && aborted.some((a) => a.producerId === BigInt(b.producerId) && Number(a.firstOffset) <= b.baseOffset);
    if (!b.isControl && !dropped) for (const r of b.records) values.push(r.value!.toString());
  }
  return { values, highWatermark: Number(p.highWatermark), lastStableOffset: Number(p.lastStableOffset), aborted };
}
