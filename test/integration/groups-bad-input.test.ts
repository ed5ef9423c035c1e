// Issue 3, acceptance 6: bad input to the group coordinator. Commits and heartbeats from
// unknown members and past generations get Kafka's codes; metadata too large to store is
// refused without harming the group or the broker; a thousand members joining at once form
// one generation (or hit group.max.size), and everything they leave behind is reclaimed
// once their sessions end, so memory stays bounded.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Broker } from '../../src/broker/broker.ts';
import { groupCoordinator } from '../../src/broker/handlers/group-component.ts';
import type { GroupCoordinator } from '../../src/coordinator/index.ts';
import { API, ApiKey, ErrorCode } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { FAST_GROUPS, subscriptionBytes, waitFor } from './groups-support.ts';

/** The coordinator inside an in-process test broker, to look at what it holds. */
function coordinatorOf(running: unknown): GroupCoordinator {
  return groupCoordinator((running as { broker: Broker }).broker);
}

function joinBody(groupId: string, memberId = '', metadata = subscriptionBytes('t'), sessionTimeoutMs = 1000) {
  return { ...API.JoinGroup.createRequest(), groupId, memberId, protocolType: 'consumer', protocols: [{ name: 'range', metadata }], sessionTimeoutMs, rebalanceTimeoutMs: 5000 };
}

test('commits, heartbeats and syncs from unknown members and past generations', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: FAST_GROUPS });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] });
  let j: any = await c.request(ApiKey.JoinGroup, 9, joinBody('g', '', undefined, 5000));
  j = await c.request(ApiKey.JoinGroup, 9, joinBody('g', j.memberId, undefined, 5000));
  await c.request(ApiKey.SyncGroup, 5, { ...API.SyncGroup.createRequest(), groupId: 'g', generationId: j.generationId, memberId: j.memberId, assignments: [] });
  // A second generation: the leader rejoins.
  const j2: any = await c.request(ApiKey.JoinGroup, 9, joinBody('g', j.memberId, undefined, 5000));
  assert.equal(j2.generationId, j.generationId + 1);
  const commit = (generationIdOrMemberEpoch: number, memberId: string, groupInstanceId: string | null = null) =>
    c.request(ApiKey.OffsetCommit, 8, {
      ...API.OffsetCommit.createRequest(),
      groupId: 'g',
      generationIdOrMemberEpoch,
      memberId,
      groupInstanceId,
      topics: [{ name: 't', topicId: '', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
    }).then((r: any) => r.topics[0].partitions[0].errorCode);
  assert.equal(await commit(j2.generationId, 'stranger'), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await commit(-1, ''), ErrorCode.UNKNOWN_MEMBER_ID, 'a simple commit to a group with members');
  assert.equal(await commit(j.generationId, j.memberId), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await commit(j2.generationId, j.memberId, 'not-static'), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await commit(j2.generationId, j.memberId), ErrorCode.REBALANCE_IN_PROGRESS, 'CompletingRebalance');
  const sync = (generationId: number, memberId: string) =>
    c.request(ApiKey.SyncGroup, 5, { ...API.SyncGroup.createRequest(), groupId: 'g', generationId, memberId, assignments: [] }).then((r: any) => r.errorCode);
  assert.equal(await sync(j.generationId, j.memberId), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await sync(j2.generationId, 'stranger'), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await sync(j2.generationId, j.memberId), 0);
  assert.equal(await commit(j2.generationId, j.memberId), 0);
  const hb = (generationId: number, memberId: string) =>
    c.request(ApiKey.Heartbeat, 4, { ...API.Heartbeat.createRequest(), groupId: 'g', generationId, memberId }).then((r: any) => r.errorCode);
  assert.equal(await hb(j.generationId, j.memberId), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await hb(-5, 'stranger'), ErrorCode.UNKNOWN_MEMBER_ID);
  for (const [api, v, body] of [
    [ApiKey.Heartbeat, 4, { ...API.Heartbeat.createRequest(), groupId: '' }],
    [ApiKey.SyncGroup, 5, { ...API.SyncGroup.createRequest(), groupId: '' }],
    [ApiKey.LeaveGroup, 5, { ...API.LeaveGroup.createRequest(), groupId: '' }],
  ] as const) {
    assert.equal(((await c.request(api, v, body)) as any).errorCode, ErrorCode.INVALID_GROUP_ID);
  }
});

