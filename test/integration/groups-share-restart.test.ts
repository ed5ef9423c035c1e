// Issue 3, share groups (KIP-932) across broker restarts: share-partition state lives in
// __share_group_state (ShareSnapshot/ShareUpdate records), so after a clean stop and after a
// kill -9 a share partition resumes at its persisted start offset: records acknowledged
// (accepted or rejected) before the restart are not delivered again, released ones come
// back with their delivery count kept, and acquired but unacknowledged ones come back too.
// Driven through our own codec acting as a share consumer (ShareGroupHeartbeat, ShareFetch,
// ShareAcknowledge), plus the share coordinator's own API (ReadShareGroupState).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, ApiKey, ErrorCode, decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/index.ts';
import { spawnBrokerProcess, startTestBroker, tempDir } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { FAST_GROUPS } from './groups-support.ts';

const CONFIG = {
  ...FAST_GROUPS,
  'share.coordinator.state.topic.num.partitions': '3',
  // Few updates per snapshot, so that both record types (and pruning) are exercised.
  'share.coordinator.snapshot.update.records.per.snapshot': '2',
  'group.share.record.lock.duration.ms': '60000',
};

const GROUP = 'share-restart';
const TOPIC = 'sr';

interface Delivery {
  values: string[];
  ranges: { first: number; last: number; deliveryCount: number }[];
}

/** One share consumer on one connection: joins, opens a share session, fetches and acknowledges. */
class ShareConsumer {
  readonly #c: RawClient;
  readonly #topicId: string;
  readonly #memberId: string;
  #epoch = 0;

  private constructor(c: RawClient, topicId: string, memberId: string) {
    this.#c = c;
    this.#topicId = topicId;
    this.#memberId = memberId;
  }

  static async join(c: RawClient, topicId: string, memberId: string): Promise<ShareConsumer> {
    const joined: any = await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId: GROUP, memberId, memberEpoch: 0, subscribedTopicNames: [TOPIC] });
    assert.equal(joined.errorCode, 0, `join: ${joined.errorMessage}`);
    return new ShareConsumer(c, topicId, memberId);
  }

  async fetch(maxRecords: number, acks: { first: number; last: number; type: number }[] = []): Promise<Delivery> {
    const raw: any = await this.#c.request(ApiKey.ShareFetch, 1, {
      ...API.ShareFetch.createRequest(),
      groupId: GROUP,
      memberId: this.#memberId,
      shareSessionEpoch: this.#epoch++,
      maxWaitMs: 0,
      minBytes: 1,
      maxRecords,
      batchSize: maxRecords,
      topics: [{ topicId: this.#topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks.map((a) => ({ firstOffset: BigInt(a.first), lastOffset: BigInt(a.last), acknowledgeTypes: [a.type] })) }] }],
    });
    assert.equal(raw.errorCode, 0, `ShareFetch: ${raw.errorCode} ${raw.errorMessage}`);
    const p = raw.responses[0]?.partitions[0];
    if (p) assert.equal(p.acknowledgeErrorCode, 0);
    const ranges = (p?.acquiredRecords ?? []).map((r: any) => ({ first: Number(r.firstOffset), last: Number(r.lastOffset), deliveryCount: r.deliveryCount }));
    const records = p && p.records.length > 0 ? decodeRecordBatches(p.records).flatMap((b) => b.records) : [];
    const values = records.filter((r) => ranges.some((g: any) => r.offset >= g.first && r.offset <= g.last)).map((r) => r.value!.toString());
    return { values, ranges };
  }

  async acknowledge(first: number, last: number, type: number): Promise<void> {
    const raw: any = await this.#c.request(ApiKey.ShareAcknowledge, 1, {
      ...API.ShareAcknowledge.createRequest(),
      groupId: GROUP,
      memberId: this.#memberId,
      shareSessionEpoch: this.#epoch++,
      topics: [{ topicId: this.#topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: BigInt(first), lastOffset: BigInt(last), acknowledgeTypes: [type] }] }] }],
    });
    assert.equal(raw.errorCode, 0);
    assert.equal(raw.responses[0].partitions[0].errorCode, 0, `acknowledge ${first}-${last} type ${type}`);
  }
}

const ACCEPT = 1;
const RELEASE = 2;
const REJECT = 3;

const range = (from: number, to: number, prefix = 'v') => Array.from({ length: to - from }, (_, k) => `${prefix}${from + k}`);

