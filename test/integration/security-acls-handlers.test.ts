// ACLs in every handler (issue 6, acceptance 2): a principal allowed to write one topic and
// read one group can do exactly that with real clients (kafkajs, kcat); prefixed and deny
// rules; and, through our codec, the operation and error code of each group, config, admin
// and quota API as Kafka's KafkaApis checks them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { Admin, startBroker } from '../../src/index.ts';
import { API, ErrorCode } from '../../src/protocol/index.ts';
import { kcat } from '../helpers/kcat.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { plainJaas } from './security-support.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } = kafkajs;

async function aclBroker() {
  return startBroker({
    dataDir: 'memory',
    config: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas({ admin: 'admin-secret', alice: 'alice-secret' }),
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'num.partitions': '1',
      'group.initial.rebalance.delay.ms': '0',
    },
  });
}

const client = (bootstrap: string, username: string, password: string) =>
  new Kafka({ clientId: 'acl-handlers', brokers: [bootstrap], sasl: { mechanism: 'plain', username, password }, retry: { retries: 2, initialRetryTime: 100 }, logLevel: logLevel.NOTHING });

type AclSpec = [resourceType: number, name: string, principal: string, operation: number, pattern?: number, permission?: number];
const binding = ([resourceType, resourceName, principal, operation, resourcePatternType = ResourcePatternTypes.LITERAL, permissionType = AclPermissionTypes.ALLOW]: AclSpec) => ({
  resourceType,
  resourceName,
  resourcePatternType,
  principal,
  host: '*',
  operation,
  permissionType,
});

/** Groups made to exist (Empty, with an offset) by the super user, through our own admin client. */
async function commitAsAdmin(bootstrap: string, groups: string[], topic: string): Promise<void> {
  const ours = new Admin({ bootstrapServers: bootstrap, sasl: { mechanism: 'PLAIN', username: 'admin', password: 'admin-secret' } });
  try {
    for (const groupId of groups) await ours.alterGroupOffsets(groupId, [{ topic, partition: 0, offset: 0 }]);
  } finally {
    await ours.close();
  }
}

const authorizationError = (code: string) => (err: Error & { type?: string; errors?: unknown[]; groups?: { error?: { type?: string } }[] }) =>
  err.type === code || /authoriz/i.test(err.message) || JSON.stringify(err.errors ?? err.groups ?? []).includes(code);
// kafkajs asks every broker for the coordinator and reports a refusal (here
// GROUP_AUTHORIZATION_FAILED, see the codec test below) as "Failed to find group coordinator".
const groupDenied = (err: Error & { type?: string }) => err.name === 'KafkaJSGroupCoordinatorNotFound' || authorizationError('GROUP_AUTHORIZATION_FAILED')(err);

