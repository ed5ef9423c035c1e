// Acceptance 2 of issue 2: kafkajs and @platformatic/kafka, real clients over real sockets.
// Admin creates and deletes topics; producers send keyed records with headers; consumers
// read by explicit partition (no consumer group: groups arrive with issue 3) and get every
// record, in order. kafkajs has no public partition assignment, so its reads go through
// its own Cluster/Broker protocol classes, which is the code its consumer uses underneath.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { Admin, Consumer, Producer, stringSerializers } from '@platformatic/kafka';
import { startTestBroker } from '../helpers/broker.ts';

const require = createRequire(import.meta.url);

/** The part of @platformatic/kafka's FetchResponse these tests read. */
interface PltFetchResponse {
  responses: {
    partitions: {
      errorCode: number;
      records?: { firstOffset: bigint; records: { offsetDelta: number; key: Buffer | null; value: Buffer | null; headers: [Buffer | null, Buffer | null][] }[] }[] | null;
    }[];
  }[];
}

const COUNT = 500;

function expected(i: number) {
  return { key: `key-${i % 7}`, value: `value-${i}-${'x'.repeat(i % 50)}`, header: `h-${i}` };
}

test('kafkajs: admin, keyed producer with headers, partition reads in order', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const kafka = new Kafka({ clientId: 'runnel-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });

  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  assert.equal(await admin.createTopics({ topics: [{ topic: 'js-orders', numPartitions: 3 }], waitForLeaders: true }), true);
  assert.equal(await admin.createTopics({ topics: [{ topic: 'js-orders', numPartitions: 3 }] }), false, 'second create reports existing');
  const listed = await admin.listTopics();
  assert.ok(listed.includes('js-orders'));
  const meta = await admin.fetchTopicMetadata({ topics: ['js-orders'] });
  assert.equal(meta.topics[0]!.partitions.length, 3);

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  t.after(() => producer.disconnect());
  for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
    const messages = Array.from({ length: COUNT }, (_, i) => {
      const e = expected(i);
      return { key: e.key, value: e.value, headers: { trace: e.header }, partition: i % 3 };
    });
    const acks = await producer.send({ topic: 'js-orders', messages, compression, acks: -1 });
    assert.equal(acks.length, 3);
    for (const a of acks) assert.equal(a.errorCode, 0);
  }

  // Read every partition from offset 0 with kafkajs's own protocol code.
  const Cluster = require('kafkajs/src/cluster');
  const { createLogger } = require('kafkajs/src/loggers');
  const LoggerConsole = require('kafkajs/src/loggers/console');
  const socketFactory = require('kafkajs/src/network/socketFactory');
  const cluster = new Cluster({
    logger: createLogger({ level: logLevel.NOTHING, logCreator: LoggerConsole }),
    brokers: [broker.bootstrap],
    clientId: 'runnel-test-reader',
    offsets: new Map(),
    socketFactory: socketFactory(),
    connectionTimeout: 5000,
    requestTimeout: 30000,
    authenticationTimeout: 10000,
    enforceRequestTimeout: true,
  });
  await cluster.connect();
  t.after(() => cluster.disconnect());
  await cluster.addTargetTopic('js-orders');
  const leaders = cluster.findLeaderForPartitions('js-orders', [0, 1, 2]);
  for (const partition of [0, 1, 2]) {
    const nodeId = Object.keys(leaders).find((id) => leaders[id].includes(partition))!;
    const leader = await cluster.findBroker({ nodeId });
    const got: { key: string; value: string; header: string; offset: string }[] = [];
    const sent = [...Array(COUNT).keys()].filter((i) => i % 3 === partition).map(expected);
    while (got.length < 2 * sent.length) {
      const response = await leader.fetch({
        maxWaitTime: 100,
        topics: [{ topic: 'js-orders', partitions: [{ partition, fetchOffset: String(got.length), maxBytes: 1 << 20 }] }],
      });
      const p = response.responses[0].partitions[0];
      assert.equal(p.errorCode, 0);
      for (const m of p.messages) {
        if (Number(m.offset) < got.length) continue;
        got.push({ key: m.key.toString(), value: m.value.toString(), header: m.headers.trace.toString(), offset: m.offset });
      }
    }
    const want = [...sent, ...sent].map((e, i) => ({ ...e, offset: String(i) }));
    assert.deepEqual(got, want, `partition ${partition}`);
  }

  await admin.deleteTopics({ topics: ['js-orders'] });
  assert.ok(!(await admin.listTopics()).includes('js-orders'));
});

test('@platformatic/kafka: admin, producer with keys and headers, fetch by topic id', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const bootstrapBrokers = [broker.bootstrap];

  const admin = new Admin({ clientId: 'runnel-test-admin', bootstrapBrokers });
  t.after(() => admin.close());
  const created = await admin.createTopics({ topics: ['plt-events'], partitions: 2, replicas: 1 });
  assert.equal(created.length, 1);
  assert.equal(created[0]!.partitions, 2);
  const metadata = await admin.metadata({ topics: ['plt-events'] });
  const topicMeta = metadata.topics.get('plt-events')!;
  assert.equal(topicMeta.partitionsCount, 2);

  const producer = new Producer({ clientId: 'runnel-test-producer', bootstrapBrokers, serializers: stringSerializers });
  t.after(() => producer.close());
  const messages = Array.from({ length: COUNT }, (_, i) => {
    const e = expected(i);
    return { topic: 'plt-events', key: e.key, value: e.value, headers: { trace: e.header }, partition: i % 2 };
  });
  const result = await producer.send({ messages });
  assert.ok(result.offsets && result.offsets.length > 0);

  const consumer = new Consumer({ groupId: 'unused', clientId: 'runnel-test-consumer', bootstrapBrokers });
  t.after(() => consumer.close(true));
  const fetchOnce = (options: Parameters<typeof consumer.fetch>[0]) => consumer.fetch(options) as unknown as Promise<PltFetchResponse>;
  for (const partition of [0, 1]) {
    const got: { key: string; value: string; header: string }[] = [];
    let offset = 0n;
    while (got.length < COUNT / 2) {
      const response: Awaited<ReturnType<typeof fetchOnce>> = await fetchOnce({
        node: metadata.brokers.keys().next().value!,
        maxWaitTime: 100,
        topics: [
          {
            topicId: topicMeta.id,
            partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }],
          },
        ],
      });
      const p = response.responses[0]!.partitions[0]!;
      assert.equal(p.errorCode, 0);
      for (const batch of p.records ?? []) {
        for (const r of batch.records) {
          const recordOffset = batch.firstOffset + BigInt(r.offsetDelta);
          if (recordOffset < offset) continue;
          const header = r.headers.find(([k]: [Buffer | null, Buffer | null]) => k?.toString() === 'trace')?.[1];
          got.push({ key: String(r.key), value: String(r.value), header: String(header) });
          offset = recordOffset + 1n;
        }
      }
    }
    const want = [...Array(COUNT).keys()].filter((i) => i % 2 === partition).map(expected);
    assert.deepEqual(got, want, `partition ${partition}`);
  }

  await admin.deleteTopics({ topics: ['plt-events'] });
  const after = await admin.listTopics();
  assert.ok(!after.includes('plt-events'));
});
