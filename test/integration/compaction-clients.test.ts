// Issue 4, acceptance 3 with real clients: a compacted topic fed random keyed updates and
// tombstones by kafkajs is cleaned by the broker's cleaner on its schedule; confluent-kafka
// reading from the start sees the producer's table, with offsets ascending, and tombstones
// disappear after delete.retention.ms. A keyless record is refused (INVALID_RECORD). And the
// cleaner survives kill -9 in the middle of a pass: the broker process is killed while a
// `.cleaned` or `.swap` file exists, restarted, and the log reads as the same table.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { spawnBrokerProcess, startTestBroker, tempDir } from '../helpers/broker.ts';
import { runPython, unb64, type PyConsumedRecord } from '../helpers/python.ts';
import { API, decodeRecordBatches } from '../../src/protocol/index.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { brokerOf } from './admin-helpers.ts';
import { prng as rng } from '../helpers/prng.ts';

const COMPACTED = {
  'cleanup.policy': 'compact',
  'segment.bytes': '4096',
  'min.cleanable.dirty.ratio': '0.01',
  'delete.retention.ms': '500',
};


function table(records: readonly { key: string | null; value: string | null }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of records) {
    if (r.key === null) continue;
    if (r.value === null) out.delete(r.key);
    else out.set(r.key, r.value);
  }
  return out;
}

async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function consumeAll(bootstrap: string, topic: string, count: number) {
  const { records } = await runPython<{ records: PyConsumedRecord[] }>('ck_consume', {
    bootstrap,
    assignments: [{ topic, partition: 0, offset: 0 }],
    count,
    config: { 'auto.offset.reset': 'earliest' },
    timeout: 30,
  });
  return records.map((r) => ({ offset: r.offset, key: unb64(r.key)?.toString() ?? null, value: unb64(r.value)?.toString() ?? null }));
}

test('compacted topic: the cleaner keeps the latest value per key; a consumer from the start sees the table', async (t) => {
  const running = await startTestBroker(t, { dataDir: 'memory', config: { 'log.cleaner.backoff.ms': '30' } });
  const broker = brokerOf(running);
  const kafka = new Kafka({ clientId: 'runnel-compaction', brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'table', numPartitions: 1, configEntries: Object.entries(COMPACTED).map(([name, value]) => ({ name, value })) }] });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  t.after(() => producer.disconnect());

  const random = rng(7);
  const written: { key: string; value: string | null }[] = [];
  for (let b = 0; b < 60; b++) {
    const messages = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, i) => {
      const key = `user-${Math.floor(random() * 25)}`;
      const value = random() < 0.15 ? null : `b${b}-${i}-${'x'.repeat(Math.floor(random() * 60))}`;
      written.push({ key, value });
      return { key, value };
    });
    await producer.send({ topic: 'table', acks: -1, messages });
  }
  // The cleaner runs on its schedule, during the writes too, below the active segment.
  const log = broker.logs.partition('table', 0)!;
  await until('a cleaning pass', () => broker.logs.firstDirtyOffset(log) > 0);

  // Pause the cleaner (ratio 1) while reading, so the count of records left holds still.
  const pause = (ratio: string) => broker.logs.alterTopicConfigs('table', { 'min.cleanable.dirty.ratio': ratio });
  pause('1');
  await sleep(100);
  let consumed = await consumeAll(running.bootstrap, 'table', (await readToEnd(running.port, 'table', log.logEndOffset)).length);
  for (let i = 1; i < consumed.length; i++) assert.ok(consumed[i]!.offset > consumed[i - 1]!.offset);
  assert.deepEqual(table(consumed), table(written));
  assert.ok(consumed.length < written.length, `${consumed.length} of ${written.length} records left`);

  // After delete.retention.ms, a later pass removes the tombstones it had kept.
  const tombstonesKept = consumed.filter((r) => r.value === null && r.offset < broker.logs.firstDirtyOffset(log)).length;
  await producer.send({ topic: 'table', acks: -1, messages: Array.from({ length: 25 }, (_, i) => ({ key: `late-${i}`, value: 'y'.repeat(50) })) });
  await sleep(600);
  // Enough to roll a few segments, so there is something cleanable.
  for (let round = 0; round < 5; round++) {
    await producer.send({ topic: 'table', acks: -1, messages: Array.from({ length: 25 }, (_, i) => ({ key: `later-${i}`, value: 'z'.repeat(50) })) });
  }
  const cleanedBefore = broker.logs.firstDirtyOffset(log);
  pause('0.01');
  await until('a pass after delete.retention.ms', () => broker.logs.firstDirtyOffset(log) > cleanedBefore);
  pause('1');
  await sleep(100);
  consumed = await consumeAll(running.bootstrap, 'table', (await readToEnd(running.port, 'table', log.logEndOffset)).length);
  const oldTombstones = consumed.filter((r) => r.value === null && r.offset < cleanedBefore).length;
  assert.ok(tombstonesKept === 0 || oldTombstones < tombstonesKept, `tombstones ${tombstonesKept} -> ${oldTombstones}`);
  assert.deepEqual(
    table(consumed),
    table([...written, ...Array.from({ length: 25 }, (_, i) => ({ key: `late-${i}`, value: 'y'.repeat(50) })), ...Array.from({ length: 25 }, (_, i) => ({ key: `later-${i}`, value: 'z'.repeat(50) }))]),
  );

  // Keyless records are refused on a compacted topic.
  await assert.rejects(producer.send({ topic: 'table', acks: -1, messages: [{ value: 'no key' }] }), (err: any) => /INVALID_RECORD|without key|validation/i.test(`${err.type} ${err.message} ${err.cause?.type}`));
});

