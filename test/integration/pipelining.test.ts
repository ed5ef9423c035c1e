// Pipelined requests on one connection: answered in order, each exactly once, however many
// arrive together (the broker sends the answers to a burst together, src/broker/connection.ts),
// and a long poll in the middle of a burst does not hold back the answers before it. Over TLS
// too, where the broker reads decrypted records into its one shared buffer.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readFileSync } from 'node:fs';

import { TLS_READS_SHARE_BUFFER } from '../../src/broker/connection.ts';
import { startBroker } from '../../src/index.ts';
import { API, decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { createTopic, decodeResponse, RawClient } from '../helpers/raw-client.ts';
import { makeCertificates } from './security-support.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const PRODUCE_VERSION = 9;
const FETCH_VERSION = 12;
const METADATA_VERSION = 12;

function produceRequest(topic: string, value: string) {
  const request = API.Produce.createRequest();
  request.acks = 1;
  request.timeoutMs = 5000;
  request.topicData = [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records: encodeRecordBatch([{ key: null, value }]) }] }];
  return request;
}

function fetchRequest(topic: string, offset: number, maxWaitMs: number) {
  const request = API.Fetch.createRequest();
  request.maxWaitMs = maxWaitMs;
  request.minBytes = 1;
  request.maxBytes = 1 << 20;
  request.sessionEpoch = -1;
  request.topics = [{ topic, topicId: ZERO_UUID, partitions: [{ ...API.Fetch.messages().createFetchPartition(), partition: 0, fetchOffset: BigInt(offset), partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 }] }];
  return request;
}

function metadataRequest(topic: string) {
  const request = API.Metadata.createRequest();
  request.topics = [{ name: topic, topicId: ZERO_UUID }];
  return request;
}

test('a burst of 500 pipelined requests, written at once, is answered in order, each exactly once', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const client = await RawClient.connect(broker.port);
  t.after(() => client.close());
  await createTopic(client, 'burst');

  // Produce requests with a Metadata request every tenth, correlation ids 1000.., one write.
  const sent: { apiKey: number; version: number; correlationId: number }[] = [];
  const frames: Buffer[] = [];
  for (let i = 0; i < 500; i++) {
    const correlationId = 1000 + i;
    const metadata = i % 10 === 9;
    const [apiKey, version, body] = metadata
      ? [API.Metadata.apiKey, METADATA_VERSION, metadataRequest('burst')]
      : [API.Produce.apiKey, PRODUCE_VERSION, produceRequest('burst', `record-${i}`)];
    frames.push(client.frame(apiKey, version, body, correlationId));
    sent.push({ apiKey, version, correlationId });
  }
  client.write(Buffer.concat(frames));

  const offsets: number[] = [];
  for (const s of sent) {
    const response = decodeResponse(await client.readFrame(10_000), s.apiKey, s.version, s.correlationId) as any;
    if (s.apiKey === API.Produce.apiKey) {
      const p = response.responses[0].partitionResponses[0];
      assert.equal(p.errorCode, 0);
      offsets.push(Number(p.baseOffset));
    } else {
      assert.equal(response.topics[0].errorCode, 0);
    }
  }
  assert.deepEqual(offsets, Array.from({ length: 450 }, (_, i) => i), 'each produce appended once, in order');

  // The records are in the log in the order they were sent.
  const fetched = await client.request(API.Fetch.apiKey, FETCH_VERSION, fetchRequest('burst', 0, 0));
  const values = decodeRecordBatches(fetched.responses[0].partitions[0].records).flatMap((b) => b.records.map((r) => r.value!.toString()));
  assert.deepEqual(values, sent.flatMap((s, i) => (s.apiKey === API.Produce.apiKey ? [`record-${i}`] : [])));
});

test('the answers before a long poll in a burst are sent while it waits, the ones after it once it ends', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const client = await RawClient.connect(broker.port);
  const producer = await RawClient.connect(broker.port);
  t.after(() => {
    client.close();
    producer.close();
  });
  await createTopic(producer, 'poll');

  // Metadata, Metadata, a Fetch that waits up to 60 s for a record, Metadata: one write.
  client.write(Buffer.concat([
    client.frame(API.Metadata.apiKey, METADATA_VERSION, metadataRequest('poll'), 1),
    client.frame(API.Metadata.apiKey, METADATA_VERSION, metadataRequest('poll'), 2),
    client.frame(API.Fetch.apiKey, FETCH_VERSION, fetchRequest('poll', 0, 60_000), 3),
    client.frame(API.Metadata.apiKey, METADATA_VERSION, metadataRequest('poll'), 4),
  ]));
  // Held until the fetch ended, these would not come within 20 s.
  for (const correlationId of [1, 2]) {
    const metadata = decodeResponse(await client.readFrame(20_000), API.Metadata.apiKey, METADATA_VERSION, correlationId) as any;
    assert.equal(metadata.topics[0].name, 'poll');
  }
  await assert.rejects(client.readFrame(300), /no response/, 'the fetch is still waiting, and the Metadata after it waits behind it');

  const produced = await producer.request(API.Produce.apiKey, PRODUCE_VERSION, produceRequest('poll', 'wake up'));
  assert.equal(produced.responses[0].partitionResponses[0].errorCode, 0);
  const fetch = decodeResponse(await client.readFrame(20_000), API.Fetch.apiKey, FETCH_VERSION, 3) as any;
  const records = decodeRecordBatches(fetch.responses[0].partitions[0].records).flatMap((b: any) => b.records);
  assert.deepEqual(records.map((r: any) => r.value.toString()), ['wake up']);
  decodeResponse(await client.readFrame(20_000), API.Metadata.apiKey, METADATA_VERSION, 4);
});

