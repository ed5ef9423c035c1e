// Issue 4, acceptance 1 with the JavaScript clients: kafkajs admin and @platformatic/kafka
// admin describe, alter and incrementally alter topic and broker configs and read them back;
// grow a topic from 3 to 6 partitions and produce to the new ones; delete records below an
// offset and see the earliest offset move. Also topic configs applied on produce:
// LogAppendTime, compression.type, max.message.bytes, segment.bytes, live.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { startTestBroker } from '../helpers/broker.ts';
import { readBatches, brokerOf } from './admin-helpers.ts';

/** kafkajs's ConfigResourceTypes (a TypeScript enum its CommonJS build does not export by name). */
const ConfigResourceTypes = { TOPIC: 2, BROKER: 4 } as const;

test('kafkajs admin: topic and broker configs, partitions 3 -> 6, delete records', async (t) => {
  const running = await startTestBroker(t, { dataDir: 'memory' });
  const kafka = new Kafka({ clientId: 'runnel-admin-js', brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'cfg', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });

  // Describe: the override with TOPIC_CONFIG, the rest from the broker with their synonyms.
  const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg' }], includeSynonyms: true });
  const entries = new Map(described.resources[0]!.configEntries.map((e: any) => [e.configName, e]));
  assert.equal(entries.get('retention.ms').configValue, '3600000');
  assert.equal(entries.get('retention.ms').configSource, 1);
  assert.equal(entries.get('segment.bytes').configValue, '1073741824');
  assert.equal(entries.get('segment.bytes').configSource, 5);
  assert.deepEqual(
    entries.get('retention.ms').configSynonyms.map((s: any) => [s.configName, s.configSource]),
    [['retention.ms', 1], ['log.retention.hours', 5]],
  );

  // AlterConfigs replaces the set of overrides; validateOnly changes nothing.
  await admin.alterConfigs({ validateOnly: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
  let after = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configNames: ['cleanup.policy', 'retention.ms'] }], includeSynonyms: false });
  assert.deepEqual(after.resources[0]!.configEntries.map((e: any) => [e.configName, e.configValue]).sort(), [['cleanup.policy', 'delete'], ['retention.ms', '3600000']]);
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'cleanup.policy', value: 'compact,delete' }] }] });
  after = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configNames: ['cleanup.policy', 'retention.ms'] }], includeSynonyms: false });
  assert.deepEqual(after.resources[0]!.configEntries.map((e: any) => [e.configName, e.configValue, e.configSource]).sort(), [
    ['cleanup.policy', 'compact,delete', 1],
    ['retention.ms', '604800000', 5],
  ]);

  // Broker configs: read-only ones, and a dynamic per-broker value.
  const brokerId = String(brokerOf(running).nodeId);
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configEntries: [{ name: 'log.retention.ms', value: '7200000' }] }] });
  const b = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configNames: ['log.retention.ms', 'log.dirs', 'node.id'] }], includeSynonyms: true });
  const be = new Map(b.resources[0]!.configEntries.map((e: any) => [e.configName, e]));
  assert.equal(be.get('log.retention.ms').configValue, '7200000');
  assert.equal(be.get('log.retention.ms').configSource, 2);
  assert.equal(be.get('log.retention.ms').readOnly, false);
  assert.equal(be.get('node.id').readOnly, true);
  // The topic without an override now sees it too.
  after = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configNames: ['retention.ms'] }], includeSynonyms: false });
  assert.equal(after.resources[0]!.configEntries[0].configValue, '7200000');
  assert.equal(after.resources[0]!.configEntries[0].configSource, 2);
  await assert.rejects(
    admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configEntries: [{ name: 'log.dirs', value: '/x' }] }] }),
    (err: any) => err.type === 'INVALID_REQUEST' || /INVALID_REQUEST|dynamically/.test(String(err.errors?.[0]?.type ?? err.message)),
  );

  // CreatePartitions 3 -> 6, then produce to the new partitions.
  await admin.createPartitions({ topicPartitions: [{ topic: 'cfg', count: 6 }] });
  const meta = await admin.fetchTopicMetadata({ topics: ['cfg'] });
  assert.equal(meta.topics[0]!.partitions.length, 6);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  t.after(() => producer.disconnect());
  const acks = await producer.send({ topic: 'cfg', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: 3 + (i % 3) })) });
  assert.deepEqual(acks.map((a) => a.partition).sort(), [3, 4, 5]);
  for (const a of acks) assert.equal(a.errorCode, 0);

  // DeleteRecords below offset 4 on partition 3: earliest offset moves.
  await admin.deleteTopicRecords({ topic: 'cfg', partitions: [{ partition: 3, offset: '4' }] });
  const offsets = await admin.fetchTopicOffsets('cfg');
  const p3 = offsets.find((o) => o.partition === 3)!;
  assert.equal(p3.low, '4');
  assert.equal(p3.high, '7');
});

