// Issue 5, transactions v2 (KIP-890 part 2) and produce verification (part 1), on the wire
// through our codec, as a Java 4.x producer speaks: ApiVersions shows transaction.version
// finalized at 2; InitProducerId v5; Produce v12 with no AddPartitionsToTxn (the broker adds
// the partition); TxnOffsetCommit v5 with no AddOffsetsToTxn; EndTxn v5 answers the bumped
// epoch, which the next transaction uses from sequence 0; markers carry the bumped epoch, so
// the previous epoch is fenced at the partition. The classic flow's Produce (v9, v11) and
// TxnOffsetCommit (v3, v4) to a partition not added are refused, and nothing is written.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, ErrorCode, ZERO_UUID, encodeRecordBatch } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient, createTopics } from '../helpers/raw-client.ts';
import { produceTransactional, readCommitted } from '../helpers/txn-wire.ts';
import { FAST_GROUPS, joinSilentMember } from './groups-support.ts';


async function initTxn(c: RawClient, transactionalId: string, version = 5) {
  const r = await c.request(API.InitProducerId.apiKey, version, { ...API.InitProducerId.createRequest(), transactionalId, transactionTimeoutMs: 60000 });
  assert.equal(r.errorCode, 0);
  return { producerId: r.producerId as bigint, producerEpoch: r.producerEpoch as number };
}

const produce = (c: RawClient, transactionalId: string | null, topic: string, producerId: bigint, producerEpoch: number, baseSequence: number, values: string[], version = 12) =>
  produceTransactional(c, transactionalId, topic, producerId, producerEpoch, baseSequence, values, version);

async function txnOffsetCommit(c: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string, offset: bigint, version = 5) {
  const r = await c.request(API.TxnOffsetCommit.apiKey, version, {
    ...API.TxnOffsetCommit.createRequest(),
    transactionalId,
    groupId,
    producerId,
    producerEpoch,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 'v2-in', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }],
  });
  return r.topics[0].partitions[0].errorCode as number;
}

async function endTxn(c: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, committed: boolean, version = 5) {
  const r = await c.request(API.EndTxn.apiKey, version, { ...API.EndTxn.createRequest(), transactionalId, producerId, producerEpoch, committed });
  return { errorCode: r.errorCode as number, producerId: r.producerId as bigint, producerEpoch: r.producerEpoch as number };
}

async function committedOffset(c: RawClient, groupId: string) {
  const r = await c.request(API.OffsetFetch.apiKey, 7, { ...API.OffsetFetch.createRequest(), groupId, topics: [{ name: 'v2-in', partitionIndexes: [0] }] });
  return Number(r.topics[0].partitions[0].committedOffset);
}

/** OffsetFetch with requireStable (KIP-447), v7 and v8 forms: [offset, error code] of each. */
async function stableOffset(c: RawClient, groupId: string) {
  const v7 = await c.request(API.OffsetFetch.apiKey, 7, { ...API.OffsetFetch.createRequest(), groupId, requireStable: true, topics: [{ name: 'v2-in', partitionIndexes: [0] }] });
  const v8 = await c.request(API.OffsetFetch.apiKey, 8, { ...API.OffsetFetch.createRequest(), requireStable: true, groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: 'v2-in', topicId: ZERO_UUID, partitionIndexes: [0] }] }] });
  const p7 = v7.topics[0].partitions[0];
  const p8 = v8.groups[0].topics[0].partitions[0];
  return [[Number(p7.committedOffset), p7.errorCode], [Number(p8.committedOffset), p8.errorCode]];
}

