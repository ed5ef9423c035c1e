// Issue 3, acceptance 4: the consumer group protocol (KIP-848). First through our own codec
// acting as a client, heartbeat by heartbeat, to check epochs, revocation before
// reassignment, fencing and Kafka's error codes; then with @platformatic/kafka's consumer
// (groupProtocol: 'consumer'), a real client that speaks it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { Consumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';
import { API, ApiKey, ErrorCode, decodeRecordBatches } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { FAST_GROUPS, waitFor } from './groups-support.ts';

const CONFIG = { ...FAST_GROUPS, 'group.consumer.heartbeat.interval.ms': '100', 'group.consumer.session.timeout.ms': '800' };

type Owned = { topicId: string; partitions: number[] }[];

function hb(c: RawClient, body: Record<string, unknown>): Promise<any> {
  return c.request(ApiKey.ConsumerGroupHeartbeat, 1, { ...API.ConsumerGroupHeartbeat.createRequest(), groupId: 'kg', ...body });
}

const count = (owned: Owned | undefined) => (owned ?? []).reduce((n, t) => n + t.partitions.length, 0);

test('ConsumerGroupHeartbeat through our codec: join, revoke before reassign, epochs, fencing, errors', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: 'kt', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }] });

  // Request checks.
  assert.equal((await hb(c, { memberId: '', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ['kt'], topicPartitions: [] })).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await hb(c, { memberId: 'a', memberEpoch: 0, subscribedTopicNames: ['kt'], topicPartitions: [] })).errorCode, ErrorCode.INVALID_REQUEST, 'no rebalance timeout');
  assert.equal((await hb(c, { memberId: 'a', memberEpoch: 0, rebalanceTimeoutMs: 5000, topicPartitions: [] })).errorCode, ErrorCode.INVALID_REQUEST, 'no subscription');
  assert.equal((await hb(c, { memberId: 'a', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ['kt'], topicPartitions: [], serverAssignor: 'sticky' })).errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);
  assert.equal((await hb(c, { memberId: 'a', memberEpoch: 3, topicPartitions: [] })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await hb(c, { memberId: 'a', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicRegex: '(', topicPartitions: [] })).errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION);

  // a joins alone: epoch 1, every partition.
  const a1 = await hb(c, { memberId: 'a', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ['kt'], topicPartitions: [] });
  assert.equal(a1.errorCode, 0);
  assert.equal(a1.memberEpoch, 1);
  assert.equal(a1.heartbeatIntervalMs, 100);
  assert.equal(count(a1.assignment.topicPartitions), 4);
  let aOwned: Owned = a1.assignment.topicPartitions;

  // b joins: epoch 2, but its partitions are still a's, so it gets none yet.
  const b1 = await hb(c, { memberId: 'b', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ['kt'], topicPartitions: [] });
  assert.equal(b1.memberEpoch, 2);
  assert.equal(count(b1.assignment.topicPartitions), 0);
  // a must first revoke two: its epoch stays 1 until it reports owning only two.
  const a2 = await hb(c, { memberId: 'a', memberEpoch: 1, topicPartitions: aOwned });
  assert.equal(a2.memberEpoch, 1);
  assert.equal(count(a2.assignment.topicPartitions), 2);
  aOwned = a2.assignment.topicPartitions;
  const a3 = await hb(c, { memberId: 'a', memberEpoch: 1, topicPartitions: aOwned });
  assert.equal(a3.memberEpoch, 2);
  const b2 = await hb(c, { memberId: 'b', memberEpoch: 2, topicPartitions: [] });
  assert.equal(count(b2.assignment.topicPartitions), 2);
  const all = [...aOwned[0]!.partitions, ...b2.assignment.topicPartitions[0].partitions].sort();
  assert.deepEqual(all, [0, 1, 2, 3]);

  const described: any = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['kg', 'missing'] });
  const g = described.groups[0];
  assert.equal(g.groupState, 'Stable');
  assert.equal(g.groupEpoch, 2);
  assert.equal(g.assignmentEpoch, 2);
  assert.equal(g.assignorName, 'uniform');
  assert.equal(g.members.length, 2);
  assert.equal(g.members[0].assignment.topicPartitions[0].topicName, 'kt');
  assert.equal(g.members[0].memberType, 1);
  assert.equal(described.groups[1].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const listed: any = await c.request(ApiKey.ListGroups, 5, { ...API.ListGroups.createRequest(), typesFilter: ['consumer'] });
  assert.deepEqual(listed.groups.map((x: any) => [x.groupId, x.groupType, x.groupState]), [['kg', 'consumer', 'Stable']]);

  // Offsets: a commit at a stale epoch is refused; at the current one it is accepted.
  const commit = (memberId: string, epoch: number) =>
    c.request(ApiKey.OffsetCommit, 9, {
      ...API.OffsetCommit.createRequest(),
      groupId: 'kg',
      generationIdOrMemberEpoch: epoch,
      memberId,
      topics: [{ name: 'kt', topicId: '', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
    }).then((r: any) => r.topics[0].partitions[0].errorCode);
  assert.equal(await commit('a', 1), ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(await commit('z', 2), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await commit('a', 2), 0);
  const fetched: any = await c.request(ApiKey.OffsetFetch, 9, {
    ...API.OffsetFetch.createRequest(),
    groups: [{ groupId: 'kg', memberId: 'a', memberEpoch: 1, topics: null }, { groupId: 'kg', memberId: 'a', memberEpoch: 2, topics: null }],
  });
  assert.equal(fetched.groups[0].errorCode, ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(fetched.groups[1].topics[0].partitions[0].committedOffset, 3n);
  // A classic join of another protocol type does not reach a consumer group with members
  // (classic members of the consumer protocol are hosted: groups-migration.test.ts).
  const join: any = await c.request(ApiKey.JoinGroup, 9, { ...API.JoinGroup.createRequest(), groupId: 'kg', memberId: 'x', protocolType: 'connect', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000 });
  assert.equal(join.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await c.request(ApiKey.DeleteGroups, 2, { ...API.DeleteGroups.createRequest(), groupsNames: ['kg'] }) as any).results[0].errorCode, ErrorCode.NON_EMPTY_GROUP);

  // A stale epoch is fenced.
  assert.equal((await hb(c, { memberId: 'b', memberEpoch: 1, topicPartitions: [] })).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  // b stops heartbeating: after the session timeout it is fenced and a gets everything.
  await waitFor('b to be fenced', async () => {
    const r = await hb(c, { memberId: 'a', memberEpoch: (await hb(c, { memberId: 'a', memberEpoch: 2, topicPartitions: aOwned })).memberEpoch, topicPartitions: aOwned });
    if (r.assignment) aOwned = r.assignment.topicPartitions;
    return count(aOwned) === 4;
  });
  assert.equal((await hb(c, { memberId: 'b', memberEpoch: 2, topicPartitions: [] })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  // a leaves; the group is Empty and can be deleted; its offsets go with it.
  const left = await hb(c, { memberId: 'a', memberEpoch: -1, topicPartitions: [] });
  assert.equal(left.memberEpoch, -1);
  assert.equal((await c.request(ApiKey.DeleteGroups, 2, { ...API.DeleteGroups.createRequest(), groupsNames: ['kg'] }) as any).results[0].errorCode, 0);
});

test('range assignor and regex subscriptions', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  for (const name of ['r1', 'r2']) {
    await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name, numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }] });
  }
  const a = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, { ...API.ConsumerGroupHeartbeat.createRequest(), groupId: 'rg', memberId: 'm1', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicRegex: 'r.', serverAssignor: 'range', topicPartitions: [] }) as any;
  assert.equal(a.errorCode, 0);
  assert.equal(count(a.assignment.topicPartitions), 6, 'both topics by regex');
  const b = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, { ...API.ConsumerGroupHeartbeat.createRequest(), groupId: 'rg', memberId: 'm2', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ['r1', 'r2'], serverAssignor: 'range', topicPartitions: [] }) as any;
  assert.equal(b.errorCode, 0);
  const d: any = await c.request(ApiKey.ConsumerGroupDescribe, 0, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['rg'] });
  const target = Object.fromEntries(d.groups[0].members.map((m: any) => [m.memberId, m.targetAssignment.topicPartitions.map((tp: any) => `${tp.topicName}:${tp.partitions.join('')}`).sort()]));
  // Range: per topic, m1 (first by id) gets partitions 0-1, m2 gets 2.
  assert.deepEqual(target, { m1: ['r1:01', 'r2:01'], m2: ['r1:2', 'r2:2'] });
  assert.equal(d.groups[0].assignorName, 'range');
});