test('share-partition state survives a clean stop and a kill -9: acknowledged records stay done, the rest come back', { timeout: 120_000 }, async (t) => {
  const dataDir = await tempDir(t);
  let broker = await spawnBrokerProcess({ dataDir, t, config: CONFIG });
  const port = broker.port;
  let c = await RawClient.connect(port);
  const created: any = await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] });
  assert.equal(created.topics[0].errorCode, 0);
  const md: any = await c.request(ApiKey.Metadata, 12, { ...API.Metadata.createRequest(), topics: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
  const topicId: string = md.topics[0].topicId;
  const produce = async (values: string[]) => {
    for (const value of values) {
      const r: any = await c.request(ApiKey.Produce, 9, { ...API.Produce.createRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, topicId, partitionData: [{ index: 0, records: encodeRecordBatch([{ value }]) }] }] });
      assert.equal(r.responses[0].partitionResponses[0].errorCode, 0);
    }
  };
  const readState = async (): Promise<any> => {
    const r: any = await c.request(ApiKey.ReadShareGroupState, 0, { ...API.ReadShareGroupState.createRequest(), groupId: GROUP, topics: [{ topicId, partitions: [{ partition: 0, leaderEpoch: 0 }] }] });
    return r.results[0].partitions[0];
  };
  const reconnect = async () => {
    c.close();
    c = await RawClient.connect(port);
  };
  t.after(() => c.close());

  // The share partition starts at the log end; 20 records follow, one batch each.
  let consumer = await ShareConsumer.join(c, topicId, 'm-1');
  assert.deepEqual((await consumer.fetch(10)).values, []);
  assert.equal((await readState()).startOffset, 0n, 'initialized at the log end (0)');
  await produce(range(0, 20));
  const first = await consumer.fetch(10);
  assert.deepEqual(first.values, range(0, 10));
  await consumer.acknowledge(0, 4, ACCEPT);
  await consumer.acknowledge(5, 5, REJECT);
  await consumer.acknowledge(6, 6, RELEASE);
  await consumer.acknowledge(8, 8, ACCEPT); // 7 and 9 stay acquired, unacknowledged
  const before = await readState();
  assert.equal(before.errorCode, 0);
  assert.equal(before.startOffset, 6n, 'the start offset moved past 0-5');
  assert.deepEqual(
    before.stateBatches.map((b: any) => [Number(b.firstOffset), Number(b.lastOffset), b.deliveryState, b.deliveryCount]),
    [[6, 6, 0, 1], [8, 8, 2, 1]],
    'released 6 is AVAILABLE with one delivery, 8 ACKNOWLEDGED',
  );

  // Clean stop.
  await broker.stop('SIGTERM');
  broker = await spawnBrokerProcess({ dataDir, t, config: CONFIG, port });
  await reconnect();
  assert.equal((await readState()).startOffset, 6n, 'state reloaded from __share_group_state');
  consumer = await ShareConsumer.join(c, topicId, 'm-2');
  const afterClean = await consumer.fetch(100);
  assert.deepEqual(afterClean.values.sort(), ['v6', 'v7', ...range(9, 20)].sort(), 'nothing acknowledged (0-5, 8) comes back');
  const countOf = (d: Delivery, offset: number) => d.ranges.find((r) => offset >= r.first && offset <= r.last)?.deliveryCount;
  assert.equal(countOf(afterClean, 6), 2, 'the released record keeps its delivery count');
  assert.equal(countOf(afterClean, 7), 1, 'acquisition is not persisted: 7 was never delivered as far as the state knows');
  assert.equal(countOf(afterClean, 12), 1);

  // Accept up to 14, reject 15, leave 16-19 acquired; more records arrive; then kill -9.
  await consumer.acknowledge(6, 7, ACCEPT);
  await consumer.acknowledge(9, 14, ACCEPT);
  await consumer.acknowledge(15, 15, REJECT);
  await produce(range(20, 25));
  assert.equal((await readState()).startOffset, 16n);
  await broker.kill9();
  broker = await spawnBrokerProcess({ dataDir, t, config: CONFIG, port });
  await reconnect();
  consumer = await ShareConsumer.join(c, topicId, 'm-3');
  const afterKill = await consumer.fetch(100);
  assert.deepEqual(afterKill.values.sort(), range(16, 25).sort(), 'after kill -9: only 16-24, each once');
  await consumer.acknowledge(16, 24, ACCEPT);
  assert.deepEqual((await consumer.fetch(100)).values, [], 'all done');

  // DescribeShareGroupOffsets reads the same state: start offset 25, no lag.
  const described: any = await c.request(ApiKey.DescribeShareGroupOffsets, 1, { ...API.DescribeShareGroupOffsets.createRequest(), groups: [{ groupId: GROUP, topics: [{ topicName: TOPIC, partitions: [0] }] }] });
  assert.equal(described.groups[0].topics[0].partitions[0].startOffset, 25n);
  assert.equal(described.groups[0].topics[0].partitions[0].lag, 0n);
  c.close();
  await broker.stop('SIGTERM');
});

