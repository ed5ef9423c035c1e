import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StickyPartitions, murmur2, partitionForKey } from '../../../src/client/producer/partitioner.ts';

test('murmur2 matches the vectors of Kafka\'s UtilsTest', () => {
  const cases: [string | number[], number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    [[0x61, 0x62, 0x63], 479470107],
  ];
  for (const [input, expected] of cases) {
    const bytes = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input);
    assert.equal(murmur2(bytes), expected, String(input));
  }
});

test('partitionForKey masks the sign bit, as Utils.toPositive does', () => {
  // murmur2("foobar") is negative: toPositive keeps the low 31 bits.
  assert.equal(partitionForKey(Buffer.from('foobar'), 1000), (-790332482 & 0x7fffffff) % 1000);
  assert.equal(partitionForKey(Buffer.alloc(0), 7), (murmur2(Buffer.alloc(0)) & 0x7fffffff) % 7);
});

test('sticky partitioning keeps a partition until its batch closes, then moves', () => {
  const sticky = new StickyPartitions();
  const first = sticky.partition('t', 4);
  for (let i = 0; i < 10; i++) assert.equal(sticky.partition('t', 4), first);
  sticky.batchClosed('t', first, 4);
  assert.notEqual(sticky.partition('t', 4), first);
  assert.equal(new StickyPartitions().partition('one', 1), 0);
});
