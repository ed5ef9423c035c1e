// The KIP-848 server-side assignors: uniform (balanced, sticky) and range (contiguous per topic).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rangeAssignor, uniformAssignor, type Assignment } from '../../../src/coordinator/index.ts';

const topics = new Map([
  ['A', { topicId: 'A', name: 'a', partitions: 5 }],
  ['B', { topicId: 'B', name: 'b', partitions: 3 }],
]);

const count = (a: Assignment | undefined) => [...(a ?? new Map()).values()].reduce((n, s) => n + s.size, 0);
const flat = (a: Assignment | undefined) => [...(a ?? new Map())].flatMap(([t, s]) => [...s].map((p) => `${t}${p}`)).sort();

test('uniform: every partition once, counts within one, sticky when a member joins', () => {
  const one = uniformAssignor([{ memberId: 'm1', topics: new Set(['A', 'B']), current: new Map() }], topics);
  assert.equal(count(one.get('m1')), 8);
  const members = ['m1', 'm2', 'm3'].map((id) => ({ memberId: id, topics: new Set(['A', 'B']), current: id === 'm1' ? one.get('m1')! : new Map() }));
  const three = uniformAssignor(members, topics);
  const counts = ['m1', 'm2', 'm3'].map((id) => count(three.get(id)));
  assert.deepEqual([...counts].sort(), [2, 3, 3]);
  assert.equal(new Set(['m1', 'm2', 'm3'].flatMap((id) => flat(three.get(id)))).size, 8);
  // m1 kept what it may keep: all of its 3 come from its old 8.
  assert.ok(flat(three.get('m1')).every((p) => flat(one.get('m1')).includes(p)));
  // Heterogeneous: m3 only subscribes to B.
  const hetero = uniformAssignor([
    { memberId: 'm1', topics: new Set(['A', 'B']), current: new Map() },
    { memberId: 'm2', topics: new Set(['B']), current: new Map() },
  ], topics);
  assert.ok(flat(hetero.get('m2')).every((p) => p.startsWith('B')));
  assert.equal(count(hetero.get('m1')) + count(hetero.get('m2')), 8);
});

test('range: contiguous ranges per topic, first members get the extra', () => {
  const r = rangeAssignor([
    { memberId: 'x', topics: new Set(['A', 'B']), current: new Map() },
    { memberId: 'y', topics: new Set(['A', 'B']), current: new Map() },
  ], topics);
  assert.deepEqual(flat(r.get('x')), ['A0', 'A1', 'A2', 'B0', 'B1']);
  assert.deepEqual(flat(r.get('y')), ['A3', 'A4', 'B2']);
});
