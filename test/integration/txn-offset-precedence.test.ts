// Issue 5: when a plain OffsetCommit and a transactional offset commit of the same group
// partition compete, the one whose record is later in __consumer_offsets wins, as in Kafka
// (OffsetMetadataManager.replayEndTransactionMarker compares record offsets): a
// transactional offset takes the place of its record, not of its marker, so a plain commit
// written between the transactional record and the COMMIT marker stays, and one written
// before the record is replaced. The same after a restart (offsets replayed from the log).
// The requests of each pair go in one write on one connection, so the broker handles them
// in order and mostly within the same millisecond: commit timestamps would tie there.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { RawClient, decodeResponse } from '../helpers/raw-client.ts';

const CONFIG = { 'node.id': '1', 'transaction.state.log.num.partitions': '1', 'offsets.topic.num.partitions': '1' };
const TOPIC = 'op-in';
const GROUP = 'op-group';
const PARTITIONS = 20;

function txnOffsetCommit(c: RawClient, txn: { producerId: bigint; producerEpoch: number }, partition: number, offset: number): Buffer {
  return c.frame(API.TxnOffsetCommit.apiKey, 5, {
    ...API.TxnOffsetCommit.createRequest(),
    transactionalId: 'op-tx',
    groupId: GROUP,
    producerId: txn.producerId,
    producerEpoch: txn.producerEpoch,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: '' }] }],
  });
}

function offsetCommit(c: RawClient, partition: number, offset: number): Buffer {
  return c.frame(API.OffsetCommit.apiKey, 8, {
    ...API.OffsetCommit.createRequest(),
    groupId: GROUP,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: '' }] }],
  });
}

/** Sends the frames in one write and checks every response (each one partition) for error 0. */
async function pipelined(c: RawClient, frames: { apiKey: number; version: number; frame: Buffer }[]): Promise<void> {
  c.write(Buffer.concat(frames.map((f) => f.frame)));
  for (const f of frames) {
    const r = decodeResponse(await c.readFrame(), f.apiKey, f.version) as { topics: { partitions: { errorCode: number }[] }[] };
    assert.equal(r.topics[0]!.partitions[0]!.errorCode, 0);
  }
}

const txnFrame = (c: RawClient, txn: { producerId: bigint; producerEpoch: number }, p: number, offset: number) => ({ apiKey: API.TxnOffsetCommit.apiKey, version: 5, frame: txnOffsetCommit(c, txn, p, offset) });
const plainFrame = (c: RawClient, p: number, offset: number) => ({ apiKey: API.OffsetCommit.apiKey, version: 8, frame: offsetCommit(c, p, offset) });

async function initTxn(c: RawClient) {
  const r = await c.request(API.InitProducerId.apiKey, 5, { ...API.InitProducerId.createRequest(), transactionalId: 'op-tx', transactionTimeoutMs: 60000 });
  assert.equal(r.errorCode, 0);
  return { producerId: r.producerId as bigint, producerEpoch: r.producerEpoch as number };
}

async function endTxn(c: RawClient, txn: { producerId: bigint; producerEpoch: number }) {
  const r = await c.request(API.EndTxn.apiKey, 5, { ...API.EndTxn.createRequest(), transactionalId: 'op-tx', producerId: txn.producerId, producerEpoch: txn.producerEpoch, committed: true });
  assert.equal(r.errorCode, 0);
  return { producerId: r.producerId as bigint, producerEpoch: r.producerEpoch as number };
}

async function committedOffsets(c: RawClient): Promise<number[]> {
  const partitionIndexes = Array.from({ length: PARTITIONS }, (_, p) => p);
  const r = await c.request(API.OffsetFetch.apiKey, 7, { ...API.OffsetFetch.createRequest(), groupId: GROUP, requireStable: true, topics: [{ name: TOPIC, partitionIndexes }] });
  return r.topics[0].partitions.map((p: any) => (p.errorCode === 0 ? Number(p.committedOffset) : -p.errorCode));
}

test('plain and transactional offset commits of a partition: the later record wins, before and after a restart', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  let broker = await startTestBroker(t, { dataDir, config: CONFIG });
  let c = await RawClient.connect(broker.port);
  const created = await c.request(API.CreateTopics.apiKey, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }] });
  assert.equal(created.topics[0].errorCode, 0);
  let txn = await initTxn(c);
  const half = PARTITIONS / 2;
  const expected: number[] = [];
  // Partitions 0-9: the transactional record, then a plain commit before the marker: the
  // plain one is later and stays. Partitions 10-19: a plain commit, then the transactional
  // record: the transactional one replaces it at the marker.
  const frames = [];
  for (let p = 0; p < half; p++) frames.push(txnFrame(c, txn, p, 100 + p), plainFrame(c, p, 200 + p));
  for (let p = half; p < PARTITIONS; p++) frames.push(plainFrame(c, p, 300 + p), txnFrame(c, txn, p, 400 + p));
  for (let p = 0; p < PARTITIONS; p++) expected.push(p < half ? 200 + p : 400 + p);
  await pipelined(c, frames);
  txn = await endTxn(c, txn);
  assert.deepEqual(await committedOffsets(c), expected);

  c.close();
  await broker.stop();
  broker = await startTestBroker(t, { dataDir, config: CONFIG });
  c = await RawClient.connect(broker.port);
  assert.deepEqual(await committedOffsets(c), expected, 'the same offsets replayed from the log');

  // Against offsets replayed from the log: a transactional record after them replaces them
  // (partitions 10-19), a plain commit after the transactional record stays (0-9).
  txn = await initTxn(c);
  const again = [];
  for (let p = 0; p < half; p++) again.push(txnFrame(c, txn, p, 500 + p), plainFrame(c, p, 600 + p));
  for (let p = half; p < PARTITIONS; p++) again.push(txnFrame(c, txn, p, 700 + p));
  await pipelined(c, again);
  await endTxn(c, txn);
  const after = Array.from({ length: PARTITIONS }, (_, p) => (p < half ? 600 + p : 700 + p));
  assert.deepEqual(await committedOffsets(c), after);
  c.close();
  await broker.stop();
  broker = await startTestBroker(t, { dataDir, config: CONFIG });
  c = await RawClient.connect(broker.port);
  assert.deepEqual(await committedOffsets(c), after, 'the same after a second restart');
  c.close();
  await broker.stop();
});
