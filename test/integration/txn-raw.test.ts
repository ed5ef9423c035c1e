// Issue 5, acceptance 3 and 4 on the wire: a transaction that outlives its timeout is
// aborted by the coordinator (epoch bumped, producer fenced) and never becomes visible to
// read_committed fetches; while a transaction is open the last stable offset stays at its
// first offset; EndTxn without a transaction, epochs from the past, unknown transactional
// ids and timeouts above transaction.max.timeout.ms get Kafka's codes.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { API, ErrorCode, ZERO_UUID, encodeRecordBatch } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { produceTransactional, readCommitted } from '../helpers/txn-wire.ts';


async function initTxn(c: RawClient, transactionalId: string, timeoutMs = 60000, version = 4) {
  const r = await c.request(API.InitProducerId.apiKey, version, { ...API.InitProducerId.createRequest(), transactionalId, transactionTimeoutMs: timeoutMs });
  return { errorCode: r.errorCode as number, producerId: r.producerId as bigint, producerEpoch: r.producerEpoch as number };
}

async function addPartitions(c: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, version = 3) {
  const r = await c.request(API.AddPartitionsToTxn.apiKey, version, {
    ...API.AddPartitionsToTxn.createRequest(),
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: producerId,
    v3AndBelowProducerEpoch: producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions: [0] }],
  });
  return r.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode as number;
}

async function endTxn(c: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, committed: boolean, version = 3) {
  const r = await c.request(API.EndTxn.apiKey, version, { ...API.EndTxn.createRequest(), transactionalId, producerId, producerEpoch, committed });
  return r.errorCode as number;
}

const produce = (c: RawClient, transactionalId: string | null, topic: string, producerId: bigint, producerEpoch: number, baseSequence: number, values: string[], version = 9) =>
  produceTransactional(c, transactionalId, topic, producerId, producerEpoch, baseSequence, values, version);