test('@platformatic/kafka admin: incremental alter, broker defaults, create partitions, delete records', async (t) => {
  const running = await startTestBroker(t, { dataDir: 'memory' });
  const bootstrapBrokers = [running.bootstrap];
  const admin = new Admin({ clientId: 'runnel-admin-plt', bootstrapBrokers });
  t.after(() => admin.close());
  await admin.createTopics({ topics: ['inc'], partitions: 3, replicas: 1 });

  await admin.incrementalAlterConfigs({
    resources: [
      {
        resourceType: 2,
        resourceName: 'inc',
        configs: [
          { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
          { name: 'max.message.bytes', configOperation: 0, value: '2000' },
        ],
      },
    ],
  });
  const read = async (keys: string[]) => {
    const [d] = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'inc', configurationKeys: keys }], includeSynonyms: true });
    return Object.fromEntries(d!.configs.map((c) => [c.name, c.value]));
  };
  assert.deepEqual(await read(['cleanup.policy', 'max.message.bytes']), { 'cleanup.policy': 'delete,compact', 'max.message.bytes': '2000' });
  await admin.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'inc', configs: [{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }] }] });
  assert.deepEqual(await read(['cleanup.policy']), { 'cleanup.policy': 'compact' });
  await admin.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'inc', configs: [{ name: 'cleanup.policy', configOperation: 1 }] }] });
  assert.deepEqual(await read(['cleanup.policy']), { 'cleanup.policy': 'delete' });
  // The legacy AlterConfigs replaces every override: max.message.bytes goes, segment.ms comes.
  await admin.alterConfigs({ resources: [{ resourceType: 2, resourceName: 'inc', configs: [{ name: 'segment.ms', value: '3600000' }, { name: 'max.message.bytes', value: '2000' }] }] });
  assert.deepEqual(await read(['segment.ms', 'max.message.bytes']), { 'max.message.bytes': '2000', 'segment.ms': '3600000' });
  assert.equal(brokerOf(running).logs.partition('inc', 0)!.config.segmentMs, 3600000);

  // max.message.bytes applies on the next produce.
  const producer = new Producer({ clientId: 'runnel-admin-plt-p', bootstrapBrokers, serializers: stringSerializers, retries: 0 });
  t.after(() => producer.close());
  await assert.rejects(producer.send({ messages: [{ topic: 'inc', partition: 0, key: 'k', value: 'x'.repeat(3000) }] }));
  await admin.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'inc', configs: [{ name: 'max.message.bytes', configOperation: 1 }] }] });
  await producer.send({ messages: [{ topic: 'inc', partition: 0, key: 'k', value: 'x'.repeat(3000) }] });

  // A dynamic per-broker value (@platformatic/kafka routes broker resources by id, so the
  // cluster-wide "" resource is exercised with kafkajs and confluent-kafka).
  const id = String(brokerOf(running).nodeId);
  await admin.incrementalAlterConfigs({ resources: [{ resourceType: 4, resourceName: id, configs: [{ name: 'log.segment.bytes', configOperation: 0, value: '1048576' }] }] });
  const [own] = await admin.describeConfigs({ resources: [{ resourceType: 4, resourceName: id, configurationKeys: ['log.segment.bytes'] }], includeSynonyms: true });
  assert.equal(own!.configs[0]!.value, '1048576');
  assert.equal(own!.configs[0]!.configSource, 2);
  assert.deepEqual(own!.configs[0]!.synonyms.map((s) => [s.name, s.value, s.source]), [
    ['log.segment.bytes', '1048576', 2],
    ['log.segment.bytes', '1073741824', 5],
  ]);
  assert.equal(brokerOf(running).logs.partition('inc', 0)!.config.segmentBytes, 1048576, 'applied live to the logs');

  await admin.createPartitions({ topics: [{ name: 'inc', count: 6 }] });
  // A new producer: this one's cached metadata still says 3 partitions.
  const producer2 = new Producer({ clientId: 'runnel-admin-plt-p2', bootstrapBrokers, serializers: stringSerializers });
  t.after(() => producer2.close());
  await producer2.send({ messages: [0, 1, 2, 3, 4].map((i) => ({ topic: 'inc', partition: 5, key: `k${i}`, value: `v${i}` })) });
  assert.equal(brokerOf(running).logs.partition('inc', 5)!.highWatermark, 5);
  const deleted = await admin.deleteRecords({ topics: [{ name: 'inc', partitions: [{ partition: 5, offset: 3n }] }] });
  assert.equal(deleted[0]!.partitions[0]!.lowWatermark, 3n);
  const listed = await admin.listOffsets({ topics: [{ name: 'inc', partitions: [{ partitionIndex: 5, timestamp: -2n }] }] });
  assert.equal(listed[0]!.partitions[0]!.offset, 3n);
});

