// Our producer against an in-process broker, read back by kcat (librdkafka), and its key
// placement compared with librdkafka's murmur2_random partitioner (kcat and
// confluent-kafka) and the Java default (murmur2 vectors in test/unit/client).

import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { test } from 'node:test';
import { Admin, KafkaError, Producer } from '../../src/client/index.ts';
import { partitionForKey } from '../../src/client/producer/partitioner.ts';
import { readBatchHeader, type ProduceRequest } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';
import { b64, runPython } from '../helpers/python.ts';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

async function readWithKcat(bootstrap: string, topic: string, count: number): Promise<string[]> {
  const { stdout } = await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-c', String(count), '-e', '-f', '%p|%o|%k|%s|%h\n'], { timeoutMs: 30_000 });
  return stdout.toString().trim().split('\n').sort();
}

test('producer: every codec, read back by kcat with keys, values and headers', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  for (const compression of CODECS) {
    const topic = `codec-${compression}`;
    const producer = new Producer({ bootstrapServers: broker.bootstrap, compression, lingerMs: 2 });
    const sent = await producer.sendBatch(
      Array.from({ length: 50 }, (_, i) => ({ topic, partition: 0, key: `k${i}`, value: `value ${i} `.repeat(5).trim(), headers: { n: String(i) } })),
    );
    await producer.close();
    assert.deepEqual(sent.map((m) => m.offset), Array.from({ length: 50 }, (_, i) => i), compression);
    const lines = await readWithKcat(broker.bootstrap, topic, 50);
    const expected = Array.from({ length: 50 }, (_, i) => `0|${i}|k${i}|${`value ${i} `.repeat(5).trim()}|n=${i}`).sort();
    assert.deepEqual(lines, expected, compression);
  }
});

test('producer: keys land on the partitions librdkafka (murmur2_random, consistent_random) and the Java client choose', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'ours', numPartitions: 7 }, { name: 'librdkafka', numPartitions: 7 }, { name: 'kcat', numPartitions: 7 }]);
  const keys = Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? `user-${i}` : i % 3 === 1 ? `${i * 7919}` : `ключ-${i}-✓`));

  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  const ours = await producer.sendBatch(keys.map((key) => ({ topic: 'ours', key, value: 'v' })));
  await producer.close();
  assert.deepEqual(ours.map((m) => m.partition), keys.map((k) => partitionForKey(Buffer.from(k), 7)));

  const { delivered } = await runPython<{ delivered: { partition: number }[] }>(
    'ck_produce',
    { bootstrap: broker.bootstrap, topic: 'librdkafka', records: keys.map((k) => ({ key: b64(k), value: b64('v') })), config: { partitioner: 'murmur2_random' }, timeout: 30 },
    { timeoutMs: 60_000 },
  );
  assert.deepEqual(ours.map((m) => m.partition), delivered.map((d) => d.partition), 'confluent-kafka (murmur2_random)');

  await kcat(['-P', '-b', broker.bootstrap, '-t', 'kcat', '-K', '\t', '-X', 'topic.partitioner=murmur2_random'], { input: keys.map((k) => `${k}\tv\n`).join('') });
  const lines = (await kcat(['-C', '-b', broker.bootstrap, '-t', 'kcat', '-o', 'beginning', '-c', String(keys.length), '-e', '-f', '%p\t%k\n'])).stdout.toString('utf8').trim().split('\n');
  const byKey = new Map(lines.map((l) => { const [p, k] = l.split('\t'); return [k!, Number(p)]; }));
  assert.deepEqual(keys.map((k) => byKey.get(k)), ours.map((m) => m.partition), 'kcat (murmur2_random)');

  // librdkafka's default, consistent_random (CRC-32), for producers that kept it.
  await admin.createTopics([{ name: 'crc-ours', numPartitions: 7 }, { name: 'crc-kcat', numPartitions: 7 }]);
  const crcProducer = new Producer({ bootstrapServers: broker.bootstrap, partitioner: 'consistent_random' });
  const crc = await crcProducer.sendBatch(keys.map((key) => ({ topic: 'crc-ours', key, value: 'v' })));
  await crcProducer.close();
  await kcat(['-P', '-b', broker.bootstrap, '-t', 'crc-kcat', '-K', '\t'], { input: keys.map((k) => `${k}\tv\n`).join('') });
  const crcLines = (await kcat(['-C', '-b', broker.bootstrap, '-t', 'crc-kcat', '-o', 'beginning', '-c', String(keys.length), '-e', '-f', '%p\t%k\n'])).stdout.toString('utf8').trim().split('\n');
  const crcByKey = new Map(crcLines.map((l) => { const [p, k] = l.split('\t'); return [k!, Number(p)]; }));
  assert.deepEqual(keys.map((k) => crcByKey.get(k)), crc.map((m) => m.partition), 'kcat (consistent_random, its default)');
  assert.notDeepEqual(crc.map((m) => m.partition), ours.map((m) => m.partition));
});

