// Issue 3, KIP-848 online migration between the classic and the consumer protocols, through
// our own codec acting as the clients would (a classic member: JoinGroup, SyncGroup,
// Heartbeat with the consumer protocol's subscription and assignment bytes; a new member:
// ConsumerGroupHeartbeat):
// * upgrade: a consumer-protocol member joins a classic group with members; the group
//   becomes a consumer group in which the classic member carries on at its generation, is
//   asked to rejoin, and gets its share of the new assignment through JoinGroup/SyncGroup;
// * downgrade: when the last consumer-protocol member leaves, the group is classic again and
//   rebalances, committed offsets kept;
// * group.consumer.migration.policy and the protocol type decide, with Kafka's error codes;
// * and with real clients: kafkajs (classic) and @platformatic/kafka (groupProtocol consumer)
//   in one group.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { API, ApiKey, ErrorCode, Reader, Writer } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { FAST_GROUPS, subscriptionBytes, waitFor } from './groups-support.ts';

const TOPIC = 'mig';

/** ConsumerProtocolAssignment v0 → partitions of TOPIC. */
function partitionsOf(assignment: Buffer): number[] {
  if (assignment.length === 0) return [];
  const r = new Reader(assignment);
  r.int16();
  const out: number[] = [];
  for (let n = r.int32(), i = 0; i < n; i++) {
    const topic = r.string();
    for (let k = r.int32(), j = 0; j < k; j++) {
      const p = r.int32();
      if (topic === TOPIC) out.push(p);
    }
  }
  return out.sort((a, b) => a - b);
}

function assignmentBytes(partitions: number[]): Buffer {
  const w = new Writer(64).int16(0).int32(1).string(TOPIC).int32(partitions.length);
  for (const p of partitions) w.int32(p);
  return w.int32(-1).toBuffer();
}

/** A classic member speaking JoinGroup v9 / SyncGroup v5 / Heartbeat v4 with the consumer protocol. */
class ClassicMember {
  readonly c: RawClient;
  readonly group: string;
  memberId = '';
  generationId = -1;
  partitions: number[] = [];

  constructor(c: RawClient, group: string) {
    this.c = c;
    this.group = group;
  }

  async join(protocolType = 'consumer'): Promise<any> {
    const body = () => ({
      ...API.JoinGroup.createRequest(),
      groupId: this.group,
      memberId: this.memberId,
      protocolType,
      protocols: [{ name: 'range', metadata: subscriptionBytes(TOPIC) }],
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
    });
    let joined: any = await this.c.request(ApiKey.JoinGroup, 9, body(), 30_000);
    if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = joined.memberId;
      joined = await this.c.request(ApiKey.JoinGroup, 9, body(), 30_000);
    }
    if (joined.errorCode === 0) {
      this.memberId = joined.memberId;
      this.generationId = joined.generationId;
    }
    return joined;
  }

  /** SyncGroup; as the leader it assigns every partition listed to itself. */
  async sync(leaderAssignment: number[] | null = null, protocolType = 'consumer'): Promise<any> {
    const synced: any = await this.c.request(ApiKey.SyncGroup, 5, {
      ...API.SyncGroup.createRequest(),
      groupId: this.group,
      memberId: this.memberId,
      generationId: this.generationId,
      protocolType,
      protocolName: 'range',
      assignments: leaderAssignment ? [{ memberId: this.memberId, assignment: assignmentBytes(leaderAssignment) }] : [],
    }, 30_000);
    if (synced.errorCode === 0) this.partitions = partitionsOf(synced.assignment);
    return synced;
  }

  async heartbeat(): Promise<number> {
    const r: any = await this.c.request(ApiKey.Heartbeat, 4, { ...API.Heartbeat.createRequest(), groupId: this.group, memberId: this.memberId, generationId: this.generationId });
    return r.errorCode;
  }

  async commit(offset: bigint, version = 8): Promise<number> {
    const r: any = await this.c.request(ApiKey.OffsetCommit, version, {
      ...API.OffsetCommit.createRequest(),
      groupId: this.group,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      topics: [{ name: TOPIC, topicId: '', partitions: [{ partitionIndex: this.partitions[0] ?? 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }],
    });
    return r.topics[0].partitions[0].errorCode;
  }
}

async function setup(t: Parameters<typeof startTestBroker>[0], config: Record<string, string> = {}) {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...FAST_GROUPS, ...config } });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const created: any = await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: TOPIC, numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }] });
  assert.equal(created.topics[0].errorCode, 0);
  const topicId: string = created.topics[0].topicId;
  const consumerHeartbeat = (group: string, memberId: string, memberEpoch: number, extra: object = {}): Promise<any> =>
    c.request(ApiKey.ConsumerGroupHeartbeat, 1, {
      ...API.ConsumerGroupHeartbeat.createRequest(),
      groupId: group,
      memberId,
      memberEpoch,
      rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: memberEpoch === 0 ? [TOPIC] : null,
      topicPartitions: memberEpoch === 0 ? [] : null,
      ...extra,
    });
  const describeGroup = async (group: string): Promise<any> => ((await c.request(ApiKey.DescribeGroups, 5, { ...API.DescribeGroups.createRequest(), groups: [group] })) as any).groups[0];
  const listType = async (group: string): Promise<string | undefined> => ((await c.request(ApiKey.ListGroups, 5, { ...API.ListGroups.createRequest() })) as any).groups.find((g: any) => g.groupId === group)?.groupType;
  return { c, topicId, consumerHeartbeat, describeGroup, listType };
}

