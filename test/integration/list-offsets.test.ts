// ListOffsets against records inside compressed batches: by timestamp, MAX_TIMESTAMP,
// EARLIEST/LATEST, and the v0 answer in OldStyleOffsets that old clients read.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, ErrorCode, ZERO_UUID, encodeRecordBatch } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

test('ListOffsets finds records by timestamp inside compressed batches', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const client = await RawClient.connect(broker.port);
  t.after(() => client.close());

  const produce = (records: Buffer) => {
    const request = API.Produce.createRequest();
    request.acks = -1;
    request.timeoutMs = 5000;
    request.topicData = [{ name: 'by-time', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }];
    return client.request(API.Produce.apiKey, 9, request);
  };
  const metadata = API.Metadata.createRequest();
  metadata.topics = [{ name: 'by-time', topicId: ZERO_UUID }];
  await client.request(API.Metadata.apiKey, 12, metadata); // auto-creates the topic
  // Offsets 0-2 in a gzip batch at 1000, 3000, 2000 ms; offsets 3-4 in a zstd batch at 5000, 4000.
  await produce(encodeRecordBatch([1000, 3000, 2000].map((timestamp, i) => ({ value: `a${i}`, timestamp })), { compression: 'gzip' }));
  await produce(encodeRecordBatch([5000, 4000].map((timestamp, i) => ({ value: `b${i}`, timestamp })), { compression: 'zstd' }));

  const list = async (timestamp: bigint, version = 9) => {
    const request = API.ListOffsets.createRequest();
    request.replicaId = -1;
    request.topics = [{ name: 'by-time', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }];
    const response = await client.request(API.ListOffsets.apiKey, version, request);
    return response.topics[0].partitions[0];
  };
  const at = async (timestamp: bigint) => {
    const p = await list(timestamp);
    assert.equal(p.errorCode, 0);
    return [Number(p.offset), Number(p.timestamp)];
  };
  assert.deepEqual(await at(0n), [0, 1000]);
  assert.deepEqual(await at(1500n), [1, 3000], 'first record at or after 1500 is offset 1 (3000), not offset 2 (2000)');
  assert.deepEqual(await at(3000n), [1, 3000]);
  assert.deepEqual(await at(3500n), [3, 5000]);
  assert.deepEqual(await at(4500n), [3, 5000]);
  assert.deepEqual(await at(6000n), [-1, -1]);
  assert.deepEqual(await at(-3n), [3, 5000], 'MAX_TIMESTAMP: the record with the largest timestamp');
  assert.deepEqual((await at(-2n))[0], 0);
  assert.deepEqual((await at(-1n))[0], 5);
  const v0 = await list(-1n, 0);
  assert.deepEqual(v0.oldStyleOffsets, [5n]);

  const unknown = API.ListOffsets.createRequest();
  unknown.topics = [{ name: 'nope', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }];
  const response = await client.request(API.ListOffsets.apiKey, 9, unknown);
  assert.equal(response.topics[0].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('ListOffsets LATEST gives the last stable offset to read_committed while a transaction is open', { timeout: 60_000 }, async (t) => {
  const { Kafka, logLevel } = await import('kafkajs');
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { 'transaction.state.log.num.partitions': '1' } });
  const kafka = new Kafka({ clientId: 'lso-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const plain = kafka.producer();
  await plain.connect();
  t.after(() => plain.disconnect());
  await plain.send({ topic: 'lso', messages: [{ value: 'committed-0' }, { value: 'committed-1' }] });
  const transactional = kafka.producer({ transactionalId: 'lso-txn', idempotent: true, maxInFlightRequests: 1 });
  await transactional.connect();
  t.after(() => transactional.disconnect());
  const txn = await transactional.transaction();
  await txn.send({ topic: 'lso', messages: [{ value: 'pending-2' }, { value: 'pending-3' }] });

  const client = await RawClient.connect(broker.port);
  t.after(() => client.close());
  const latest = async (isolationLevel: number) => {
    const request = API.ListOffsets.createRequest();
    request.replicaId = -1;
    request.isolationLevel = isolationLevel;
    request.topics = [{ name: 'lso', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }];
    const response = await client.request(API.ListOffsets.apiKey, 9, request);
    return Number(response.topics[0].partitions[0].offset);
  };
  assert.equal(await latest(0), 4, 'read_uncommitted: the high watermark');
  assert.equal(await latest(1), 2, 'read_committed: stops before the open transaction');
  await txn.abort();
  assert.equal(await latest(1), 5, 'after the abort marker the last stable offset is the high watermark again');
});
