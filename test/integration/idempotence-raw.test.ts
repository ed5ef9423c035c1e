// Issue 5, priority 1 (acceptance 4, the idempotent part): Kafka's answers to an
// idempotent producer, on the wire. InitProducerId hands out ids that never repeat, also
// across a restart; a retried batch gets its original base offset and is not written again;
// a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an epoch from the past
// INVALID_PRODUCER_EPOCH, a new epoch must start at 0; an unknown producer may start at
// any sequence (Kafka 4). The producer state survives a clean restart (snapshot) and is
// rebuilt from the log after an unclean one; DescribeProducers reports it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, ErrorCode, encodeRecordBatch } from '../../src/protocol/index.ts';
import { startBroker } from '../../src/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { RawClient, createTopic } from '../helpers/raw-client.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

function batch(producerId: bigint, producerEpoch: number, baseSequence: number, count: number, tag = 'x'): Buffer {
  return encodeRecordBatch(
    Array.from({ length: count }, (_, i) => ({ key: null, value: `${tag}-${baseSequence + i}` })),
    { producerId, producerEpoch, baseSequence },
  );
}

async function produce(client: RawClient, topic: string, records: Buffer) {
  const request = API.Produce.createRequest();
  request.acks = -1;
  request.timeoutMs = 5000;
  request.topicData = [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }];
  const response = await client.request(API.Produce.apiKey, 9, request);
  const p = response.responses[0].partitionResponses[0];
  return { errorCode: p.errorCode as number, baseOffset: Number(p.baseOffset) };
}

async function initProducerId(client: RawClient): Promise<{ producerId: bigint; producerEpoch: number; errorCode: number }> {
  const request = API.InitProducerId.createRequest();
  request.transactionalId = null;
  request.transactionTimeoutMs = 60000;
  const r = await client.request(API.InitProducerId.apiKey, 4, request);
  return { producerId: r.producerId, producerEpoch: r.producerEpoch, errorCode: r.errorCode };
}

async function describeProducers(client: RawClient, topic: string) {
  const request = API.DescribeProducers.createRequest();
  request.topics = [{ name: topic, partitionIndexes: [0, 7] }];
  const r = await client.request(API.DescribeProducers.apiKey, 0, request);
  return r.topics[0].partitions;
}

test('sequence checks: duplicates, gaps, stale and new epochs, unknown producers', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const client = await RawClient.connect(broker.port);
  t.after(() => client.close());
  await createTopic(client, 'idem');

  const a = await initProducerId(client);
  const b = await initProducerId(client);
  assert.equal(a.errorCode, 0);
  assert.equal(a.producerEpoch, 0);
  assert.notEqual(a.producerId, b.producerId);

  assert.deepEqual(await produce(client, 'idem', batch(a.producerId, 0, 0, 3)), { errorCode: 0, baseOffset: 0 });
  assert.deepEqual(await produce(client, 'idem', batch(a.producerId, 0, 3, 2)), { errorCode: 0, baseOffset: 3 });
  // Retries of either of the last batches: their original offsets, nothing written.
  assert.deepEqual(await produce(client, 'idem', batch(a.producerId, 0, 0, 3)), { errorCode: 0, baseOffset: 0 });
  assert.deepEqual(await produce(client, 'idem', batch(a.producerId, 0, 3, 2)), { errorCode: 0, baseOffset: 3 });
  // A gap, and a batch overlapping a written one without equalling it.
  assert.equal((await produce(client, 'idem', batch(a.producerId, 0, 7, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal((await produce(client, 'idem', batch(a.producerId, 0, 4, 2))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.deepEqual(await produce(client, 'idem', batch(a.producerId, 0, 5, 1)), { errorCode: 0, baseOffset: 5 });
  // A new epoch starts at 0; after it, the old epoch is refused.
  assert.equal((await produce(client, 'idem', batch(a.producerId, 1, 6, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.deepEqual(await produce(client, 'idem', batch(a.producerId, 1, 0, 1)), { errorCode: 0, baseOffset: 6 });
  assert.equal((await produce(client, 'idem', batch(a.producerId, 0, 6, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  // An unknown producer may start anywhere (Kafka 4: its state may have expired).
  assert.deepEqual(await produce(client, 'idem', batch(b.producerId, 0, 42, 2)), { errorCode: 0, baseOffset: 7 });
  assert.deepEqual(await produce(client, 'idem', batch(b.producerId, 0, 44, 1)), { errorCode: 0, baseOffset: 9 });

  const partitions = await describeProducers(client, 'idem');
  assert.equal(partitions[0].errorCode, 0);
  const byId = new Map<bigint, any>(partitions[0].activeProducers.map((p: any) => [p.producerId, p]));
  assert.equal(byId.get(a.producerId).producerEpoch, 1);
  assert.equal(byId.get(a.producerId).lastSequence, 0);
  assert.equal(byId.get(b.producerId).lastSequence, 44);
  assert.equal(byId.get(b.producerId).currentTxnStartOffset, -1n);
  assert.equal(partitions[1].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('producer ids and producer state survive clean and unclean restarts', async (t) => {
  const dataDir = await tempDir(t);
  let broker = await startBroker({ port: 0, host: '127.0.0.1', dataDir });
  let client = await RawClient.connect(broker.port);
  await createTopic(client, 'idem-restart');
  const first = await initProducerId(client);
  for (let seq = 0; seq < 20; seq += 2) {
    assert.equal((await produce(client, 'idem-restart', batch(first.producerId, 0, seq, 2))).baseOffset, seq);
  }
  client.close();
  await broker.stop();

  // Clean restart: the snapshot keeps the last five batches.
  broker = await startBroker({ port: 0, host: '127.0.0.1', dataDir });
  client = await RawClient.connect(broker.port);
  const second = await initProducerId(client);
  assert.ok(second.producerId > first.producerId, `${second.producerId} after ${first.producerId}`);
  for (let seq = 10; seq < 20; seq += 2) {
    assert.deepEqual(await produce(client, 'idem-restart', batch(first.producerId, 0, seq, 2)), { errorCode: 0, baseOffset: seq });
  }
  assert.equal((await produce(client, 'idem-restart', batch(first.producerId, 0, 21, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.deepEqual(await produce(client, 'idem-restart', batch(first.producerId, 0, 20, 1)), { errorCode: 0, baseOffset: 20 });
  client.close();
  // Unclean: no snapshot at the end; the state is rebuilt from the log after the last one.
  const { rmSync, readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  await broker.stop();
  const partDir = join(dataDir, 'idem-restart-0');
  for (const f of readdirSync(partDir)) if (f.endsWith('.snapshot')) rmSync(join(partDir, f));
  rmSync(join(dataDir, '.kafka_cleanshutdown'), { force: true });

  broker = await startBroker({ port: 0, host: '127.0.0.1', dataDir });
  client = await RawClient.connect(broker.port);
  try {
    assert.deepEqual(await produce(client, 'idem-restart', batch(first.producerId, 0, 20, 1)), { errorCode: 0, baseOffset: 20 });
    assert.deepEqual(await produce(client, 'idem-restart', batch(first.producerId, 0, 18, 2)), { errorCode: 0, baseOffset: 18 });
    assert.deepEqual(await produce(client, 'idem-restart', batch(first.producerId, 0, 21, 1)), { errorCode: 0, baseOffset: 21 });
    const third = await initProducerId(client);
    assert.ok(third.producerId > second.producerId);
  } finally {
    client.close();
    await broker.stop();
  }
});
