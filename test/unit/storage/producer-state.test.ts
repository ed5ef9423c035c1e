// The producer state of one partition: Kafka's sequence and epoch rules, the last five
// batches, sequence wrap-around, expiry, and the snapshot round trip.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryFileSystem } from '../../../src/storage/index.ts';
import { ProducerStateManager, lastSequenceOf, type ProducerBatch } from '../../../src/storage/log/producer-state.ts';

function pb(producerId: bigint, producerEpoch: number, baseSequence: number, count: number, maxTimestamp = 1000): ProducerBatch {
  return { producerId, producerEpoch, baseSequence, lastOffsetDelta: count - 1, maxTimestamp, isTransactional: false, isControl: false };
}

test('duplicates of the last five batches only; gaps and stale epochs refused', () => {
  const fs = new MemoryFileSystem();
  fs.mkdir('/p');
  const s = new ProducerStateManager(fs, '/p', 't-0');
  let offset = 0;
  for (let i = 0; i < 7; i++) {
    assert.equal(s.check(pb(1n, 0, i * 2, 2)).kind, 'ok');
    s.update(pb(1n, 0, i * 2, 2), offset, offset + 1);
    offset += 2;
  }
  assert.deepEqual(s.check(pb(1n, 0, 12, 2)), { kind: 'duplicate', firstOffset: 12, lastOffset: 13 });
  assert.deepEqual(s.check(pb(1n, 0, 4, 2)), { kind: 'duplicate', firstOffset: 4, lastOffset: 5 });
  const old = s.check(pb(1n, 0, 2, 2));
  assert.equal(old.kind === 'error' && old.error, 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  const gap = s.check(pb(1n, 0, 15, 1));
  assert.equal(gap.kind === 'error' && gap.error, 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  const newEpoch = s.check(pb(1n, 1, 3, 1));
  assert.equal(newEpoch.kind === 'error' && newEpoch.error, 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  s.update(pb(1n, 1, 0, 1), 14, 14);
  const stale = s.check(pb(1n, 0, 14, 1));
  assert.equal(stale.kind === 'error' && stale.error, 'INVALID_PRODUCER_EPOCH');
  assert.equal(s.check(pb(9n, 3, 77, 1)).kind, 'ok');
});

test('sequences wrap after Int32 max', () => {
  const s = new ProducerStateManager(new MemoryFileSystem(), '/p', 't-0');
  assert.equal(lastSequenceOf(0x7ffffffe, 3), 1);
  s.update(pb(1n, 0, 0x7ffffffe, 2), 0, 1);
  assert.equal(s.check(pb(1n, 0, 0, 1)).kind, 'ok');
  assert.equal(s.check(pb(1n, 0, 1, 1)).kind, 'error');
});

test('snapshots round-trip the retained batches; expiry forgets idle producers', () => {
  const fs = new MemoryFileSystem();
  fs.mkdir('/p');
  const s = new ProducerStateManager(fs, '/p', 't-0');
  for (let i = 0; i < 6; i++) s.update(pb(5n, 2, i, 1, 100 + i), 10 + i, 10 + i);
  s.update(pb(6n, 0, 0, 3, 50), 16, 18);
  s.takeSnapshot(19);
  s.takeSnapshot(19);
  s.takeSnapshot(25);
  s.takeSnapshot(30);
  assert.deepEqual(s.snapshotOffsets(), [25, 30]);
  const loaded = new ProducerStateManager(fs, '/p', 't-0');
  assert.equal(loaded.loadSnapshot(0, 26), 25);
  assert.deepEqual(s.snapshotOffsets(), [25]);
  assert.deepEqual(loaded.entry(5n), s.entry(5n));
  assert.deepEqual(loaded.entry(6n), s.entry(6n));
  assert.equal(loaded.entry(5n)!.batches.length, 5);
  assert.equal(loaded.removeExpired(150, 60), 1);
  assert.equal(loaded.entry(6n), undefined);
  assert.ok(loaded.entry(5n));
});