test('@platformatic/kafka with groupProtocol consumer: join, split on a second member, take all when it leaves', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const kafka = new Kafka({ clientId: 'feeder', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'k848', numPartitions: 4 }] });
  const producer = kafka.producer();
  await producer.connect();
  t.after(() => producer.disconnect());
  await producer.send({ topic: 'k848', messages: Array.from({ length: 40 }, (_, i) => ({ value: `r${i}`, partition: i % 4 })) });

  const start = async (name: string) => {
    const consumer = new Consumer({
      groupId: 'pk848',
      clientId: name,
      bootstrapBrokers: [broker.bootstrap],
      groupProtocol: 'consumer',
      maxWaitTime: 100,
      autocommit: false,
      deserializers: stringDeserializers,
    });
    const values: string[] = [];
    const stream = await consumer.consume({ topics: ['k848'], mode: MessagesStreamModes.COMMITTED, fallbackMode: 'earliest' });
    stream.on('data', (m) => values.push(m.value));
    stream.on('error', () => {});
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await stream.close();
      await consumer.close(true);
    };
    t.after(close);
    return { consumer, values, close, partitions: () => consumer.assignments?.find((x) => x.topic === 'k848')?.partitions.length ?? 0 };
  };
  const a = await start('a');
  await waitFor('a to get every partition', () => a.partitions() === 4, 30_000);
  await waitFor('a to read 40 records', () => new Set(a.values).size === 40, 30_000);
  const b = await start('b');
  await waitFor('a 2/2 split', () => a.partitions() === 2 && b.partitions() === 2, 30_000, () => `a ${a.partitions()} b ${b.partitions()}`);
  const raw = await RawClient.connect(broker.port);
  t.after(() => raw.close());
  const described: any = await raw.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['pk848'] });
  assert.equal(described.groups[0].members.length, 2);
  await b.close();
  await waitFor('a to own everything again', () => a.partitions() === 4, 30_000, () => `a ${a.partitions()}`);
  await a.close();
});

