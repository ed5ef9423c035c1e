// Topics created and deleted through a real client against a broker process on disk: a new
// partition's directory is made durable only at its first flush, and deleted directories go
// away off the event loop. Neither may cost an acknowledged record across a kill -9 or a
// clean restart, and a deleted topic's name comes back empty.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { spawnBrokerProcess, tempDir, type BrokerProcess } from '../helpers/broker.ts';

/** The high watermark of each partition of `topic`, by partition. */
async function highWatermarks(broker: BrokerProcess, topic: string): Promise<number[]> {
  const admin = new Kafka({ clientId: 'lifecycle', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high));
  } finally {
    await admin.disconnect();
  }
}

test('topics created and deleted with kafkajs keep every acknowledged record across kill -9 and restart', { timeout: 120_000 }, async (t) => {
  const dataDir = join(await tempDir(t), 'data');
  let broker = await spawnBrokerProcess({ dataDir, t });
  const kafka = () => new Kafka({ clientId: 'lifecycle', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });

  let admin = kafka().admin();
  await admin.connect();
  assert.equal(await admin.createTopics({ topics: [{ topic: 'wide', numPartitions: 50 }, { topic: 'kept', numPartitions: 1 }] }), true);
  await admin.disconnect();
  const producer = kafka().producer();
  await producer.connect();
  await producer.send({ topic: 'kept', acks: 1, messages: Array.from({ length: 5 }, (_, i) => ({ value: `kept ${i}` })) });
  await producer.send({ topic: 'wide', acks: 1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `wide ${i}`, partition: i })) });
  await producer.disconnect();

  // No flush has happened: the new directories were never fsynced. The page cache outlives the
  // process, so nothing acknowledged may be missing after the restart.
  await broker.kill9();
  broker = await spawnBrokerProcess({ dataDir, t });
  assert.deepEqual(await highWatermarks(broker, 'kept'), [5]);
  assert.deepEqual(await highWatermarks(broker, 'wide'), [...Array(10).fill(1), ...Array(40).fill(0)]);

  admin = kafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics: ['wide'] });
  assert.ok(!(await admin.listTopics()).includes('wide'));
  const wideDirs = () => readdirSync(dataDir).filter((n) => n.startsWith('wide-'));
  // Renamed at once; removed off the broker's event loop.
  assert.deepEqual(wideDirs().filter((n) => !n.endsWith('-delete')), []);
  for (let i = 0; i < 500 && wideDirs().length > 0; i++) await sleep(10);
  assert.deepEqual(wideDirs(), []);

  assert.equal(await admin.createTopics({ topics: [{ topic: 'wide', numPartitions: 3 }] }), true);
  await admin.disconnect();
  assert.deepEqual(await highWatermarks(broker, 'wide'), [0, 0, 0]);

  assert.deepEqual(await broker.stop(), { code: 0, signal: null });
  // A clean close wrote no producer snapshot for a log that never got a record.
  assert.deepEqual(readdirSync(join(dataDir, 'wide-0')).filter((n) => n.endsWith('.snapshot')), []);
  assert.equal(readdirSync(join(dataDir, 'kept-0')).filter((n) => n.endsWith('.snapshot')).length, 1);
  broker = await spawnBrokerProcess({ dataDir, t });
  assert.deepEqual(await highWatermarks(broker, 'kept'), [5]);
  assert.deepEqual(await highWatermarks(broker, 'wide'), [0, 0, 0]);
  assert.deepEqual(await broker.stop(), { code: 0, signal: null });
});
