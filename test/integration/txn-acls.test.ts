// Issue 5 with issue 6's authorizer: the transaction APIs check ACLs as Kafka's KafkaApis
// does, seen through our codec by a principal (alice, SASL PLAIN) allowed WRITE on one
// transactional id and one topic, READ on one group and another topic; bob has no ACL.
// WriteTxnMarkers (inter-broker) needs CLUSTER_ACTION, and for a super user writes the
// marker, refusing an epoch the partition has passed and unknown partitions.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker } from '../../src/index.ts';
import { API, ErrorCode, encodeRecordBatch } from '../../src/protocol/index.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { plainJaas } from './security-support.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const RESOURCE = { TOPIC: 2, GROUP: 3, TRANSACTIONAL_ID: 5 };
const OP = { READ: 3, WRITE: 4 };

async function login(port: number, user: string): Promise<RawClient> {
  const c = await RawClient.connect(port);
  assert.equal((await c.request(API.SaslHandshake.apiKey, 1, { ...API.SaslHandshake.createRequest(), mechanism: 'PLAIN' })).errorCode, 0);
  const auth = await c.request(API.SaslAuthenticate.apiKey, 2, { ...API.SaslAuthenticate.createRequest(), authBytes: Buffer.from(`\0${user}\0${user}-secret`) });
  assert.equal(auth.errorCode, 0);
  return c;
}

const init = (c: RawClient, transactionalId: string | null) =>
  c.request(API.InitProducerId.apiKey, 4, { ...API.InitProducerId.createRequest(), transactionalId, transactionTimeoutMs: 60000 });

const addPartitions = async (c: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, topics: string[]) => {
  const r = await c.request(API.AddPartitionsToTxn.apiKey, 3, {
    ...API.AddPartitionsToTxn.createRequest(),
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: producerId,
    v3AndBelowProducerEpoch: producerEpoch,
    v3AndBelowTopics: topics.map((name) => ({ name, partitions: [0] })),
  });
  return r.resultsByTopicV3AndBelow.map((t: any) => [t.name, t.resultsByPartition[0].partitionErrorCode]);
};

const txnOffsetCommit = async (c: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string, topics: string[]) => {
  const r = await c.request(API.TxnOffsetCommit.apiKey, 3, {
    ...API.TxnOffsetCommit.createRequest(),
    transactionalId,
    groupId,
    producerId,
    producerEpoch,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: topics.map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: '' }] })),
  });
  return r.topics.map((t: any) => [t.name, t.partitions[0].errorCode]);
};

const markers = async (c: RawClient, version: number, producerId: bigint, producerEpoch: number, topic: string, transactionVersion = 0) => {
  const r = await c.request(API.WriteTxnMarkers.apiKey, version, {
    ...API.WriteTxnMarkers.createRequest(),
    markers: [{ producerId, producerEpoch, transactionResult: false, topics: [{ name: topic, partitionIndexes: [0] }], coordinatorEpoch: 0, transactionVersion }],
  });
  return r.markers[0].topics[0].partitions[0].errorCode as number;
};