test('producer: acks 0, 1 and all; keyless records stick to a partition per batch', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  for (const acks of [0, 1, 'all'] as const) {
    const topic = `acks-${acks}`;
    const producer = new Producer({ bootstrapServers: broker.bootstrap, acks });
    const sent = await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `m${i}` })));
    await producer.close();
    if (acks === 0) assert.ok(sent.every((m) => m.offset === -1));
    else assert.deepEqual(sent.map((m) => m.offset), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal((await readWithKcat(broker.bootstrap, topic, 10)).length, 10);
  }
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'sticky', numPartitions: 4 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 1000, batchSize: 1 << 20 });
  const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'sticky', value: `x${i}` })).map(async (p, i) => (i === 19 ? (await producer.flush(), p) : p)));
  await producer.close();
  assert.equal(new Set(sent.map((m) => m.partition)).size, 1, 'one batch, one partition');
});

test('producer: linger 0 sends the records written in one turn as one batch, before the loop reaches its timers', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const producer = new Producer({ bootstrapServers: broker.bootstrap, acks: 1, idempotent: false, lingerMs: 0 });
  t.after(() => producer.close());
  await producer.send({ topic: 'linger-0', partition: 0, value: 'first' }); // metadata and connection in place
  const batches: number[] = [];
  const onRequest = (message: unknown): void => {
    const m = message as { apiName: string; body: ProduceRequest };
    if (m.apiName !== 'Produce') return;
    for (const topic of m.body.topicData) for (const p of topic.partitionData) batches.push(readBatchHeader(Buffer.isBuffer(p.records) ? p.records : Buffer.concat(p.records ?? [])).recordsCount);
  };
  diagnostics.subscribe('runnel:client:request', onRequest);
  t.after(() => diagnostics.unsubscribe('runnel:client:request', onRequest));
  const delivered: number[] = [];
  for (let i = 0; i < 10; i++) producer.write({ topic: 'linger-0', partition: 0, value: `v${i}` }, (err, m) => (assert.equal(err, null), delivered.push(m!.offset)));
  // An immediate queued now runs in this loop iteration's check phase, before any timer: a
  // batch closed by setTimeout(0) would not have been sent yet.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [10], 'one Produce request with one batch of the ten records');
  producer.write({ topic: 'linger-0', partition: 0, value: 'later' });
  await producer.flush();
  assert.deepEqual(batches, [10, 1], 'a record of a later turn goes in a batch of its own');
  assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('producer: back-pressure bounds what is buffered; write() is paced by acknowledgements', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const value = 'x'.repeat(100);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, bufferMemory: 1000, lingerMs: 0, batchSize: 300 });
  let delivered = 0;
  let maxAhead = 0;
  for (let i = 0; i < 200; i++) {
    await producer.write({ topic: 'paced', partition: 0, value }, (err) => {
      assert.equal(err, null);
      delivered++;
    });
    maxAhead = Math.max(maxAhead, i + 1 - delivered);
  }
  await producer.close();
  assert.equal(delivered, 200);
  assert.ok(maxAhead <= 9, `at most 1000 bytes of ~124-byte records ahead of the acks, saw ${maxAhead}`);
});

test('producer: errors are KafkaErrors with their path', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { 'auto.create.topics.enable': 'false' } });
  const producer = new Producer({ bootstrapServers: broker.bootstrap, retries: 1, retryBackoffMs: 1 });
  t.after(() => producer.close());
  await assert.rejects(producer.send({ topic: 'missing', value: 'v' }), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.kafkaName, 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.equal(err.topic, 'missing');
    return true;
  });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'two', numPartitions: 2 }]);
  await assert.rejects(producer.send({ topic: 'two', partition: 5, value: 'v' }), (err: unknown) => err instanceof KafkaError && err.partition === 5);
});
