// __transaction_state records: Kafka's byte layout, round trips, partitioning.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue, partitionForTransactionalId } from '../../../../src/coordinator/txn/index.ts';

test('key and value round-trip in the v0 layout', () => {
  const key = encodeTransactionLogKey('tx-1');
  assert.deepEqual([...key], [0, 0, 0, 4, ...Buffer.from('tx-1')]);
  assert.equal(decodeTransactionLogKey(key), 'tx-1');
  const value = { producerId: 7n, producerEpoch: 3, transactionTimeoutMs: 60000, status: 'Ongoing' as const, partitions: [{ topic: 'a', partitionIds: [0, 2] }], lastUpdateTimestampMs: 5, startTimestampMs: 4 };
  const bytes = encodeTransactionLogValue(value);
  assert.equal(bytes.readInt16BE(0), 0);
  assert.equal(bytes.readInt8(16), 1);
  assert.equal(bytes.length, 2 + 8 + 2 + 4 + 1 + 4 + (2 + 1 + 4 + 8) + 16);
  assert.deepEqual(decodeTransactionLogValue(bytes), value);
});

test("partitions follow Kafka's abs(String.hashCode) % n", () => {
  // "hello".hashCode() = 99162322
  assert.equal(partitionForTransactionalId('hello', 50), 99162322 % 50);
  assert.equal(partitionForTransactionalId('', 50), 0);
});
