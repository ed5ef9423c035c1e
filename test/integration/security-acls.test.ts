// ACLs (issue 6, priority 3): CreateAcls, DescribeAcls and DeleteAcls through kafkajs' admin
// (persisted across a restart), cluster authorization of those APIs, and Metadata hiding
// the topics a principal may not describe. Principals come from SASL/PLAIN.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { startBroker } from '../../src/index.ts';
import { API, ErrorCode, ZERO_UUID } from '../../src/protocol/index.ts';
import { tempDir } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { plainJaas } from './security-support.ts';

async function aclBroker(dataDir: string) {
  return startBroker({
    dataDir,
    config: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas({ admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' }),
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'num.partitions': '1',
    },
  });
}

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } = kafkajs;
type AclOperationTypes = kafkajs.AclOperationTypes;

const client = (bootstrap: string, username: string, password: string) =>
  new Kafka({ clientId: 'acl-test', brokers: [bootstrap], sasl: { mechanism: 'plain', username, password }, retry: { retries: 0 }, logLevel: logLevel.NOTHING });

test('ACL APIs: create, describe with filters, delete; only a cluster ALTER/DESCRIBE holder may; kept across a restart; Metadata hides topics', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  let broker = await aclBroker(dir);
  const admin = client(broker.bootstrap, 'admin', 'admin-secret').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders' }, { topic: 'logs-app' }, { topic: 'secret' }] });
  const acl = (resourceName: string, principal: string, operation: AclOperationTypes, resourcePatternType = ResourcePatternTypes.LITERAL, permissionType = AclPermissionTypes.ALLOW) => ({
    resourceType: AclResourceTypes.TOPIC,
    resourceName,
    resourcePatternType,
    principal,
    host: '*',
    operation,
    permissionType,
  });
  await admin.createAcls({
    acl: [
      acl('orders', 'User:alice', AclOperationTypes.WRITE),
      acl('logs-', 'User:alice', AclOperationTypes.READ, ResourcePatternTypes.PREFIXED),
      acl('secret', 'User:alice', AclOperationTypes.ALL, ResourcePatternTypes.LITERAL, AclPermissionTypes.DENY),
    ],
  });
  const described = await admin.describeAcls({ resourceType: AclResourceTypes.TOPIC, resourceName: 'logs-app', resourcePatternType: ResourcePatternTypes.MATCH, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
  assert.deepEqual(described.resources.map((r) => [r.resourceName, r.resourcePatternType]), [['logs-', ResourcePatternTypes.PREFIXED]]);
  await admin.disconnect();
  await broker.stop();

  broker = await aclBroker(dir);
  t.after(() => broker.stop());
  // alice sees only what she may describe: orders (WRITE implies DESCRIBE) and logs-app.
  const alice = client(broker.bootstrap, 'alice', 'alice-secret').admin();
  await alice.connect();
  const topics = (await alice.fetchTopicMetadata()).topics.map((x) => x.name).sort();
  assert.deepEqual(topics, ['logs-app', 'orders']);
  await assert.rejects(alice.fetchTopicMetadata({ topics: ['secret'] }), /authoriz/i);
  await assert.rejects(alice.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }), /authoriz/i);
  await assert.rejects(alice.createAcls({ acl: [acl('x', 'User:alice', AclOperationTypes.READ)] }), /authoriz/i);
  const authorizationFailed = (err: Error & { type?: string; errors?: { type?: string }[] }) =>
    /authoriz/i.test(err.message) || err.type === 'TOPIC_AUTHORIZATION_FAILED' || (err.errors ?? []).some((e) => e.type === 'TOPIC_AUTHORIZATION_FAILED');
  await assert.rejects(alice.createTopics({ topics: [{ topic: 'new-one' }] }), authorizationFailed);
  await assert.rejects(alice.deleteTopics({ topics: ['orders'] }), authorizationFailed);
  await alice.disconnect();

  // Produce and Fetch: alice writes orders but not logs-app; reads logs-app but not orders.
  const asAlice = ['-b', broker.bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret'];
  await kcat([...asAlice, '-P', '-t', 'orders', '-p', '0'], { input: 'o1\n' });
  const denied = await kcat([...asAlice, '-P', '-t', 'logs-app', '-p', '0', '-X', 'message.timeout.ms=5000'], { input: 'l1\n', check: false, timeoutMs: 30_000 });
  assert.match(denied.stderr, /authoriz/i);
  const admin3 = client(broker.bootstrap, 'admin', 'admin-secret').producer();
  await admin3.connect();
  await admin3.send({ topic: 'logs-app', messages: [{ value: 'from-admin' }] });
  await admin3.disconnect();
  const read = await kcat([...asAlice, '-C', '-t', 'logs-app', '-p', '0', '-o', 'beginning', '-c', '1', '-e']);
  assert.equal(read.stdout.toString().trim(), 'from-admin');
  const unread = await kcat([...asAlice, '-C', '-t', 'orders', '-p', '0', '-o', 'beginning', '-c', '1', '-e'], { check: false, timeoutMs: 30_000 });
  assert.match(unread.stderr, /authoriz/i);

  // User:ANONYMOUS on the PLAINTEXT listener has no ACLs: nothing is visible or allowed.
  const anonymous = await RawClient.connect(broker.listeners[1]!.port);
  const md = await anonymous.request(API.Metadata.apiKey, 12, Object.assign(API.Metadata.createRequest(), { topics: null }));
  assert.deepEqual(md.topics, []);
  const named = await anonymous.request(API.Metadata.apiKey, 12, Object.assign(API.Metadata.createRequest(), { topics: [{ name: 'orders', topicId: ZERO_UUID }, { name: 'nope', topicId: ZERO_UUID }] }));
  assert.deepEqual(named.topics.map((x: { errorCode: number }) => x.errorCode), [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
  const offsets = await anonymous.request(API.ListOffsets.apiKey, 7, Object.assign(API.ListOffsets.createRequest(), { replicaId: -1, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] }));
  assert.equal(offsets.topics[0].partitions[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const create = await anonymous.request(API.CreateTopics.apiKey, 7, Object.assign(API.CreateTopics.createRequest(), { topics: [{ name: 'anon', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 }));
  assert.equal(create.topics[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const del = await anonymous.request(API.DeleteTopics.apiKey, 6, Object.assign(API.DeleteTopics.createRequest(), { topics: [{ name: 'orders', topicId: ZERO_UUID }], timeoutMs: 1000 }));
  assert.equal(del.responses[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const scram = await anonymous.request(API.DescribeUserScramCredentials.apiKey, 0, Object.assign(API.DescribeUserScramCredentials.createRequest(), { users: null }));
  assert.equal(scram.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  anonymous.close();

  const admin2 = client(broker.bootstrap, 'admin', 'admin-secret').admin();
  await admin2.connect();
  const all = await admin2.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
  assert.equal(all.resources.length, 3, 'kept across the restart');
  const deleted = await admin2.deleteAcls({ filters: [{ resourceType: AclResourceTypes.TOPIC, resourceName: 'secret', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }] });
  assert.equal(deleted.filterResponses[0]!.matchingAcls.length, 1);
  const left = await admin2.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
  assert.equal(left.resources.length, 2);
  await admin2.disconnect();
  await broker.stop();
});

test('without an authorizer the ACL APIs answer SECURITY_DISABLED, as Kafka does, and keep nothing', { timeout: 30_000 }, async (t) => {
  const broker = await startBroker({ dataDir: 'memory', port: 0 });
  t.after(() => broker.stop());
  const admin = new Kafka({ clientId: 'acl-test', brokers: [broker.bootstrap], retry: { retries: 0 }, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const binding = { resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW };
  await assert.rejects(admin.createAcls({ acl: [binding] }), (e: { type?: string }) => e.type === 'SECURITY_DISABLED');

  const raw = await RawClient.connect(broker.port);
  t.after(() => raw.close());
  const filter = { resourceTypeFilter: AclResourceTypes.ANY, resourceNameFilter: null, patternTypeFilter: ResourcePatternTypes.ANY, principalFilter: null, hostFilter: null, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
  const described = await raw.request(API.DescribeAcls.apiKey, 3, Object.assign(API.DescribeAcls.createRequest(), filter));
  assert.equal(described.errorCode, ErrorCode.SECURITY_DISABLED);
  assert.deepEqual(described.resources, []);
  const deleted = await raw.request(API.DeleteAcls.apiKey, 3, Object.assign(API.DeleteAcls.createRequest(), { filters: [filter] }));
  assert.deepEqual(deleted.filterResults.map((r: { errorCode: number }) => r.errorCode), [ErrorCode.SECURITY_DISABLED]);
});
