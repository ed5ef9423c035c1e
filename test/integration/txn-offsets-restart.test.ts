// Issue 5: transactional offset commits are records in __consumer_offsets (a transactional
// batch with the producer's id and epoch) made visible by the COMMIT marker, as in Kafka, so
// they outlive a restart at every point of a transaction:
// - committed before the restart: replayed (records, then marker) and visible;
// - the broker stops after the PrepareCommit record and before any marker (the crash window
//   EndTxn has): recovery writes the markers and the offsets become visible with the records;
// - the broker stops in the middle of a transaction: recovery aborts it and its offsets
//   never show.
// The PrepareCommit state is put in place as the coordinator would have left it: its
// __transaction_state record appended to the stopped broker's log with the storage API.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue, partitionForTransactionalId, TRANSACTION_STATE_TOPIC } from '../../src/coordinator/txn/index.ts';
import { API, ErrorCode, decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/index.ts';
import { DEFAULT_LOG_DEFAULTS, LogManager } from '../../src/storage/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { produceTransactional, readCommitted } from '../helpers/txn-wire.ts';

const CONFIG = { 'node.id': '1', 'transaction.state.log.num.partitions': '3', 'offsets.topic.num.partitions': '3' };

/** A classic transactional producer through our codec: AddPartitions, Produce, AddOffsets, TxnOffsetCommit. */
async function transaction(c: RawClient, tid: string, producerId: bigint, producerEpoch: number, sequence: number, value: string, groupId: string, offset: bigint) {
  const add = await c.request(API.AddPartitionsToTxn.apiKey, 3, {
    ...API.AddPartitionsToTxn.createRequest(),
    v3AndBelowTransactionalId: tid,
    v3AndBelowProducerId: producerId,
    v3AndBelowProducerEpoch: producerEpoch,
    v3AndBelowTopics: [{ name: 'or-out', partitions: [0] }],
  });
  assert.equal(add.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, 0);
  assert.equal(await produceTransactional(c, tid, 'or-out', producerId, producerEpoch, sequence, [value], 9), 0);
  const addOffsets = await c.request(API.AddOffsetsToTxn.apiKey, 3, { ...API.AddOffsetsToTxn.createRequest(), transactionalId: tid, producerId, producerEpoch, groupId });
  assert.equal(addOffsets.errorCode, 0);
  const committed = await c.request(API.TxnOffsetCommit.apiKey, 3, {
    ...API.TxnOffsetCommit.createRequest(),
    transactionalId: tid,
    groupId,
    producerId,
    producerEpoch,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 'or-in', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }],
  });
  assert.equal(committed.topics[0].partitions[0].errorCode, 0);
}

async function committedOffset(c: RawClient, groupId: string) {
  const r = await c.request(API.OffsetFetch.apiKey, 7, { ...API.OffsetFetch.createRequest(), groupId, topics: [{ name: 'or-in', partitionIndexes: [0] }] });
  return Number(r.topics[0].partitions[0].committedOffset);
}

/** Appends `tid`'s last __transaction_state record again with another status, as the coordinator would. */
function rewriteState(dataDir: string, tid: string, status: 'PrepareCommit') {
  const logs = LogManager.open({ dataDir, nodeId: 1, defaults: DEFAULT_LOG_DEFAULTS });
  try {
    const log = logs.partition(TRANSACTION_STATE_TOPIC, partitionForTransactionalId(tid, logs.topic(TRANSACTION_STATE_TOPIC)!.partitions))!;
    const read = log.read(log.logStartOffset, 16 << 20, { minOneBatch: true, maxOffset: log.highWatermark });
    const records = decodeRecordBatches(Buffer.concat(read.chunks), { verifyCrc: false }).flatMap((b) => b.records);
    const last = records.filter((r) => r.key && decodeTransactionLogKey(r.key) === tid).at(-1)!;
    const value = decodeTransactionLogValue(last.value!)!;
    assert.equal(value.status, 'Ongoing');
    log.append(encodeRecordBatch([{ key: encodeTransactionLogKey(tid), value: encodeTransactionLogValue({ ...value, status }) }]));
  } finally {
    logs.close();
  }
}

