// Connection limits (issue 6, priority 4): max.connections, max.connections.per.ip with its
// overrides, and listener.name.<l>.max.connections. A connection over a limit is closed at
// once; the ones already open keep being served, and a slot freed by a close is reused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { API } from '../../src/protocol/index.ts';
import { startBroker } from '../../src/index.ts';
import { RawClient } from '../helpers/raw-client.ts';

const apiVersions = (c: RawClient) => c.request(API.ApiVersions.apiKey, 0, API.ApiVersions.createRequest());

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}

/** An in-memory broker with two plaintext listeners, PLAINTEXT and `second`, and `config` besides. */
function twoListeners(second: string, config: Record<string, string>) {
  return startBroker({
    dataDir: 'memory',
    config: {
      listeners: `PLAINTEXT://127.0.0.1:0,${second}://127.0.0.1:0`,
      'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,${second}:PLAINTEXT`,
      ...config,
    },
  });
}

test('max.connections.per.ip: the connection over the limit closes, the others are served, a freed slot is reused', { timeout: 30_000 }, async (t) => {
  const running = await startBroker({ port: 0, dataDir: 'memory', config: { 'max.connections.per.ip': '2' } });
  t.after(() => running.stop());
  const a = await RawClient.connect(running.port);
  const b = await RawClient.connect(running.port);
  await until(() => running.broker.connectionCount === 2);
  const c = await RawClient.connect(running.port);
  assert.equal(await c.waitClosed(), true);
  assert.equal((await apiVersions(a)).errorCode, 0);
  assert.equal((await apiVersions(b)).errorCode, 0);
  a.close();
  await until(() => running.broker.connectionCount === 1);
  const d = await RawClient.connect(running.port);
  assert.equal((await apiVersions(d)).errorCode, 0);
  b.close();
  d.close();
});

test('max.connections.per.ip.overrides and max.connections, per listener too', { timeout: 30_000 }, async (t) => {
  const running = await twoListeners('OTHER', {
    'max.connections.per.ip': '1',
    'max.connections.per.ip.overrides': '127.0.0.1:10',
    'max.connections': '3',
    'listener.name.other.max.connections': '1',
  });
  t.after(() => running.stop());
  const [plain, other] = running.listeners;
  const o1 = await RawClient.connect(other!.port);
  await until(() => running.broker.connectionCount === 1);
  const o2 = await RawClient.connect(other!.port);
  assert.equal(await o2.waitClosed(), true, 'listener limit');
  const p1 = await RawClient.connect(plain!.port);
  const p2 = await RawClient.connect(plain!.port);
  await until(() => running.broker.connectionCount === 3);
  const p3 = await RawClient.connect(plain!.port);
  assert.equal(await p3.waitClosed(), true, 'broker-wide limit');
  for (const c of [o1, p1, p2]) assert.equal((await apiVersions(c)).errorCode, 0);
  for (const c of [o1, p1, p2]) c.close();
  await assert.rejects(startBroker({ port: 0, dataDir: 'memory', config: { 'max.connections.per.ip.overrides': 'nonsense' } }), /max.connections.per.ip.overrides/);
});

/** Opens `count` connections at once, each sending ApiVersions at once; resolves with when each was answered (ms from the start). */
async function burst(port: number, count: number, t: { after(fn: () => void): void }): Promise<number[]> {
  const started = performance.now();
  const clients = await Promise.all(Array.from({ length: count }, () => RawClient.connect(port)));
  t.after(() => clients.forEach((c) => c.close()));
  return Promise.all(
    clients.map(async (c) => {
      const response = await c.request(API.ApiVersions.apiKey, 0, API.ApiVersions.createRequest(), 20_000);
      assert.equal(response.errorCode, 0, 'a held connection is served, not refused');
      return performance.now() - started;
    }),
  );
}

test('max.connection.creation.rate: connections over the rate are held, then served in turn; the inter-broker listener is exempt; a listener has its own', { timeout: 60_000 }, async (t) => {
  // 2 connections a second, measured as Kafka does over 2 windows of 1 s: of 6 at once, 2
  // are taken at once and the rest one by one as the rate allows (about 2.5 s in all).
  const running = await twoListeners('INTERNAL', { 'inter.broker.listener.name': 'INTERNAL', 'max.connection.creation.rate': '2', 'quota.window.num': '2' });
  t.after(() => running.stop());
  const [plain, internal] = running.listeners;
  const [held, exempt] = await Promise.all([burst(plain!.port, 6, t), burst(internal!.port, 6, t)]);
  t.diagnostic(`PLAINTEXT answered at ${held.map((ms) => Math.round(ms))} ms; INTERNAL at ${exempt.map((ms) => Math.round(ms))} ms`);
  const last = Math.max(...held);
  assert.ok(last - Math.min(...held) >= 1000, 'the burst was spread over more than a second');
  assert.ok(held.filter((ms) => ms < last - 900).length >= 2, 'the first connections were not held');
  assert.ok(Math.max(...exempt) < last, 'the inter-broker listener is not held by the broker-wide rate');

  // A listener's own rate, with no broker-wide one: only that listener is held.
  const other = await twoListeners('OTHER', { 'listener.name.other.max.connection.creation.rate': '1', 'quota.window.num': '2' });
  t.after(() => other.stop());
  const [free, limited] = await Promise.all([burst(other.listeners[0]!.port, 4, t), burst(other.listeners[1]!.port, 4, t)]);
  t.diagnostic(`PLAINTEXT answered at ${free.map((ms) => Math.round(ms))} ms; OTHER at ${limited.map((ms) => Math.round(ms))} ms`);
  assert.ok(Math.max(...limited) - Math.min(...limited) >= 1000, 'the limited listener spread its burst');
  assert.ok(Math.max(...free) < Math.max(...limited), 'the other listener was not held');
});