test('metadata too large to store: the leader\'s SyncGroup fails with UNKNOWN_SERVER_ERROR, the broker carries on', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...FAST_GROUPS, 'message.max.bytes': '100000' } });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const huge = Buffer.alloc(300_000, 7);
  let j: any = await c.request(ApiKey.JoinGroup, 9, joinBody('big', '', huge, 5000));
  j = await c.request(ApiKey.JoinGroup, 9, joinBody('big', j.memberId, huge, 5000));
  assert.equal(j.errorCode, 0);
  assert.equal(j.members[0].metadata.length, huge.length);
  const s: any = await c.request(ApiKey.SyncGroup, 5, { ...API.SyncGroup.createRequest(), groupId: 'big', generationId: j.generationId, memberId: j.memberId, assignments: [{ memberId: j.memberId, assignment: Buffer.alloc(10) }] });
  assert.equal(s.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  // The group rebalances; with small metadata it forms and is stored.
  const j2: any = await c.request(ApiKey.JoinGroup, 9, joinBody('big', j.memberId, subscriptionBytes('t'), 5000));
  assert.equal(j2.errorCode, 0);
  const s2: any = await c.request(ApiKey.SyncGroup, 5, { ...API.SyncGroup.createRequest(), groupId: 'big', generationId: j2.generationId, memberId: j.memberId, assignments: [] });
  assert.equal(s2.errorCode, 0);
  // An offset commit too large for one record batch: INVALID_COMMIT_OFFSET_SIZE.
  await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: 'wide', numPartitions: 2000, replicationFactor: 1, assignments: [], configs: [] }] });
  const wide: any = await c.request(ApiKey.OffsetCommit, 8, {
    ...API.OffsetCommit.createRequest(),
    groupId: 'simple',
    topics: [{ name: 'wide', topicId: '', partitions: Array.from({ length: 2000 }, (_, i) => ({ partitionIndex: i, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'x'.repeat(100) })) }],
  });
  assert.ok(wide.topics[0].partitions.every((p: any) => p.errorCode === ErrorCode.INVALID_COMMIT_OFFSET_SIZE));
});

test('a thousand members join at once: one generation; pending and expired members are reclaimed', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...FAST_GROUPS, 'group.initial.rebalance.delay.ms': '300' } });
  const coordinator = coordinatorOf(broker);
  const N = 1000;
  const clients = await Promise.all(Array.from({ length: N }, () => RawClient.connect(broker.port)));
  t.after(() => clients.forEach((c) => c.close()));

  // KIP-394: a thousand JoinGroup v9 without member ids, pipelined on one connection: each
  // gets MEMBER_ID_REQUIRED and a distinct id; the pending members expire with their sessions.
  const ids = await Promise.all(Array.from({ length: N }, () => clients[0]!.request(ApiKey.JoinGroup, 9, joinBody('pending', '', undefined, 1000), 30_000)));
  assert.ok(ids.every((r: any) => r.errorCode === ErrorCode.MEMBER_ID_REQUIRED));
  assert.equal(new Set(ids.map((r: any) => r.memberId)).size, N);
  assert.ok(coordinator.classicGroup('pending')!.pendingMembers.size <= N);
  await waitFor('pending members to expire', () => coordinator.classicGroup('pending')!.pendingMembers.size === 0);

  // A thousand members at once, each on its own connection (v3: no member id round).
  const joins = await Promise.all(clients.map((c) => c.request(ApiKey.JoinGroup, 3, joinBody('crowd', '', undefined, 1000), 30_000)));
  assert.ok(joins.every((r: any) => r.errorCode === 0), JSON.stringify(joins.find((r: any) => r.errorCode !== 0)));
  assert.equal(new Set(joins.map((r: any) => r.generationId)).size, 1, 'one generation');
  const leader: any = joins.find((r: any) => r.memberId === r.leader);
  assert.equal(leader.members.length, N);
  const idx = joins.indexOf(leader);
  const syncs = await Promise.all(clients.map((c, i) =>
    c.request(ApiKey.SyncGroup, 3, {
      ...API.SyncGroup.createRequest(),
      groupId: 'crowd',
      generationId: leader.generationId,
      memberId: (joins[i] as any).memberId,
      assignments: i === idx ? leader.members.map((m: any) => ({ memberId: m.memberId, assignment: Buffer.from(m.memberId) })) : [],
    }, 30_000)));
  assert.ok(syncs.every((s: any, i) => s.errorCode === 0 && s.assignment.toString() === (joins[i] as any).memberId));
  // Nobody heartbeats: every member expires and the group ends Empty, holding nothing.
  await waitFor('the crowd to expire', () => coordinator.classicGroup('crowd')!.members.size === 0 && coordinator.classicGroup('crowd')!.state === 'Empty');
  assert.equal(coordinator.classicGroup('crowd')!.staticMembers.size, 0);
});

test('group.max.size with a thousand concurrent joins', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...FAST_GROUPS, 'group.max.size': '50', 'group.initial.rebalance.delay.ms': '300' } });
  const N = 1000;
  const clients = await Promise.all(Array.from({ length: N }, () => RawClient.connect(broker.port)));
  t.after(() => clients.forEach((c) => c.close()));
  const joins: any[] = await Promise.all(clients.map((c) => c.request(ApiKey.JoinGroup, 3, joinBody('capped', '', undefined, 1000), 30_000)));
  assert.equal(joins.filter((r) => r.errorCode === 0).length, 50);
  assert.equal(joins.filter((r) => r.errorCode === ErrorCode.GROUP_MAX_SIZE_REACHED).length, N - 50);
});
