// The client across a broker restart: requests in flight fail with a retriable
// NETWORK_EXCEPTION, the pool reconnects, and sends and reads carry on without the
// application seeing an error.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Consumer, Producer, type ConsumerRecord } from '../../src/client/index.ts';
import { spawnBrokerProcess, tempDir } from '../helpers/broker.ts';

test('producer and consumer ride through a broker restart', { timeout: 90_000 }, async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'data');
  const first = await spawnBrokerProcess({ dataDir, t, config: { 'num.partitions': '1' } });
  const bootstrap = first.bootstrap;
  const patient = { bootstrapServers: bootstrap, retries: 30, retryBackoffMs: 50, retryBackoffMaxMs: 500 };
  const producer = new Producer(patient);
  t.after(() => producer.close().catch(() => {}));
  const consumer = new Consumer({ ...patient, maxWaitMs: 100 });
  t.after(() => consumer.close());

  const before = await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'durable', value: `before ${i}` })));
  assert.deepEqual(before.map((m) => m.offset), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await consumer.assign([{ topic: 'durable', partition: 0, offset: 0 }]);
  const got: ConsumerRecord[] = [];
  while (got.length < 10) got.push(...(await consumer.poll()));

  await first.stop();
  // Sends made while the broker is down wait in the retry loop.
  const during = producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'durable', value: `during ${i}` })));
  const second = await spawnBrokerProcess({ dataDir, port: first.port, t, config: { 'num.partitions': '1' } });
  t.after(() => second.stop());
  const after = await during;
  assert.deepEqual(after.map((m) => m.offset), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

  while (got.length < 20) got.push(...(await consumer.poll()));
  assert.deepEqual(got.map((r) => r.value!.toString()), [...before.map((_, i) => `before ${i}`), ...after.map((_, i) => `during ${i}`)]);
  await producer.close();
  await consumer.close();
  assert.deepEqual(await second.stop(), { code: 0, signal: null });
});
