// __transaction_state records: Kafka's byte layout, round trips, partitioning.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue, partitionForTransactionalId } from '../../../../src/coordinator/txn/index.ts';

test('key and value round-trip in the v0 layout', () => {
  const key = encodeTransactionLogKey('tx-1');
  assert.deepEqual([...key], [0, 0, 0, 4, ...Buffer.from('tx-1')]);
  assert.equal(decodeTransactionLogKey(key), 'tx-1');
  const value = { producerId: 7n, producerEpoch: 3, transactionTimeoutMs: 60000, status: 'Ongoing' as const, partitions: [{ topic: 'a', partitionIds: [0, 2] }], lastUpdateTimestampMs: 5, startTimestampMs: 4 };
  const bytes = encodeTransactionLogValue(value, 0);
  assert.equal(bytes.readInt16BE(0), 0);
  assert.equal(bytes.readInt8(16), 1);
  assert.equal(bytes.length, 2 + 8 + 2 + 4 + 1 + 4 + (2 + 1 + 4 + 8) + 16);
  assert.deepEqual(decodeTransactionLogValue(bytes), { ...value, previousProducerId: -1n, nextProducerId: -1n, nextProducerEpoch: -1, clientTransactionVersion: 0 });
});

test('value v1: the flexible layout with tagged fields (transactions v2)', () => {
  const value = {
    producerId: 7n,
    producerEpoch: 3,
    transactionTimeoutMs: 60000,
    status: 'PrepareCommit' as const,
    partitions: [{ topic: 'a', partitionIds: [0, 2] }],
    lastUpdateTimestampMs: 5,
    startTimestampMs: 4,
    previousProducerId: -1n,
    nextProducerId: 9n,
    nextProducerEpoch: -1,
    clientTransactionVersion: 2,
  };
  const bytes = encodeTransactionLogValue(value);
  assert.equal(bytes.readInt16BE(0), 1);
  assert.equal(bytes.readInt8(16), 2);
  // compact array of one: 2; topic: length+1 then 'a'; two ids: 3; no tags in the struct
  assert.deepEqual([...bytes.subarray(17, 21)], [2, 2, 0x61, 3]);
  assert.equal(bytes[29], 0);
  // after the timestamps: two tags, 1 (NextProducerId, 8 bytes) and 2 (ClientTransactionVersion, 2 bytes)
  assert.deepEqual([...bytes.subarray(46)], [2, 1, 8, 0, 0, 0, 0, 0, 0, 0, 9, 2, 2, 0, 2]);
  assert.deepEqual(decodeTransactionLogValue(bytes), value);
});

test("partitions follow Kafka's abs(String.hashCode) % n", () => {
  // "hello".hashCode() = 99162322
  assert.equal(partitionForTransactionalId('hello', 50), 99162322 % 50);
  assert.equal(partitionForTransactionalId('', 50), 0);
});