test('a principal allowed to write one topic and read one group can do exactly that; prefixed and deny rules', { timeout: 120_000 }, async (t) => {
  const broker = await aclBroker();
  t.after(() => broker.stop());
  const admin = client(broker.bootstrap, 'admin', 'admin-secret').admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'orders' }, { topic: 'payments' }, { topic: 'ord-open' }, { topic: 'ord-secret' }] });
  await commitAsAdmin(broker.bootstrap, ['billing', 'other', 'team-a', 'team-locked'], 'payments');
  const adminProducer = client(broker.bootstrap, 'admin', 'admin-secret').producer();
  await adminProducer.connect();
  for (const topic of ['payments', 'ord-open', 'ord-secret']) await adminProducer.send({ topic, messages: [{ value: `in-${topic}` }] });
  await adminProducer.disconnect();
  await admin.createAcls({
    acl: [
      binding([AclResourceTypes.TOPIC, 'orders', 'User:alice', AclOperationTypes.WRITE]),
      binding([AclResourceTypes.GROUP, 'billing', 'User:alice', AclOperationTypes.READ]),
    ],
  });

  // Exactly what was granted: write orders, read (so join, fetch offsets of, describe) billing.
  const alice = client(broker.bootstrap, 'alice', 'alice-secret');
  const producer = alice.producer();
  await producer.connect();
  t.after(() => producer.disconnect());
  await producer.send({ topic: 'orders', messages: [{ value: 'order-1' }] });
  await assert.rejects(producer.send({ topic: 'payments', messages: [{ value: 'no' }] }), authorizationError('TOPIC_AUTHORIZATION_FAILED'));
  const aliceAdmin = alice.admin();
  await aliceAdmin.connect();
  t.after(() => aliceAdmin.disconnect());
  const offsets = await aliceAdmin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
  assert.deepEqual(offsets[0]!.partitions.map((p) => p.offset), ['-1']);
  await assert.rejects(aliceAdmin.fetchOffsets({ groupId: 'other', topics: ['orders'] }), groupDenied);
  await assert.rejects(aliceAdmin.deleteGroups(['billing']), groupDenied);
  assert.deepEqual((await aliceAdmin.listGroups()).groups.map((g) => g.groupId), ['billing'], 'ListGroups shows only the groups alice may describe');
  // Reading the group is not reading a topic: a member of billing cannot fetch orders yet.
  const denied = await kcat(['-b', broker.bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret', '-C', '-t', 'orders', '-p', '0', '-o', 'beginning', '-c', '1', '-e'], { check: false, timeoutMs: 30_000 });
  assert.match(denied.stderr, /authoriz/i);

  // Prefixed ALLOW READ on topics "ord", DENY READ on ord-secret; prefixed groups "team-" with
  // team-locked denied.
  await admin.createAcls({
    acl: [
      binding([AclResourceTypes.TOPIC, 'ord', 'User:alice', AclOperationTypes.READ, ResourcePatternTypes.PREFIXED]),
      binding([AclResourceTypes.TOPIC, 'ord-secret', 'User:alice', AclOperationTypes.READ, ResourcePatternTypes.LITERAL, AclPermissionTypes.DENY]),
      binding([AclResourceTypes.GROUP, 'team-', 'User:alice', AclOperationTypes.ALL, ResourcePatternTypes.PREFIXED]),
      binding([AclResourceTypes.GROUP, 'team-locked', 'User:*', AclOperationTypes.ALL, ResourcePatternTypes.LITERAL, AclPermissionTypes.DENY]),
    ],
  });
  // A group member of billing now consumes orders and commits its position.
  const consumer = alice.consumer({ groupId: 'billing', sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const first = new Promise<string>((resolve) => void consumer.run({ autoCommit: true, autoCommitInterval: 10, eachMessage: async ({ message }) => resolve(message.value!.toString()) }));
  assert.equal(await first, 'order-1');
  await consumer.disconnect();
  const committed = await aliceAdmin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
  assert.deepEqual(committed[0]!.partitions.map((p) => p.offset), ['1'], 'OffsetCommit allowed: READ on the group and the topic');

  const asAlice = ['-b', broker.bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret'];
  const open = await kcat([...asAlice, '-C', '-t', 'ord-open', '-p', '0', '-o', 'beginning', '-c', '1', '-e']);
  assert.equal(open.stdout.toString().trim(), 'in-ord-open', 'the prefixed ALLOW applies');
  const secret = await kcat([...asAlice, '-C', '-t', 'ord-secret', '-p', '0', '-o', 'beginning', '-c', '1', '-e'], { check: false, timeoutMs: 30_000 });
  assert.match(secret.stderr, /authoriz/i, 'the literal DENY wins over the prefixed ALLOW');
  assert.deepEqual((await aliceAdmin.fetchOffsets({ groupId: 'team-a', topics: ['ord-open'] }))[0]!.partitions.map((p) => p.offset), ['-1']);
  await assert.rejects(aliceAdmin.fetchOffsets({ groupId: 'team-locked', topics: ['ord-open'] }), groupDenied);
  await aliceAdmin.deleteGroups(['team-a']);
  assert.deepEqual((await aliceAdmin.listGroups()).groups.map((g) => g.groupId).sort(), ['billing'], 'team-a deleted (ALL implies DELETE); team-locked hidden');
});

test('each handler checks the operation Kafka checks and answers its error code', { timeout: 60_000 }, async (t) => {
  const broker = await aclBroker();
  t.after(() => broker.stop());
  const admin = client(broker.bootstrap, 'admin', 'admin-secret').admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'orders' }, { topic: 'mine-1' }] });
  await commitAsAdmin(broker.bootstrap, ['team-a', 'x'], 'orders');
  // User:ANONYMOUS (the PLAINTEXT listener): READ on groups "team-", DESCRIBE on topic mine-1.
  await admin.createAcls({
    acl: [
      binding([AclResourceTypes.GROUP, 'team-', 'User:ANONYMOUS', AclOperationTypes.READ, ResourcePatternTypes.PREFIXED]),
      binding([AclResourceTypes.TOPIC, 'mine-1', 'User:ANONYMOUS', AclOperationTypes.DESCRIBE]),
    ],
  });
  const raw = await RawClient.connect(broker.listeners[1]!.port);
  t.after(() => raw.close());
  const req = (api: { apiKey: number; createRequest(): object }, version: number, body: object) => raw.request(api.apiKey, version, Object.assign(api.createRequest(), body));
  const E = ErrorCode;

  const coordinators = await req(API.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['team-a', 'x'] });
  assert.deepEqual(coordinators.coordinators.map((c: { errorCode: number }) => c.errorCode), [0, E.GROUP_AUTHORIZATION_FAILED]);
  const txnCoordinator = await req(API.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['tx'] });
  assert.equal(txnCoordinator.coordinators[0].errorCode, E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const join = (groupId: string) => req(API.JoinGroup, 9, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
  assert.equal((await join('x')).errorCode, E.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await join('team-b')).errorCode, E.MEMBER_ID_REQUIRED, 'READ on the group lets the join through');
  assert.equal((await req(API.Heartbeat, 4, { groupId: 'x', generationId: 1, memberId: 'm' })).errorCode, E.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await req(API.SyncGroup, 5, { groupId: 'x', generationId: 1, memberId: 'm', protocolType: 'consumer', protocolName: 'range', assignments: [] })).errorCode, E.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await req(API.LeaveGroup, 5, { groupId: 'x', members: [{ memberId: 'm', groupInstanceId: null, reason: null }] })).errorCode, E.GROUP_AUTHORIZATION_FAILED);

  const commit = (groupId: string) =>
    req(API.OffsetCommit, 8, { groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
  assert.equal((await commit('x')).topics[0].partitions[0].errorCode, E.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await commit('team-a')).topics[0].partitions[0].errorCode, E.TOPIC_AUTHORIZATION_FAILED, 'READ on the topic is needed too');

  const fetched = await req(API.OffsetFetch, 8, {
    groups: [
      { groupId: 'x', memberId: null, memberEpoch: -1, topics: null },
      { groupId: 'team-a', memberId: null, memberEpoch: -1, topics: [{ name: 'orders', topicId: '', partitionIndexes: [0] }, { name: 'mine-1', topicId: '', partitionIndexes: [0] }] },
      { groupId: 'team-a', memberId: null, memberEpoch: -1, topics: null },
    ],
  });
  assert.equal(fetched.groups[0].errorCode, E.GROUP_AUTHORIZATION_FAILED);
  assert.deepEqual(fetched.groups[1].topics.map((x: { name: string; partitions: { errorCode: number }[] }) => [x.name, x.partitions[0]!.errorCode]), [['orders', E.TOPIC_AUTHORIZATION_FAILED], ['mine-1', 0]]);
  assert.deepEqual(fetched.groups[2].topics, [], 'offsets of topics without DESCRIBE are left out of an all-topics fetch');
  const oldFetch = await req(API.OffsetFetch, 1, { groupId: 'x', topics: [{ name: 'orders', partitionIndexes: [0] }] });
  assert.equal(oldFetch.topics[0].partitions[0].errorCode, E.GROUP_AUTHORIZATION_FAILED, 'v0-1: per partition');
  assert.equal((await req(API.OffsetFetch, 5, { groupId: 'x', topics: null })).errorCode, E.GROUP_AUTHORIZATION_FAILED, 'v2-7: top level');
  assert.equal((await req(API.OffsetDelete, 0, { groupId: 'team-a', topics: [] })).errorCode, E.GROUP_AUTHORIZATION_FAILED, 'OffsetDelete needs DELETE');

  const described = await req(API.DescribeGroups, 5, { groups: ['team-a', 'x'], includeAuthorizedOperations: true });
  assert.deepEqual(described.groups.map((g: { errorCode: number }) => g.errorCode), [0, E.GROUP_AUTHORIZATION_FAILED]);
  assert.equal(described.groups[0].authorizedOperations, (1 << 3) | (1 << 8), 'READ and the DESCRIBE it implies');
  const listed = await req(API.ListGroups, 4, { statesFilter: [] });
  assert.deepEqual(listed.groups.map((g: { groupId: string }) => g.groupId).sort(), ['team-a', 'team-b']);
  const deleted = await req(API.DeleteGroups, 2, { groupsNames: ['team-a', 'x'] });
  assert.deepEqual(deleted.results.map((r: { errorCode: number }) => r.errorCode), [E.GROUP_AUTHORIZATION_FAILED, E.GROUP_AUTHORIZATION_FAILED]);
  const heartbeat = (groupId: string, topics: string[]) => req(API.ConsumerGroupHeartbeat, 0, { groupId, memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 10_000, subscribedTopicNames: topics, serverAssignor: null, topicPartitions: [] });
  assert.equal((await heartbeat('x', ['mine-1'])).errorCode, E.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await heartbeat('team-c', ['orders'])).errorCode, E.TOPIC_AUTHORIZATION_FAILED, 'DESCRIBE on every subscribed topic');
  const cgDescribe = await req(API.ConsumerGroupDescribe, 0, { groupIds: ['x'], includeAuthorizedOperations: false });
  assert.equal(cgDescribe.groups[0].errorCode, E.GROUP_AUTHORIZATION_FAILED);

  const configs = await req(API.DescribeConfigs, 4, {
    resources: [
      { resourceType: 2, resourceName: 'orders', configurationKeys: null },
      { resourceType: 4, resourceName: String(broker.broker.nodeId), configurationKeys: null },
    ],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  assert.deepEqual(configs.results.map((r: { errorCode: number }) => r.errorCode), [E.TOPIC_AUTHORIZATION_FAILED, E.CLUSTER_AUTHORIZATION_FAILED]);
  const altered = await req(API.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: 'mine-1', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }], validateOnly: false });
  assert.equal(altered.responses[0].errorCode, E.TOPIC_AUTHORIZATION_FAILED, 'DESCRIBE does not imply ALTER_CONFIGS');
  const replaced = await req(API.AlterConfigs, 2, { resources: [{ resourceType: 4, resourceName: '', configs: [] }], validateOnly: true });
  assert.equal(replaced.responses[0].errorCode, E.CLUSTER_AUTHORIZATION_FAILED);
  const grown = await req(API.CreatePartitions, 3, { topics: [{ name: 'mine-1', count: 2, assignments: null }], timeoutMs: 1000, validateOnly: true });
  assert.equal(grown.results[0].errorCode, E.TOPIC_AUTHORIZATION_FAILED);
  const truncated = await req(API.DeleteRecords, 2, { topics: [{ name: 'mine-1', partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 1000 });
  assert.equal(truncated.topics[0].partitions[0].errorCode, E.TOPIC_AUTHORIZATION_FAILED);
  const dirs = await req(API.DescribeLogDirs, 4, { topics: null });
  assert.equal(dirs.errorCode, E.CLUSTER_AUTHORIZATION_FAILED);
  assert.deepEqual(dirs.results, []);
  const moved = await req(API.AlterReplicaLogDirs, 2, { dirs: [{ path: '/x', topics: [{ name: 'orders', partitions: [0] }] }] });
  assert.equal(moved.results[0].partitions[0].errorCode, E.CLUSTER_AUTHORIZATION_FAILED);
  const quotas = await req(API.DescribeClientQuotas, 1, { components: [], strict: false });
  assert.equal(quotas.errorCode, E.CLUSTER_AUTHORIZATION_FAILED);
  const setQuota = await req(API.AlterClientQuotas, 1, { entries: [{ entity: [{ entityType: 'user', entityName: 'a' }], ops: [{ key: 'producer_byte_rate', value: 1000, remove: false }] }], validateOnly: false });
  assert.equal(setQuota.entries[0].errorCode, E.CLUSTER_AUTHORIZATION_FAILED);
  const cluster = await req(API.DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
  assert.equal(cluster.errorCode, 0);
  assert.equal(cluster.clusterAuthorizedOperations, 0, 'no DESCRIBE on the cluster: no operations');
  const partitions = await req(API.DescribeTopicPartitions, 0, { topics: [], responsePartitionLimit: 100, cursor: null });
  assert.deepEqual(partitions.topics.map((x: { name: string }) => x.name), ['mine-1']);
  assert.equal(partitions.topics[0].topicAuthorizedOperations, 1 << 8);

});
