// Our consumer against an in-process broker: records written by our producer and by kcat
// (every codec), manual assignment, start points, seek, pause/resume, the async iterator
// with break-and-continue, the batch callback, and fetch sessions.

import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { test } from 'node:test';
import { Admin, Consumer, KafkaError, Producer, type ConsumerRecord } from '../../src/client/index.ts';
import type { FetchRequest } from '../../src/protocol/index.ts';
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

test('consumer: fetch sessions (KIP-227): later fetches name only partitions that moved, forget paused ones, and read everything', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'sessions', numPartitions: 4 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  t.after(() => producer.close());
  await producer.sendBatch([0, 1, 2, 3].map((partition) => ({ topic: 'sessions', partition, value: `first-${partition}` })));

  const fetches: FetchRequest[] = [];
  const listener = (m: unknown) => {
    const e = m as { apiName: string; body: FetchRequest };
    if (e.apiName === 'Fetch') fetches.push(structuredClone(e.body));
  };
  diagnostics.subscribe('runnel:client:request', listener);
  t.after(() => diagnostics.unsubscribe('runnel:client:request', listener));
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, maxWaitMs: 50, autoOffsetReset: 'earliest' });
  t.after(() => consumer.close());
  await consumer.assign([{ topic: 'sessions' }]);
  assert.deepEqual((await take(consumer, 4)).map(text).sort(), ['first-0', 'first-1', 'first-2', 'first-3']);
  // The next fetch names the four partitions (their offsets moved); idle ones after it name none.
  assert.deepEqual(await consumer.poll(), []);
  const named = (f: FetchRequest) => f.topics.flatMap((tp) => tp.partitions.map((p) => p.partition)).sort();
  assert.equal(fetches[0]!.sessionId, 0);
  assert.equal(fetches[0]!.sessionEpoch, 0, 'the first fetch asks for a session');
  assert.deepEqual(named(fetches[0]!), [0, 1, 2, 3]);
  assert.deepEqual(named(fetches[1]!), [0, 1, 2, 3]);
  assert.ok(fetches[1]!.sessionId !== 0 && fetches[1]!.sessionEpoch === 1, 'the second fetch is incremental, in the session');
  // Only partition 2 gets news: the fetch after it names partition 2 alone.
  await producer.send({ topic: 'sessions', partition: 2, value: 'second-2' });
  assert.deepEqual((await take(consumer, 1)).map(text), ['second-2']);
  const before = fetches.length;
  assert.deepEqual(await consumer.poll(), []);
  assert.deepEqual(named(fetches[before]!), [2]);
  assert.ok(fetches.slice(2, before).every((f) => named(f).length === 0), 'idle fetches name nothing');
  const epochs = fetches.map((f) => f.sessionEpoch);
  assert.deepEqual(epochs, epochs.map((_, i) => i), 'epochs count up in one session');

  // Pausing forgets the partition; new records there wait; resuming names it again.
  consumer.pause([{ topic: 'sessions', partition: 1 }]);
  await producer.send({ topic: 'sessions', partition: 1, value: 'second-1' });
  await producer.send({ topic: 'sessions', partition: 3, value: 'second-3' });
  assert.deepEqual((await take(consumer, 1)).map(text), ['second-3']);
  assert.ok(fetches.some((f) => f.forgottenTopicsData.some((ft) => ft.partitions.includes(1))), 'partition 1 forgotten');
  consumer.resume([{ topic: 'sessions', partition: 1 }]);
  assert.deepEqual((await take(consumer, 1)).map(text), ['second-1']);
});
