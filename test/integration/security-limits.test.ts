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
  const running = await startBroker({
    dataDir: 'memory',
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,OTHER://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT',
      'max.connections.per.ip': '1',
      'max.connections.per.ip.overrides': '127.0.0.1:10',
      'max.connections': '3',
      'listener.name.other.max.connections': '1',
    },
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
