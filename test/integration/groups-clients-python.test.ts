// Issue 3, acceptance 1 with confluent-kafka-python (librdkafka) and kafka-python: each
// member is its own process (test/helpers/py/group_member.py). Two members split a
// 4-partition topic; one leaves and the other takes all; a member killed with -9 stops
// heartbeating and is removed after its session timeout; a member killed after consuming
// past its last commit is replaced by one that resumes from the committed offsets and gets
// exactly the uncommitted records again, nothing older.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker } from '../helpers/broker.ts';
import { FAST_GROUPS, PyMember, waitFor, type PyMemberConfig } from './groups-support.ts';

const SESSION = { sessionTimeoutMs: 1500, heartbeatIntervalMs: 150 };

for (const client of ['ck', 'kp'] as const) {
  const name = client === 'ck' ? 'confluent-kafka-python' : 'kafka-python';
  test(`${name}: split, leave, session expiry, resume from committed offsets`, async (t) => {
    const broker = await startTestBroker(t, { config: FAST_GROUPS });
    const kafka = new Kafka({ clientId: 'feeder', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const topic = `acc-${client}`;
    const group = `group-${client}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
    const producer = kafka.producer();
    await producer.connect();
    t.after(() => producer.disconnect());
    const send = (from: number, to: number) =>
      producer.send({ topic, messages: Array.from({ length: to - from }, (_, k) => ({ value: `r${from + k}`, partition: (from + k) % 4 })) });
    await send(0, 40);

    const config = (clientId: string): PyMemberConfig => ({ client, bootstrap: broker.bootstrap, group, topic, clientId, ...SESSION });
    const a = PyMember.start(t, 'a', config('member-a'));
    const b = PyMember.start(t, 'b', config('member-b'));
    const all = () => `${a.describe()} | ${b.describe()}`;
    await waitFor('a 2/2 split', () => a.assignment.length === 2 && b.assignment.length === 2, 30_000, all);
    assert.deepEqual([...a.assignment, ...b.assignment].sort(), [0, 1, 2, 3]);
    await waitFor('all 40 records', () => new Set([...a.values(), ...b.values()]).size === 40, 30_000, all);
    await a.commit();
    await b.commit();

    // b leaves cleanly: a takes every partition.
    await b.close();
    await waitFor('a to own all partitions', () => a.assignment.length === 4, 30_000, all);

    // c joins, then dies without a word: after its session timeout a owns everything again.
    const c = PyMember.start(t, 'c', config('member-c'));
    await waitFor('a 2/2 split with c', () => c.assignment.length === 2 && a.assignment.length === 2, 30_000, () => `${a.describe()} | ${c.describe()}`);
    await c.kill9();
    await waitFor('c to expire and a to own all partitions', () => a.assignment.length === 4, 30_000, () => a.describe());
    const described = await admin.describeGroups([group]);
    assert.equal(described.groups[0]!.state, 'Stable');
    assert.equal(described.groups[0]!.members.length, 1);

    // a (owning every partition) consumes 20 more and commits; then 8 more that it never commits, and dies.
    await send(40, 60);
    const has = (m: PyMember, from: number, to: number) => Array.from({ length: to - from }, (_, k) => `r${from + k}`).every((v) => m.values().has(v));
    await waitFor('a to see r40-r59', () => has(a, 40, 60), 30_000, () => a.describe());
    await a.commit();
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    assert.deepEqual(committed[0]!.partitions.map((p) => Number(p.offset)).sort(), [15, 15, 15, 15]);
    await send(60, 68);
    await waitFor('a to see r60-r67', () => has(a, 60, 68), 30_000, () => a.describe());
    await a.kill9();

    // d resumes from the committed offsets: exactly the 8 uncommitted records come again.
    const d = PyMember.start(t, 'd', config('member-d'));
    await waitFor('d to get the uncommitted records', () => d.values().size >= 8, 30_000, () => d.describe());
    const expected = new Set(Array.from({ length: 8 }, (_, k) => `r${60 + k}`));
    assert.deepEqual(d.values(), expected);
    for (const r of d.records) assert.ok(r.offset >= 15, `offset ${r.offset} of partition ${r.partition} was committed`);
    await d.close();
  });
}