test('transaction APIs: TransactionalId, topic, group and cluster ACLs; WriteTxnMarkers', { timeout: 60_000 }, async (t) => {
  const broker = await startBroker({
    dataDir: 'memory',
    config: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas({ admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret', dave: 'dave-secret' }),
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'num.partitions': '1',
    },
  });
  t.after(() => broker.stop());
  const admin = await login(broker.port, 'admin');
  const alice = await login(broker.port, 'alice');
  const bob = await login(broker.port, 'bob');
  t.after(() => [admin, alice, bob].forEach((c) => c.close()));
  const create = { ...API.CreateTopics.createRequest(), topics: ['ta-out', 'ta-in'].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })) };
  assert.deepEqual((await admin.request(API.CreateTopics.apiKey, 7, create)).topics.map((x: any) => x.errorCode), [0, 0]);
  const allow = (resourceType: number, resourceName: string, operation: number, principal = 'User:alice', resourcePatternType = 3, permissionType = 3) =>
    ({ resourceType, resourceName, resourcePatternType, principal, host: '*', operation, permissionType });
  const acls = await admin.request(API.CreateAcls.apiKey, 3, {
    ...API.CreateAcls.createRequest(),
    creations: [
      allow(RESOURCE.TRANSACTIONAL_ID, 'tx-ok', OP.WRITE),
      allow(RESOURCE.TOPIC, 'ta-out', OP.WRITE),
      allow(RESOURCE.TOPIC, 'ta-in', OP.READ),
      allow(RESOURCE.GROUP, 'g-ok', OP.READ),
      // carol may write topics that do not exist yet; dave's prefix is covered by a deny.
      allow(RESOURCE.TOPIC, 'future-', OP.WRITE, 'User:carol', 4),
      allow(RESOURCE.TOPIC, 'ta-', OP.WRITE, 'User:dave', 4),
      allow(RESOURCE.TOPIC, 'ta', OP.WRITE, 'User:dave', 4, 2),
    ],
  });
  assert.deepEqual(acls.results.map((r: any) => r.errorCode), [0, 0, 0, 0, 0, 0, 0]);
  assert.equal((await init(admin, 'tx-admin')).errorCode, 0);

  // InitProducerId: WRITE on the transactional id; without one, WRITE on some topic (alice) or IDEMPOTENT_WRITE.
  assert.equal((await init(alice, 'tx-no')).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal((await init(alice, null)).errorCode, 0);
  assert.equal((await init(bob, null)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  // Kafka's authorizeByResourceType: an allowed prefix counts even with no such topic, unless a deny prefix covers it.
  const carol = await login(broker.port, 'carol');
  const dave = await login(broker.port, 'dave');
  t.after(() => [carol, dave].forEach((x) => x.close()));
  assert.equal((await init(carol, null)).errorCode, 0);
  assert.equal((await init(dave, null)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const p = await init(alice, 'tx-ok');
  assert.equal(p.errorCode, 0);
  const { producerId, producerEpoch } = p;

  // AddPartitionsToTxn: WRITE on each topic (the others not attempted); v4+ is for brokers (CLUSTER_ACTION).
  assert.deepEqual(await addPartitions(alice, 'tx-ok', producerId, producerEpoch, ['ta-out', 'ta-in']), [['ta-out', ErrorCode.OPERATION_NOT_ATTEMPTED], ['ta-in', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
  assert.deepEqual(await addPartitions(alice, 'tx-no', producerId, producerEpoch, ['ta-out']), [['ta-out', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]]);
  const v4 = await alice.request(API.AddPartitionsToTxn.apiKey, 4, {
    ...API.AddPartitionsToTxn.createRequest(),
    transactions: [{ transactionalId: 'tx-ok', producerId, producerEpoch, verifyOnly: true, topics: [{ name: 'ta-out', partitions: [0] }] }],
  });
  assert.equal(v4.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.deepEqual(await addPartitions(alice, 'tx-ok', producerId, producerEpoch, ['ta-out']), [['ta-out', 0]]);

  // AddOffsetsToTxn and TxnOffsetCommit: READ on the group, READ on each topic.
  const addOffsets = (groupId: string) => alice.request(API.AddOffsetsToTxn.apiKey, 3, { ...API.AddOffsetsToTxn.createRequest(), transactionalId: 'tx-ok', producerId, producerEpoch, groupId });
  assert.equal((await addOffsets('g-no')).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await addOffsets('g-ok')).errorCode, 0);
  assert.deepEqual(await txnOffsetCommit(alice, 'tx-ok', producerId, producerEpoch, 'g-no', ['ta-in']), [['ta-in', ErrorCode.GROUP_AUTHORIZATION_FAILED]]);
  assert.deepEqual(await txnOffsetCommit(alice, 'tx-no', producerId, producerEpoch, 'g-ok', ['ta-in']), [['ta-in', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]]);
  assert.deepEqual(await txnOffsetCommit(alice, 'tx-ok', producerId, producerEpoch, 'g-ok', ['ta-in', 'ta-out']), [['ta-in', 0], ['ta-out', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);

  // EndTxn: WRITE on the transactional id.
  const endTxn = (c: RawClient, transactionalId: string) => c.request(API.EndTxn.apiKey, 3, { ...API.EndTxn.createRequest(), transactionalId, producerId, producerEpoch, committed: false });
  assert.equal((await endTxn(alice, 'tx-no')).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);

  // DescribeTransactions: DESCRIBE (implied by WRITE); ListTransactions lists only what may be described.
  const described = await alice.request(API.DescribeTransactions.apiKey, 0, { ...API.DescribeTransactions.createRequest(), transactionalIds: ['tx-ok', 'tx-admin'] });
  assert.deepEqual(described.transactionStates.map((s: any) => [s.transactionalId, s.errorCode]), [['tx-ok', 0], ['tx-admin', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]]);
  const listed = await alice.request(API.ListTransactions.apiKey, 1, { ...API.ListTransactions.createRequest(), durationFilter: -1n });
  assert.deepEqual(listed.transactionStates.map((s: any) => s.transactionalId), ['tx-ok']);
  const all = await admin.request(API.ListTransactions.apiKey, 1, { ...API.ListTransactions.createRequest(), durationFilter: -1n });
  assert.deepEqual(all.transactionStates.map((s: any) => s.transactionalId).sort(), ['tx-admin', 'tx-ok']);
  // DescribeProducers: READ on the topic.
  const producers = await alice.request(API.DescribeProducers.apiKey, 0, { ...API.DescribeProducers.createRequest(), topics: [{ name: 'ta-out', partitionIndexes: [0] }] });
  assert.equal(producers.topics[0].partitions[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);

  // WriteTxnMarkers: CLUSTER_ACTION; a super user's marker is written unless the partition knows a newer epoch.
  const records = encodeRecordBatch([{ key: null, value: 'pending' }], { producerId, producerEpoch, baseSequence: 0, isTransactional: true });
  const produced = await alice.request(API.Produce.apiKey, 9, { ...API.Produce.createRequest(), acks: -1, timeoutMs: 5000, transactionalId: 'tx-ok', topicData: [{ name: 'ta-out', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] });
  assert.equal(produced.responses[0].partitionResponses[0].errorCode, 0);
  assert.equal(await markers(alice, 1, producerId, producerEpoch, 'ta-out'), ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal(await markers(admin, 2, producerId, producerEpoch, 'ta-out', 2), ErrorCode.INVALID_PRODUCER_EPOCH, 'a v2 marker must carry a bumped epoch');
  assert.equal(await markers(admin, 1, producerId, producerEpoch, 'nowhere'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  // A marker for a producer the partition does not know is written (Kafka's leader accepts it) and ends nothing.
  assert.equal(await markers(admin, 1, 987654n, 0, 'ta-in'), 0);
  const inProducers = await admin.request(API.DescribeProducers.apiKey, 0, { ...API.DescribeProducers.createRequest(), topics: [{ name: 'ta-in', partitionIndexes: [0] }] });
  assert.deepEqual(inProducers.topics[0].partitions[0].activeProducers.map((p: any) => [p.producerId, p.currentTxnStartOffset]), [[987654n, -1n]]);
  assert.equal(await markers(admin, 2, producerId, producerEpoch + 1, 'ta-out', 2), 0);
  assert.equal(await markers(admin, 1, producerId, producerEpoch, 'ta-out'), ErrorCode.INVALID_PRODUCER_EPOCH, 'the partition has seen epoch + 1');
  const after = await admin.request(API.DescribeProducers.apiKey, 0, { ...API.DescribeProducers.createRequest(), topics: [{ name: 'ta-out', partitionIndexes: [0] }] });
  const entry = after.topics[0].partitions[0].activeProducers[0];
  assert.deepEqual([entry.producerEpoch, entry.currentTxnStartOffset], [producerEpoch + 1, -1n]);
});
