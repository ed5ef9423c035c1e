// The transaction coordinator's state machine with recorded hooks: fencing by epoch bumps,
// markers to every partition, retries of EndTxn, timeouts, verification, transactions v2
// (epoch bumped at every end, Kafka's retry table, producer id rotation on exhaustion), and
// transactional id expiry.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransactionCoordinator, type TopicPartitionRef, type TransactionLogValue } from '../../../../src/coordinator/txn/index.ts';

function setup() {
  let now = 1000;
  let nextId = 100n;
  const markers: { tp: TopicPartitionRef; producerId: bigint; producerEpoch: number; commit: boolean }[] = [];
  const persisted: { id: string; value: TransactionLogValue | null }[] = [];
  const c = new TransactionCoordinator(
    {
      now: () => now,
      generateProducerId: () => nextId++,
      writeMarker: (tp, producerId, producerEpoch, commit) => (markers.push({ tp, producerId, producerEpoch, commit }), 0),
      partitionExists: (tp) => tp.topic !== 'missing',
      persist: (id, value) => (persisted.push({ id, value }), 0),
      warn: () => {},
    },
    60_000,
  );
  return { c, markers, persisted, advance: (ms: number) => (now += ms) };
}

const A0 = { topic: 'a', partition: 0 };
const A1 = { topic: 'a', partition: 1 };

test('classic: commit and abort write markers to every partition; EndTxn retries', () => {
  const { c, markers } = setup();
  const p = c.initProducerId('t', 10_000, -1n, -1);
  assert.deepEqual(p, { errorCode: 0, producerId: 100n, producerEpoch: 0 });
  assert.equal(c.endTxn('t', 100n, 0, true).errorCode, 48);
  assert.deepEqual(c.enlist('t', 100n, 0, [A0, A1]), [0, 0]);
  assert.equal(c.endTxn('t', 100n, 0, true).errorCode, 0);
  assert.equal(markers.length, 2);
  assert.ok(markers.every((m) => m.commit && m.producerEpoch === 0));
  assert.equal(c.endTxn('t', 100n, 0, true).errorCode, 0);
  assert.equal(c.endTxn('t', 100n, 0, false).errorCode, 48);
  assert.deepEqual(c.enlist('t', 100n, 0, [A0, { topic: 'missing', partition: 0 }]), [55, 3]);
  c.enlist('t', 100n, 0, [{ topic: 'b', partition: 0 }]);
  assert.equal(c.endTxn('t', 100n, 0, false).errorCode, 0);
  assert.equal(markers.length, 3);
  assert.equal(c.get('t')!.producerEpoch, 0);
});

test('verification: only partitions of the ongoing transaction pass', () => {
  const { c } = setup();
  c.initProducerId('t', 10_000, -1n, -1);
  assert.deepEqual(c.enlist('t', 100n, 0, [A0], 'verify'), [120]);
  c.enlist('t', 100n, 0, [A0]);
  assert.deepEqual(c.enlist('t', 100n, 0, [A0, A1], 'verify'), [0, 120]);
  assert.deepEqual(c.enlist('t', 100n, 1, [A0], 'verify'), [90]);
  assert.deepEqual(c.enlist('t', 7n, 0, [A0], 'verify'), [49]);
  assert.deepEqual(c.enlist('nobody', 100n, 0, [A0], 'verify'), [49]);
});

test('fencing: InitProducerId aborts an ongoing transaction with a bumped epoch; bad ids and timeouts', () => {
  const { c, markers } = setup();
  c.initProducerId('t', 10_000, -1n, -1);
  c.enlist('t', 100n, 0, [A0]);
  const p2 = c.initProducerId('t', 10_000, -1n, -1);
  assert.deepEqual(markers, [{ tp: A0, producerId: 100n, producerEpoch: 1, commit: false }]);
  assert.deepEqual(p2, { errorCode: 0, producerId: 100n, producerEpoch: 2 });
  assert.deepEqual(c.enlist('t', 100n, 0, [A0]), [90]);
  assert.deepEqual(c.enlist('t', 999n, 2, [A0]), [49]);
  assert.equal(c.initProducerId('t', 60_001, -1n, -1).errorCode, 50);
  assert.equal(c.initProducerId('t', 10_000, 100n, 7).errorCode, 90);
  // KIP-360: the current pair bumps; a retry with the pair before answers without a bump.
  assert.deepEqual(c.initProducerId('t', 10_000, 100n, 2), { errorCode: 0, producerId: 100n, producerEpoch: 3 });
  assert.deepEqual(c.initProducerId('t', 10_000, 100n, 2), { errorCode: 0, producerId: 100n, producerEpoch: 3 });
});