/** A classic group with one member holding all four partitions, Stable at generation 1. */
async function stableClassicGroup(c: RawClient, group: string): Promise<ClassicMember> {
  const a = new ClassicMember(c, group);
  assert.equal((await a.join()).errorCode, 0);
  assert.equal(a.generationId, 1);
  assert.equal((await a.sync([0, 1, 2, 3])).errorCode, 0);
  assert.deepEqual(a.partitions, [0, 1, 2, 3]);
  return a;
}

test('online upgrade and downgrade: a consumer-protocol member joins a classic group, the classic member rebalances through JoinGroup/SyncGroup, and the group turns classic again when it leaves', async (t) => {
  const { c, topicId, consumerHeartbeat, describeGroup, listType } = await setup(t);
  const a = await stableClassicGroup(c, 'mg');
  assert.equal(await a.commit(7n), 0);
  assert.equal(await listType('mg'), 'classic');

  // B joins with the consumer protocol: the group converts (epoch 1 → 2) instead of refusing.
  let b: any = await consumerHeartbeat('mg', 'member-b', 0);
  assert.equal(b.errorCode, 0, b.errorMessage);
  assert.equal(b.memberEpoch, 2);
  assert.deepEqual(b.assignment.topicPartitions, [], 'A still holds every partition');
  assert.equal(await listType('mg'), 'consumer');
  const described: any = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['mg'] });
  const types = Object.fromEntries(described.groups[0].members.map((m: any) => [m.memberId, m.memberType]));
  assert.deepEqual(types, { [a.memberId]: 0, 'member-b': 1 }, 'A is a classic member, B a consumer one');

  // A is told to rejoin; its JoinGroup (eager: it owns nothing now) brings it to epoch 2
  // with its half, handed out by SyncGroup. No leader: the coordinator assigns.
  assert.equal(await a.heartbeat(), ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoined = await a.join();
  assert.equal(rejoined.errorCode, 0);
  assert.equal(rejoined.generationId, 2);
  assert.equal(rejoined.leader, '');
  assert.deepEqual(rejoined.members, []);
  assert.equal((await a.sync()).errorCode, 0);
  assert.equal(a.partitions.length, 2);
  assert.equal(await a.heartbeat(), 0, 'stable now');
  assert.equal(await a.commit(8n), 0, 'commits at its new generation');
  const expectedOffsets = new Map<number, bigint>([[0, 7n], [a.partitions[0]!, 8n]]);
  b = await consumerHeartbeat('mg', 'member-b', 2);
  assert.equal(b.errorCode, 0);
  const bPartitions: number[] = b.assignment.topicPartitions.find((tp: any) => tp.topicId === topicId).partitions;
  assert.deepEqual([...a.partitions, ...bPartitions].sort(), [0, 1, 2, 3], 'the two members split the partitions');

  // B leaves: the last consumer-protocol member is gone, so the group is classic again,
  // at generation = group epoch, and rebalances; A rejoins as its leader.
  assert.equal((await consumerHeartbeat('mg', 'member-b', -1)).errorCode, 0);
  assert.equal(await listType('mg'), 'classic');
  const after = await describeGroup('mg');
  assert.equal(after.protocolType, 'consumer');
  assert.equal(after.groupState, 'PreparingRebalance');
  assert.equal(await a.heartbeat(), ErrorCode.REBALANCE_IN_PROGRESS);
  const classicAgain = await a.join();
  assert.equal(classicAgain.errorCode, 0);
  assert.equal(classicAgain.leader, a.memberId);
  assert.ok(classicAgain.generationId > 2);
  assert.equal((await a.sync([0, 1, 2, 3])).errorCode, 0);
  assert.equal((await describeGroup('mg')).groupState, 'Stable');
  const fetched: any = await c.request(ApiKey.OffsetFetch, 7, { ...API.OffsetFetch.createRequest(), groupId: 'mg', topics: null });
  const offsets = new Map<number, bigint>(fetched.topics[0].partitions.map((p: any) => [p.partitionIndex, p.committedOffset]));
  assert.deepEqual(offsets, expectedOffsets, 'offsets committed in both forms of the group are kept');
});

