// The long-poll wake-ups of fetches: woken by an append to any of the keys waited on, by the
// timeout, or by abort; keys stay usable for later waits.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppendNotifier } from '../../../src/broker/append-notifier.ts';

const settled = (p: Promise<void>): Promise<boolean> => Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);

test('an append to any key waited on wakes every waiter on it, once; the others wait on', async () => {
  const notifier = new AppendNotifier<object>();
  const [a, b, c] = [{}, {}, {}];
  const never = new AbortController().signal;
  const onAB = notifier.wait([a, b], 60_000, never);
  const onBC = notifier.wait(new Set([b, c]), 60_000, never);
  const onC = notifier.wait([c, c], 60_000, never);
  notifier.notify({});
  assert.equal(await settled(onAB), false, 'a key nobody waits on wakes nobody');
  notifier.notify(b);
  assert.equal(await settled(onAB), true);
  assert.equal(await settled(onBC), true);
  assert.equal(await settled(onC), false);
  notifier.notify(c);
  assert.equal(await settled(onC), true);

  // The keys' waiter sets outlive the waits: new waits on them are woken the same way.
  const again = notifier.wait([a, b], 60_000, never);
  const other = notifier.wait([c], 60_000, never);
  notifier.notify(b);
  assert.equal(await settled(again), true);
  assert.equal(await settled(other), false);
});

test('the timeout and an abort end a wait, and leave its keys', async () => {
  const notifier = new AppendNotifier<object>();
  const key = {};
  const started = performance.now();
  await notifier.wait([key], 20, new AbortController().signal);
  assert.ok(performance.now() - started >= 15, 'resolved by its timeout');

  const abort = new AbortController();
  const aborted = notifier.wait([key], 60_000, abort.signal);
  abort.abort();
  assert.equal(await settled(aborted), true);
  assert.equal(await settled(notifier.wait([key], 60_000, abort.signal)), true, 'an already aborted signal resolves at once');

  // The key still wakes a new wait.
  const next = notifier.wait([key], 60_000, new AbortController().signal);
  notifier.notify(key);
  assert.equal(await settled(next), true);
});