test('ApiVersions advertises transaction.version finalized at 2 (KIP-584/890)', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const v4 = await c.request(API.ApiVersions.apiKey, 4, { ...API.ApiVersions.createRequest(), clientSoftwareName: 'raw-test', clientSoftwareVersion: '1.0' });
  assert.deepEqual(v4.supportedFeatures.map((f: any) => [f.name, f.minVersion, f.maxVersion]), [['transaction.version', 0, 2]]);
  assert.deepEqual(v4.finalizedFeatures.map((f: any) => [f.name, f.minVersionLevel, f.maxVersionLevel]), [['transaction.version', 2, 2]]);
  assert.ok(v4.finalizedFeaturesEpoch >= 0n);
  const endTxn = v4.apiKeys.find((k: any) => k.apiKey === API.EndTxn.apiKey);
  const txnOffsetCommit = v4.apiKeys.find((k: any) => k.apiKey === API.TxnOffsetCommit.apiKey);
  assert.equal(endTxn.maxVersion, 5);
  assert.equal(txnOffsetCommit.maxVersion, 5);
  // KAFKA-17492: below v4, a supported feature whose minimum is 0 is left out.
  const v3 = await c.request(API.ApiVersions.apiKey, 3, { ...API.ApiVersions.createRequest(), clientSoftwareName: 'raw-test', clientSoftwareVersion: '1.0' });
  assert.deepEqual(v3.supportedFeatures, []);
  assert.deepEqual(v3.finalizedFeatures.map((f: any) => f.name), ['transaction.version']);
});

