// The group coordinator without a broker: record layouts of __consumer_offsets, the
// partition of a group, offset expiry (KIP-211) with an injected clock, and loading.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCoordinator, GROUP_METADATA_TOPIC, javaStringHashCode, partitionForGroup } from '../../../src/coordinator/index.ts';
import {
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitRecords,
  encodeOffsetCommitValue,
} from '../../../src/coordinator/group/records.ts';
import { Writer, decodeRecordBatches } from '../../../src/protocol/index.ts';
import { LogManager } from '../../../src/storage/index.ts';

test('partitionForGroup: abs(Java String.hashCode) % partitions, Integer.MIN_VALUE to 0', () => {
  assert.equal(javaStringHashCode(''), 0);
  assert.equal(javaStringHashCode('hello'), 99162322);
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
  assert.equal(partitionForGroup('polygenelubricants', 50), 0);
  assert.equal(partitionForGroup('hello', 50), 99162322 % 50);
  // A negative hash (the int arithmetic overflows).
  assert.equal(javaStringHashCode('my-group'), -1906497762);
  assert.equal(partitionForGroup('my-group', 50), 12);
  // Non-ASCII strings hash UTF-16 code units, as Java does.
  assert.equal(javaStringHashCode('é'), 233);
});

test('records: a whole commit encoded at once gives the bytes of its records encoded one by one', () => {
  const long = 't'.repeat(2000); // a key prefix past the writer's by-reference threshold
  const partitions = [
    { topic: 'a', partition: 0 },
    { topic: long, partition: 7 },
    { topic: 'a', partition: 1 },
    { topic: 'b', partition: 2 },
    { topic: 'a', partition: 2 },
  ];
  const values = [
    { offset: 5n, leaderEpoch: 1, metadata: '', commitTimestamp: 1000, expireTimestamp: -1 },
    { offset: 2n ** 40n, leaderEpoch: -1, metadata: 'ü-meta', commitTimestamp: 1001, expireTimestamp: -1 },
    null,
    { offset: 0n, leaderEpoch: 3, metadata: 'm'.repeat(3000), commitTimestamp: 1002, expireTimestamp: 9000 },
    { offset: 9n, leaderEpoch: 0, metadata: 'x', commitTimestamp: 1003, expireTimestamp: -1 },
  ];
  for (const group of ['g', 'gé'.repeat(700)]) {
    const records = encodeOffsetCommitRecords(group, partitions, values);
    assert.equal(records.length, partitions.length);
    records.forEach((r, i) => {
      assert.deepEqual(r.key, encodeOffsetCommitKey(group, partitions[i]!.topic, partitions[i]!.partition), `key ${i}`);
      const value = values[i];
      assert.deepEqual(r.value, value ? encodeOffsetCommitValue(value) : null, `value ${i}`);
    });
    const tombstones = encodeOffsetCommitRecords(group, partitions, null);
    assert.deepEqual(tombstones.map((r) => r.value), [null, null, null, null, null]);
    assert.deepEqual(tombstones.map((r) => r.key), records.map((r) => r.key));
  }
});

