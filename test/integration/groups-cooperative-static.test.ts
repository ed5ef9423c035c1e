// Issue 3, acceptance 2 with librdkafka (confluent-kafka-python): cooperative rebalancing
// (partition.assignment.strategy=cooperative-sticky), where a member keeps the partitions
// it is not asked to give up while others join and leave, and static membership (KIP-345),
// where a restarted static member gets its partitions back with no rebalance at all.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker } from '../helpers/broker.ts';
import { FAST_GROUPS, PyMember, waitFor, type PyMemberConfig } from './groups-support.ts';

async function setup(t: { after(fn: () => unknown): void }, topic: string) {
  const broker = await startTestBroker(t, { config: FAST_GROUPS });
  const kafka = new Kafka({ clientId: 'feeder', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
  return { broker, admin };
}

test('cooperative-sticky (librdkafka): incremental rebalances, the first member never gives up everything', async (t) => {
  const topic = 'coop-t';
  const { broker, admin } = await setup(t, topic);
  const member = (name: string): PyMemberConfig => ({
    client: 'ck', bootstrap: broker.bootstrap, group: 'coop-g', topic, clientId: name, sessionTimeoutMs: 3000, heartbeatIntervalMs: 150, strategy: 'cooperative-sticky',
  });
  const a = PyMember.start(t, 'a', member('a'));
  await waitFor('a to own all', () => a.assignment.length === 4, 30_000, () => a.describe());
  const b = PyMember.start(t, 'b', member('b'));
  await waitFor('a 2/2 split', () => a.assignment.length === 2 && b.assignment.length === 2, 30_000, () => `${a.describe()} | ${b.describe()}`);
  const described = await admin.describeGroups(['coop-g']);
  assert.equal(described.groups[0]!.protocol, 'cooperative-sticky');
  // a revoked only what b took: its assignment went 4 -> 2 and never through nothing.
  assert.ok(a.assignments.slice(1).every((p) => p.length >= 2), JSON.stringify(a.assignments));
  const kept = a.assignment;
  await b.close();
  await waitFor('a to own all again', () => a.assignment.length === 4, 30_000, () => a.describe());
  assert.ok(kept.every((p) => a.assignment.includes(p)));
  assert.ok(a.assignments.slice(1).every((p) => p.length >= 2), JSON.stringify(a.assignments));
  await a.close();
});

test('static membership (librdkafka): a restarted static member gets its partitions back without a rebalance', async (t) => {
  const topic = 'static-t';
  const { broker, admin } = await setup(t, topic);
  const member = (name: string): PyMemberConfig => ({
    client: 'ck', bootstrap: broker.bootstrap, group: 'static-g', topic, clientId: name, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 150, instanceId: `instance-${name}`,
  });
  const a = PyMember.start(t, 'a', member('a'));
  const b = PyMember.start(t, 'b', member('b'));
  await waitFor('a 2/2 split', () => a.assignment.length === 2 && b.assignment.length === 2, 30_000, () => `${a.describe()} | ${b.describe()}`);
  const before = await admin.describeGroups(['static-g']);
  const oldB = before.groups[0]!.members.find((m) => m.clientId === 'b')!;
  const aEvents = a.assignments.length;
  const bPartitions = b.assignment;

  // b dies and comes back as the same instance, well within its session timeout.
  await b.kill9();
  const b2 = PyMember.start(t, 'b2', member('b'));
  await waitFor('b2 to get its partitions', () => b2.assignment.length === 2, 30_000, () => b2.describe());
  assert.deepEqual(b2.assignment, bPartitions);
  const after = await admin.describeGroups(['static-g']);
  assert.equal(after.groups[0]!.state, 'Stable');
  assert.equal(after.groups[0]!.members.length, 2);
  const newB = after.groups[0]!.members.find((m) => m.clientId === 'b')!;
  assert.notEqual(newB.memberId, oldB.memberId, 'a new member id for the same instance');
  assert.equal(a.assignments.length, aEvents, 'a saw no rebalance');
  await a.close();
  await b2.close();
});
