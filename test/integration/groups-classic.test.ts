// Issue 3, priority 1: the classic group protocol and committed offsets, driven through our
// own codec acting as a client, request by request, so every error code Kafka defines for
// these APIs is checked exactly (FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, OffsetCommit, OffsetFetch, OffsetDelete, DescribeGroups, ListGroups,
// DeleteGroups). Real clients are in groups-clients-*.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, ApiKey, ErrorCode } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { RawClient, createTopic } from '../helpers/raw-client.ts';

const FAST = {
  'offsets.topic.num.partitions': '3',
  'group.initial.rebalance.delay.ms': '0',
  'group.min.session.timeout.ms': '100',
  'num.partitions': '4',
};

async function connect(t: { after(fn: () => unknown): void }, port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  t.after(() => c.close());
  return c;
}

/** ConsumerProtocolSubscription v0 for some topics. */
function subscription(...topics: string[]): Buffer {
  const parts = [Buffer.from([0, 0]), Buffer.alloc(4)];
  parts[1]!.writeInt32BE(topics.length);
  for (const t of topics) {
    const len = Buffer.alloc(2);
    len.writeInt16BE(Buffer.byteLength(t));
    parts.push(len, Buffer.from(t));
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff])); // null user data
  return Buffer.concat(parts);
}

interface JoinOptions {
  memberId?: string;
  groupInstanceId?: string | null;
  protocols?: { name: string; metadata: Buffer }[];
  protocolType?: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  version?: number;
}

function join(c: RawClient, groupId: string, o: JoinOptions = {}): Promise<any> {
  return c.request(ApiKey.JoinGroup, o.version ?? 9, {
    ...API.JoinGroup.createRequest(),
    groupId,
    memberId: o.memberId ?? '',
    groupInstanceId: o.groupInstanceId ?? null,
    protocolType: o.protocolType ?? 'consumer',
    protocols: o.protocols ?? [{ name: 'range', metadata: subscription('t') }],
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 10_000,
  }, 20_000);
}

/** JoinGroup v9 the way a client does it: MEMBER_ID_REQUIRED, then again with the id. */
async function joinFully(c: RawClient, groupId: string, o: JoinOptions = {}): Promise<any> {
  const first = await join(c, groupId, o);
  if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) return first;
  return join(c, groupId, { ...o, memberId: first.memberId });
}

function sync(c: RawClient, groupId: string, generationId: number, memberId: string, assignments: { memberId: string; assignment: Buffer }[] = [], extra: Record<string, unknown> = {}): Promise<any> {
  return c.request(ApiKey.SyncGroup, 5, {
    ...API.SyncGroup.createRequest(),
    groupId,
    generationId,
    memberId,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments,
    ...extra,
  }, 20_000);
}

function heartbeat(c: RawClient, groupId: string, generationId: number, memberId: string, groupInstanceId: string | null = null): Promise<any> {
  return c.request(ApiKey.Heartbeat, 4, { ...API.Heartbeat.createRequest(), groupId, generationId, memberId, groupInstanceId });
}