test('records: keys and values in Kafka layouts, by hand-written bytes', () => {
  const key = encodeOffsetCommitKey('g', 't', 3);
  assert.deepEqual([...key], [0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 3]);
  assert.deepEqual(decodeKey(key), { type: 'offset', group: 'g', topic: 't', partition: 3 });
  assert.deepEqual([...encodeGroupMetadataKey('g')], [0, 2, 0, 1, 0x67]);
  assert.deepEqual(decodeKey(Buffer.from([0, 0, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 3])).type, 'offset', 'legacy type 0');
  assert.deepEqual(decodeKey(Buffer.from([0, 17, 0, 1, 0x67])), { type: 'other', recordType: 17 });
  assert.deepEqual(decodeKey(Buffer.from([0, 11, 0, 1, 0x67])), { type: 'share', recordType: 11, group: 'g', memberId: null });
  assert.deepEqual(decodeKey(Buffer.from([0, 10, 0, 1, 0x67, 0, 1, 0x6d])), { type: 'share', recordType: 10, group: 'g', memberId: 'm' });

  const v3 = encodeOffsetCommitValue({ offset: 7n, leaderEpoch: 2, metadata: 'm', commitTimestamp: 1000, expireTimestamp: -1 });
  assert.deepEqual([...v3], [0, 3, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 2, 0, 1, 0x6d, 0, 0, 0, 0, 0, 0, 3, 0xe8]);
  const v1 = encodeOffsetCommitValue({ offset: 7n, leaderEpoch: 2, metadata: '', commitTimestamp: 1000, expireTimestamp: 2000 });
  assert.equal(v1.readInt16BE(0), 1);
  assert.deepEqual(decodeOffsetCommitValue(v1), { offset: 7n, leaderEpoch: -1, metadata: '', commitTimestamp: 1000, expireTimestamp: 2000 });
  // Version 4 (flexible) with the topic id tag, as Kafka 4.1+ may write.
  const v4 = new Writer().int16(4).int64(9n).int32(5).compactString('x').int64Number(33).uvarint(1).uvarint(0).uvarint(16).raw(Buffer.alloc(16, 1)).toBuffer();
  assert.deepEqual(decodeOffsetCommitValue(v4), { offset: 9n, leaderEpoch: 5, metadata: 'x', commitTimestamp: 33, expireTimestamp: -1 });
  // Version 0.
  const v0 = new Writer().int16(0).int64(4n).string('z').int64Number(12).toBuffer();
  assert.deepEqual(decodeOffsetCommitValue(v0), { offset: 4n, leaderEpoch: -1, metadata: 'z', commitTimestamp: 12, expireTimestamp: -1 });

  const group = {
    protocolType: 'consumer',
    generation: 4,
    protocol: 'range',
    leader: 'm1',
    currentStateTimestamp: 99,
    members: [{ memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/h', rebalanceTimeout: 300, sessionTimeout: 100, subscription: Buffer.from([1]), assignment: Buffer.from([2, 3]) }],
  };
  const gv = encodeGroupMetadataValue(group);
  assert.equal(gv.readInt16BE(0), 3);
  assert.deepEqual(decodeGroupMetadataValue(gv), group);
  // Version 0: no rebalance timeout, instance id or state timestamp.
  const g0 = new Writer().int16(0).string('consumer').int32(1).nullableString(null).nullableString(null).int32(1)
    .string('m').string('c').string('h').int32(10).bytes(Buffer.alloc(0)).bytes(Buffer.alloc(0)).toBuffer();
  const d0 = decodeGroupMetadataValue(g0);
  assert.equal(d0.members[0]!.rebalanceTimeout, -1);
  assert.equal(d0.members[0]!.groupInstanceId, null);
  assert.equal(d0.currentStateTimestamp, -1);
});

const LOG_DEFAULTS = { segmentBytes: 1 << 30, segmentMs: 604800000, indexIntervalBytes: 4096, segmentIndexBytes: 10485760, flushMessages: Infinity, flushMs: Infinity };

function coordinator(logs: LogManager, clock: { now: number }, configs: Record<string, number> = {}): GroupCoordinator {
  const defaults: Record<string, number> = {
    'offsets.topic.num.partitions': 4,
    'offsets.topic.segment.bytes': 104857600,
    'offsets.retention.minutes': 1,
    'offsets.retention.check.interval.ms': 600000,
    'group.initial.rebalance.delay.ms': 0,
    'group.max.size': 1000,
    'message.max.bytes': 1048588,
  };
  return new GroupCoordinator({ logs, config: (n) => configs[n] ?? defaults[n]!, now: () => clock.now });
}

test('offset expiry: after offsets.retention.minutes for an Empty group, or at an explicit expiry; the emptied group is deleted', () => {
  const logs = LogManager.open({ dataDir: 'memory', nodeId: 1, defaults: LOG_DEFAULTS });
  try {
    logs.createTopic('t', { partitions: 2 });
    const clock = { now: 1_000_000 };
    const c = coordinator(logs, clock);
    c.start();
    const g = c.getOrCreate('simple')!;
    assert.equal(c.commitOffsets(g, [{ topic: 't', partition: 0, offset: 5n, leaderEpoch: -1, metadata: '' }], -1), 0);
    clock.now += 30_000;
    assert.equal(c.commitOffsets(g, [{ topic: 't', partition: 1, offset: 6n, leaderEpoch: -1, metadata: '' }], 10_000), 0);
    clock.now += 20_000; // 50 s after the first, 20 s after the second (explicit 10 s retention)
    c.expireOffsets();
    assert.deepEqual([...(g.offsets.get('t')?.keys() ?? [])], [0], 'the explicit expiry came first');
    clock.now += 15_000; // 65 s after the first commit: past one minute
    c.expireOffsets();
    assert.equal(g.offsets.size, 0);
    assert.equal(c.group('simple'), undefined, 'an empty group with no offsets is deleted');

    // Replayed from the log: the tombstones hold.
    c.stop();
    const again = coordinator(logs, clock);
    again.start();
    assert.equal(again.group('simple'), undefined);
    again.stop();

    // Every record went to the group's partition of __consumer_offsets.
    const p = partitionForGroup('simple', 4);
    const log = logs.partition(GROUP_METADATA_TOPIC, p)!;
    const read = log.read(0, 1 << 20);
    const batches = decodeRecordBatches(Buffer.concat(read.chunks));
    const tombstones = batches.flatMap((b) => b.records).filter((r) => r.value === null).length;
    assert.equal(tombstones, 2);
    assert.equal(logs.topic(GROUP_METADATA_TOPIC)!.configs['cleanup.policy'], 'compact');
  } finally {
    logs.close();
  }
});

test('loading: the last record per key wins, across groups and partitions', () => {
  const logs = LogManager.open({ dataDir: 'memory', nodeId: 1, defaults: LOG_DEFAULTS });
  try {
    logs.createTopic('t', { partitions: 1 });
    const clock = { now: 5_000 };
    const c = coordinator(logs, clock, { 'offsets.retention.minutes': 10_000 });
    c.start();
    for (let i = 0; i < 20; i++) {
      const g = c.getOrCreate(`g${i}`)!;
      for (let k = 0; k <= i % 3; k++) c.commitOffsets(g, [{ topic: 't', partition: 0, offset: BigInt(i * 10 + k), leaderEpoch: k, metadata: `m${k}` }], -1);
    }
    c.deleteGroup('g4');
    c.stop();
    const d = coordinator(logs, clock);
    d.start();
    assert.equal(d.groups().length, 19);
    for (let i = 0; i < 20; i++) {
      if (i === 4) continue;
      const o = d.group(`g${i}`)!.offsets.get('t')!.get(0)!;
      assert.equal(o.offset, BigInt(i * 10 + (i % 3)));
      assert.equal(o.metadata, `m${i % 3}`);
    }
    d.stop();
  } finally {
    logs.close();
  }
});

test('records: KIP-848 consumer group records (types 3, 5, 6, 7, 8), flexible version 0', async () => {
  const r = await import('../../../src/coordinator/group/records.ts');
  assert.deepEqual([...r.encodeConsumerKey(3, 'g')], [0, 3, 0, 1, 0x67]);
  assert.deepEqual([...r.encodeConsumerKey(8, 'g', 'm')], [0, 8, 0, 1, 0x67, 0, 1, 0x6d]);
  assert.deepEqual(decodeKey(r.encodeConsumerKey(5, 'g', 'm')), { type: 'consumer', recordType: 5, group: 'g', memberId: 'm' });
  assert.deepEqual([...r.encodeConsumerGroupMetadataValue(7)], [0, 0, 0, 0, 0, 7, 0]);
  assert.deepEqual(r.decodeConsumerGroupMetadataValue(r.encodeConsumerGroupMetadataValue(7)), { epoch: 7 });
  assert.deepEqual(r.decodeTargetAssignmentMetadataValue(r.encodeTargetAssignmentMetadataValue(9)), { assignmentEpoch: 9 });
  const tps = [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [0, 2] }];
  const target = r.encodeTargetAssignmentMemberValue(tps);
  // version 0, compact array of 1, uuid, compact array of 2 int32, tags, tags
  assert.equal(target.length, 2 + 1 + 16 + 1 + 8 + 1 + 1);
  assert.deepEqual(r.decodeTargetAssignmentMemberValue(target), tps);
  const meta = { instanceId: null, rackId: 'r', clientId: 'c', clientHost: '/h', subscribedTopicNames: ['a', 'b'], subscribedTopicRegex: null, rebalanceTimeoutMs: 300, serverAssignor: 'uniform', classicMemberMetadata: null };
  const metaBytes = r.encodeConsumerMemberMetadataValue(meta);
  assert.equal(metaBytes[metaBytes.length - 1], 0, 'no tagged fields for a consumer-protocol member');
  assert.deepEqual(r.decodeConsumerMemberMetadataValue(metaBytes), meta);
  // A hosted classic member (KIP-848 migration): ClassicMemberMetadata as tagged field 0.
  const classic = { ...meta, classicMemberMetadata: { sessionTimeoutMs: 45000, supportedProtocols: [{ name: 'range', metadata: Buffer.from([1, 2]) }] } };
  const classicBytes = r.encodeConsumerMemberMetadataValue(classic);
  // tags: 1 field, tag 0, size 16: int32 session timeout, array of 1, "range", bytes [1,2], tags, tags
  assert.equal(classicBytes.subarray(metaBytes.length - 1).toString('hex'), '01' + '00' + '10' + '0000afc8' + '02' + '0672616e6765' + '030102' + '00' + '00');
  assert.deepEqual(r.decodeConsumerMemberMetadataValue(classicBytes), classic);
  const current = { memberEpoch: 4, previousMemberEpoch: 3, state: 0, assignedPartitions: tps, partitionsPendingRevocation: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitions: [1] }] };
  assert.deepEqual(r.decodeCurrentAssignmentValue(r.encodeCurrentAssignmentValue(current)), current);
});

