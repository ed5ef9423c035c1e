// The transaction coordinator's state machine with recorded hooks: fencing by epoch bumps,
// markers to every partition, offsets only on commit, retries of EndTxn, timeouts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransactionCoordinator, type PendingOffset, type TopicPartitionRef } from '../../../../src/coordinator/txn/index.ts';

function setup() {
  let now = 1000;
  let nextId = 100n;
  const markers: { tp: TopicPartitionRef; producerEpoch: number; commit: boolean }[] = [];
  const offsets: { groupId: string; offsets: PendingOffset[] }[] = [];
  const c = new TransactionCoordinator(
    {
      now: () => now,
      generateProducerId: () => nextId++,
      writeMarker: (tp, _pid, producerEpoch, commit) => (markers.push({ tp, producerEpoch, commit }), 0),
      commitOffsets: (groupId, o) => (offsets.push({ groupId, offsets: o }), 0),
      partitionExists: (tp) => tp.topic !== 'missing',
      warn: () => {},
    },
    60_000,
  );
  return { c, markers, offsets, advance: (ms: number) => (now += ms) };
}

test('commit writes markers and offsets; abort writes markers only; EndTxn retries', () => {
  const { c, markers, offsets } = setup();
  const p = c.initProducerId('t', 10_000, -1n, -1);
  assert.deepEqual(p, { errorCode: 0, producerId: 100n, producerEpoch: 0 });
  assert.equal(c.endTxn('t', 100n, 0, true), 48);
  assert.deepEqual(c.addPartitions('t', 100n, 0, [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }]), [0, 0]);
  assert.equal(c.addOffsets('t', 100n, 0, 'g'), 0);
  assert.equal(c.commitOffsetsInTxn('t', 100n, 0, 'g', [{ topic: 'in', partition: 0, offset: 5n, leaderEpoch: -1, metadata: '' }]), 0);
  assert.equal(c.commitOffsetsInTxn('t', 100n, 0, 'other', []), 48);
  assert.equal(c.endTxn('t', 100n, 0, true), 0);
  assert.equal(markers.length, 2);
  assert.ok(markers.every((m) => m.commit && m.producerEpoch === 0));
  assert.equal(offsets[0]!.groupId, 'g');
  assert.equal(c.endTxn('t', 100n, 0, true), 0);
  assert.equal(c.endTxn('t', 100n, 0, false), 48);
  assert.deepEqual(c.addPartitions('t', 100n, 0, [{ topic: 'a', partition: 0 }, { topic: 'missing', partition: 0 }]), [55, 3]);
  c.addPartitions('t', 100n, 0, [{ topic: 'b', partition: 0 }]);
  assert.equal(c.endTxn('t', 100n, 0, false), 0);
  assert.equal(markers.length, 3);
  assert.equal(offsets.length, 1);
});

test('fencing: a new InitProducerId bumps the epoch and aborts with it; bad ids and timeouts', () => {
  const { c, markers } = setup();
  c.initProducerId('t', 10_000, -1n, -1);
  c.addPartitions('t', 100n, 0, [{ topic: 'a', partition: 0 }]);
  const p2 = c.initProducerId('t', 10_000, -1n, -1);
  assert.deepEqual(p2, { errorCode: 0, producerId: 100n, producerEpoch: 1 });
  assert.deepEqual(markers, [{ tp: { topic: 'a', partition: 0 }, producerEpoch: 1, commit: false }]);
  assert.deepEqual(c.addPartitions('t', 100n, 0, [{ topic: 'a', partition: 0 }]), [90]);
  assert.deepEqual(c.addPartitions('t', 999n, 1, [{ topic: 'a', partition: 0 }]), [49]);
  assert.equal(c.initProducerId('t', 60_001, -1n, -1).errorCode, 50);
  assert.equal(c.initProducerId('t', 10_000, 100n, 7).errorCode, 90);
});

test('a transaction past its timeout is aborted with a bumped epoch', () => {
  const { c, markers, advance } = setup();
  c.initProducerId('t', 1_000, -1n, -1);
  c.addPartitions('t', 100n, 0, [{ topic: 'a', partition: 0 }]);
  advance(999);
  assert.deepEqual(c.abortTimedOut(), []);
  advance(2);
  assert.deepEqual(c.abortTimedOut(), ['t']);
  assert.deepEqual(markers, [{ tp: { topic: 'a', partition: 0 }, producerEpoch: 1, commit: false }]);
  assert.equal(c.endTxn('t', 100n, 0, true), 90);
  assert.equal(c.get('t')!.state, 'CompleteAbort');
});