test('a KIP-848 group survives a restart: its records in __consumer_offsets bring back epochs and assignments', async (t) => {
  const dataDir = await tempDir(t);
  let broker = await startTestBroker(t, { dataDir, config: CONFIG });
  let c = await RawClient.connect(broker.port);
  await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: 'kt', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }] });
  const a1 = await hb(c, { memberId: 'a', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ['kt'], topicPartitions: [] });
  await hb(c, { memberId: 'b', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ['kt'], topicPartitions: [] });
  const a2 = await hb(c, { memberId: 'a', memberEpoch: 1, topicPartitions: a1.assignment.topicPartitions });
  const a3 = await hb(c, { memberId: 'a', memberEpoch: 1, topicPartitions: a2.assignment.topicPartitions });
  const b2 = await hb(c, { memberId: 'b', memberEpoch: 2, topicPartitions: [] });
  assert.equal(a3.memberEpoch, 2);
  assert.equal(count(b2.assignment.topicPartitions), 2);
  const before: any = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['kg'] });
  c.close();
  await broker.stop();

  broker = await startTestBroker(t, { dataDir, config: CONFIG });
  c = await RawClient.connect(broker.port);
  const after: any = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['kg'] });
  const view = (d: any) => d.groups[0].members.map((m: any) => [m.memberId, m.memberEpoch, m.assignment.topicPartitions[0]?.partitions, m.targetAssignment.topicPartitions[0]?.partitions]).sort();
  assert.equal(after.groups[0].groupState, 'Stable');
  assert.equal(after.groups[0].groupEpoch, before.groups[0].groupEpoch);
  assert.equal(after.groups[0].assignmentEpoch, before.groups[0].assignmentEpoch);
  assert.deepEqual(view(after), view(before));
  // The members carry on at their epochs.
  const again = await hb(c, { memberId: 'a', memberEpoch: 2, topicPartitions: a2.assignment.topicPartitions });
  assert.equal(again.errorCode, 0);
  assert.equal(again.memberEpoch, 2);
  // A member that leaves after the restart is gone after the next one too.
  await hb(c, { memberId: 'b', memberEpoch: -1, topicPartitions: [] });
  c.close();
  await broker.stop();
  broker = await startTestBroker(t, { dataDir, config: CONFIG });
  c = await RawClient.connect(broker.port);
  const last: any = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['kg'] });
  assert.deepEqual(last.groups[0].members.map((m: any) => m.memberId), ['a']);
  c.close();
  await broker.stop(); // before the data directory goes
});

