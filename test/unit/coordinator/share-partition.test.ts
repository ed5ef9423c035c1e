// The share-partition state machine of KIP-932 on its own: acquisition in batches, locks,
// acknowledgement types (per range or per offset), delivery limits, the in-flight bound.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharePartition } from '../../../src/coordinator/index.ts';

const INVALID = 121;

/** A log of `end` offsets in batches of `batch` records. */
function log(end: number, batch = 1) {
  return {
    highWatermark: end,
    logStartOffset: 0,
    batchAt(offset: number) {
      if (offset >= end) return null;
      const base = offset - (offset % batch);
      return { baseOffset: base, lastOffset: Math.min(base + batch - 1, end - 1) };
    },
  };
}

function partition(limits: Partial<{ lock: number; deliveries: number; inFlight: number }> = {}) {
  const sp = new SharePartition(0, {
    lockDurationMs: () => limits.lock ?? 60_000,
    deliveryCountLimit: () => limits.deliveries ?? 5,
    maxInFlight: () => limits.inFlight ?? 2000,
  });
  return sp;
}

test('acquisition takes whole batches, once each, and the SPSO follows acknowledgements', () => {
  const sp = partition();
  try {
    const a = sp.acquire('a', 3, log(10, 4));
    assert.deepEqual(a, [{ firstOffset: 0, lastOffset: 3, deliveryCount: 1 }], 'the batch boundary wins over maxRecords');
    const b = sp.acquire('b', 3, log(10, 4));
    assert.deepEqual(b, [{ firstOffset: 4, lastOffset: 7, deliveryCount: 1 }]);
    // Per-offset types: accept 0, reject 1, release 2, accept 3.
    assert.equal(sp.acknowledge('a', 0, 3, [1, 3, 2, 1], INVALID), 0);
    assert.equal(sp.startOffset, 2, 'offsets 0 and 1 are finished');
    assert.equal(sp.state(2), 'AVAILABLE');
    assert.equal(sp.acknowledge('a', 4, 4, [1], INVALID), INVALID, 'b holds it');
    assert.equal(sp.acknowledge('b', 4, 5, [1, 1, 1], INVALID), INVALID, 'types and range disagree');
    const again = sp.acquire('a', 10, log(10, 4));
    assert.deepEqual(again[0], { firstOffset: 2, lastOffset: 2, deliveryCount: 2 });
    assert.deepEqual(again[1], { firstOffset: 8, lastOffset: 9, deliveryCount: 1 });
  } finally {
    sp.close();
  }
});

test('delivery count limit archives; gaps archive; renew keeps the lock; in-flight is bounded', () => {
  const sp = partition({ deliveries: 2, inFlight: 3 });
  try {
    assert.equal(sp.acquire('a', 10, log(10)).reduce((n, r) => n + r.lastOffset - r.firstOffset + 1, 0), 3, 'at most 3 in flight');
    assert.equal(sp.acknowledge('a', 0, 0, [2], INVALID), 0); // release: delivery 1 of 2
    assert.deepEqual(sp.acquire('b', 1, log(10)), [{ firstOffset: 0, lastOffset: 0, deliveryCount: 2 }]);
    assert.equal(sp.acknowledge('b', 0, 0, [2], INVALID), 0); // released at the limit
    assert.equal(sp.state(0), undefined, 'archived and passed by the SPSO');
    assert.equal(sp.startOffset, 1);
    assert.equal(sp.acknowledge('a', 1, 1, [4], INVALID), 0, 'renew');
    assert.equal(sp.state(1), 'ACQUIRED');
    assert.equal(sp.acknowledge('a', 1, 2, [0], INVALID), 0, 'gap');
    assert.equal(sp.startOffset, 3);
    sp.releaseMember('a');
    assert.equal(sp.inFlight, 0);
  } finally {
    sp.close();
  }
});

test('an expired lock makes records available again', async () => {
  const sp = partition({ lock: 20 });
  try {
    sp.acquire('a', 5, log(5));
    const deadline = Date.now() + 5000;
    while (sp.state(0) !== 'AVAILABLE' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sp.state(0), 'AVAILABLE');
    assert.deepEqual(sp.acquire('b', 5, log(5)), [{ firstOffset: 0, lastOffset: 4, deliveryCount: 2 }]);
  } finally {
    sp.close();
  }
});