test('transactions v2: implicit partitions, offsets in the transaction, epoch bumped at every end', { timeout: 60_000 }, async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  await createTopics(c, [{ name: 'v2-in' }, { name: 'v2-out' }]);
  assert.equal(await committedOffset(c, 'v2-group'), -1);

  // As a Java 4.x producer starts: FindCoordinator (key type 1, transaction) then InitProducerId v5.
  const found = await c.request(API.FindCoordinator.apiKey, 6, { ...API.FindCoordinator.createRequest(), keyType: 1, coordinatorKeys: ['tx-v2'] });
  assert.deepEqual(found.coordinators.map((x: any) => [x.key, x.errorCode, x.port]), [['tx-v2', 0, broker.port]]);
  const { producerId, producerEpoch: e0 } = await initTxn(c, 'tx-v2');
  // Transaction 1: no AddPartitionsToTxn, no AddOffsetsToTxn.
  assert.equal(await produce(c, 'tx-v2', 'v2-out', producerId, e0, 0, ['a1', 'a2']), 0);
  assert.equal(await produce(c, 'tx-v2', 'v2-out', producerId, e0, 2, ['a3']), 0);
  assert.equal(await txnOffsetCommit(c, 'tx-v2', producerId, e0, 'v2-group', 42n), 0);
  const described = await c.request(API.DescribeTransactions.apiKey, 0, { ...API.DescribeTransactions.createRequest(), transactionalIds: ['tx-v2'] });
  const topics = described.transactionStates[0].topics.map((x: any) => x.topic).sort();
  assert.equal(described.transactionStates[0].transactionState, 'Ongoing');
  assert.deepEqual(topics, ['__consumer_offsets', 'v2-out']);
  assert.deepEqual((await readCommitted(c, 'v2-out')).values, []);
  assert.equal(await committedOffset(c, 'v2-group'), -1, 'offsets of an open transaction are not visible');
  const unstable = [-1, ErrorCode.UNSTABLE_OFFSET_COMMIT];
  assert.deepEqual(await stableOffset(c, 'v2-group'), [unstable, unstable]);

  const end1 = await endTxn(c, 'tx-v2', producerId, e0, true);
  assert.deepEqual(end1, { errorCode: 0, producerId, producerEpoch: e0 + 1 });
  assert.deepEqual((await readCommitted(c, 'v2-out')).values, ['a1', 'a2', 'a3']);
  assert.equal(await committedOffset(c, 'v2-group'), 42);
  assert.deepEqual(await stableOffset(c, 'v2-group'), [[42, 0], [42, 0]]);
  // A retried EndTxn (the epoch before the bump) succeeds with the same answer.
  assert.deepEqual(await endTxn(c, 'tx-v2', producerId, e0, true), end1);
  assert.equal((await endTxn(c, 'tx-v2', producerId, e0, false)).errorCode, ErrorCode.INVALID_TXN_STATE);

  // Transaction 2 at the bumped epoch, from sequence 0, aborted.
  const e1 = end1.producerEpoch;
  assert.equal(await produce(c, 'tx-v2', 'v2-out', producerId, e1, 0, ['b1']), 0);
  assert.equal(await txnOffsetCommit(c, 'tx-v2', producerId, e1, 'v2-group', 50n), 0);
  const end2 = await endTxn(c, 'tx-v2', producerId, e1, false);
  assert.deepEqual(end2, { errorCode: 0, producerId, producerEpoch: e1 + 1 });
  const afterAbort = await readCommitted(c, 'v2-out');
  assert.deepEqual(afterAbort.values, ['a1', 'a2', 'a3']);
  assert.equal(afterAbort.lastStableOffset, afterAbort.highWatermark);
  assert.equal(await committedOffset(c, 'v2-group'), 42, 'the aborted transaction’s offset never shows');

  // The markers carried the bumped epoch: the old epoch is fenced, at the coordinator and the partition.
  assert.equal(await produce(c, 'tx-v2', 'v2-out', producerId, e1, 1, ['zombie']), ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(await txnOffsetCommit(c, 'tx-v2', producerId, e1, 'v2-group', 99n), ErrorCode.PRODUCER_FENCED);
  const producers = await c.request(API.DescribeProducers.apiKey, 0, { ...API.DescribeProducers.createRequest(), topics: [{ name: 'v2-out', partitionIndexes: [0] }] });
  assert.equal(producers.topics[0].partitions[0].activeProducers[0].producerEpoch, e1 + 1);
  assert.equal(producers.topics[0].partitions[0].activeProducers[0].currentTxnStartOffset, -1n);

  // Kafka's v2 table: ABORT with no transaction bumps the epoch; COMMIT is INVALID_TXN_STATE.
  const e2 = end2.producerEpoch;
  assert.deepEqual(await endTxn(c, 'tx-v2', producerId, e2, false), { errorCode: 0, producerId, producerEpoch: e2 + 1 });
  assert.equal((await endTxn(c, 'tx-v2', producerId, e2 + 1, true)).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.equal((await endTxn(c, 'tx-v2', producerId, e2 + 5, false)).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal((await endTxn(c, 'tx-v2', producerId + 1n, e2 + 1, false)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.deepEqual((await readCommitted(c, 'v2-out')).values, ['a1', 'a2', 'a3']);
});

test('KIP-890 part 1: a classic transactional batch for a partition not added is refused', { timeout: 60_000 }, async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  await createTopics(c, [{ name: 'v2-in' }, { name: 'v1-out' }]);
  const { producerId, producerEpoch } = await initTxn(c, 'tx-v1', 4);
  assert.equal(await produce(c, 'tx-v1', 'v1-out', producerId, producerEpoch, 0, ['h'], 9), ErrorCode.INVALID_TXN_STATE);
  assert.equal(await produce(c, 'tx-v1', 'v1-out', producerId, producerEpoch, 0, ['h'], 11), ErrorCode.TRANSACTION_ABORTABLE);
  assert.equal(await produce(c, null, 'v1-out', producerId, producerEpoch, 0, ['h'], 9), ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal(await produce(c, 'nobody', 'v1-out', producerId, producerEpoch, 0, ['h'], 9), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await produce(c, 'tx-v1', 'v1-out', producerId, producerEpoch + 1, 0, ['h'], 9), ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(await txnOffsetCommit(c, 'tx-v1', producerId, producerEpoch, 'v1-group', 7n, 3), ErrorCode.INVALID_TXN_STATE);
  assert.equal(await txnOffsetCommit(c, 'tx-v1', producerId, producerEpoch, 'v1-group', 7n, 4), ErrorCode.TRANSACTION_ABORTABLE);
  // Nothing was written, so no transaction hangs: the last stable offset is the high watermark.
  const f = await readCommitted(c, 'v1-out');
  assert.deepEqual([f.highWatermark, f.lastStableOffset], [0, 0]);
  const described = await c.request(API.DescribeTransactions.apiKey, 0, { ...API.DescribeTransactions.createRequest(), transactionalIds: ['tx-v1'] });
  assert.equal(described.transactionStates[0].transactionState, 'Empty');

  // Once added, the same batch is accepted, and so are the offsets after AddOffsetsToTxn.
  const add = await c.request(API.AddPartitionsToTxn.apiKey, 3, {
    ...API.AddPartitionsToTxn.createRequest(),
    v3AndBelowTransactionalId: 'tx-v1',
    v3AndBelowProducerId: producerId,
    v3AndBelowProducerEpoch: producerEpoch,
    v3AndBelowTopics: [{ name: 'v1-out', partitions: [0] }],
  });
  assert.equal(add.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, 0);
  assert.equal(await produce(c, 'tx-v1', 'v1-out', producerId, producerEpoch, 0, ['h'], 9), 0);
  const addOffsets = await c.request(API.AddOffsetsToTxn.apiKey, 3, { ...API.AddOffsetsToTxn.createRequest(), transactionalId: 'tx-v1', producerId, producerEpoch, groupId: 'v1-group' });
  assert.equal(addOffsets.errorCode, 0);
  assert.equal(await txnOffsetCommit(c, 'tx-v1', producerId, producerEpoch, 'v1-group', 7n, 3), 0);
  assert.equal((await endTxn(c, 'tx-v1', producerId, producerEpoch, true, 3)).errorCode, 0);
  assert.deepEqual((await readCommitted(c, 'v1-out')).values, ['h']);
  assert.equal(await committedOffset(c, 'v1-group'), 7);
  // Nobody can forge coordinator records: clients may not write internal topics (Kafka's
  // INVALID_TOPIC_EXCEPTION), and so a v12 batch does not add such a partition to a transaction.
  assert.equal(await produce(c, 'tx-v1', '__consumer_offsets', producerId, producerEpoch, 0, ['forged'], 12), ErrorCode.INVALID_TOPIC_EXCEPTION);
  const plain = encodeRecordBatch([{ key: 'k', value: 'forged' }]);
  const forged = await c.request(API.Produce.apiKey, 9, { ...API.Produce.createRequest(), acks: -1, timeoutMs: 5000, transactionalId: null, topicData: [{ name: '__consumer_offsets', topicId: ZERO_UUID, partitionData: [{ index: 0, records: plain }] }] });
  assert.equal(forged.responses[0].partitionResponses[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
});

test('TxnOffsetCommit v3+ checks the member id and generation of a group member (KIP-447)', { timeout: 60_000 }, async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: FAST_GROUPS });
  const c = await RawClient.connect(broker.port);
  const m = await RawClient.connect(broker.port);
  t.after(() => [c, m].forEach((x) => x.close()));
  await createTopics(c, [{ name: 'v2-in' }]);
  const member = await joinSilentMember(m, 'g-members', 'v2-in', 'range', 60_000);
  const { producerId, producerEpoch } = await initTxn(c, 'tx-m');
  const commit = async (groupId: string, memberId: string, generationId: number) => {
    const r = await c.request(API.TxnOffsetCommit.apiKey, 5, {
      ...API.TxnOffsetCommit.createRequest(),
      transactionalId: 'tx-m',
      groupId,
      producerId,
      producerEpoch,
      generationId,
      memberId,
      groupInstanceId: null,
      topics: [{ name: 'v2-in', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    return r.topics[0].partitions[0].errorCode as number;
  };
  assert.equal(await commit('g-members', 'nobody', member.generationId), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await commit('g-members', member.memberId, member.generationId + 1), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await commit('g-none', 'someone', 4), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await commit('g-members', member.memberId, member.generationId), 0);
  assert.equal(await commit('g-members', '', -1), 0, 'without member fields the commit is not checked');
  assert.equal((await endTxn(c, 'tx-m', producerId, producerEpoch, true)).errorCode, 0);
  const r = await c.request(API.OffsetFetch.apiKey, 7, { ...API.OffsetFetch.createRequest(), groupId: 'g-members', topics: [{ name: 'v2-in', partitionIndexes: [0] }] });
  assert.equal(r.topics[0].partitions[0].committedOffset, 3n);
});