test('the cleaner survives kill -9 in the middle of a pass', async (t) => {
  const dataDir = await tempDir(t);
  let proc = await spawnBrokerProcess({ dataDir, t, config: { 'log.cleaner.backoff.ms': '5' } });
  const kafka = () => new Kafka({ clientId: 'runnel-compaction-kill', brokers: [proc.bootstrap], logLevel: logLevel.NOTHING });
  // min.compaction.lag.ms holds the cleaner back while a round is written; setting it to 0
  // starts a pass over the whole log, which the test then interrupts.
  const configs = (lag: string) => Object.entries({ ...COMPACTED, 'segment.bytes': '16384', 'delete.retention.ms': '86400000', 'min.compaction.lag.ms': lag }).map(([name, value]) => ({ name, value }));
  let admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'kill', numPartitions: 1, configEntries: configs('3600000') }] });
  await admin.disconnect();
  const partitionDir = join(dataDir, 'kill-0');
  const random = rng(11);
  const written: { key: string; value: string | null }[] = [];
  let caught = false;
  for (let round = 0; round < 5 && !caught; round++) {
    const k = kafka();
    const producer = k.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let b = 0; b < 30; b++) {
      const messages = Array.from({ length: 50 }, () => {
        const key = `k-${Math.floor(random() * 300)}`;
        const value = random() < 0.1 ? null : 'v'.repeat(50 + Math.floor(random() * 200));
        written.push({ key, value });
        return { key, value };
      });
      await producer.send({ topic: 'kill', acks: -1, messages });
    }
    await producer.disconnect();
    admin = k.admin();
    await admin.connect();
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'kill', configEntries: configs('0') }] });
    await admin.disconnect();
    // Kill the moment the pass is between writing a cleaned segment and finishing its swap.
    const end = Date.now() + 3000;
    while (Date.now() < end) {
      if (readdirSync(partitionDir).some((f) => f.endsWith('.cleaned') || f.endsWith('.swap'))) {
        await proc.kill9();
        caught = true;
        break;
      }
      await sleep(1);
    }
    if (caught) break;
    admin = k.admin();
    await admin.connect();
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'kill', configEntries: configs('3600000') }] });
    await admin.disconnect();
  }
  assert.ok(caught, 'a kill -9 landed during a cleaning pass');
  // Restart with the cleaner off, so the reads below see one state of the log.
  await proc.stop();
  proc = await spawnBrokerProcess({ dataDir, t, config: { 'log.cleaner.enable': 'false' } });
  admin = kafka().admin();
  await admin.connect();
  const [offsets] = await admin.fetchTopicOffsets('kill');
  await admin.disconnect();
  const end = Number(offsets!.high);
  const all = await readToEnd(proc.port, 'kill', end);
  for (let i = 1; i < all.length; i++) assert.ok(all[i]!.offset > all[i - 1]!.offset, 'offsets ascend');
  assert.equal(all[all.length - 1]!.offset, end - 1, 'the last record is there');
  assert.deepEqual(table(all), table(written), 'the same table after kill -9 and restart');
  const consumed = await consumeAll(proc.bootstrap, 'kill', all.length);
  assert.deepEqual(consumed, all, 'confluent-kafka reads the same records');
  await proc.stop();
});

/** Every record of `topic`-0 below `end`, read with raw Fetch requests and our decoder (empty batches stepped over). */
async function readToEnd(port: number, topic: string, end: number) {
  const out: { offset: number; key: string | null; value: string | null }[] = [];
  const raw = await RawClient.connect(port);
  try {
    let next = 0;
    while (next < end) {
      const fetch = { ...API.Fetch.createRequest(), maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20 };
      fetch.topics = [{ ...API.Fetch.messages().createFetchTopic(), topic, partitions: [{ ...API.Fetch.messages().createFetchPartition(), partition: 0, fetchOffset: BigInt(next), partitionMaxBytes: 1 << 20 }] }];
      const res = await raw.request(API.Fetch.apiKey, 12, fetch);
      const p = res.responses[0].partitions[0];
      assert.equal(p.errorCode, 0);
      const batches = decodeRecordBatches(Buffer.from(p.records ?? []));
      if (batches.length === 0) throw new Error(`no batch at offset ${next}`);
      for (const b of batches) {
        if (!b.isControl) for (const r of b.records) if (r.offset >= next) out.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
        next = Math.max(next, b.baseOffset + b.lastOffsetDelta + 1);
      }
    }
  } finally {
    raw.close();
  }
  return out;
}