test('share coordinator APIs: initialize, read, write, summary, delete, with Kafka\'s fencing errors', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const broker = await spawnBrokerProcess({ dataDir, t, config: CONFIG });
  t.after(() => broker.stop('SIGTERM'));
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const topicId = 'AAAAAAAAAAAAAAAAAAAAAQ';
  const partition = (extra: object) => ({ groupId: 'g-api', topics: [{ topicId, partitions: [{ partition: 3, ...extra }] }] });
  const one = (r: any) => r.results[0].partitions[0];

  // FindCoordinator for a share-partition key: this broker.
  const found: any = await c.request(ApiKey.FindCoordinator, 6, { ...API.FindCoordinator.createRequest(), keyType: 2, coordinatorKeys: [`g-api:${topicId}:3`, 'not-a-share-key'] });
  assert.equal(found.coordinators[0].errorCode, 0);
  assert.equal(found.coordinators[0].port, broker.port);
  assert.equal(found.coordinators[1].errorCode, ErrorCode.INVALID_REQUEST);

  const read = async (leaderEpoch = 1) => one(await c.request(ApiKey.ReadShareGroupState, 0, { ...API.ReadShareGroupState.createRequest(), ...partition({ leaderEpoch }) }));
  const uninitialized = await read();
  assert.equal(uninitialized.errorCode, 0);
  assert.equal(uninitialized.startOffset, -1n);

  const init = async (stateEpoch: number, startOffset: bigint) => one(await c.request(ApiKey.InitializeShareGroupState, 0, { ...API.InitializeShareGroupState.createRequest(), ...partition({ stateEpoch, startOffset }) })).errorCode;
  assert.equal(await init(1, 100n), 0);
  assert.equal(await init(1, 200n), ErrorCode.FENCED_STATE_EPOCH, 'the state epoch must rise');

  const write = async (leaderEpoch: number, stateEpoch: number, startOffset: bigint, batches: [number, number, number, number][]) =>
    one(
      await c.request(ApiKey.WriteShareGroupState, 1, {
        ...API.WriteShareGroupState.createRequest(),
        ...partition({ stateEpoch, leaderEpoch, startOffset, deliveryCompleteCount: 2, stateBatches: batches.map(([f, l, s, n]) => ({ firstOffset: BigInt(f), lastOffset: BigInt(l), deliveryState: s, deliveryCount: n })) }),
      }),
    ).errorCode;
  assert.equal(await write(5, 1, 100n, [[100, 104, 0, 1], [105, 106, 2, 1]]), 0);
  assert.equal(await write(5, 1, -1n, [[101, 101, 4, 2]]), 0, 'an update over part of a batch');
  assert.equal(await write(4, 1, -1n, []), ErrorCode.FENCED_LEADER_EPOCH);
  assert.equal(await write(5, 0, -1n, []), ErrorCode.FENCED_STATE_EPOCH);
  assert.equal((await read(3)).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
  const state = await read(5);
  assert.equal(state.stateEpoch, 1);
  assert.equal(state.startOffset, 100n);
  assert.deepEqual(
    state.stateBatches.map((b: any) => [Number(b.firstOffset), Number(b.lastOffset), b.deliveryState, b.deliveryCount]),
    [[100, 100, 0, 1], [101, 101, 4, 2], [102, 104, 0, 1], [105, 106, 2, 1]],
  );
  const summary: any = one(await c.request(ApiKey.ReadShareGroupStateSummary, 1, { ...API.ReadShareGroupStateSummary.createRequest(), ...partition({ leaderEpoch: 5 }) }));
  assert.deepEqual([summary.errorCode, summary.startOffset, summary.leaderEpoch, summary.deliveryCompleteCount], [0, 100n, 5, 2]);

  const deleted: any = one(await c.request(ApiKey.DeleteShareGroupState, 0, { ...API.DeleteShareGroupState.createRequest(), ...partition({}) }));
  assert.equal(deleted.errorCode, 0);
  assert.equal((await read()).startOffset, -1n, 'gone after delete');
  const noGroup: any = one(await c.request(ApiKey.ReadShareGroupState, 0, { ...API.ReadShareGroupState.createRequest(), groupId: '', topics: [{ topicId, partitions: [{ partition: 0, leaderEpoch: 0 }] }] }));
  assert.equal(noGroup.errorCode, ErrorCode.INVALID_REQUEST);
});