test('a transaction past its timeout is aborted with the epoch bumped twice (fence, then the v2 end)', () => {
  const { c, markers, advance } = setup();
  c.initProducerId('t', 1_000, -1n, -1);
  c.enlist('t', 100n, 0, [A0]);
  advance(999);
  assert.deepEqual(c.abortTimedOut(), []);
  advance(2);
  assert.deepEqual(c.abortTimedOut(), ['t']);
  assert.deepEqual(markers, [{ tp: A0, producerId: 100n, producerEpoch: 2, commit: false }]);
  assert.equal(c.endTxn('t', 100n, 0, true).errorCode, 90);
  // The producer's own epoch is not taken for a retry of the abort (only the fenced one would be).
  assert.equal(c.endTxn('t', 100n, 0, false, true).errorCode, 90);
  assert.equal(c.get('t')!.state, 'CompleteAbort');
});

test('transactions v2: the epoch bumps at every end, markers carry it, Kafka retry table', () => {
  const { c, markers, persisted } = setup();
  c.initProducerId('t', 10_000, -1n, -1);
  assert.deepEqual(c.enlist('t', 100n, 0, [A0], 'implicit'), [0]);
  assert.equal(c.get('t')!.clientTransactionVersion, 2);
  assert.deepEqual(c.endTxn('t', 100n, 0, true, true), { errorCode: 0, producerId: 100n, producerEpoch: 1 });
  assert.deepEqual(markers, [{ tp: A0, producerId: 100n, producerEpoch: 1, commit: true }]);
  assert.equal(persisted.at(-1)!.value!.clientTransactionVersion, 2);
  // A retry (epoch before the bump) of the same result succeeds with the current pair.
  assert.deepEqual(c.endTxn('t', 100n, 0, true, true), { errorCode: 0, producerId: 100n, producerEpoch: 1 });
  assert.equal(c.endTxn('t', 100n, 0, false, true).errorCode, 48);
  // COMMIT with the current epoch and no transaction: INVALID_TXN_STATE; ABORT: bumps.
  assert.equal(c.endTxn('t', 100n, 1, true, true).errorCode, 48);
  assert.deepEqual(c.endTxn('t', 100n, 1, false, true), { errorCode: 0, producerId: 100n, producerEpoch: 2 });
  assert.equal(markers.length, 1);
  // The old epoch is fenced for the next transaction.
  assert.deepEqual(c.enlist('t', 100n, 1, [A0], 'implicit'), [90]);
  assert.deepEqual(c.enlist('t', 100n, 2, [A0], 'implicit'), [0]);
  assert.equal(c.endTxn('t', 100n, 0, false, true).errorCode, 90);
  assert.deepEqual(c.endTxn('t', 100n, 2, false, true), { errorCode: 0, producerId: 100n, producerEpoch: 3 });
  assert.deepEqual(markers.at(-1), { tp: A0, producerId: 100n, producerEpoch: 3, commit: false });
});

test('transactions v2: an exhausted epoch moves to a new producer id at epoch 0', () => {
  const { c, markers } = setup();
  c.initProducerId('t', 10_000, -1n, -1);
  c.get('t')!.producerEpoch = 32766;
  c.enlist('t', 100n, 32766, [A0], 'implicit');
  assert.deepEqual(c.endTxn('t', 100n, 32766, true, true), { errorCode: 0, producerId: 101n, producerEpoch: 0 });
  assert.deepEqual(markers, [{ tp: A0, producerId: 100n, producerEpoch: 32767, commit: true }]);
  // The retry names the old id and its last epoch.
  assert.deepEqual(c.endTxn('t', 100n, 32766, true, true), { errorCode: 0, producerId: 101n, producerEpoch: 0 });
});

test('recovery: Ongoing aborted with a bump, Prepare completed; idle ids expire', () => {
  const { c, markers, persisted, advance } = setup();
  c.load('a', { producerId: 5n, producerEpoch: 3, transactionTimeoutMs: 1000, status: 'Ongoing', partitions: [{ topic: 'a', partitionIds: [0] }], lastUpdateTimestampMs: 0, startTimestampMs: 0 });
  c.load('b', { producerId: 6n, producerEpoch: 4, transactionTimeoutMs: 1000, status: 'PrepareCommit', partitions: [{ topic: 'a', partitionIds: [1] }], lastUpdateTimestampMs: 0, startTimestampMs: 0 });
  assert.deepEqual(c.recover().sort(), ['a: CompleteAbort', 'b: CompleteCommit']);
  assert.deepEqual(markers, [
    { tp: A0, producerId: 5n, producerEpoch: 5, commit: false },
    { tp: A1, producerId: 6n, producerEpoch: 4, commit: true },
  ]);
  advance(10_000);
  assert.deepEqual(c.expireTransactionalIds(11_000, 10_001), []);
  assert.deepEqual(c.expireTransactionalIds(11_000, 5_000).sort(), ['a', 'b']);
  assert.equal(c.get('a'), undefined);
  assert.equal(persisted.at(-1)!.value, null);
});