test('migration refused: policy disabled or downgrade-only, a non-consumer protocol type, and classic joins of the wrong protocol type', async (t) => {
  await t.test('policy disabled: GROUP_ID_NOT_FOUND, the classic group stays', async (t) => {
    const { c, consumerHeartbeat, listType } = await setup(t, { 'group.consumer.migration.policy': 'disabled' });
    const a = await stableClassicGroup(c, 'g1');
    const b = await consumerHeartbeat('g1', 'member-b', 0);
    assert.equal(b.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(await listType('g1'), 'classic');
    assert.equal(await a.heartbeat(), 0, 'the classic member is undisturbed');
  });

  await t.test('policy upgrade: the group upgrades but does not downgrade; its classic member stays hosted', async (t) => {
    const { c, consumerHeartbeat, listType } = await setup(t, { 'group.consumer.migration.policy': 'upgrade' });
    const a = await stableClassicGroup(c, 'g2');
    assert.equal((await consumerHeartbeat('g2', 'member-b', 0)).errorCode, 0);
    assert.equal((await consumerHeartbeat('g2', 'member-b', -1)).errorCode, 0);
    assert.equal(await listType('g2'), 'consumer');
    // A rejoins inside the consumer group (no leader) and gets everything back.
    await a.join();
    assert.equal((await a.sync()).errorCode, 0);
    assert.deepEqual(a.partitions, [0, 1, 2, 3]);
  });

  await t.test('a classic group of another protocol type cannot upgrade; a classic join of another type to a consumer group is INCONSISTENT_GROUP_PROTOCOL', async (t) => {
    const { c, consumerHeartbeat } = await setup(t);
    const connect = new ClassicMember(c, 'g3');
    assert.equal((await connect.join('connect')).errorCode, 0);
    assert.equal((await connect.sync([], 'connect')).errorCode, 0);
    assert.equal((await consumerHeartbeat('g3', 'member-b', 0)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

    assert.equal((await consumerHeartbeat('g4', 'member-c', 0)).errorCode, 0);
    const other = new ClassicMember(c, 'g4');
    assert.equal((await other.join('connect')).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const classic = new ClassicMember(c, 'g4');
    assert.equal((await classic.join()).errorCode, 0, 'a consumer-protocol classic member may join a consumer group');
    assert.equal((await classic.heartbeat()), ErrorCode.REBALANCE_IN_PROGRESS, 'it must wait for member-c to release partitions');
  });
});

test('a consumer group hosting a classic member keeps it across a restart (ClassicMemberMetadata in its member record)', async (t) => {
  const dataDir = await tempDir(t);
  let broker = await startTestBroker(t, { dataDir, config: FAST_GROUPS });
  let c = await RawClient.connect(broker.port);
  await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: TOPIC, numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }] });
  const a = await stableClassicGroup(c, 'mr');
  const joined: any = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, { ...API.ConsumerGroupHeartbeat.createRequest(), groupId: 'mr', memberId: 'member-b', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [TOPIC], topicPartitions: [] });
  assert.equal(joined.errorCode, 0);
  c.close();
  await broker.stop();

  broker = await startTestBroker(t, { dataDir, config: FAST_GROUPS });
  c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const described: any = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['mr'] });
  const types = Object.fromEntries(described.groups[0].members.map((m: any) => [m.memberId, m.memberType]));
  assert.deepEqual(types, { [a.memberId]: 0, 'member-b': 1 });
  // The classic member carries on at its generation: it is asked to rejoin, and does.
  const member = new ClassicMember(c, 'mr');
  member.memberId = a.memberId;
  member.generationId = a.generationId;
  assert.equal(await member.heartbeat(), ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal((await member.join()).errorCode, 0);
  assert.equal((await member.sync()).errorCode, 0);
  assert.equal(member.partitions.length, 2);
  c.close();
  await broker.stop();
});

