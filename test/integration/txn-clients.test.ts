// Issue 5, acceptance 1 (transactional part): confluent-kafka-python transactional producers
// commit and abort; a read_committed consumer (kcat, librdkafka) sees only committed
// records, read_uncommitted sees all; a second producer with the same transactional id
// fences the first. kafkajs: consume-transform-produce with sendOffsets in a transaction.
// @platformatic/kafka (Produce up to v11: the broker checks each transactional batch against
// the coordinator, KIP-890 part 1) commits and aborts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin, Producer as PltProducer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';
import { runPython, type PythonScript } from '../helpers/python.ts';

async function readValues(bootstrap: string, topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  const { stdout } = await kcat(['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%s\\n']);
  return stdout.toString('utf8').split('\n').filter((l) => l !== '');
}

test('confluent-kafka transactions: commit, abort, read_committed, fencing', { timeout: 120_000 }, async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  await kcat(['-P', '-b', broker.bootstrap, '-t', 'txn-ck', '-p', '0'], { input: 'plain\n' });
  const result = await runPython<{ ok: boolean; fenced_error: string | null }>(
    'ck_txn' as PythonScript,
    {
      bootstrap: broker.bootstrap,
      transactional_id: 'ck-1',
      steps: [
        { op: 'begin' }, { op: 'produce', topic: 'txn-ck', values: ['c1', 'c2'] }, { op: 'commit' },
        { op: 'begin' }, { op: 'produce', topic: 'txn-ck', values: ['a1', 'a2'] }, { op: 'abort' },
        { op: 'begin' }, { op: 'produce', topic: 'txn-ck', values: ['c3'] }, { op: 'commit' },
        { op: 'fence', topic: 'txn-ck' },
      ],
    },
    { timeoutMs: 90_000 },
  );
  assert.ok(result.fenced_error === '_FENCED' || result.fenced_error === 'PRODUCER_FENCED' || result.fenced_error === 'INVALID_PRODUCER_EPOCH', String(result.fenced_error));
  const committed = await readValues(broker.bootstrap, 'txn-ck', 'read_committed');
  assert.deepEqual(committed, ['plain', 'c1', 'c2', 'c3', 'second']);
  const all = await readValues(broker.bootstrap, 'txn-ck', 'read_uncommitted');
  assert.deepEqual(all.filter((v) => v !== 'zombie'), ['plain', 'c1', 'c2', 'a1', 'a2', 'c3', 'second']);
});

test('kafkajs consume-transform-produce with sendOffsets', { timeout: 90_000 }, async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { 'group.initial.rebalance.delay.ms': '0' } });
  const kafka = new Kafka({ clientId: 'txn-js', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'txn-in', numPartitions: 1 }, { topic: 'txn-out', numPartitions: 1 }] });
  await admin.disconnect();
  const plain = kafka.producer();
  await plain.connect();
  await plain.send({ topic: 'txn-in', messages: Array.from({ length: 10 }, (_, i) => ({ value: `in-${i}` })) });
  await plain.disconnect();

  const producer = kafka.producer({ transactionalId: 'js-ctp', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  // First 5 committed with their offsets, next 5 aborted.
  for (const [from, commit] of [[0, true], [5, false]] as const) {
    const tx = await producer.transaction();
    await tx.send({ topic: 'txn-out', messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `out-${from + i}` })) });
    await tx.sendOffsets({ consumerGroupId: 'ctp', topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: String(from + 5) }] }] });
    if (commit) await tx.commit();
    else await tx.abort();
  }
  const check = kafka.admin();
  await check.connect();
  const offsets = await check.fetchOffsets({ groupId: 'ctp', topics: ['txn-in'] });
  await check.disconnect();
  assert.equal(offsets[0]!.partitions[0]!.offset, '5');
  assert.deepEqual(await readValues(broker.bootstrap, 'txn-out', 'read_committed'), ['out-0', 'out-1', 'out-2', 'out-3', 'out-4']);
});

test('confluent-kafka consume-transform-produce: send_offsets_to_transaction, commit and abort', { timeout: 120_000 }, async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  await kcat(['-P', '-b', broker.bootstrap, '-t', 'ck-in', '-p', '0'], { input: Array.from({ length: 9 }, (_, i) => `r${i}`).join('\n') + '\n' });
  const result = await runPython<{ ok: boolean; restart_offset: number; transformed: string[] }>(
    'ck_ctp' as PythonScript,
    { bootstrap: broker.bootstrap, transactional_id: 'ck-ctp', group: 'ck-ctp-group', input: 'ck-in', output: 'ck-out', count: 3, rounds: ['commit', 'abort', 'commit'] },
    { timeoutMs: 100_000 },
  );
  // The aborted round's records and offsets never count: the last round re-reads r3-r5.
  assert.deepEqual(result.transformed, ['commit-r0', 'commit-r1', 'commit-r2', 'abort-r3', 'abort-r4', 'abort-r5', 'commit-r3', 'commit-r4', 'commit-r5']);
  assert.equal(result.restart_offset, 6);
  assert.deepEqual(await readValues(broker.bootstrap, 'ck-out', 'read_committed'), ['commit-r0', 'commit-r1', 'commit-r2', 'commit-r3', 'commit-r4', 'commit-r5']);
});

test('@platformatic/kafka transactions: commit and abort', { timeout: 60_000 }, async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const bootstrapBrokers = [broker.bootstrap];
  const admin = new Admin({ clientId: 'plt-txn-admin', bootstrapBrokers });
  t.after(() => admin.close());
  await admin.createTopics({ topics: ['plt-txn'], partitions: 1, replicas: 1 });
  const producer = new PltProducer({ clientId: 'plt-txn', bootstrapBrokers, serializers: stringSerializers, idempotent: true, transactionalId: 'plt-1' });
  t.after(() => producer.close());
  for (const [value, commit] of [['c1', true], ['a1', false], ['c2', true]] as const) {
    const tx = await producer.beginTransaction();
    await tx.send({ messages: [{ topic: 'plt-txn', value, partition: 0 }] });
    if (commit) await tx.commit();
    else await tx.abort();
  }
  assert.deepEqual(await readValues(broker.bootstrap, 'plt-txn', 'read_committed'), ['c1', 'c2']);
  assert.deepEqual(await readValues(broker.bootstrap, 'plt-txn', 'read_uncommitted'), ['c1', 'a1', 'c2']);
});
