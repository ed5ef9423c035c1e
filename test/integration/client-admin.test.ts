// The admin client against an in-process broker: topics, cluster, offsets, pipelining,
// errors with their paths, and the diagnostics channels.

import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { test } from 'node:test';
import { Admin, KafkaError, Producer } from '../../src/client/index.ts';
import { Connection } from '../../src/client/connection.ts';
import { API } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';

test('admin: create, list, describe and delete topics; describe the cluster', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());

  const created = await admin.createTopics([{ name: 'orders', numPartitions: 3 }, { name: 'audit', numPartitions: 1, configs: { 'cleanup.policy': 'delete' } }]);
  assert.deepEqual(created.map((c) => [c.name, c.numPartitions]), [['orders', 3], ['audit', 1]]);
  assert.deepEqual(await admin.listTopics(), ['audit', 'orders']);

  const [orders] = await admin.describeTopics(['orders']);
  assert.equal(orders!.partitions.length, 3);
  assert.deepEqual(orders!.partitions.map((p) => p.partition), [0, 1, 2]);
  assert.ok(orders!.partitions.every((p) => p.leader >= 0));

  const cluster = await admin.describeCluster();
  assert.equal(cluster.brokers.length, 1);
  assert.equal(cluster.brokers[0]!.port, broker.port);

  await assert.rejects(admin.createTopics([{ name: 'orders', numPartitions: 1 }]), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.kafkaName, 'TOPIC_ALREADY_EXISTS');
    assert.equal(err.topic, 'orders');
    return true;
  });

  await admin.deleteTopics(['audit']);
  assert.deepEqual(await admin.listTopics(), ['orders']);
  await assert.rejects(admin.deleteTopics(['nope']), (err: unknown) => err instanceof KafkaError && err.kafkaName === 'UNKNOWN_TOPIC_OR_PARTITION');
  await assert.rejects(admin.describeTopics(['nope']), (err: unknown) => err instanceof KafkaError && err.kafkaName === 'UNKNOWN_TOPIC_OR_PARTITION' && err.topic === 'nope');
});

test('admin: list offsets of an empty topic', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'empty', numPartitions: 2 }]);
  const latest = await admin.listOffsets('empty', 'latest');
  assert.deepEqual(latest.map((o) => [o.partition, o.offset]), [[0, 0], [1, 0]]);
  const earliest = await admin.listOffsets('empty', 'earliest');
  assert.deepEqual(earliest.map((o) => o.offset), [0, 0]);
});

test('connection: pipelined requests are matched to their responses; negotiated versions are the highest common', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const c = await Connection.open({ host: broker.host, port: broker.port });
  t.after(() => c.close());
  assert.equal(c.versionFor(API.Metadata), API.Metadata.maxVersion);
  const names = Array.from({ length: 50 }, (_, i) => `t${i}`);
  const responses = await Promise.all(
    names.map((name) => {
      const body = API.Metadata.createRequest();
      body.topics = [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }];
      return c.request(API.Metadata, body);
    }),
  );
  assert.deepEqual(responses.map((r) => r.topics[0]!.name), names);
});

test('diagnostics channels report connections, requests and responses', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const events: string[] = [];
  const onConnect = () => events.push('connect');
  const onRequest = (m: unknown) => events.push(`request:${(m as { apiName: string }).apiName}`);
  const onResponse = (m: unknown) => events.push(`response:${(m as { apiName: string }).apiName}`);
  diagnostics.subscribe('runnel:client:connect', onConnect);
  diagnostics.subscribe('runnel:client:request', onRequest);
  diagnostics.subscribe('runnel:client:response', onResponse);
  t.after(() => {
    diagnostics.unsubscribe('runnel:client:connect', onConnect);
    diagnostics.unsubscribe('runnel:client:request', onRequest);
    diagnostics.unsubscribe('runnel:client:response', onResponse);
  });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  await admin.listTopics();
  await admin.close();
  assert.deepEqual(events.slice(0, 5), ['request:ApiVersions', 'response:ApiVersions', 'connect', 'request:Metadata', 'response:Metadata']);
});

test('a broker that is down: one retriable NETWORK_EXCEPTION after the retries, with the cause chain kept', async () => {
  const admin = new Admin({ bootstrapServers: '127.0.0.1:1', retries: 1, retryBackoffMs: 1 });
  await assert.rejects(admin.listTopics(), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.kafkaName, 'NETWORK_EXCEPTION');
    assert.equal(err.retriable, true);
    assert.ok(err.cause instanceof KafkaError);
    assert.match(err.message, /could not connect to 127\.0\.0\.1:1/);
    return true;
  });
  await admin.close();
});

test('admin: configs, partitions and records deletion', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'logs', numPartitions: 1 }]);

  await admin.alterConfigs({ type: 'topic', name: 'logs' }, [{ name: 'retention.ms', value: '120000' }, { name: 'cleanup.policy', value: 'compact' }]);
  const configs = await admin.describeConfigs({ type: 'topic', name: 'logs' }, ['retention.ms', 'cleanup.policy', 'segment.bytes']);
  assert.deepEqual(configs.map((c) => [c.name, c.value, c.source]), [
    ['cleanup.policy', 'compact', 'DYNAMIC_TOPIC_CONFIG'],
    ['retention.ms', '120000', 'DYNAMIC_TOPIC_CONFIG'],
    ['segment.bytes', '1073741824', 'DEFAULT_CONFIG'],
  ]);
  // Back to the defaults (records deletion is refused on compacted topics, as in Kafka).
  await admin.alterConfigs({ type: 'topic', name: 'logs' }, [{ name: 'retention.ms', op: 'delete' }, { name: 'cleanup.policy', op: 'delete' }]);
  assert.deepEqual((await admin.describeConfigs({ type: 'topic', name: 'logs' }, ['retention.ms', 'cleanup.policy'])).map((c) => c.source), ['DEFAULT_CONFIG', 'DEFAULT_CONFIG']);
  await assert.rejects(admin.describeConfigs({ type: 'topic', name: 'nope' }), (err: unknown) => err instanceof KafkaError && err.kafkaName === 'UNKNOWN_TOPIC_OR_PARTITION');

  await admin.createPartitions([{ topic: 'logs', count: 3 }]);
  assert.equal((await admin.describeTopics(['logs']))[0]!.partitions.length, 3);
  await assert.rejects(admin.createPartitions([{ topic: 'logs', count: 2 }]), (err: unknown) => err instanceof KafkaError && err.kafkaName === 'INVALID_PARTITIONS');

  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'logs', partition: 0, key: `k${i}`, value: `r${i}` })));
  await producer.close();
  assert.deepEqual(await admin.deleteRecords('logs', [{ partition: 0, offset: 4 }]), [{ partition: 0, lowWatermark: 4 }]);
  const earliest = await admin.listOffsets('logs', 'earliest');
  assert.equal(earliest.find((o) => o.partition === 0)!.offset, 4);
  await assert.rejects(admin.deleteRecords('logs', [{ partition: 0, offset: 99 }]), (err: unknown) => err instanceof KafkaError && err.kafkaName === 'OFFSET_OUT_OF_RANGE' && err.partition === 0);
});