test('real clients in one group: a kafkajs (classic) consumer and an @platformatic/kafka consumer-protocol one split the partitions, and kafkajs takes all again when the other leaves', { timeout: 120_000 }, async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...FAST_GROUPS, 'group.consumer.heartbeat.interval.ms': '100' } });
  const kafka = new Kafka({ clientId: 'mixed', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'mixed', numPartitions: 4 }] });
  const producer = kafka.producer();
  await producer.connect();
  t.after(() => producer.disconnect());
  const send = (from: number, to: number) => producer.send({ topic: 'mixed', messages: Array.from({ length: to - from }, (_, k) => ({ value: `r${from + k}`, partition: (from + k) % 4 })) });

  // kafkajs, classic protocol (eager).
  const classic = kafka.consumer({ groupId: 'mix', sessionTimeout: 10_000, heartbeatInterval: 100, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 });
  let classicPartitions: number[] = [];
  const classicValues: string[] = [];
  classic.on(classic.events.GROUP_JOIN, (e: any) => {
    classicPartitions = [...(e.payload.memberAssignment['mixed'] ?? [])].sort();
  });
  await classic.connect();
  t.after(() => classic.disconnect());
  await classic.subscribe({ topic: 'mixed', fromBeginning: true });
  await classic.run({ eachMessage: async ({ message }) => void classicValues.push(message.value!.toString()) });
  await send(0, 20);
  await waitFor('kafkajs to own every partition', () => classicPartitions.length === 4, 30_000);
  await waitFor('kafkajs to read 20 records', () => new Set(classicValues).size === 20, 30_000);

  // @platformatic/kafka with the consumer protocol joins the same group: an online upgrade.
  const modern = new Consumer({ groupId: 'mix', clientId: 'modern', bootstrapBrokers: [broker.bootstrap], groupProtocol: 'consumer', maxWaitTime: 100, autocommit: true, deserializers: stringDeserializers });
  const modernValues: string[] = [];
  const stream = await modern.consume({ topics: ['mixed'], mode: MessagesStreamModes.COMMITTED, fallbackMode: 'latest' });
  stream.on('data', (m) => modernValues.push(m.value));
  stream.on('error', () => {});
  let modernClosed = false;
  const closeModern = async () => {
    if (modernClosed) return;
    modernClosed = true;
    await stream.close();
    await modern.close(true);
  };
  t.after(closeModern);
  const modernPartitions = () => modern.assignments?.find((x) => x.topic === 'mixed')?.partitions.length ?? 0;
  const both = () => `kafkajs ${classicPartitions.join(',')} platformatic ${modernPartitions()}`;
  await waitFor('a 2/2 split across the two protocols', () => classicPartitions.length === 2 && modernPartitions() === 2, 60_000, both);
  const raw = await RawClient.connect(broker.port);
  t.after(() => raw.close());
  const described: any = await raw.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['mix'] });
  assert.deepEqual(described.groups[0].members.map((m: any) => m.memberType).sort(), [0, 1], 'one classic and one consumer-protocol member');

  // New records reach the group, each partition's at its owner.
  const before = { classic: classicValues.length, modern: modernValues.length };
  await send(20, 40);
  const fresh = () => [...classicValues.slice(before.classic), ...modernValues.slice(before.modern)];
  await waitFor('records 20-39', () => new Set(fresh()).size === 20, 60_000, both);
  assert.ok(modernValues.slice(before.modern).length > 0 && classicValues.slice(before.classic).length > 0, 'both members consume');

  // The consumer-protocol member leaves: the group turns classic again and kafkajs takes all.
  await closeModern();
  await waitFor('kafkajs to own every partition again', () => classicPartitions.length === 4, 60_000, both);
  const listed: any = await raw.request(ApiKey.ListGroups, 5, { ...API.ListGroups.createRequest() });
  assert.equal(listed.groups.find((g: any) => g.groupId === 'mix').groupType, 'classic');
});