test('share group membership is in __consumer_offsets: members, epochs and assignments come back after a restart; DeleteGroups removes the group and its state', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const config = { ...CONFIG, 'group.share.session.timeout.ms': '1500' };
  let broker = await startTestBroker(t, { dataDir, config });
  let c = await RawClient.connect(broker.port);
  const created: any = await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: 'sm', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }] });
  const topicId: string = created.topics[0].topicId;
  const heartbeat = (memberId: string, memberEpoch: number, subscribedTopicNames: string[] | null = null): Promise<any> =>
    c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId: 'members', memberId, memberEpoch, subscribedTopicNames });
  const describe = async (): Promise<any> => ((await c.request(ApiKey.ShareGroupDescribe, 1, { ...API.ShareGroupDescribe.createRequest(), groupIds: ['members'] })) as any).groups[0];
  assert.equal((await heartbeat('a', 0, ['sm'])).errorCode, 0);
  assert.equal((await heartbeat('b', 0, ['sm'])).errorCode, 0);
  const a = await heartbeat('a', 1);
  assert.equal(a.memberEpoch, 2);
  // A fetch initializes the state of partition 0 (recorded in the group's type 15 record).
  assert.equal(((await c.request(ApiKey.ShareFetch, 1, { ...API.ShareFetch.createRequest(), groupId: 'members', memberId: 'a', shareSessionEpoch: 0, maxRecords: 1, topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }] })) as any).errorCode, 0);
  const before = await describe();
  c.close();
  await broker.stop();

  broker = await startTestBroker(t, { dataDir, config });
  c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const after = await describe();
  assert.equal(after.errorCode, 0);
  assert.equal(after.groupEpoch, before.groupEpoch);
  const summary = (g: any) => g.members.map((m: any) => [m.memberId, m.memberEpoch, m.subscribedTopicNames, m.assignment.topicPartitions.map((tp: any) => [tp.topicId, tp.partitions])]).sort();
  assert.deepEqual(summary(after), summary(before), 'members, epochs, subscriptions and assignments as before');
  assert.deepEqual(summary(after)[0][3], [[topicId, [0, 1]]]);
  // a carries on at its epoch; b never returns and expires.
  assert.equal((await heartbeat('a', 2)).errorCode, 0);
  const deadline = Date.now() + 20_000;
  let members = 2;
  while (members > 1 && Date.now() < deadline) {
    const hb = await heartbeat('a', (await describe()).members.find((m: any) => m.memberId === 'a').memberEpoch);
    assert.equal(hb.errorCode, 0);
    members = (await describe()).members.length;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(members, 1, 'b expired');

  // DeleteGroups: refused while a is there; then the group and its share state go.
  const del = async (): Promise<number> => ((await c.request(ApiKey.DeleteGroups, 2, { ...API.DeleteGroups.createRequest(), groupsNames: ['members'] })) as any).results[0].errorCode;
  assert.equal(await del(), ErrorCode.NON_EMPTY_GROUP);
  assert.equal((await heartbeat('a', -1)).errorCode, 0);
  assert.equal(await del(), 0);
  assert.equal((await describe()).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const state: any = await c.request(ApiKey.ReadShareGroupState, 0, { ...API.ReadShareGroupState.createRequest(), groupId: 'members', topics: [{ topicId, partitions: [{ partition: 0, leaderEpoch: 0 }] }] });
  assert.equal(state.results[0].partitions[0].startOffset, -1n);
  assert.equal(await del(), ErrorCode.GROUP_ID_NOT_FOUND);

  // And it stays deleted after another restart.
  c.close();
  await broker.stop();
  broker = await startTestBroker(t, { dataDir, config });
  c = await RawClient.connect(broker.port);
  assert.equal((await describe()).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  c.close();
  await broker.stop();
});

test('share state from the wire is checked and bounded: bad batches get INVALID_REQUEST, a huge stored range does not blow up the share partition', { timeout: 60_000 }, async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const created: any = await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: 'wire', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] });
  const topicId: string = created.topics[0].topicId;
  const write = async (startOffset: bigint, batch: [bigint, bigint, number, number]): Promise<number> => {
    const r: any = await c.request(ApiKey.WriteShareGroupState, 1, {
      ...API.WriteShareGroupState.createRequest(),
      groupId: 'wire-g',
      topics: [{ topicId, partitions: [{ partition: 0, stateEpoch: 0, leaderEpoch: 0, startOffset, deliveryCompleteCount: -1, stateBatches: [{ firstOffset: batch[0], lastOffset: batch[1], deliveryState: batch[2], deliveryCount: batch[3] }] }] }],
    });
    return r.results[0].partitions[0].errorCode;
  };
  assert.equal(await write(0n, [5n, 4n, 0, 1]), ErrorCode.INVALID_REQUEST, 'last offset before first');
  assert.equal(await write(0n, [0n, 4n, 1, 1]), ErrorCode.INVALID_REQUEST, 'ACQUIRED is never persisted');
  assert.equal(await write(-2n, [0n, 4n, 0, 1]), ErrorCode.INVALID_REQUEST);
  // Offsets past 2^53 - 1 (no log reaches them; the fuzz harness sent them) are refused, not a fault.
  assert.equal(await write(9_223_372_036_854_775_807n, [0n, 4n, 0, 1]), ErrorCode.INVALID_REQUEST);
  assert.equal(await write(0n, [0n, 9_223_372_036_854_775_807n, 0, 1]), ErrorCode.INVALID_REQUEST);
  const init: any = await c.request(ApiKey.InitializeShareGroupState, 0, {
    ...API.InitializeShareGroupState.createRequest(),
    groupId: 'wire-init',
    topics: [{ topicId, partitions: [{ partition: 0, stateEpoch: 0, startOffset: 9_223_372_036_854_775_807n }] }],
  });
  assert.equal(init.results[0].partitions[0].errorCode, ErrorCode.INVALID_REQUEST);
  // Records 0-999999999999 AVAILABLE after one delivery: a share consumer sees the three
  // records that exist, each on its second delivery, and nothing beyond the log.
  assert.equal(await write(0n, [0n, 999_999_999_999n, 0, 1]), 0);
  for (const value of ['a', 'b', 'c']) {
    await c.request(ApiKey.Produce, 9, { ...API.Produce.createRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: 'wire', topicId, partitionData: [{ index: 0, records: encodeRecordBatch([{ value }]) }] }] });
  }
  const consumer = await ShareConsumerFor(c, topicId, 'wire-g');
  const got = await consumer.fetch(100);
  assert.deepEqual(got.values, ['a', 'b', 'c']);
  assert.deepEqual(got.ranges, [{ first: 0, last: 2, deliveryCount: 2 }]);
});

/** A ShareConsumer of another group (the class above is bound to GROUP). */
async function ShareConsumerFor(c: RawClient, topicId: string, groupId: string) {
  const joined: any = await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId, memberId: 'w', memberEpoch: 0, subscribedTopicNames: ['wire'] });
  assert.equal(joined.errorCode, 0);
  let epoch = 0;
  return {
    async fetch(maxRecords: number): Promise<Delivery> {
      const raw: any = await c.request(ApiKey.ShareFetch, 1, { ...API.ShareFetch.createRequest(), groupId, memberId: 'w', shareSessionEpoch: epoch++, maxRecords, batchSize: maxRecords, topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }] });
      assert.equal(raw.errorCode, 0);
      const p = raw.responses[0]?.partitions[0];
      const ranges = (p?.acquiredRecords ?? []).map((r: any) => ({ first: Number(r.firstOffset), last: Number(r.lastOffset), deliveryCount: r.deliveryCount }));
      const records = p && p.records.length > 0 ? decodeRecordBatches(p.records).flatMap((b) => b.records) : [];
      return { values: records.map((r) => r.value!.toString()), ranges };
    },
  };
}