test('over TLS: requests written before the handshake, byte by byte, many to a record, and a 2.7 MB produce are each answered once, in order', async (t) => {
  assert.equal(TLS_READS_SHARE_BUFFER, true, "this Node's TLS sockets can read into the shared buffer");
  const certs = await makeCertificates(t);
  const running = await startBroker({
    dataDir: 'memory',
    config: { listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0', 'ssl.keystore.location': certs.serverKeystore },
  });
  t.after(() => running.stop());
  const [plain, ssl] = running.listeners;
  const admin = await RawClient.connect(plain!.port);
  t.after(() => admin.close());
  await createTopic(admin, 'tls-burst', 3);

  // Written at once, before the handshake has finished: they follow it in the same flight.
  const client = await RawClient.connectTls(ssl!.port, { ca: readFileSync(certs.caCert), servername: 'localhost' });
  t.after(() => client.close());
  const expected: number[] = [];
  const first = Array.from({ length: 40 }, (_, i) => client.frame(API.Produce.apiKey, PRODUCE_VERSION, produceRequest('tls-burst', `early-${i}`), 100 + i));
  client.write(Buffer.concat(first));
  expected.push(...first.map((_, i) => 100 + i));

  // One request a byte per write (a TLS record each), then one of 2.7 MB over ~170 records.
  const slow = client.frame(API.Produce.apiKey, PRODUCE_VERSION, produceRequest('tls-burst', 'slow'), 200);
  for (const byte of slow) client.write(Buffer.from([byte]));
  expected.push(200);
  const big = API.Produce.createRequest();
  big.acks = 1;
  big.timeoutMs = 5000;
  const values = [0, 1, 2].map((p) => Buffer.alloc(900 * 1024, 65 + p));
  big.topicData = [{ name: 'tls-burst', topicId: ZERO_UUID, partitionData: values.map((value, index) => ({ index, records: encodeRecordBatch([{ key: null, value }]) })) }];
  client.write(client.frame(API.Produce.apiKey, PRODUCE_VERSION, big, 201));
  expected.push(201);

  const answered: number[] = [];
  const offsets: number[] = [];
  for (const correlationId of expected) {
    const response = decodeResponse(await client.readFrame(20_000), API.Produce.apiKey, PRODUCE_VERSION, correlationId) as any;
    answered.push(correlationId);
    for (const p of response.responses[0].partitionResponses) {
      assert.equal(p.errorCode, 0, `request ${correlationId}, partition ${p.index}`);
      if (p.index === 0) offsets.push(Number(p.baseOffset));
    }
  }
  assert.deepEqual(answered, expected);
  assert.deepEqual(offsets, Array.from({ length: 42 }, (_, i) => i), 'partition 0: each produce appended once, in order');

  // What was read through the shared buffer is what was sent.
  const fetched = await admin.request(API.Fetch.apiKey, FETCH_VERSION, fetchRequest('tls-burst', 0, 0));
  const zero = decodeRecordBatches(fetched.responses[0].partitions[0].records).flatMap((b) => b.records.map((r) => r.value!));
  assert.deepEqual(zero.slice(0, 41).map((v) => v.toString()), [...first.map((_, i) => `early-${i}`), 'slow']);
  assert.ok(zero[41]!.equals(values[0]!), 'the 900 KiB value of partition 0, byte for byte');
  for (const partition of [1, 2]) {
    const request = fetchRequest('tls-burst', 0, 0);
    request.topics[0]!.partitions[0]!.partition = partition;
    const answer = await admin.request(API.Fetch.apiKey, FETCH_VERSION, request);
    const [value] = decodeRecordBatches(answer.responses[0].partitions[0].records).flatMap((b) => b.records.map((r) => r.value!));
    assert.ok(value!.equals(values[partition]!), `the 900 KiB value of partition ${partition}, byte for byte`);
  }
});