test('a static classic member hosted by a consumer group: its new incarnation takes its place, generation and partitions without a rebalance; the old id is fenced', async (t) => {
  const { c, consumerHeartbeat } = await setup(t);
  const c0: any = await consumerHeartbeat('st', 'member-c', 0);
  assert.equal(c0.errorCode, 0);
  const join = async (memberId: string): Promise<any> =>
    c.request(ApiKey.JoinGroup, 9, {
      ...API.JoinGroup.createRequest(),
      groupId: 'st',
      memberId,
      groupInstanceId: 'i1',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscriptionBytes(TOPIC) }],
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
    });
  const heartbeat = async (memberId: string, generationId: number): Promise<number> =>
    ((await c.request(ApiKey.Heartbeat, 4, { ...API.Heartbeat.createRequest(), groupId: 'st', memberId, groupInstanceId: 'i1', generationId })) as any).errorCode;
  const sync = async (memberId: string, generationId: number): Promise<number[]> => {
    const r: any = await c.request(ApiKey.SyncGroup, 5, { ...API.SyncGroup.createRequest(), groupId: 'st', memberId, groupInstanceId: 'i1', generationId, protocolType: 'consumer', protocolName: 'range', assignments: [] });
    assert.equal(r.errorCode, 0);
    return partitionsOf(r.assignment);
  };
  // The static classic member joins (no MEMBER_ID_REQUIRED round for static members) and, once
  // member-c released its half, is stable with two partitions.
  let first = await join('');
  assert.equal(first.errorCode, 0);
  const oldId: string = first.memberId;
  // member-c is told to give up half, and does (its next heartbeat owns only the rest), so the
  // classic member gets that half.
  const revoke: any = await consumerHeartbeat('st', 'member-c', c0.memberEpoch, { topicPartitions: c0.assignment.topicPartitions });
  assert.equal(revoke.errorCode, 0);
  const c1: any = await consumerHeartbeat('st', 'member-c', revoke.memberEpoch, { topicPartitions: revoke.assignment.topicPartitions });
  assert.equal(c1.errorCode, 0);
  assert.ok(c1.memberEpoch > c0.memberEpoch);
  first = await join(oldId);
  const owned = await sync(oldId, first.generationId);
  assert.equal(owned.length, 2);
  assert.equal(await heartbeat(oldId, first.generationId), 0);

  // A restarted incarnation: a new member id, the same instance id.
  const again = await join('');
  assert.equal(again.errorCode, 0);
  assert.notEqual(again.memberId, oldId);
  assert.equal(again.generationId, first.generationId, 'no rebalance');
  assert.deepEqual(await sync(again.memberId, again.generationId), owned);
  assert.equal(await heartbeat(again.memberId, again.generationId), 0);
  assert.equal(await heartbeat(oldId, first.generationId), ErrorCode.FENCED_INSTANCE_ID);
  const c2: any = await consumerHeartbeat('st', 'member-c', c1.memberEpoch, { topicPartitions: c1.assignment.topicPartitions });
  assert.equal(c2.errorCode, 0);
  assert.equal(c2.memberEpoch, c1.memberEpoch, 'the consumer member saw no new epoch');
});