test('offsets of a deleted topic are removed at the next expiry check', () => {
  const logs = LogManager.open({ dataDir: 'memory', nodeId: 1, defaults: LOG_DEFAULTS });
  try {
    logs.createTopic('keep', { partitions: 1 });
    logs.createTopic('drop', { partitions: 1 });
    const clock = { now: 1_000 };
    const c = coordinator(logs, clock, { 'offsets.retention.minutes': 10_000 });
    c.start();
    const g = c.getOrCreate('g')!;
    c.commitOffsets(g, [{ topic: 'keep', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' }, { topic: 'drop', partition: 0, offset: 2n, leaderEpoch: -1, metadata: '' }], -1);
    logs.deleteTopic('drop');
    c.expireOffsets();
    assert.deepEqual([...g.offsets.keys()], ['keep']);
    c.stop();
  } finally {
    logs.close();
  }
});

test('KIP-496: offsets of topics no member subscribes to expire while the group is Stable', async () => {
  const logs = LogManager.open({ dataDir: 'memory', nodeId: 1, defaults: LOG_DEFAULTS });
  try {
    logs.createTopic('sub', { partitions: 1 });
    logs.createTopic('old', { partitions: 1 });
    const clock = { now: 1_000_000 };
    const c = coordinator(logs, clock);
    c.start();
    const g = c.getOrCreate('g')!;
    // ConsumerProtocolSubscription v0 for topic "sub".
    const metadata = Buffer.from([0, 0, 0, 0, 0, 1, 0, 3, 0x73, 0x75, 0x62, 0xff, 0xff, 0xff, 0xff]);
    const joined = await g.join({ memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata }], sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 60_000, clientId: 'c', clientHost: '/h', apiVersion: 3 });
    await g.sync({ memberId: joined.memberId, groupInstanceId: null, generationId: joined.generationId, protocolType: null, protocolName: null, assignments: [] });
    assert.equal(g.state, 'Stable');
    c.commitOffsets(g, [{ topic: 'sub', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' }, { topic: 'old', partition: 0, offset: 2n, leaderEpoch: -1, metadata: '' }], -1);
    clock.now += 61_000;
    c.expireOffsets();
    assert.deepEqual([...g.offsets.keys()], ['sub']);
    c.stop();
  } finally {
    logs.close();
  }
});

test('records: KIP-932 share group records (types 10, 11, 12, 14, 15), flexible version 0', async () => {
  const r = await import('../../../src/coordinator/group/records.ts');
  // ShareGroupMetadataValue: version, epoch, metadata hash, no tagged fields.
  assert.equal(r.encodeShareGroupMetadataValue(7, 0n).toString('hex'), '0000' + '00000007' + '0000000000000000' + '00');
  assert.deepEqual(r.decodeShareGroupMetadataValue(r.encodeShareGroupMetadataValue(7, 5n)), { epoch: 7, metadataHash: 5n });
  // ShareGroupTargetAssignmentMetadataValue: the epoch, and AssignmentTimestamp as tag 0 (8 bytes).
  assert.equal(r.encodeShareTargetAssignmentMetadataValue(3, 1).toString('hex'), '0000' + '00000003' + '01' + '00' + '08' + '0000000000000001');
  // ShareGroupMemberMetadataValue: compact strings, null rack as length 0.
  const member = { rackId: null, clientId: 'c', clientHost: '/h', subscribedTopicNames: ['t'] };
  assert.equal(r.encodeShareMemberMetadataValue(member).toString('hex'), '0000' + '00' + '0263' + '032f68' + '02' + '0274' + '00');
  assert.deepEqual(r.decodeShareMemberMetadataValue(r.encodeShareMemberMetadataValue(member)), member);
  // ShareGroupCurrentMemberAssignmentValue: epochs, state, one topic with partitions 0 and 1.
  const topicId = 'AAECAwQFBgcICQoLDA0ODw';
  const current = { memberEpoch: 2, previousMemberEpoch: 1, state: 2, assignedPartitions: [{ topicId, partitions: [0, 1] }] };
  assert.equal(
    r.encodeShareCurrentAssignmentValue(current).toString('hex'),
    '0000' + '00000002' + '00000001' + '02' + '02' + '000102030405060708090a0b0c0d0e0f' + '03' + '00000000' + '00000001' + '00' + '00',
  );
  assert.deepEqual(r.decodeShareCurrentAssignmentValue(r.encodeShareCurrentAssignmentValue(current)), current);
  // ShareGroupStatePartitionMetadataValue round trip.
  const spm = { initializingTopics: [], initializedTopics: [{ topicId, topicName: 't', partitions: [0, 3] }], deletingTopics: [{ topicId, topicName: 't' }] };
  assert.deepEqual(r.decodeShareStatePartitionMetadataValue(r.encodeShareStatePartitionMetadataValue(spm)), spm);
});
