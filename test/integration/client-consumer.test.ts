// Our consumer against an in-process broker: records written by our producer and by kcat
// (every codec), manual assignment, start points, seek, pause/resume, the async iterator
// with break-and-continue, and the batch callback.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin, Consumer, KafkaError, Producer, type ConsumerRecord } from '../../src/client/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';

async function take(consumer: Consumer, n: number): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  if (n === 0) return out;
  for await (const r of consumer) {
    out.push(r);
    if (out.length === n) break;
  }
  return out;
}

const text = (r: ConsumerRecord) => r.value?.toString() ?? null;

test('consumer: reads what our producer wrote, with every codec, per partition in order', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const topic = `rt-${compression}`;
    await admin.createTopics([{ name: topic, numPartitions: 3 }]);
    const producer = new Producer({ bootstrapServers: broker.bootstrap, compression });
    const records = Array.from({ length: 90 }, (_, i) => ({ topic, key: `key-${i % 10}`, value: `value-${i}`, headers: [{ key: 'h', value: i % 2 === 0 ? null : `v${i}` }] }));
    const sent = await producer.sendBatch(records);
    await producer.close();

    const consumer = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest' });
    await consumer.assign([{ topic }]);
    const got = await take(consumer, 90);
    await consumer.close();
    for (const p of [0, 1, 2]) {
      const expected = records.filter((_, i) => sent[i]!.partition === p).map((r) => r.value);
      assert.deepEqual(got.filter((r) => r.partition === p).map(text), expected, `${compression} partition ${p}`);
    }
    const first = got.find((r) => r.value?.toString() === 'value-1')!;
    assert.equal(first.key?.toString(), 'key-1');
    assert.deepEqual(first.headers.map((h) => [h.key, h.value?.toString() ?? null]), [['h', 'v1']]);
    assert.equal(got.find((r) => text(r) === 'value-0')!.headers[0]!.value, null);
  }
});

test('consumer: reads batches kcat (librdkafka) wrote with every codec', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    const topic = `kcat-${codec}`;
    const lines = Array.from({ length: 200 }, (_, i) => `k${i}:line ${i} ${'x'.repeat(i % 50)}`);
    await kcat(['-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-z', codec, '-K', ':'], { input: lines.join('\n') + '\n' });
    const consumer = new Consumer({ bootstrapServers: broker.bootstrap });
    await consumer.assign([{ topic, partition: 0, offset: 'earliest' }]);
    const got = await take(consumer, 200);
    await consumer.close();
    assert.deepEqual(got.map((r) => `${r.key}:${r.value}`), lines, codec);
    assert.deepEqual(got.map((r) => r.offset), lines.map((_, i) => i));
  }
});

test('consumer: start points, seek, break and continue, pause and resume, eachBatch', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  t.after(() => producer.close());
  const base = Date.now() - 100_000;
  await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic: 'tour', partition: 0, value: `m${i}`, timestamp: base + i * 1000 })));

  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, maxWaitMs: 100 });
  t.after(() => consumer.close());
  const tp = { topic: 'tour', partition: 0 };

  await consumer.assign([{ ...tp, offset: 5 }]);
  assert.deepEqual((await take(consumer, 3)).map(text), ['m5', 'm6', 'm7']);
  // Breaking out of the loop lost nothing.
  assert.deepEqual((await take(consumer, 2)).map(text), ['m8', 'm9']);
  assert.equal(consumer.position(tp), 10);

  consumer.seek(tp, { timestamp: base + 12_500 });
  assert.deepEqual((await take(consumer, 1)).map(text), ['m13']);
  consumer.seek(tp, 'earliest');
  assert.deepEqual((await take(consumer, 1)).map(text), ['m0']);

  consumer.pause([tp]);
  assert.deepEqual(await consumer.poll(), []);
  consumer.resume([tp]);
  assert.deepEqual((await take(consumer, 1)).map(text), ['m1']);

  consumer.seek(tp, 'latest');
  assert.deepEqual(await consumer.poll(), []);
  await producer.send({ topic: 'tour', partition: 0, value: 'after' });
  let late: ConsumerRecord[] = [];
  while (late.length === 0) late = await consumer.poll();
  assert.deepEqual(late.map(text), ['after']);
  assert.equal(late[0]!.offset, 20);

  consumer.seek(tp, 18);
  const batches: string[][] = [];
  await consumer.run({
    eachBatch: async ({ records }) => {
      batches.push(records.map(text) as string[]);
      if (batches.flat().length >= 3) await consumer.close();
    },
  });
  assert.deepEqual(batches.flat(), ['m18', 'm19', 'after']);
});

test('consumer: an unknown topic is a KafkaError; assignments are checked', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { 'auto.create.topics.enable': 'false' } });
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap });
  t.after(() => consumer.close());
  await assert.rejects(consumer.assign([{ topic: 'nope' }]), (err: unknown) => err instanceof KafkaError && err.kafkaName === 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.throws(() => consumer.seek({ topic: 'nope', partition: 0 }, 0), /not assigned/);
});