test('transactional offsets outlive restarts: committed, PrepareCommit without markers, ongoing', { timeout: 90_000 }, async (t) => {
  const dataDir = await tempDir(t);
  let broker = await startTestBroker(t, { dataDir, config: CONFIG });
  let c = await RawClient.connect(broker.port);
  const create = { ...API.CreateTopics.createRequest(), topics: ['or-in', 'or-out'].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })) };
  await c.request(API.CreateTopics.apiKey, 7, create);
  const init = async (tid: string) => {
    const r = await c.request(API.InitProducerId.apiKey, 4, { ...API.InitProducerId.createRequest(), transactionalId: tid, transactionTimeoutMs: 60000 });
    assert.equal(r.errorCode, 0);
    return { producerId: r.producerId as bigint, producerEpoch: r.producerEpoch as number };
  };

  // 1. Committed, then the broker restarts.
  const a = await init('tx-a');
  await transaction(c, 'tx-a', a.producerId, a.producerEpoch, 0, 'one', 'g-a', 5n);
  const end = await c.request(API.EndTxn.apiKey, 3, { ...API.EndTxn.createRequest(), transactionalId: 'tx-a', producerId: a.producerId, producerEpoch: a.producerEpoch, committed: true });
  assert.equal(end.errorCode, 0);
  // 2. Stopped after PrepareCommit, before the markers. 3. Stopped mid-transaction.
  const b = await init('tx-b');
  await transaction(c, 'tx-b', b.producerId, b.producerEpoch, 0, 'two', 'g-b', 6n);
  const d = await init('tx-d');
  await transaction(c, 'tx-d', d.producerId, d.producerEpoch, 0, 'lost', 'g-d', 7n);
  assert.deepEqual([await committedOffset(c, 'g-a'), await committedOffset(c, 'g-b'), await committedOffset(c, 'g-d')], [5, -1, -1]);
  c.close();
  await broker.stop();

  rewriteState(dataDir, 'tx-b', 'PrepareCommit');

  broker = await startTestBroker(t, { dataDir, config: CONFIG });
  c = await RawClient.connect(broker.port);
  assert.deepEqual([await committedOffset(c, 'g-a'), await committedOffset(c, 'g-b'), await committedOffset(c, 'g-d')], [5, 6, -1]);
  assert.deepEqual((await readCommitted(c, 'or-out')).values, ['one', 'two']);
  const described = await c.request(API.DescribeTransactions.apiKey, 0, { ...API.DescribeTransactions.createRequest(), transactionalIds: ['tx-a', 'tx-b', 'tx-d'] });
  assert.deepEqual(described.transactionStates.map((s: any) => s.transactionState), ['CompleteCommit', 'CompleteCommit', 'CompleteAbort']);

  // And once more: everything stays as recovered (markers replayed, nothing pending).
  c.close();
  await broker.stop();
  broker = await startTestBroker(t, { dataDir, config: CONFIG });
  c = await RawClient.connect(broker.port);
  assert.deepEqual([await committedOffset(c, 'g-a'), await committedOffset(c, 'g-b'), await committedOffset(c, 'g-d')], [5, 6, -1]);
  assert.deepEqual((await readCommitted(c, 'or-out')).values, ['one', 'two']);
  c.close();
  await broker.stop(); // before the data directory goes (after hooks run in registration order)
});

test('transactions v2 outlive a restart: the committed one stays (records, offsets), the open one is aborted and its producer fenced', { timeout: 90_000 }, async (t) => {
  const dataDir = await tempDir(t);
  let broker = await startTestBroker(t, { dataDir, config: CONFIG });
  let c = await RawClient.connect(broker.port);
  const create = { ...API.CreateTopics.createRequest(), topics: ['or-in', 'or-out'].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })) };
  await c.request(API.CreateTopics.apiKey, 7, create);
  const produce = (producerId: bigint, producerEpoch: number, value: string) => produceTransactional(c, 'tx-v2', 'or-out', producerId, producerEpoch, 0, [value], 12);
  const offsets = async (producerId: bigint, producerEpoch: number, offset: bigint) => {
    const r = await c.request(API.TxnOffsetCommit.apiKey, 5, {
      ...API.TxnOffsetCommit.createRequest(),
      transactionalId: 'tx-v2',
      groupId: 'g-v2',
      producerId,
      producerEpoch,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 'or-in', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    return r.topics[0].partitions[0].errorCode as number;
  };
  const endTxn = async (producerId: bigint, producerEpoch: number, committed: boolean) => {
    const r = await c.request(API.EndTxn.apiKey, 5, { ...API.EndTxn.createRequest(), transactionalId: 'tx-v2', producerId, producerEpoch, committed });
    return [r.errorCode, r.producerId, r.producerEpoch];
  };
  const init = await c.request(API.InitProducerId.apiKey, 5, { ...API.InitProducerId.createRequest(), transactionalId: 'tx-v2', transactionTimeoutMs: 60000 });
  const pid = init.producerId as bigint;
  const e0 = init.producerEpoch as number;
  assert.equal(await produce(pid, e0, 'v2-one'), 0);
  assert.equal(await offsets(pid, e0, 8n), 0);
  assert.deepEqual(await endTxn(pid, e0, true), [0, pid, e0 + 1]);
  // The next transaction is left open.
  assert.equal(await produce(pid, e0 + 1, 'v2-lost'), 0);
  assert.equal(await offsets(pid, e0 + 1, 9n), 0);
  c.close();
  await broker.stop();

  broker = await startTestBroker(t, { dataDir, config: CONFIG });
  c = await RawClient.connect(broker.port);
  assert.deepEqual((await readCommitted(c, 'or-out')).values, ['v2-one']);
  assert.equal(await committedOffset(c, 'g-v2'), 8);
  const described = await c.request(API.DescribeTransactions.apiKey, 0, { ...API.DescribeTransactions.createRequest(), transactionalIds: ['tx-v2'] });
  const state = described.transactionStates[0];
  assert.equal(state.transactionState, 'CompleteAbort');
  // The open transaction was aborted with the epoch bumped: its producer is fenced.
  assert.ok(state.producerEpoch > e0 + 1);
  assert.equal(await produce(pid, e0 + 1, 'zombie'), ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal((await endTxn(pid, e0 + 1, true))[0], ErrorCode.PRODUCER_FENCED);
  c.close();
  await broker.stop(); // before the data directory goes (after hooks run in registration order)
});
