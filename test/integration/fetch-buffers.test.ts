// Fetch reads segment bytes into pooled buffers that go back to the pool once the socket has
// written them (src/broker/read-buffers.ts). Reusing a buffer too early would hand a client
// another partition's bytes: here several connections fetch distinct large batches at once,
// pipelined, and every batch they get must carry its own records and a valid CRC.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { API, decodeRecordBatches, encodeRecordBatch, Reader } from '../../src/protocol/index.ts';
import { ReadBufferPool } from '../../src/broker/read-buffers.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

const TOPICS = ['fb-a', 'fb-b', 'fb-c'];
const BATCHES = 12;
/** Each value is ~100 KiB, so every fetch response needs a pooled buffer. */
const valueOf = (topic: string, batch: number, record: number): Buffer => Buffer.alloc(100 * 1024, `${topic}/${batch}/${record}|`);

test('concurrent, pipelined fetches of large batches each get their own bytes, intact', async (t) => {
  const broker = await startTestBroker(t);
  const admin = await RawClient.connect(broker.port);
  t.after(() => admin.close());
  const created = await admin.request(API.CreateTopics.apiKey, 7, {
    ...API.CreateTopics.createRequest(),
    topics: TOPICS.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 5000,
  });
  assert.deepEqual(created.topics.map((x: { errorCode: number }) => x.errorCode), [0, 0, 0]);
  for (let b = 0; b < BATCHES; b++) {
    const produced = await admin.request(API.Produce.apiKey, 9, {
      ...API.Produce.createRequest(),
      acks: 1,
      timeoutMs: 5000,
      topicData: TOPICS.map((name) => ({ name, partitionData: [{ index: 0, records: encodeRecordBatch([0, 1, 2].map((r) => ({ key: null, value: valueOf(name, b, r) }))) }] })),
    });
    for (const topic of produced.responses) assert.equal(topic.partitionResponses[0].errorCode, 0);
  }

  const fetchFrom = (client: RawClient, topic: string, offset: number, correlationId: number): Buffer =>
    client.frame(API.Fetch.apiKey, 11, {
      ...API.Fetch.createRequest(),
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 4 << 20,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    }, correlationId);

  const clients = await Promise.all(TOPICS.map(() => RawClient.connect(broker.port)));
  t.after(() => clients.forEach((c) => c.close()));
  await Promise.all(clients.map(async (client, i) => {
    for (let round = 0; round < 4; round++) {
      // Each client pipelines fetches of every topic from several offsets before reading any answer.
      const asked: { topic: string; offset: number }[] = [];
      for (let k = 0; k < 6; k++) {
        const topic = TOPICS[(i + k) % TOPICS.length]!;
        const offset = 3 * ((round * 5 + k * 7 + i) % BATCHES);
        asked.push({ topic, offset });
        client.write(fetchFrom(client, topic, offset, 100 + k));
      }
      for (let k = 0; k < asked.length; k++) {
        const frame = await client.readFrame(10_000);
        const response = API.Fetch.decodeResponse(new Reader(frame, 4), 11);
        const partition = response.responses[0]!.partitions[0]!;
        assert.equal(partition.errorCode, 0);
        const records = partition.records;
        assert.ok(Buffer.isBuffer(records), 'decoded records are one buffer');
        const batches = decodeRecordBatches(records, { verifyCrc: true });
        assert.ok(batches.length > 0, 'the fetch returned batches');
        const { topic, offset } = asked[k]!;
        for (const batch of batches) {
          const b = batch.baseOffset / 3;
          assert.ok(batch.baseOffset >= offset - 2, `${topic}: batch at ${batch.baseOffset} for a fetch at ${offset}`);
          batch.records.forEach((r, n) => assert.ok(r.value!.equals(valueOf(topic, b, n)), `${topic} batch ${b} record ${n} holds its own bytes`));
        }
      }
    }
  }));
});

test('the pool lends a buffer once and takes it back through any view of it', () => {
  const pool = new ReadBufferPool();
  const a = pool.take(100_000);
  assert.ok(a.length >= 100_000);
  assert.equal(pool.holdsAny([a.subarray(10, 20)]), true);
  const b = pool.take(100_000);
  assert.notEqual(a.buffer, b.buffer, 'a lent buffer is not lent again');
  pool.release([Buffer.alloc(4), a.subarray(0, 50)]);
  assert.equal(pool.holdsAny([a]), false);
  assert.equal(pool.take(70_000).buffer, a.buffer, 'a released buffer is reused for the same size class');
  const small = pool.take(100);
  assert.equal(pool.holdsAny([small]), false, 'small reads are not pooled');
});

test('the pool keeps a whole 50 MiB response for the next one, and no more than 64 MiB in all', () => {
  const pool = new ReadBufferPool();
  const lend = (n: number) => Array.from({ length: n }, () => pool.take(600_000));
  const reusedOf = (before: Buffer[], after: Buffer[]) => {
    const known = new Set(before.map((b) => b.buffer));
    return after.filter((b) => known.has(b.buffer)).length;
  };
  // librdkafka's fetch.max.bytes over 1,000 partitions with data: 50 reads of ~600 KB (1 MiB buffers).
  const first = lend(50);
  pool.release(first);
  const second = lend(50);
  assert.equal(reusedOf(first, second), 50, 'every buffer of the last response is reused');
  const more = lend(30);
  pool.release([...second, ...more]);
  assert.equal(reusedOf([...second, ...more], lend(80)), 64, 'at most 64 MiB are kept free');
});