test('KIP-848 static membership: leave with epoch -2, the next incarnation takes the same partitions without a rebalance', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...CONFIG, 'group.consumer.session.timeout.ms': '5000' } });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: 'kt', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }] });
  const join = (memberId: string, instanceId: string) => hb(c, { memberId, instanceId, memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ['kt', 'kt'], topicPartitions: [] });
  const a1 = await join('a', 'ia');
  await join('b', 'ib');
  const a2 = await hb(c, { memberId: 'a', memberEpoch: 1, topicPartitions: a1.assignment.topicPartitions });
  const a3 = await hb(c, { memberId: 'a', memberEpoch: 1, topicPartitions: a2.assignment.topicPartitions });
  const b2 = await hb(c, { memberId: 'b', memberEpoch: 2, topicPartitions: [] });
  assert.equal(a3.memberEpoch, 2);
  const bPartitions = b2.assignment.topicPartitions;
  assert.equal(count(bPartitions), 2);
  // Heartbeats with unchanged (unsorted, repeated) subscriptions do not bump the group epoch.
  assert.equal((await hb(c, { memberId: 'b', memberEpoch: 2, subscribedTopicNames: ['kt', 'kt'], topicPartitions: bPartitions })).memberEpoch, 2);

  // Another member cannot take an instance id in use.
  assert.equal((await join('b-dup', 'ib')).errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
  // b leaves for a restart (epoch -2): it keeps its place.
  assert.equal((await hb(c, { memberId: 'b', instanceId: 'ib', memberEpoch: -2, topicPartitions: null })).memberEpoch, -2);
  const during: any = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['kg'] });
  assert.equal(during.groups[0].members.length, 2);
  // Its next incarnation gets the same partitions at once, and the group epoch does not move.
  const b3 = await join('b2', 'ib');
  assert.equal(b3.errorCode, 0);
  assert.equal(b3.memberEpoch, 2);
  assert.deepEqual(b3.assignment.topicPartitions, bPartitions);
  const after: any = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['kg'] });
  assert.equal(after.groups[0].groupEpoch, during.groups[0].groupEpoch);
  assert.deepEqual(after.groups[0].members.map((m: any) => m.memberId).sort(), ['a', 'b2']);
  assert.equal((await hb(c, { memberId: 'a', memberEpoch: 2, topicPartitions: a3.assignment?.topicPartitions ?? a2.assignment.topicPartitions })).memberEpoch, 2, 'a saw no rebalance');
  // The old incarnation is gone; a member using the instance id of another is fenced.
  assert.equal((await hb(c, { memberId: 'b', memberEpoch: 2, topicPartitions: [] })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await hb(c, { memberId: 'a', instanceId: 'ib', memberEpoch: 2, topicPartitions: [] })).errorCode, ErrorCode.FENCED_INSTANCE_ID);
});

test('a regex subscription is stored as Kafka stores it: a ConsumerGroupRegularExpression record (type 16) with the topics it resolved to, a tombstone when no member uses it', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...CONFIG, 'offsets.topic.num.partitions': '1' } });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  for (const name of ['rx-a', 'rx-b', 'other']) {
    await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] });
  }
  const joined = await hb(c, { groupId: 'rg', memberId: 'r1', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicRegex: 'rx-.*', topicPartitions: [] });
  assert.equal(joined.errorCode, 0);
  assert.equal(count(joined.assignment.topicPartitions), 2);
  assert.equal((await hb(c, { groupId: 'rg', memberId: 'r1', memberEpoch: -1, topicPartitions: [] })).errorCode, 0);

  // Read __consumer_offsets (one partition here) and pick the type 16 records of the group.
  const md: any = await c.request(ApiKey.Metadata, 12, { ...API.Metadata.createRequest(), topics: [{ name: '__consumer_offsets', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
  const fetched: any = await c.request(ApiKey.Fetch, 13, {
    ...API.Fetch.createRequest(),
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 10 << 20,
    topics: [{ topicId: md.topics[0].topicId, topic: '__consumer_offsets', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 10 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA', highWatermark: -1n }] }],
  });
  const { decodeKey, decodeRegularExpressionValue } = await import('../../src/coordinator/group/records.ts');
  const regexRecords = decodeRecordBatches(fetched.responses[0].partitions[0].records)
    .flatMap((b) => b.records)
    .filter((r) => r.key && r.key.readInt16BE(0) === 16)
    .map((r) => ({ key: decodeKey(r.key!), value: r.value === null ? null : decodeRegularExpressionValue(r.value).topics }));
  assert.deepEqual(regexRecords, [
    { key: { type: 'consumer', recordType: 16, group: 'rg', memberId: 'rx-.*' }, value: ['rx-a', 'rx-b'] },
    { key: { type: 'consumer', recordType: 16, group: 'rg', memberId: 'rx-.*' }, value: null },
  ]);
});