test('timeouts abort, LSO holds at an open transaction, bad input gets Kafka codes', { timeout: 60_000 }, async (t) => {
  const broker = await startTestBroker(t, {
    dataDir: 'memory',
    config: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '50', 'transaction.max.timeout.ms': '100000' },
  });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const create = { ...API.CreateTopics.createRequest(), topics: [{ name: 'txr', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] };
  assert.equal((await c.request(API.CreateTopics.apiKey, 7, create)).topics[0].errorCode, 0);

  assert.equal((await initTxn(c, 'too-long', 100001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  const p = await initTxn(c, 'tx-a');
  assert.equal(p.errorCode, 0);
  assert.equal(await endTxn(c, 'tx-a', p.producerId, p.producerEpoch, true), ErrorCode.INVALID_TXN_STATE);
  assert.equal(await endTxn(c, 'nobody', p.producerId, 0, true), ErrorCode.INVALID_PRODUCER_ID_MAPPING);

  // A committed transaction, then an open one: the LSO stops at the open one's first offset.
  assert.equal(await addPartitions(c, 'tx-a', p.producerId, p.producerEpoch, 'txr'), 0);
  assert.equal(await produce(c, 'tx-a', 'txr', p.producerId, p.producerEpoch, 0, ['c1', 'c2']), 0);
  assert.equal(await endTxn(c, 'tx-a', p.producerId, p.producerEpoch, true), 0);
  assert.equal(await endTxn(c, 'tx-a', p.producerId, p.producerEpoch, true), 0, 'a retried commit succeeds');
  assert.equal(await endTxn(c, 'tx-a', p.producerId, p.producerEpoch, false), ErrorCode.INVALID_TXN_STATE);
  assert.equal(await addPartitions(c, 'tx-a', p.producerId, p.producerEpoch, 'txr'), 0);
  assert.equal(await produce(c, 'tx-a', 'txr', p.producerId, p.producerEpoch, 2, ['open']), 0);
  // A plain batch from the producer while its transaction is open here: Kafka's INVALID_TXN_STATE.
  const plain = encodeRecordBatch([{ key: null, value: 'plain' }], { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 3 });
  const plainRequest = { ...API.Produce.createRequest(), acks: -1, timeoutMs: 5000, transactionalId: null, topicData: [{ name: 'txr', topicId: ZERO_UUID, partitionData: [{ index: 0, records: plain }] }] };
  assert.equal((await c.request(API.Produce.apiKey, 9, plainRequest)).responses[0].partitionResponses[0].errorCode, ErrorCode.INVALID_TXN_STATE);
  let f = await readCommitted(c, 'txr');
  assert.equal(f.highWatermark, 4);
  assert.equal(f.lastStableOffset, 3);
  assert.deepEqual(f.values, ['c1', 'c2']);

  // A new InitProducerId fences the old epoch and aborts the open transaction.
  const p2 = await initTxn(c, 'tx-a');
  assert.equal(p2.producerId, p.producerId);
  // The abort markers carry epoch + 1; the new producer gets epoch + 2 (Kafka answers
  // CONCURRENT_TRANSACTIONS first and bumps again on the retry).
  assert.equal(p2.producerEpoch, p.producerEpoch + 2);
  assert.equal(await addPartitions(c, 'tx-a', p.producerId, p.producerEpoch, 'txr'), ErrorCode.PRODUCER_FENCED);
  assert.equal(await addPartitions(c, 'tx-a', p.producerId, p.producerEpoch, 'txr', 1), ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(await produce(c, 'tx-a', 'txr', p.producerId, p.producerEpoch, 3, ['zombie']), ErrorCode.INVALID_PRODUCER_EPOCH);
  f = await readCommitted(c, 'txr');
  assert.equal(f.lastStableOffset, f.highWatermark);
  assert.deepEqual(f.values, ['c1', 'c2']);
  assert.deepEqual(f.aborted.map((a) => [a.producerId, Number(a.firstOffset)]), [[p.producerId, 3]]);

  // A transaction that outlives its timeout (1 s) is aborted by the coordinator.
  const q = await initTxn(c, 'tx-slow', 1000);
  assert.equal(await addPartitions(c, 'tx-slow', q.producerId, q.producerEpoch, 'txr'), 0);
  assert.equal(await produce(c, 'tx-slow', 'txr', q.producerId, q.producerEpoch, 0, ['late-1', 'late-2']), 0);
  for (let i = 0; i < 200; i++) {
    f = await readCommitted(c, 'txr');
    if (f.lastStableOffset === f.highWatermark) break;
    await sleep(50);
  }
  assert.equal(f.lastStableOffset, f.highWatermark);
  assert.deepEqual(f.values, ['c1', 'c2']);
  assert.equal(await endTxn(c, 'tx-slow', q.producerId, q.producerEpoch, true), ErrorCode.PRODUCER_FENCED);

  // DescribeTransactions and ListTransactions see the coordinator's state.
  const r = await initTxn(c, 'tx-open');
  assert.equal(await addPartitions(c, 'tx-open', r.producerId, r.producerEpoch, 'txr'), 0);
  const described = await c.request(API.DescribeTransactions.apiKey, 0, { ...API.DescribeTransactions.createRequest(), transactionalIds: ['tx-open', 'tx-slow', 'nope'] });
  const states = described.transactionStates.map((s: any) => [s.transactionalId, s.errorCode, s.transactionState, s.topics.map((x: any) => [x.topic, x.partitions])]);
  assert.deepEqual(states, [['tx-open', 0, 'Ongoing', [['txr', [0]]]], ['tx-slow', 0, 'CompleteAbort', []], ['nope', ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, '', []]]);
  // Kafka reports the start time of the last transaction in any state.
  assert.ok(described.transactionStates[1].transactionStartTimeMs > 0n);
  const listed = await c.request(API.ListTransactions.apiKey, 2, { ...API.ListTransactions.createRequest(), stateFilters: ['Ongoing', 'Bogus'], durationFilter: -1n, transactionalIdPattern: 'tx-.*' });
  assert.deepEqual(listed.unknownStateFilters, ['Bogus']);
  assert.deepEqual(listed.transactionStates.map((s: any) => s.transactionalId), ['tx-open']);
  const bad = await c.request(API.ListTransactions.apiKey, 2, { ...API.ListTransactions.createRequest(), durationFilter: -1n, transactionalIdPattern: '(' });
  assert.equal(bad.errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION);
});
