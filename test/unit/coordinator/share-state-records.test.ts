// The records of __share_group_state against hand-written bytes of Kafka's layouts
// (share-coordinator-records/ShareSnapshot*, ShareUpdate*), the partition rule, and how
// state batches combine.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionForShareState, shareCoordinatorKey } from '../../../src/coordinator/share/state-coordinator.ts';
import {
  combineStateBatches,
  decodeShareSnapshotValue,
  decodeShareStateKey,
  decodeShareUpdateValue,
  encodeShareSnapshotValue,
  encodeShareStateKey,
  encodeShareUpdateValue,
} from '../../../src/coordinator/share/state-records.ts';

const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw'; // bytes 00..0f

test('ShareSnapshotKey / ShareUpdateKey: int16 type, string group, uuid, int32 partition', () => {
  const key = encodeShareStateKey(1, 'g', TOPIC_ID, 7);
  assert.equal(key.toString('hex'), '0001' + '000167' + '000102030405060708090a0b0c0d0e0f' + '00000007');
  assert.deepEqual(decodeShareStateKey(key), { recordType: 1, groupId: 'g', topicId: TOPIC_ID, partition: 7 });
  assert.equal(decodeShareStateKey(Buffer.from('0003000167', 'hex')), null, 'other record types are not ours');
});

test('ShareSnapshotValue v0: fields in order, compact batch array, DeliveryCompleteCount as tag 0', () => {
  const value = {
    snapshotEpoch: 1,
    stateEpoch: 2,
    leaderEpoch: 3,
    startOffset: 10,
    deliveryCompleteCount: 4,
    createTimestamp: 5,
    writeTimestamp: 6,
    stateBatches: [{ firstOffset: 10, lastOffset: 11, deliveryState: 2, deliveryCount: 1 }],
  };
  const hex = encodeShareSnapshotValue(value).toString('hex');
  const i64 = (n: number) => n.toString(16).padStart(16, '0');
  const expected =
    '0000' + '00000001' + '00000002' + '00000003' + i64(10) + i64(5) + i64(6) +
    '02' + i64(10) + i64(11) + '02' + '0001' + '00' + // one batch, its empty tagged fields
    '01' + '00' + '04' + '00000004'; // tag 0, 4 bytes
  assert.equal(hex, expected);
  assert.deepEqual(decodeShareSnapshotValue(Buffer.from(hex, 'hex')), value);
  // The default (-1) is not written.
  const unknown = encodeShareSnapshotValue({ ...value, deliveryCompleteCount: -1 });
  assert.equal(unknown.subarray(-1).toString('hex'), '00');
  assert.equal(decodeShareSnapshotValue(unknown).deliveryCompleteCount, -1);
});

test('ShareUpdateValue v0 round trip, start offset -1 when unchanged', () => {
  const value = { snapshotEpoch: 4, leaderEpoch: 0, startOffset: -1, deliveryCompleteCount: 0, stateBatches: [{ firstOffset: 3, lastOffset: 3, deliveryState: 4, deliveryCount: 5 }] };
  const buf = encodeShareUpdateValue(value);
  assert.equal(buf.subarray(0, 10).toString('hex'), '0000' + '00000004' + '00000000');
  assert.deepEqual(decodeShareUpdateValue(buf), value);
});

test('state partition: abs(String.hashCode("group:topicId:partition")) % partitions', () => {
  assert.equal(shareCoordinatorKey('g', TOPIC_ID, 7), `g:${TOPIC_ID}:7`);
  // "a:b:1".hashCode() in Java = ((((97*31+58)*31+98)*31+58)*31+49) = 91405440.
  let h = 0;
  for (const ch of 'a:b:1') h = (Math.imul(31, h) + ch.charCodeAt(0)) | 0;
  assert.equal(h, 91405440);
  assert.equal(partitionForShareState('a', 'b', 1, 50), 91405440 % 50);
});

test('combining state batches: later ones win where they overlap; below the start offset goes; equal neighbours merge', () => {
  const b = (f: number, l: number, s: number, n: number) => ({ firstOffset: f, lastOffset: l, deliveryState: s, deliveryCount: n });
  assert.deepEqual(combineStateBatches([b(0, 9, 0, 1)], [b(3, 4, 2, 1)], 0), [b(0, 2, 0, 1), b(3, 4, 2, 1), b(5, 9, 0, 1)]);
  assert.deepEqual(combineStateBatches([b(0, 9, 0, 1)], [b(3, 4, 2, 1)], 4), [b(4, 4, 2, 1), b(5, 9, 0, 1)]);
  assert.deepEqual(combineStateBatches([b(0, 2, 2, 1)], [b(3, 5, 2, 1)], 0), [b(0, 5, 2, 1)]);
  assert.deepEqual(combineStateBatches([b(0, 2, 2, 1), b(5, 6, 0, 2)], [b(1, 5, 4, 3)], 0), [b(0, 0, 2, 1), b(1, 5, 4, 3), b(6, 6, 0, 2)]);
});
