// Connection behaviour that a real broker cannot be made to show on demand: an older
// broker's ApiVersions step-down (KIP-511) and a broker that never answers. The stand-in is a
// socket server writing frames with our own protocol codec.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Connection, commonVersions } from '../../../src/client/connection.ts';
import { KafkaError } from '../../../src/client/errors.ts';
import { API, ErrorCode, decodeRequestHeader, encodeResponseFrame } from '../../../src/protocol/index.ts';

type Handler = (apiKey: number, apiVersion: number, correlationId: number, socket: net.Socket) => void;

async function fakeBroker(t: { after(fn: () => unknown): void }, handle: Handler): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 4 && buffer.length >= 4 + buffer.readInt32BE(0)) {
        const frame = buffer.subarray(4, 4 + buffer.readInt32BE(0));
        buffer = buffer.subarray(4 + frame.length);
        const h = decodeRequestHeader(frame);
        handle(h.apiKey, h.apiVersion, h.correlationId, socket);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as net.AddressInfo).port;
}

function answerApiVersions(socket: net.Socket, version: number, correlationId: number, body: ReturnType<typeof API.ApiVersions.createResponse>): void {
  for (const chunk of encodeResponseFrame(API.ApiVersions.apiKey, version, correlationId, (w) => API.ApiVersions.encodeResponse(w, version, body))) socket.write(chunk);
}

test('ApiVersions steps down to the range of the v0 UNSUPPORTED_VERSION answer, then picks the highest common version per API', async (t) => {
  const seen: number[] = [];
  const port = await fakeBroker(t, (apiKey, apiVersion, correlationId, socket) => {
    assert.equal(apiKey, API.ApiVersions.apiKey);
    seen.push(apiVersion);
    const body = API.ApiVersions.createResponse();
    if (apiVersion > 2) {
      body.errorCode = ErrorCode.UNSUPPORTED_VERSION;
      body.apiKeys = [{ apiKey: 18, minVersion: 0, maxVersion: 2 }];
      answerApiVersions(socket, 0, correlationId, body);
      return;
    }
    body.apiKeys = [
      { apiKey: 18, minVersion: 0, maxVersion: 2 },
      { apiKey: API.Metadata.apiKey, minVersion: 0, maxVersion: 9 },
      { apiKey: API.Produce.apiKey, minVersion: 3, maxVersion: 99 },
      { apiKey: 9999, minVersion: 0, maxVersion: 1 },
    ];
    answerApiVersions(socket, apiVersion, correlationId, body);
  });
  const c = await Connection.open({ host: '127.0.0.1', port });
  t.after(() => c.close());
  assert.deepEqual(seen, [API.ApiVersions.maxVersion, 2]);
  assert.equal(c.versionFor(API.Metadata), 9);
  assert.equal(c.versionFor(API.Produce), API.Produce.maxVersion);
  assert.equal(c.supports(API.Fetch), false);
  assert.throws(() => c.versionFor(API.Fetch), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.UNSUPPORTED_VERSION);
});

test('commonVersions skips APIs with no overlap', () => {
  const v = commonVersions({ apiKeys: [{ apiKey: API.Produce.apiKey, minVersion: 50, maxVersion: 60 }, { apiKey: API.Fetch.apiKey, minVersion: 4, maxVersion: 12 }] });
  assert.equal(v.has(API.Produce.apiKey), false);
  assert.deepEqual(v.get(API.Fetch.apiKey), { min: 4, max: 12 });
});

test('a request with no answer fails with a retriable REQUEST_TIMED_OUT and closes the connection', async (t) => {
  const port = await fakeBroker(t, (apiKey, apiVersion, correlationId, socket) => {
    if (apiKey !== API.ApiVersions.apiKey) return; // never answer anything else
    const body = API.ApiVersions.createResponse();
    body.apiKeys = [{ apiKey: 18, minVersion: 0, maxVersion: 4 }, { apiKey: 3, minVersion: 0, maxVersion: 12 }];
    answerApiVersions(socket, apiVersion, correlationId, body);
  });
  const c = await Connection.open({ host: '127.0.0.1', port, requestTimeoutMs: 100 });
  const first = c.request(API.Metadata, API.Metadata.createRequest());
  const second = c.request(API.Metadata, API.Metadata.createRequest(), { timeoutMs: 60_000 });
  await assert.rejects(first, (err: unknown) => err instanceof KafkaError && err.kafkaName === 'REQUEST_TIMED_OUT' && err.retriable);
  await assert.rejects(second, (err: unknown) => err instanceof KafkaError && err.kafkaName === 'NETWORK_EXCEPTION' && err.retriable);
  assert.equal(c.closed, true);
});

test('connecting to a closed port fails with one retriable NETWORK_EXCEPTION naming the address', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  await assert.rejects(Connection.open({ host: '127.0.0.1', port }), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.kafkaName, 'NETWORK_EXCEPTION');
    assert.equal(err.retriable, true);
    assert.match(err.message, new RegExp(`could not connect to 127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    return true;
  });
});
