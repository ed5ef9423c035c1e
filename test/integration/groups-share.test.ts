// Issue 3, acceptance 5: share groups (KIP-932), through our own codec acting as a client
// the way a share consumer does (ShareGroupHeartbeat, then ShareFetch/ShareAcknowledge in a
// share session): several members on one partition each get distinct records; a record
// whose acquisition lock expires unacknowledged is delivered again (its delivery count up);
// a rejected one never is; released ones come back until the delivery count limit archives
// them; and the request checks answer with Kafka's codes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, ApiKey, ErrorCode, decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient, createTopic } from '../helpers/raw-client.ts';
import { FAST_GROUPS, waitFor } from './groups-support.ts';

const CONFIG = {
  ...FAST_GROUPS,
  'group.share.record.lock.duration.ms': '1000',
  'group.share.delivery.count.limit': '3',
  'group.share.heartbeat.interval.ms': '100',
};

interface Fetched {
  values: string[];
  ranges: { first: number; last: number; deliveryCount: number }[];
  raw: any;
}

test('share group: distinct records per member, redelivery after lock expiry, reject, release, delivery limit', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const topicId = await createTopic(c, 'sq');

  const heartbeat = (memberId: string, memberEpoch: number, subscribedTopicNames: string[] | null = null): Promise<any> =>
    c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId: 'sg', memberId, memberEpoch, subscribedTopicNames });
  const epochs = new Map<string, number>();
  const fetch = async (memberId: string, maxRecords: number, acks: { first: number; last: number; type: number }[] = [], maxWaitMs = 0): Promise<Fetched> => {
    const epoch = epochs.get(memberId) ?? 0;
    epochs.set(memberId, epoch + 1);
    const raw: any = await c.request(ApiKey.ShareFetch, 1, {
      ...API.ShareFetch.createRequest(),
      groupId: 'sg',
      memberId,
      shareSessionEpoch: epoch,
      maxWaitMs,
      minBytes: 1,
      maxRecords,
      batchSize: maxRecords,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks.map((a) => ({ firstOffset: BigInt(a.first), lastOffset: BigInt(a.last), acknowledgeTypes: [a.type] })) }] }],
    }, 10_000);
    assert.equal(raw.errorCode, 0, `ShareFetch error ${raw.errorCode} ${raw.errorMessage}`);
    const p = raw.responses[0]?.partitions[0];
    const ranges = (p?.acquiredRecords ?? []).map((r: any) => ({ first: Number(r.firstOffset), last: Number(r.lastOffset), deliveryCount: r.deliveryCount }));
    const records = p && p.records.length > 0 ? decodeRecordBatches(p.records).flatMap((b) => b.records) : [];
    const values = records.filter((r) => ranges.some((g: any) => r.offset >= g.first && r.offset <= g.last)).map((r) => r.value!.toString());
    return { values, ranges, raw };
  };
  const acknowledge = async (memberId: string, first: number, last: number, type: number): Promise<number> => {
    const epoch = epochs.get(memberId)!;
    epochs.set(memberId, epoch + 1);
    const raw: any = await c.request(ApiKey.ShareAcknowledge, 1, {
      ...API.ShareAcknowledge.createRequest(),
      groupId: 'sg',
      memberId,
      shareSessionEpoch: epoch,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: BigInt(first), lastOffset: BigInt(last), acknowledgeTypes: [type] }] }] }],
    });
    assert.equal(raw.errorCode, 0);
    return raw.responses[0].partitions[0].errorCode;
  };

  // Request checks.
  assert.equal((await heartbeat('', 0, ['sq'])).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await heartbeat('m1', 0)).errorCode, ErrorCode.INVALID_REQUEST, 'no subscription when joining');
  assert.equal((await heartbeat('m1', 4)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  // Three members join; every one is assigned the single partition.
  for (const m of ['m1', 'm2', 'm3']) {
    const r = await heartbeat(m, 0, ['sq']);
    assert.equal(r.errorCode, 0);
    assert.deepEqual(r.assignment.topicPartitions, [{ topicId, partitions: [0] }]);
  }
  const m1 = await heartbeat('m1', 1);
  assert.equal(m1.memberEpoch, 3, 'members follow the group epoch');
  assert.equal((await heartbeat('m2', 1)).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  const described: any = await c.request(ApiKey.ShareGroupDescribe, 1, { ...API.ShareGroupDescribe.createRequest(), groupIds: ['sg', 'nope'] });
  assert.equal(described.groups[0].groupState, 'Stable');
  assert.equal(described.groups[0].members.length, 3);
  assert.equal(described.groups[0].members[0].assignment.topicPartitions[0].topicName, 'sq');
  assert.equal(described.groups[1].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  // The id belongs to a share group: classic and consumer protocols are refused.
  const join: any = await c.request(ApiKey.JoinGroup, 9, { ...API.JoinGroup.createRequest(), groupId: 'sg', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000 });
  assert.equal(join.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const cgh: any = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, { ...API.ConsumerGroupHeartbeat.createRequest(), groupId: 'sg', memberId: 'x', memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['sq'], topicPartitions: [] });
  assert.equal(cgh.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const listed: any = await c.request(ApiKey.ListGroups, 5, { ...API.ListGroups.createRequest(), typesFilter: ['share'] });
  assert.deepEqual(listed.groups.map((g: any) => [g.groupId, g.groupType]), [['sg', 'share']]);
  // Nor do committed offsets apply to it (Kafka's ShareGroup: "not a consumer group"), and a
  // simple commit must not create a classic group of the same id.
  const committed: any = await c.request(ApiKey.OffsetCommit, 9, {
    ...API.OffsetCommit.createRequest(),
    groupId: 'sg',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    topics: [{ name: 'sq', topicId: '', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }],
  });
  assert.equal(committed.topics[0].partitions[0].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const offsets: any = await c.request(ApiKey.OffsetFetch, 8, { ...API.OffsetFetch.createRequest(), groups: [{ groupId: 'sg', topics: null }] });
  assert.equal(offsets.groups[0].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const offsetsV7: any = await c.request(ApiKey.OffsetFetch, 7, { ...API.OffsetFetch.createRequest(), groupId: 'sg', topics: null });
  assert.equal(offsetsV7.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const deleted: any = await c.request(ApiKey.OffsetDelete, 0, { ...API.OffsetDelete.createRequest(), groupId: 'sg', topics: [{ name: 'sq', partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(deleted.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.deepEqual(((await c.request(ApiKey.ListGroups, 5, { ...API.ListGroups.createRequest() })) as any).groups.map((g: any) => g.groupType), ['share']);

  // Sessions open at the log end (share.auto.offset.reset=latest): nothing yet.
  for (const m of ['m1', 'm2', 'm3']) assert.deepEqual((await fetch(m, 10)).values, []);
  // 30 records, one batch each.
  for (let i = 0; i < 30; i++) {
    const produced: any = await c.request(ApiKey.Produce, 9, {
      ...API.Produce.createRequest(),
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 'sq', topicId, partitionData: [{ index: 0, records: encodeRecordBatch([{ value: `v${i}` }]) }] }],
    });
    assert.equal(produced.responses[0].partitionResponses[0].errorCode, 0);
  }

  // Each member gets ten distinct records.
  const got = new Map<string, Fetched>();
  for (const m of ['m1', 'm2', 'm3']) got.set(m, await fetch(m, 10));
  const all = [...got.values()].flatMap((f) => f.values);
  assert.equal(all.length, 30);
  assert.equal(new Set(all).size, 30, 'no record went to two members');
  for (const f of got.values()) assert.ok(f.ranges.every((r) => r.deliveryCount === 1));

  // m1 accepts, m2 rejects, m3 does nothing. Acknowledging what it does not hold fails.
  const range = (m: string) => ({ first: got.get(m)!.ranges[0]!.first, last: got.get(m)!.ranges.at(-1)!.last });
  assert.equal(await acknowledge('m1', range('m2').first, range('m2').last, 1), ErrorCode.INVALID_RECORD_STATE);
  assert.equal(await acknowledge('m1', range('m1').first, range('m1').last, 1), 0);
  assert.equal(await acknowledge('m2', range('m2').first, range('m2').last, 3), 0);
  // Nothing is available while m3's lock holds.
  assert.deepEqual((await fetch('m1', 30)).values, []);
  // m3's lock expires: its records come to m1 again, delivery count 2; m2's rejected ones never.
  let again: Fetched | undefined;
  await waitFor('m3\'s records to be redelivered', async () => {
    again = await fetch('m1', 30, [], 500);
    return again.values.length > 0;
  });
  assert.deepEqual(again!.values.sort(), got.get('m3')!.values.sort());
  assert.ok(again!.ranges.every((r) => r.deliveryCount === 2));

  // m2 cannot release what m1 holds; m1 releases them and m2 gets them, delivery count 3.
  const back = await fetch('m2', 30, [{ first: range('m3').first, last: range('m3').last, type: 2 }]);
  assert.equal(back.raw.responses[0].partitions[0].acknowledgeErrorCode, ErrorCode.INVALID_RECORD_STATE);
  assert.deepEqual(back.values, [], 'm1 still holds them');
  assert.equal(await acknowledge('m1', range('m3').first, range('m3').last, 2), 0);
  const third = await fetch('m2', 30);
  assert.deepEqual(third.values.sort(), got.get('m3')!.values.sort());
  assert.ok(third.ranges.every((r) => r.deliveryCount === 3));
  // Released at the delivery count limit (3): archived, delivered to nobody again.
  assert.equal(await acknowledge('m2', range('m3').first, range('m3').last, 2), 0);
  assert.deepEqual((await fetch('m3', 30)).values, []);

  // Session errors.
  const wrongEpoch: any = await c.request(ApiKey.ShareFetch, 1, { ...API.ShareFetch.createRequest(), groupId: 'sg', memberId: 'm1', shareSessionEpoch: 77, maxRecords: 1, topics: [] });
  assert.equal(wrongEpoch.errorCode, ErrorCode.INVALID_SHARE_SESSION_EPOCH);
  const noMember: any = await c.request(ApiKey.ShareFetch, 1, { ...API.ShareFetch.createRequest(), groupId: 'sg', memberId: 'ghost', shareSessionEpoch: 0, maxRecords: 1, topics: [] });
  assert.equal(noMember.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const ackFirst: any = await c.request(ApiKey.ShareFetch, 1, {
    ...API.ShareFetch.createRequest(),
    groupId: 'sg',
    memberId: 'm1',
    shareSessionEpoch: 0,
    maxRecords: 1,
    topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 0n, lastOffset: 0n, acknowledgeTypes: [1] }] }] }],
  });
  assert.equal(ackFirst.errorCode, ErrorCode.INVALID_REQUEST);

  // A member that leaves releases what it holds: m3 acquires new records and leaves.
  await c.request(ApiKey.Produce, 9, { ...API.Produce.createRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: 'sq', topicId, partitionData: [{ index: 0, records: encodeRecordBatch([{ value: 'late' }]) }] }] });
  assert.deepEqual((await fetch('m3', 5)).values, ['late']);
  const gone = await heartbeat('m3', -1);
  assert.equal(gone.memberEpoch, -1);
  const lateAgain = await fetch('m1', 5);
  assert.deepEqual(lateAgain.values, ['late']);
  assert.equal(lateAgain.ranges[0]!.deliveryCount, 2);
});

test('share-group offsets: describe start offsets and lag, alter and delete only while the group is empty', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const topicId = await createTopic(c, 'so');
  const produce = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await c.request(ApiKey.Produce, 9, { ...API.Produce.createRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: 'so', topicId, partitionData: [{ index: 0, records: encodeRecordBatch([{ value: `x${i}` }]) }] }] });
    }
  };
  const describe = async (groupId = 'og'): Promise<any> =>
    (await c.request(ApiKey.DescribeShareGroupOffsets, 1, { ...API.DescribeShareGroupOffsets.createRequest(), groups: [{ groupId, topics: [{ topicName: 'so', partitions: [0] }] }] }) as any).groups[0];
  const fetchOnce = async (epoch: number): Promise<any> =>
    c.request(ApiKey.ShareFetch, 1, { ...API.ShareFetch.createRequest(), groupId: 'og', memberId: 'm', shareSessionEpoch: epoch, maxRecords: 100, batchSize: 100, topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }] });

  await produce(5);
  assert.equal((await describe()).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId: 'og', memberId: 'm', memberEpoch: 0, subscribedTopicNames: ['so'] });
  assert.equal((await describe()).topics[0].partitions[0].startOffset, -1n, 'not consumed yet');
  await fetchOnce(0);
  let d = await describe();
  assert.equal(d.topics[0].partitions[0].startOffset, 5n, 'starts at the log end');
  await produce(3);
  d = await describe();
  assert.equal(d.topics[0].partitions[0].lag, 3n);
  const alter = (startOffset: bigint): Promise<any> =>
    c.request(ApiKey.AlterShareGroupOffsets, 0, { ...API.AlterShareGroupOffsets.createRequest(), groupId: 'og', topics: [{ topicName: 'so', partitions: [{ partitionIndex: 0, startOffset }] }] });
  assert.equal((await alter(0n)).errorCode, ErrorCode.NON_EMPTY_GROUP);
  await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId: 'og', memberId: 'm', memberEpoch: -1 });
  const altered = await alter(0n);
  assert.equal(altered.errorCode, 0);
  assert.equal(altered.responses[0].partitions[0].errorCode, 0);
  assert.equal((await describe()).topics[0].partitions[0].startOffset, 0n);
  // The member comes back and gets everything from offset 0.
  await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId: 'og', memberId: 'm', memberEpoch: 0, subscribedTopicNames: ['so'] });
  const got = await fetchOnce(0);
  assert.equal(got.responses[0].partitions[0].acquiredRecords[0].firstOffset, 0n);
  assert.equal(got.responses[0].partitions[0].acquiredRecords.at(-1).lastOffset, 7n);
  await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId: 'og', memberId: 'm', memberEpoch: -1 });
  const del: any = await c.request(ApiKey.DeleteShareGroupOffsets, 0, { ...API.DeleteShareGroupOffsets.createRequest(), groupId: 'og', topics: [{ topicName: 'so' }, { topicName: 'nope' }] });
  assert.deepEqual(del.responses.map((r: any) => r.errorCode), [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.equal((await describe()).topics[0].partitions[0].startOffset, -1n);
  const missing: any = await c.request(ApiKey.DeleteShareGroupOffsets, 0, { ...API.DeleteShareGroupOffsets.createRequest(), groupId: 'none', topics: [] });
  assert.equal(missing.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('ShareFetch v2 ShareAcquireMode: record-limit acquires exactly MaxRecords, splitting a batch; batch-optimized takes the rest of it', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const created: any = await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: 'sl', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] });
  const topicId: string = created.topics[0].topicId;
  assert.equal(((await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId: 'lg', memberId: 'm', memberEpoch: 0, subscribedTopicNames: ['sl'] })) as any).errorCode, 0);
  let epoch = 0;
  const fetch = async (shareAcquireMode: number, maxRecords: number): Promise<[number, number][]> => {
    const r: any = await c.request(ApiKey.ShareFetch, 2, {
      ...API.ShareFetch.createRequest(),
      groupId: 'lg',
      memberId: 'm',
      shareSessionEpoch: epoch++,
      maxRecords,
      batchSize: maxRecords,
      shareAcquireMode,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }],
    });
    assert.equal(r.errorCode, 0);
    return (r.responses[0]?.partitions[0]?.acquiredRecords ?? []).map((a: any) => [Number(a.firstOffset), Number(a.lastOffset)]);
  };
  assert.deepEqual(await fetch(1, 3), [], 'the share partition starts at the log end');
  const produced: any = await c.request(ApiKey.Produce, 9, {
    ...API.Produce.createRequest(),
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 'sl', topicId, partitionData: [{ index: 0, records: encodeRecordBatch(Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` }))) }] }],
  });
  assert.equal(produced.responses[0].partitionResponses[0].errorCode, 0);
  assert.deepEqual(await fetch(1, 3), [[0, 2]]);
  assert.deepEqual(await fetch(1, 3), [[3, 5]]);
  assert.deepEqual(await fetch(0, 3), [[6, 9]], 'batch-optimized ends on the batch boundary');
});
