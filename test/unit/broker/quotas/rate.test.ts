// The quota Rate against numbers worked out by hand from Kafka's Rate/SampledStat rules, with
// Kafka's defaults (quota.window.num 11, quota.window.size.seconds 1).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rate } from '../../../../src/broker/quotas/rate.ts';

test('a burst at the start is measured over at least samples - 1 windows', () => {
  const rate = new Rate(11, 1000);
  rate.record(5000, 0);
  assert.equal(rate.windowMs(0), 10_000);
  assert.equal(rate.measure(0), 500);
  // Over a 300/s quota: (500 - 300) / 300 * 10 s.
  assert.equal(rate.throttleMs(300, 0), 6667);
  assert.equal(rate.throttleMs(500, 0), 0, 'at the quota exactly: not throttled');
});

test('steady traffic: eleven windows, the oldest one pushed out, the current one counted', () => {
  const rate = new Rate(11, 1000);
  for (let t = 0; t <= 20_000; t += 1000) rate.record(1000, t);
  // Windows begin at 10 s ... 20 s, 1000 each: 11000 over the 10 s since the oldest began.
  assert.equal(rate.windowMs(20_000), 10_000);
  assert.equal(rate.measure(20_000), 1100);
  assert.equal(rate.throttleMs(1000, 20_000), 1000);
  assert.ok(Math.abs(rate.measure(20_500) - 11_000 / 10.5) < 1e-9, 'half a window later, same sum over 10.5 s');
});

test('windows older than samples * window are emptied; a negative value takes bytes back', () => {
  const rate = new Rate(11, 1000);
  rate.record(1000, 0);
  assert.ok(Math.abs(rate.measure(10_999) - 1000 / 10.999) < 1e-9, 'still counted just before it expires');
  assert.equal(rate.measure(11_000), 0);
  rate.record(4000, 12_000);
  rate.record(-4000, 12_000);
  assert.equal(rate.measure(12_000), 0);
});
