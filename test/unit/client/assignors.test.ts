import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cooperativeStickyAssignor,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  rangeAssignor,
  roundRobinAssignor,
  type GroupAssignment,
  type GroupSubscriber,
} from '../../../src/client/consumer/assignors.ts';

const member = (memberId: string, topics: string[], owned: [string, number[]][] = []): GroupSubscriber => ({
  memberId,
  topics,
  ownedPartitions: owned.map(([topic, partitions]) => ({ topic, partitions })),
  userData: null,
});

const plain = (a: GroupAssignment) => Object.fromEntries([...a].map(([m, topics]) => [m, Object.fromEntries(topics)]));

test('range: consecutive ranges per topic, the first members get the extra partitions (as Java)', () => {
  const a = rangeAssignor().assign([member('b', ['t', 'u']), member('a', ['t', 'u'])], new Map([['t', 5], ['u', 2]]));
  assert.deepEqual(plain(a), { b: { t: [3, 4], u: [1] }, a: { t: [0, 1, 2], u: [0] } });
});

test('roundrobin: partitions dealt in turn over the members subscribed to each topic', () => {
  const a = roundRobinAssignor().assign([member('a', ['t']), member('b', ['t', 'u'])], new Map([['t', 3], ['u', 2]]));
  assert.deepEqual(plain(a), { a: { t: [0, 2] }, b: { t: [1], u: [0, 1] } });
});

test('cooperative-sticky: owners keep a fair share; moved partitions wait for their revocation', () => {
  const assignor = cooperativeStickyAssignor();
  const first = assignor.assign([member('a', ['t'], [['t', [0, 1, 2, 3]]]), member('b', ['t'])], new Map([['t', 4]]));
  // a keeps two; the two it must give up go to nobody this round.
  assert.deepEqual(plain(first), { a: { t: [0, 1] }, b: {} });
  const second = assignor.assign([member('a', ['t'], [['t', [0, 1]]]), member('b', ['t'])], new Map([['t', 4]]));
  assert.deepEqual(plain(second), { a: { t: [0, 1] }, b: { t: [2, 3] } });
});

test('subscription and assignment bytes round-trip; a v0 subscription (kafkajs) is read', () => {
  const bytes = encodeSubscription(['a', 'b'], [{ topic: 'a', partitions: [1, 2] }], Buffer.from('u'));
  assert.deepEqual(decodeSubscription('m', bytes), { memberId: 'm', topics: ['a', 'b'], ownedPartitions: [{ topic: 'a', partitions: [1, 2] }], userData: Buffer.from('u') });
  // Version 0: version, topics, user data; nothing after.
  const v0 = Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x78, 0, 0, 0, 0]);
  assert.deepEqual(decodeSubscription('k', v0), { memberId: 'k', topics: ['x'], ownedPartitions: [], userData: Buffer.alloc(0) });
  assert.deepEqual(decodeAssignment(encodeAssignment(new Map([['t', [0, 3]]]))), [{ topic: 't', partitions: [0, 3] }]);
});
