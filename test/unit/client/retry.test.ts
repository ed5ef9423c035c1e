// Retries and metadata refreshes, against a scripted stand-in broker (a socket server using
// our protocol codec): a real broker cannot be told to refuse a produce with
// NOT_LEADER_OR_FOLLOWER on demand.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { KafkaError, Producer } from '../../../src/client/index.ts';
import { API, ErrorCode, Reader, decodeRequestHeader, encodeResponseFrame, type ApiDef } from '../../../src/protocol/index.ts';

type Answer = (apiKey: number, version: number, request: any) => unknown;

async function scriptedBroker(t: { after(fn: () => unknown): void }, answer: Answer): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 4 && buffer.length >= 4 + buffer.readInt32BE(0)) {
        const frame = buffer.subarray(4, 4 + buffer.readInt32BE(0));
        buffer = buffer.subarray(4 + frame.length);
        const h = decodeRequestHeader(frame);
        const api = Object.values(API).find((a) => a.apiKey === h.apiKey) as ApiDef;
        const request = api.decodeRequest(new Reader(frame, h.bodyOffset), h.apiVersion);
        seen.push(api.name);
        const response = answer(h.apiKey, h.apiVersion, request);
        for (const c of encodeResponseFrame(h.apiKey, h.apiVersion, h.correlationId, (w) => api.encodeResponse(w, h.apiVersion, response))) socket.write(c);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return { port, seen };
}

function standardAnswers(port: number, produceError: () => number): Answer {
  return (apiKey, _version, request) => {
    if (apiKey === API.ApiVersions.apiKey) {
      const r = API.ApiVersions.createResponse();
      r.apiKeys = [
        { apiKey: API.ApiVersions.apiKey, minVersion: 0, maxVersion: 3 },
        { apiKey: API.Metadata.apiKey, minVersion: 0, maxVersion: 12 },
        { apiKey: API.Produce.apiKey, minVersion: 3, maxVersion: 9 },
      ];
      return r;
    }
    if (apiKey === API.Metadata.apiKey) {
      const r = API.Metadata.createResponse();
      r.brokers = [{ nodeId: 1, host: '127.0.0.1', port, rack: null }];
      r.controllerId = 1;
      r.topics = (request.topics ?? []).map((t: { name: string }) => ({
        errorCode: 0,
        name: t.name,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
        isInternal: false,
        partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
        topicAuthorizedOperations: -2147483648,
      }));
      return r;
    }
    const r = API.Produce.createResponse();
    r.responses = request.topicData.map((t: { name: string; partitionData: { index: number }[] }) => ({
      name: t.name,
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      partitionResponses: t.partitionData.map((p) => {
        const code = produceError();
        return { ...API.Produce.createResponse(), index: p.index, errorCode: code, baseOffset: code === 0 ? 41n : -1n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
      }),
    }));
    return r;
  };
}

test('a produce refused with NOT_LEADER_OR_FOLLOWER refreshes metadata and succeeds on retry', async (t) => {
  let produces = 0;
  let port = 0;
  const broker = await scriptedBroker(t, (k, v, r) => standardAnswers(port, () => (produces++ === 0 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : 0))(k, v, r));
  port = broker.port;
  const producer = new Producer({ bootstrapServers: `127.0.0.1:${port}`, retryBackoffMs: 1, lingerMs: 0 });
  t.after(() => producer.close());
  const metadata = await producer.send({ topic: 't', value: 'v' });
  assert.equal(metadata.offset, 41);
  assert.deepEqual(broker.seen.filter((n) => n !== 'ApiVersions'), ['Metadata', 'Produce', 'Metadata', 'Produce']);
});

test('when retries run out, the error keeps its code and flags, with the last attempt as cause', async (t) => {
  let port = 0;
  const broker = await scriptedBroker(t, (k, v, r) => standardAnswers(port, () => ErrorCode.NOT_ENOUGH_REPLICAS)(k, v, r));
  port = broker.port;
  const producer = new Producer({ bootstrapServers: `127.0.0.1:${port}`, retries: 2, retryBackoffMs: 1, lingerMs: 0 });
  t.after(() => producer.close().catch(() => {}));
  await assert.rejects(producer.send({ topic: 't', value: 'v' }), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.kafkaName, 'NOT_ENOUGH_REPLICAS');
    assert.equal(err.retriable, true);
    assert.equal(err.topic, 't');
    assert.equal(err.partition, 0);
    assert.ok(err.cause instanceof KafkaError && err.cause.code === err.code);
    assert.match(err.message, /after 3 attempts/);
    return true;
  });
  assert.equal(broker.seen.filter((n) => n === 'Produce').length, 3);
});
