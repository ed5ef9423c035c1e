// Issue 3, acceptance 3: the broker restarts, cleanly (SIGTERM) and with kill -9, while a
// group of two confluent-kafka-python (librdkafka) members is active. Committed offsets
// are intact after each restart (they are records in __consumer_offsets, loaded at start),
// the group is there with its members, and the members carry on: new records reach them
// and nothing consumed before the restart is delivered again.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { spawnBrokerProcess, tempDir } from '../helpers/broker.ts';
import { FAST_GROUPS, PyMember, waitFor, type PyMemberConfig } from './groups-support.ts';

test('groups and committed offsets survive a clean restart and a kill -9 of the broker', { timeout: 150_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const config = { ...FAST_GROUPS, 'offsets.topic.num.partitions': '5' };
  let broker = await spawnBrokerProcess({ dataDir, t, config });
  const port = broker.port;
  const topic = 'restart-t';
  const group = 'restart-g';
  const kafka = new Kafka({ clientId: 'feeder', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
  const producer = kafka.producer();
  await producer.connect();
  t.after(() => producer.disconnect());
  const send = (from: number, to: number) =>
    producer.send({ topic, messages: Array.from({ length: to - from }, (_, k) => ({ value: `r${from + k}`, partition: (from + k) % 4 })) });
  const committed = async () => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions.map((p) => Number(p.offset)).sort();
  await send(0, 40);

  const member = (name: string): PyMemberConfig => ({
    client: 'ck',
    bootstrap: broker.bootstrap,
    group,
    topic,
    clientId: name,
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 200,
    extra: { 'reconnect.backoff.ms': 50, 'reconnect.backoff.max.ms': 300 },
  });
  const a = PyMember.start(t, 'a', member('a'));
  const b = PyMember.start(t, 'b', member('b'));
  const both = () => `${a.describe()} | ${b.describe()} | broker: ${broker.output().slice(-1500)}`;
    await waitFor('a 2/2 split', () => a.assignment.length === 2 && b.assignment.length === 2, 30_000, both);
  // Each member has read its partitions to the end (records a read before the first
  // rebalance may come to b again: they were not committed yet).
  const caughtUp = (m: PyMember, end: number) => m.assignment.every((p) => m.records.some((r) => r.partition === p && r.offset === end - 1));
  await waitFor('both members at the end', () => caughtUp(a, 10) && caughtUp(b, 10), 30_000, both);
  await a.commit();
  await b.commit();
  assert.deepEqual(await committed(), [10, 10, 10, 10]);

  const restarts = [
    { how: 'clean stop', stop: () => broker.stop('SIGTERM') },
    { how: 'kill -9', stop: () => broker.kill9() },
  ];
  let produced = 40;
  for (const { how, stop } of restarts) {
    await stop();
    broker = await spawnBrokerProcess({ dataDir, t, config, port });
    assert.deepEqual(await committed(), [produced / 4, produced / 4, produced / 4, produced / 4], `offsets after ${how}`);
    const described = await admin.describeGroups([group]);
    assert.ok(['Stable', 'PreparingRebalance', 'CompletingRebalance'].includes(described.groups[0]!.state), `group after ${how}: ${described.groups[0]!.state}`);
    assert.equal(described.groups[0]!.members.length, 2, `members after ${how}`);

    // The members carry on: the new records reach them, each once, and nothing older.
    const before = { a: a.records.length, b: b.records.length };
    await send(produced, produced + 20);
    const fresh = () => [...a.records.slice(before.a), ...b.records.slice(before.b)].map((r) => r.value);
    const expected = Array.from({ length: 20 }, (_, k) => `r${produced + k}`);
    produced += 20;
    await waitFor(`records after ${how}`, () => expected.every((v) => fresh().includes(v)), 60_000, both);
    assert.deepEqual(fresh().sort(), expected.sort(), `no record delivered twice after ${how}`);
    await waitFor(`a 2/2 split after ${how}`, () => a.assignment.length === 2 && b.assignment.length === 2, 30_000, both);
    await a.commit();
    await b.commit();
    assert.deepEqual(await committed(), [produced / 4, produced / 4, produced / 4, produced / 4]);
  }
  await a.close();
  await b.close();
  const exit = await broker.stop('SIGTERM');
  assert.equal(exit.code, 0, broker.output());
});