function commit(c: RawClient, groupId: string, offsets: { topic: string; partition: number; offset: bigint; metadata?: string | null }[], generationId = -1, memberId = '', version = 9): Promise<any> {
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; commitTimestamp: bigint; committedMetadata: string | null }[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: o.metadata === undefined ? 'm' : o.metadata });
    byTopic.set(o.topic, list);
  }
  return c.request(ApiKey.OffsetCommit, version, {
    ...API.OffsetCommit.createRequest(),
    groupId,
    generationIdOrMemberEpoch: generationId,
    memberId,
    topics: [...byTopic].map(([name, partitions]) => ({ name, topicId: '', partitions })),
  });
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('FindCoordinator: every version, batched keys, transaction and unknown key types; creates __consumer_offsets', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: FAST });
  const c = await connect(t, broker.port);
  for (let v = 0; v <= 3; v++) {
    const res: any = await c.request(ApiKey.FindCoordinator, v, { ...API.FindCoordinator.createRequest(), key: 'g', keyType: 0 });
    assert.equal(res.errorCode, 0, `v${v}`);
    assert.equal(res.port, broker.port);
    assert.equal(res.host, '127.0.0.1');
  }
  const txn: any = await c.request(ApiKey.FindCoordinator, 3, { ...API.FindCoordinator.createRequest(), key: 'tx', keyType: 1 });
  assert.equal(txn.errorCode, 0); // issue 5: the transaction coordinator
  assert.equal(txn.port, broker.port);
  for (const v of [4, 5, 6]) {
    const res: any = await c.request(ApiKey.FindCoordinator, v, { ...API.FindCoordinator.createRequest(), keyType: 0, coordinatorKeys: ['a', 'b', 'c'] });
    assert.deepEqual(res.coordinators.map((x: any) => [x.key, x.errorCode, x.port]), [['a', 0, broker.port], ['b', 0, broker.port], ['c', 0, broker.port]]);
  }
  const bad: any = await c.request(ApiKey.FindCoordinator, 4, { ...API.FindCoordinator.createRequest(), keyType: 9, coordinatorKeys: ['x'] });
  assert.equal(bad.coordinators[0].errorCode, ErrorCode.INVALID_REQUEST);
  const md: any = await c.request(ApiKey.Metadata, 12, { ...API.Metadata.createRequest(), topics: [{ name: '__consumer_offsets', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
  assert.equal(md.topics[0].errorCode, 0);
  assert.equal(md.topics[0].isInternal, true);
  assert.equal(md.topics[0].partitions.length, 3, 'offsets.topic.num.partitions');
});

test('JoinGroup/SyncGroup/Heartbeat/LeaveGroup: a two-member rebalance, protocol selection, generations', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: FAST });
  const a = await connect(t, broker.port);
  const b = await connect(t, broker.port);

  // Input checks.
  assert.equal((await join(a, '')).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await join(a, 'g', { sessionTimeoutMs: 50 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await join(a, 'g', { protocols: [] })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await join(a, 'g', { protocolType: '' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await join(a, 'nope', { memberId: 'ghost' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  // KIP-394: v4+ asks for a member id first.
  const first = await join(a, 'g');
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.memberId, /^raw-test-/);
  const ja = await join(a, 'g', { memberId: first.memberId, protocols: [{ name: 'roundrobin', metadata: subscription('t') }, { name: 'range', metadata: subscription('t') }] });
  assert.equal(ja.errorCode, 0);
  assert.equal(ja.generationId, 1);
  assert.equal(ja.leader, ja.memberId);
  assert.equal(ja.protocolName, 'roundrobin');
  assert.equal(ja.members.length, 1);
  const sa = await sync(a, 'g', 1, ja.memberId, [{ memberId: ja.memberId, assignment: Buffer.from('all') }], { protocolName: 'roundrobin' });
  assert.equal(sa.errorCode, 0);
  assert.equal(sa.assignment.toString(), 'all');
  assert.equal((await heartbeat(a, 'g', 1, ja.memberId)).errorCode, 0);
  assert.equal((await heartbeat(a, 'g', 0, ja.memberId)).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await heartbeat(a, 'g', 1, 'ghost')).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await heartbeat(a, 'unknown-group', 1, ja.memberId)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await sync(a, 'g', 1, ja.memberId, [], { protocolName: 'range' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

  // A member whose protocols do not overlap is refused.
  assert.equal((await join(b, 'g', { memberId: '', version: 3, protocols: [{ name: 'sticky', metadata: Buffer.alloc(0) }] })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await join(b, 'g', { version: 3, protocolType: 'connect' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

  // b joins (v3: no MEMBER_ID_REQUIRED); a learns of the rebalance by heartbeat and rejoins.
  const jbPromise = join(b, 'g', { version: 3 });
  await waitFor('a rebalance', async () => (await heartbeat(a, 'g', 1, ja.memberId)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS);
  // Commits of the current generation are still accepted while preparing the rebalance.
  await createTopic(a, 't', 4);
  assert.equal((await commit(a, 'g', [{ topic: 't', partition: 0, offset: 5n }], 1, ja.memberId)).topics[0].partitions[0].errorCode, 0);
  const ja2 = await join(a, 'g', { memberId: ja.memberId, protocols: [{ name: 'roundrobin', metadata: subscription('t') }, { name: 'range', metadata: subscription('t') }] });
  const jb = await jbPromise;
  assert.equal(ja2.generationId, 2);
  assert.equal(jb.generationId, 2);
  assert.equal(ja2.protocolName, 'range', 'b supports only range');
  assert.equal(jb.protocolName, 'range');
  assert.equal(ja2.leader, ja.memberId, 'the leader stays');
  assert.equal(ja2.members.length, 2);
  assert.equal(jb.members.length, 0, 'only the leader gets the members');

  // The follower's SyncGroup waits for the leader's.
  const sbPromise = sync(b, 'g', 2, jb.memberId);
  assert.equal((await commit(a, 'g', [{ topic: 't', partition: 0, offset: 6n }], 2, ja.memberId)).topics[0].partitions[0].errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const sa2 = await sync(a, 'g', 2, ja.memberId, [
    { memberId: ja.memberId, assignment: Buffer.from('p0,p1') },
    { memberId: jb.memberId, assignment: Buffer.from('p2,p3') },
  ]);
  const sb = await sbPromise;
  assert.equal(sa2.assignment.toString(), 'p0,p1');
  assert.equal(sb.assignment.toString(), 'p2,p3');
  assert.equal(sb.protocolName, 'range');
  assert.equal((await heartbeat(b, 'g', 2, jb.memberId)).errorCode, 0);

  const described: any = await a.request(ApiKey.DescribeGroups, 5, { ...API.DescribeGroups.createRequest(), groups: ['g'], includeAuthorizedOperations: true });
  const dg = described.groups[0];
  assert.equal(dg.groupState, 'Stable');
  assert.equal(dg.protocolType, 'consumer');
  assert.equal(dg.protocolData, 'range');
  assert.deepEqual(dg.members.map((m: any) => m.memberAssignment.toString()).sort(), ['p0,p1', 'p2,p3']);
  assert.equal(dg.members[0].clientHost, '/127.0.0.1');

  // b leaves (v5: a batch by member id); a rebalances alone.
  const left: any = await b.request(ApiKey.LeaveGroup, 5, { ...API.LeaveGroup.createRequest(), groupId: 'g', members: [{ memberId: jb.memberId, groupInstanceId: null, reason: 'bye' }, { memberId: 'ghost', groupInstanceId: null, reason: null }] });
  assert.equal(left.errorCode, 0);
  assert.deepEqual(left.members.map((m: any) => m.errorCode), [0, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal((await heartbeat(a, 'g', 2, ja.memberId)).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const ja3 = await join(a, 'g', { memberId: ja.memberId });
  assert.equal(ja3.generationId, 3);
  assert.equal(ja3.members.length, 1);

  // LeaveGroup v0: the member's error is the top-level error.
  const left0: any = await a.request(ApiKey.LeaveGroup, 0, { ...API.LeaveGroup.createRequest(), groupId: 'g', memberId: 'ghost' });
  assert.equal(left0.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const left1: any = await a.request(ApiKey.LeaveGroup, 1, { ...API.LeaveGroup.createRequest(), groupId: 'g', memberId: ja.memberId });
  assert.equal(left1.errorCode, 0);
  const empty: any = await a.request(ApiKey.DescribeGroups, 6, { ...API.DescribeGroups.createRequest(), groups: ['g', 'missing'] });
  assert.equal(empty.groups[0].groupState, 'Empty');
  assert.equal(empty.groups[0].members.length, 0);
  assert.equal(empty.groups[1].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(empty.groups[1].groupState, 'Dead');
  const old: any = await a.request(ApiKey.DescribeGroups, 5, { ...API.DescribeGroups.createRequest(), groups: ['missing'] });
  assert.equal(old.groups[0].errorCode, 0);
  assert.equal(old.groups[0].groupState, 'Dead');
});

test('Session timeout removes a silent member and the group rebalances; rebalance timeout removes one that does not rejoin', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: FAST });
  const a = await connect(t, broker.port);
  const b = await connect(t, broker.port);
  const ja = await joinFully(a, 's', { sessionTimeoutMs: 1500, rebalanceTimeoutMs: 1500 });
  await sync(a, 's', ja.generationId, ja.memberId, [{ memberId: ja.memberId, assignment: Buffer.from('x') }]);
  // b has a short session and goes silent after joining.
  const jbPromise = joinFully(b, 's', { sessionTimeoutMs: 300, rebalanceTimeoutMs: 300 });
  await waitFor('a rebalance', async () => (await heartbeat(a, 's', ja.generationId, ja.memberId)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS);
  const ja2 = await join(a, 's', { memberId: ja.memberId, sessionTimeoutMs: 1500, rebalanceTimeoutMs: 1500 });
  const jb = await jbPromise;
  assert.equal(ja2.members.length, 2);
  await sync(a, 's', ja2.generationId, ja.memberId, []);
  // b never heartbeats: after 300 ms it is removed and a is asked to rejoin.
  await waitFor('b to expire', async () => (await heartbeat(a, 's', ja2.generationId, ja.memberId)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS);
  const ja3 = await join(a, 's', { memberId: ja.memberId, sessionTimeoutMs: 1500, rebalanceTimeoutMs: 1500 });
  assert.equal(ja3.members.length, 1);
  assert.equal((await heartbeat(b, 's', ja2.generationId, jb.memberId)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  await sync(a, 's', ja3.generationId, ja.memberId, []);

  // Rebalance timeout: c joins with a 400 ms rebalance timeout; a never rejoins, so the
  // join completes without a (dynamic members that miss the rebalance are removed).
  const c = await connect(t, broker.port);
  const jc = await joinFully(c, 's', { sessionTimeoutMs: 1500, rebalanceTimeoutMs: 400 });
  assert.equal(jc.errorCode, 0);
  assert.equal(jc.leader, jc.memberId);
  assert.equal(jc.members.length, 1);
  assert.equal((await heartbeat(a, 's', ja3.generationId, ja.memberId)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('Static membership (KIP-345): a restarted member takes its place back without a rebalance; the old id is fenced', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: FAST });
  const a = await connect(t, broker.port);
  const b = await connect(t, broker.port);
  const ja = await join(a, 'st', { groupInstanceId: 'i-a' });
  assert.equal(ja.errorCode, 0, 'static members get no MEMBER_ID_REQUIRED');
  assert.match(ja.memberId, /^i-a-/);
  const jbPromise = join(b, 'st', { groupInstanceId: 'i-b' });
  await waitFor('rebalance', async () => (await heartbeat(a, 'st', ja.generationId, ja.memberId, 'i-a')).errorCode !== 0);
  const ja2 = await join(a, 'st', { memberId: ja.memberId, groupInstanceId: 'i-a' });
  const jb = await jbPromise;
  assert.equal(ja2.leader, ja.memberId);
  const sbPromise = sync(b, 'st', jb.generationId, jb.memberId, [], { groupInstanceId: 'i-b' });
  await sync(a, 'st', ja2.generationId, ja.memberId, [
    { memberId: ja.memberId, assignment: Buffer.from('A') },
    { memberId: jb.memberId, assignment: Buffer.from('B') },
  ], { groupInstanceId: 'i-a' });
  assert.equal((await sbPromise).assignment.toString(), 'B');
  const generation = ja2.generationId;

  // b restarts: same instance id, no member id. Same generation, its assignment back.
  const b2 = await connect(t, broker.port);
  const jb2 = await join(b2, 'st', { groupInstanceId: 'i-b' });
  assert.equal(jb2.errorCode, 0);
  assert.equal(jb2.generationId, generation, 'no rebalance');
  assert.notEqual(jb2.memberId, jb.memberId);
  assert.equal(jb2.members.length, 0);
  const sb2 = await sync(b2, 'st', generation, jb2.memberId, [], { groupInstanceId: 'i-b' });
  assert.equal(sb2.assignment.toString(), 'B');
  assert.equal((await heartbeat(a, 'st', generation, ja.memberId, 'i-a')).errorCode, 0, 'the leader saw no rebalance');
  // The old incarnation is fenced.
  assert.equal((await heartbeat(b, 'st', generation, jb.memberId, 'i-b')).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal((await commit(b, 'st', [], generation, jb.memberId)).topics.length, 0);

  // The static leader restarts: v9 gives it the members and skipAssignment.
  const a2 = await connect(t, broker.port);
  const ja3 = await join(a2, 'st', { groupInstanceId: 'i-a' });
  assert.equal(ja3.generationId, generation);
  assert.equal(ja3.leader, ja3.memberId);
  assert.equal(ja3.skipAssignment, true);
  assert.equal(ja3.members.length, 2);

  // LeaveGroup by instance id; a wrong member id for an instance is fenced.
  const fenced: any = await a2.request(ApiKey.LeaveGroup, 4, { ...API.LeaveGroup.createRequest(), groupId: 'st', members: [{ memberId: 'wrong', groupInstanceId: 'i-b', reason: null }] });
  assert.equal(fenced.members[0].errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const leave: any = await a2.request(ApiKey.LeaveGroup, 4, { ...API.LeaveGroup.createRequest(), groupId: 'st', members: [{ memberId: '', groupInstanceId: 'i-b', reason: null }, { memberId: '', groupInstanceId: 'i-x', reason: null }] });
  assert.deepEqual(leave.members.map((m: any) => m.errorCode), [0, ErrorCode.UNKNOWN_MEMBER_ID]);
});

test('group.max.size: joins past the limit get GROUP_MAX_SIZE_REACHED', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...FAST, 'group.max.size': '2', 'group.initial.rebalance.delay.ms': '300' } });
  const clients = await Promise.all([0, 1, 2, 3].map(() => connect(t, broker.port)));
  const j0 = join(clients[0]!, 'm', { version: 3 });
  const j1 = join(clients[1]!, 'm', { version: 3 });
  await waitFor('two members', async () => {
    const d: any = await clients[3]!.request(ApiKey.DescribeGroups, 5, { ...API.DescribeGroups.createRequest(), groups: ['m'] });
    return d.groups[0].members.length === 2;
  });
  assert.equal((await join(clients[2]!, 'm', { version: 3 })).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal((await join(clients[2]!, 'm', { version: 9 })).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  const [r0, r1] = await Promise.all([j0, j1]);
  assert.equal(r0.errorCode, 0);
  assert.equal(r1.errorCode, 0);
  assert.equal(r0.generationId, 1, 'both joined within the initial delay');
});

test('Offsets: commit (simple and group), fetch by every version, batched groups, topic ids, OffsetDelete, DeleteGroups, ListGroups', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: FAST });
  const c = await connect(t, broker.port);
  await createTopic(c, 'o1', 2);
  await createTopic(c, 'o2', 1);
  const md: any = await c.request(ApiKey.Metadata, 12, { ...API.Metadata.createRequest(), topics: [{ name: 'o1', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
  const o1Id = md.topics[0].topicId;

  // A simple commit creates an Empty group with no protocol.
  const r = await commit(c, 'simple', [
    { topic: 'o1', partition: 0, offset: 10n, metadata: 'meta' },
    { topic: 'o1', partition: 1, offset: 11n, metadata: null },
    { topic: 'o1', partition: 9, offset: 1n },
    { topic: 'nope', partition: 0, offset: 1n },
    { topic: 'o2', partition: 0, offset: 20n, metadata: 'x'.repeat(5000) },
  ]);
  assert.deepEqual(r.topics.map((tp: any) => tp.partitions.map((p: any) => p.errorCode)), [
    [0, 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    [ErrorCode.OFFSET_METADATA_TOO_LARGE],
  ]);
  // A generation for an unknown group is refused.
  assert.equal((await commit(c, 'other', [{ topic: 'o1', partition: 0, offset: 1n }], 3, 'm')).topics[0].partitions[0].errorCode, ErrorCode.ILLEGAL_GENERATION);
  // Commit v2 (retention time) and v10 (topic ids).
  assert.equal((await commit(c, 'simple', [{ topic: 'o2', partition: 0, offset: 21n }], -1, '', 2)).topics[0].partitions[0].errorCode, 0);
  const byId: any = await c.request(ApiKey.OffsetCommit, 10, {
    ...API.OffsetCommit.createRequest(),
    groupId: 'ids',
    topics: [
      { name: '', topicId: o1Id, partitions: [{ partitionIndex: 1, committedOffset: 7n, committedLeaderEpoch: 3, commitTimestamp: -1n, committedMetadata: null }] },
      { name: '', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] },
    ],
  });
  assert.deepEqual(byId.topics.map((tp: any) => tp.partitions[0].errorCode), [0, ErrorCode.UNKNOWN_TOPIC_ID]);

  // OffsetFetch v1 (listed), v7 (all topics), v8 (batched groups), v10 (topic ids).
  const f1: any = await c.request(ApiKey.OffsetFetch, 1, { ...API.OffsetFetch.createRequest(), groupId: 'simple', topics: [{ name: 'o1', partitionIndexes: [0, 1] }, { name: 'o2', partitionIndexes: [0] }] });
  assert.deepEqual(f1.topics.map((tp: any) => tp.partitions.map((p: any) => [p.committedOffset, p.metadata])), [[[10n, 'meta'], [11n, '']], [[21n, 'm']]]);
  const f7: any = await c.request(ApiKey.OffsetFetch, 7, { ...API.OffsetFetch.createRequest(), groupId: 'simple', topics: null });
  assert.deepEqual(f7.topics.map((tp: any) => [tp.name, tp.partitions.map((p: any) => p.partitionIndex)]), [['o1', [0, 1]], ['o2', [0]]]);
  const unknownGroup: any = await c.request(ApiKey.OffsetFetch, 7, { ...API.OffsetFetch.createRequest(), groupId: 'none', topics: [{ name: 'o1', partitionIndexes: [0] }] });
  assert.equal(unknownGroup.topics[0].partitions[0].committedOffset, -1n);
  assert.equal(unknownGroup.errorCode, 0);
  const f8: any = await c.request(ApiKey.OffsetFetch, 8, {
    ...API.OffsetFetch.createRequest(),
    groups: [
      { groupId: 'simple', memberId: null, memberEpoch: -1, topics: [{ name: 'o1', topicId: '', partitionIndexes: [1] }] },
      { groupId: 'ids', memberId: null, memberEpoch: -1, topics: null },
    ],
  });
  assert.equal(f8.groups[0].topics[0].partitions[0].committedOffset, 11n);
  assert.equal(f8.groups[1].topics[0].name, 'o1');
  assert.equal(f8.groups[1].topics[0].partitions[0].committedLeaderEpoch, 3);
  const f10: any = await c.request(ApiKey.OffsetFetch, 10, {
    ...API.OffsetFetch.createRequest(),
    groups: [{ groupId: 'ids', memberId: null, memberEpoch: -1, topics: [{ name: '', topicId: o1Id, partitionIndexes: [0, 1] }, { name: '', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionIndexes: [0] }] }],
  });
  assert.deepEqual(f10.groups[0].topics[0].partitions.map((p: any) => p.committedOffset), [-1n, 7n]);
  assert.equal(f10.groups[0].topics[1].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);

  // ListGroups with filters.
  const j = await joinFully(c, 'live', { protocols: [{ name: 'range', metadata: subscription('o1') }] });
  await sync(c, 'live', j.generationId, j.memberId, []);
  assert.equal((await commit(c, 'live', [{ topic: 'o1', partition: 0, offset: 1n }, { topic: 'o2', partition: 0, offset: 1n }], j.generationId, j.memberId)).topics[0].partitions[0].errorCode, 0);
  assert.equal((await commit(c, 'live', [{ topic: 'o1', partition: 0, offset: 1n }], -1, '')).topics[0].partitions[0].errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const all: any = await c.request(ApiKey.ListGroups, 5, { ...API.ListGroups.createRequest() });
  assert.deepEqual(all.groups.map((g: any) => [g.groupId, g.groupState, g.protocolType, g.groupType]).sort(), [
    ['ids', 'Empty', '', 'classic'],
    ['live', 'Stable', 'consumer', 'classic'],
    ['simple', 'Empty', '', 'classic'],
  ]);
  const stable: any = await c.request(ApiKey.ListGroups, 4, { ...API.ListGroups.createRequest(), statesFilter: ['stable'] });
  assert.deepEqual(stable.groups.map((g: any) => g.groupId), ['live']);
  const consumerType: any = await c.request(ApiKey.ListGroups, 5, { ...API.ListGroups.createRequest(), typesFilter: ['consumer'] });
  assert.equal(consumerType.groups.length, 0);
  const v0: any = await c.request(ApiKey.ListGroups, 0, { ...API.ListGroups.createRequest() });
  assert.equal(v0.groups.length, 3);

  // OffsetDelete: subscribed topics are protected while members remain.
  const del: any = await c.request(ApiKey.OffsetDelete, 0, { ...API.OffsetDelete.createRequest(), groupId: 'live', topics: [{ name: 'o1', partitions: [{ partitionIndex: 0 }] }, { name: 'o2', partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(del.errorCode, 0);
  assert.deepEqual(del.topics.map((tp: any) => tp.partitions[0].errorCode), [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 0]);
  const missing: any = await c.request(ApiKey.OffsetDelete, 0, { ...API.OffsetDelete.createRequest(), groupId: 'missing', topics: [] });
  assert.equal(missing.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const after: any = await c.request(ApiKey.OffsetFetch, 7, { ...API.OffsetFetch.createRequest(), groupId: 'live', topics: null });
  assert.deepEqual(after.topics.map((tp: any) => tp.name), ['o1']);

  // DeleteGroups.
  const dg: any = await c.request(ApiKey.DeleteGroups, 2, { ...API.DeleteGroups.createRequest(), groupsNames: ['live', 'simple', 'missing'] });
  assert.deepEqual(dg.results.map((x: any) => [x.groupId, x.errorCode]), [['live', ErrorCode.NON_EMPTY_GROUP], ['simple', 0], ['missing', ErrorCode.GROUP_ID_NOT_FOUND]]);
  const gone: any = await c.request(ApiKey.OffsetFetch, 7, { ...API.OffsetFetch.createRequest(), groupId: 'simple', topics: null });
  assert.equal(gone.topics.length, 0);
});

test('Persistence: groups and offsets survive a restart, read back from __consumer_offsets', async (t) => {
  const dataDir = await tempDir(t);
  const config = { ...FAST, 'offsets.topic.num.partitions': '5' };
  let broker = await startTestBroker(t, { dataDir, config });
  let c = await connect(t, broker.port);
  await createTopic(c, 'p', 2);
  const j = await joinFully(c, 'pg', { groupInstanceId: null });
  await sync(c, 'pg', j.generationId, j.memberId, [{ memberId: j.memberId, assignment: Buffer.from('both') }]);
  assert.equal((await commit(c, 'pg', [{ topic: 'p', partition: 0, offset: 42n }, { topic: 'p', partition: 1, offset: 43n }], j.generationId, j.memberId)).topics[0].partitions[1].errorCode, 0);
  assert.equal((await commit(c, 'pg', [{ topic: 'p', partition: 1, offset: 44n }], j.generationId, j.memberId)).topics[0].partitions[0].errorCode, 0);
  await commit(c, 'gone', [{ topic: 'p', partition: 0, offset: 1n }]);
  await c.request(ApiKey.DeleteGroups, 2, { ...API.DeleteGroups.createRequest(), groupsNames: ['gone'] });
  c.close();
  await broker.stop();

  broker = await startTestBroker(t, { dataDir, config });
  c = await connect(t, broker.port);
  const f: any = await c.request(ApiKey.OffsetFetch, 7, { ...API.OffsetFetch.createRequest(), groupId: 'pg', topics: null });
  assert.deepEqual(f.topics[0].partitions.map((p: any) => p.committedOffset), [42n, 44n]);
  const d: any = await c.request(ApiKey.DescribeGroups, 5, { ...API.DescribeGroups.createRequest(), groups: ['pg', 'gone'] });
  assert.equal(d.groups[0].groupState, 'Stable');
  assert.equal(d.groups[0].members[0].memberId, j.memberId);
  assert.equal(d.groups[0].members[0].memberAssignment.toString(), 'both');
  assert.equal(d.groups[1].groupState, 'Dead', 'a deleted group stays deleted');
  // The member carries on with its generation.
  assert.equal((await heartbeat(c, 'pg', j.generationId, j.memberId)).errorCode, 0);
  const s = await sync(c, 'pg', j.generationId, j.memberId);
  assert.equal(s.assignment.toString(), 'both');
  c.close();
  await broker.stop(); // before the data directory goes
});
