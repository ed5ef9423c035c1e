// Issue 3, acceptance 1 with kafkajs and @platformatic/kafka (classic protocol): two members
// split a 4-partition topic; one leaves and the other takes all; a member that stops
// heartbeating (a member joined through our codec that then goes silent, since an
// in-process client cannot be frozen) is removed after its session timeout; a group
// restarted after consuming past its last commit resumes from the committed offsets and
// gets exactly the uncommitted records again.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel, type Consumer as JsConsumer } from 'kafkajs';
import { Consumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { FAST_GROUPS, joinSilentMember, waitFor, type MemberRecord } from './groups-support.ts';

/** What the scenario needs from a member, whatever the client. */
interface Member {
  readonly name: string;
  assignment(): number[];
  readonly records: MemberRecord[];
  /** Commits what was consumed. */
  commit(): Promise<void>;
  /** Leaves the group without committing. */
  close(): Promise<void>;
}

function describe(m: Member): string {
  return `${m.name}: assignment ${JSON.stringify(m.assignment())}, ${m.records.length} records`;
}

const has = (m: Member, from: number, to: number) => {
  const values = new Set(m.records.map((r) => r.value));
  return Array.from({ length: to - from }, (_, k) => `r${from + k}`).every((v) => values.has(v));
};

async function kafkajsMember(kafka: Kafka, name: string, group: string, topic: string): Promise<Member> {
  const consumer: JsConsumer = kafka.consumer({ groupId: group, sessionTimeout: 1500, rebalanceTimeout: 3000, heartbeatInterval: 150, maxWaitTimeInMs: 100 });
  let assignment: number[] = [];
  const records: MemberRecord[] = [];
  const consumed = new Map<number, number>();
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assignment = [...((e.payload.memberAssignment as Record<string, number[]>)[topic] ?? [])].sort();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      records.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
      consumed.set(partition, Number(message.offset) + 1);
    },
  });
  let closed = false;
  return {
    name,
    assignment: () => assignment,
    records,
    commit: () => consumer.commitOffsets([...consumed].map(([partition, offset]) => ({ topic, partition, offset: String(offset) }))),
    close: async () => {
      if (closed) return;
      closed = true;
      await consumer.disconnect();
    },
  };
}

async function platformaticMember(bootstrap: string, name: string, group: string, topic: string): Promise<Member> {
  const consumer = new Consumer({
    groupId: group,
    clientId: name,
    bootstrapBrokers: [bootstrap],
    sessionTimeout: 1500,
    rebalanceTimeout: 3000,
    heartbeatInterval: 150,
    maxWaitTime: 100,
    autocommit: false,
    deserializers: stringDeserializers,
  });
  const records: MemberRecord[] = [];
  const consumed = new Map<number, { offset: bigint; leaderEpoch: number }>();
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: 'earliest' });
  stream.on('data', (m) => {
    records.push({ partition: m.partition, offset: Number(m.offset), value: m.value });
    consumed.set(m.partition, { offset: m.offset + 1n, leaderEpoch: m.leaderEpoch });
  });
  stream.on('error', () => {});
  let closed = false;
  return {
    name,
    assignment: () => [...(consumer.assignments?.find((a) => a.topic === topic)?.partitions ?? [])].sort(),
    records,
    commit: () => consumer.commit({ offsets: [...consumed].map(([partition, o]) => ({ topic, partition, offset: o.offset, leaderEpoch: o.leaderEpoch })) }),
    close: async () => {
      if (closed) return;
      closed = true;
      await stream.close();
      await consumer.close(true);
    },
  };
}

const CLIENTS = [
  { client: 'kafkajs', protocol: 'RoundRobinAssigner' },
  { client: '@platformatic/kafka', protocol: 'roundrobin' },
] as const;

for (const { client, protocol } of CLIENTS) {
  test(`${client}: split, leave, session expiry, resume from committed offsets`, async (t) => {
    const broker = await startTestBroker(t, { dataDir: 'memory', config: FAST_GROUPS });
    const kafka = new Kafka({ clientId: 'feeder', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const slug = client.replace(/\W/g, '');
    const topic = `acc-${slug}`;
    const group = `group-${slug}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
    const producer = kafka.producer();
    await producer.connect();
    t.after(() => producer.disconnect());
    const send = (from: number, to: number) =>
      producer.send({ topic, messages: Array.from({ length: to - from }, (_, k) => ({ value: `r${from + k}`, partition: (from + k) % 4 })) });
    await send(0, 40);

    const start = (name: string) => (client === 'kafkajs' ? kafkajsMember(kafka, name, group, topic) : platformaticMember(broker.bootstrap, name, group, topic));
    const a = await start('a');
    t.after(() => a.close());
    const b = await start('b');
    t.after(() => b.close());
    const both = () => `${describe(a)} | ${describe(b)}`;
    await waitFor('a 2/2 split', () => a.assignment().length === 2 && b.assignment().length === 2, 30_000, both);
    assert.deepEqual([...a.assignment(), ...b.assignment()].sort(), [0, 1, 2, 3]);
    await waitFor('all 40 records', () => new Set([...a.records, ...b.records].map((r) => r.value)).size === 40, 30_000, both);
    await a.commit();
    await b.commit();

    await b.close();
    await waitFor('a to own all partitions', () => a.assignment().length === 4, 30_000, both);

    // A member that joins and then never heartbeats is removed after its session timeout.
    const raw = await RawClient.connect(broker.port);
    t.after(() => raw.close());
    const silent = await joinSilentMember(raw, group, topic, protocol, 1000);
    await waitFor('a to share with the silent member', () => a.assignment().length === 2, 30_000, () => describe(a));
    await waitFor('the silent member to expire', () => a.assignment().length === 4, 30_000, () => describe(a));
    const described = await admin.describeGroups([group]);
    assert.equal(described.groups[0]!.members.length, 1);
    assert.ok(!described.groups[0]!.members.some((m) => m.memberId === silent.memberId));

    await send(40, 60);
    await waitFor('a to see r40-r59', () => has(a, 40, 60), 30_000, () => describe(a));
    await a.commit();
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    assert.deepEqual(committed[0]!.partitions.map((p) => Number(p.offset)), [15, 15, 15, 15]);
    await send(60, 68);
    await waitFor('a to see r60-r67', () => has(a, 60, 68), 30_000, () => describe(a));
    await a.close(); // without committing r60-r67

    const d = await start('d');
    t.after(() => d.close());
    await waitFor('d to get the uncommitted records', () => has(d, 60, 68), 30_000, () => describe(d));
    assert.deepEqual(new Set(d.records.map((r) => r.value)), new Set(Array.from({ length: 8 }, (_, k) => `r${60 + k}`)));
    for (const r of d.records) assert.ok(r.offset >= 15, `offset ${r.offset} of partition ${r.partition} was committed`);
    await d.close();
  });
}