test('topic configs on produce: LogAppendTime, compression.type, segment.bytes, live', async (t) => {
  const running = await startTestBroker(t, { dataDir: 'memory' });
  const kafka = new Kafka({ clientId: 'runnel-admin-produce', brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({
    topics: [{ topic: 'lat', numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }, { name: 'compression.type', value: 'gzip' }] }],
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  t.after(() => producer.disconnect());
  const before = Date.now();
  const [ack] = await producer.send({ topic: 'lat', messages: [{ key: 'a', value: 'one', timestamp: '1000' }, { key: 'b', value: 'two', timestamp: '2000' }] });
  assert.ok(Number(ack!.logAppendTime) >= before, 'LogAppendTime answered');
  let batches = readBatches(brokerOf(running), 'lat', 0);
  assert.equal(batches.length, 1);
  assert.equal(batches[0]!.compression, 1, 'recompressed to gzip');
  assert.equal(batches[0]!.timestampType, 1);
  assert.deepEqual(batches[0]!.records.map((r) => [r.offset, r.key?.toString(), r.value?.toString(), r.timestamp]), [
    [0, 'a', 'one', batches[0]!.maxTimestamp],
    [1, 'b', 'two', batches[0]!.maxTimestamp],
  ]);
  // The same codec is appended as it came.
  await producer.send({ topic: 'lat', compression: CompressionTypes.GZIP, messages: [{ key: 'c', value: 'three' }] });
  // Back to CreateTime and producer compression, live.
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'lat', configEntries: [{ name: 'segment.bytes', value: '200' }] }] });
  await producer.send({ topic: 'lat', messages: [{ key: 'd', value: 'four', timestamp: '4000' }] });
  await producer.send({ topic: 'lat', messages: [{ key: 'e', value: 'five', timestamp: '5000' }] });
  batches = readBatches(brokerOf(running), 'lat', 0);
  assert.deepEqual(batches.map((b) => [b.baseOffset, b.compression, b.timestampType]), [
    [0, 1, 1],
    [2, 1, 1],
    [3, 0, 0],
    [4, 0, 0],
  ]);
  assert.equal(batches[2]!.records[0]!.timestamp, 4000);
  assert.ok(brokerOf(running).logs.partition('lat', 0)!.segmentCount >= 2, 'segment.bytes=200 rolled segments');
});
