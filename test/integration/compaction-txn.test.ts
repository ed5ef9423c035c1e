// Issue 5 on a compacted topic, with real clients: kafkajs commits one transaction and
// aborts another over the same keys; the broker's cleaner (on its schedule) removes the
// aborted records, then the transaction markers once nothing of their transactions is left
// and delete.retention.ms has passed (Kafka's LogCleaner). kcat reading at read_committed
// and at read_uncommitted sees the committed table before cleaning, and both see it after.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';
import { brokerOf, readBatches } from './admin-helpers.ts';

const TOPIC = 'ctxn';
const CONFIGS = { 'cleanup.policy': 'compact', 'segment.bytes': '2048', 'delete.retention.ms': '300' };

async function readTable(bootstrap: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<Map<string, string>> {
  const { stdout } = await kcat(['-C', '-b', bootstrap, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%k=%s\\n']);
  const out = new Map<string, string>();
  for (const line of stdout.toString('utf8').split('\n')) {
    if (line === '') continue;
    const [k, v] = line.split('=') as [string, string];
    out.set(k, v);
  }
  return out;
}

test('compacted topic: the cleaner removes aborted transactions and spent markers; both isolation levels see the committed table', { timeout: 120_000 }, async (t) => {
  const running = await startTestBroker(t, { dataDir: 'memory', config: { 'log.cleaner.backoff.ms': '20' } });
  const broker = brokerOf(running);
  const kafka = new Kafka({ clientId: 'compaction-txn', brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  // min.cleanable.dirty.ratio 1 holds the cleaner back until the "before" reads are done.
  const ratio = (value: string) => admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: TOPIC, configEntries: Object.entries({ ...CONFIGS, 'min.cleanable.dirty.ratio': value }).map(([name, v]) => ({ name, value: v })) }] });
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, configEntries: Object.entries({ ...CONFIGS, 'min.cleanable.dirty.ratio': '1' }).map(([name, value]) => ({ name, value })) }] });

  const plain = kafka.producer({ allowAutoTopicCreation: false });
  await plain.connect();
  t.after(() => plain.disconnect());
  const producer = kafka.producer({ transactionalId: 'compaction-txn', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  const expected = new Map<string, string>();
  let fillers = 0;
  const fill = async (n: number) => {
    const messages = Array.from({ length: n }, () => ({ key: `fill-${fillers++}`, value: 'f'.repeat(40) }));
    await plain.send({ topic: TOPIC, acks: -1, messages });
    for (const m of messages) expected.set(m.key, m.value);
  };
  const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
  await plain.send({ topic: TOPIC, acks: -1, messages: keys.map((key) => ({ key, value: 'plain' })) });
  for (const key of keys) expected.set(key, 'plain');
  await fill(10);
  for (const [round, commit] of [[1, true], [2, false], [3, false], [4, true]] as const) {
    const tx = await producer.transaction();
    // Half the keys per transaction, so that a committed value older than an aborted one stays.
    const mine = keys.filter((_, i) => i % 2 === round % 2);
    await tx.send({ topic: TOPIC, acks: -1, messages: mine.map((key) => ({ key, value: `txn${round}` })) });
    if (commit) await tx.commit();
    else await tx.abort();
    if (commit) for (const key of mine) expected.set(key, `txn${round}`);
    await fill(10);
  }
  const log = broker.logs.partition(TOPIC, 0)!;
  /** The markers left (an emptied one kept as a segment's last batch is gone), as COMMIT/ABORT. */
  const markers = () =>
    readBatches(broker, TOPIC, 0)
      .filter((b) => b.isControl && b.records.length > 0)
      .map((b) => (b.records[0]!.key!.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT'));
  const abortedLeft = () => readBatches(broker, TOPIC, 0).some((b) => !b.isControl && b.records.some((r) => /^txn[23]$/.test(r.value?.toString() ?? '')));
  assert.deepEqual(markers(), ['COMMIT', 'ABORT', 'ABORT', 'COMMIT']);
  assert.ok(abortedLeft());
  assert.deepEqual(await readTable(running.bootstrap, 'read_committed'), expected);
  const uncommitted = await readTable(running.bootstrap, 'read_uncommitted');
  assert.deepEqual([...uncommitted.entries()].filter(([k]) => k.startsWith('k')).map(([, v]) => v).sort(), ['txn3', 'txn3', 'txn3', 'txn3', 'txn4', 'txn4', 'txn4', 'txn4']);

  // Cleaning on: new records keep the log dirty, so passes keep coming; each pass may remove
  // aborted records, then markers (first given a delete horizon, then gone once it passed).
  // The COMMIT markers of transactions whose records are kept stay.
  await ratio('0.01');
  const cleanUntil = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 60_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`the cleaner did not get to: ${what} (aborted records left: ${abortedLeft()}, markers: ${markers()})`);
      await fill(5);
      await sleep(50);
    }
  };
  const check = async (when: string) => {
    await ratio('1');
    await sleep(100);
    assert.deepEqual(await readTable(running.bootstrap, 'read_committed'), expected, `read_committed ${when}`);
    assert.deepEqual(await readTable(running.bootstrap, 'read_uncommitted'), expected, `read_uncommitted ${when}`);
    await ratio('0.01');
  };
  await cleanUntil('the aborted transactions and their markers gone', () => !abortedLeft() && markers().join() === 'COMMIT,COMMIT');
  await check('after the aborted transactions are cleaned away');
  // Plain records replace the first transaction's: its records, then its marker, go.
  await plain.send({ topic: TOPIC, acks: -1, messages: keys.filter((_, i) => i % 2 === 1).map((key) => ({ key, value: 'replaced' })) });
  for (const key of keys.filter((_, i) => i % 2 === 1)) expected.set(key, 'replaced');
  await cleanUntil('the first COMMIT marker gone', () => markers().join() === 'COMMIT');
  await check('after the first COMMIT marker is cleaned away');
  assert.equal(log.lastStableOffset, log.highWatermark, 'no transaction taken as open');
  // The transactional producer goes on after its markers are gone.
  const tx = await producer.transaction();
  await tx.send({ topic: TOPIC, acks: -1, messages: [{ key: 'k0', value: 'after' }] });
  await tx.commit();
  expected.set('k0', 'after');
  assert.deepEqual(await readTable(running.bootstrap, 'read_committed'), expected);
});
