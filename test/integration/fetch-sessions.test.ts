// Incremental fetch sessions (KIP-227), driven through the protocol as a client does:
// open, incremental requests that carry only changes and get only partitions with news,
// forgotten partitions, long polls inside a session, the session error codes, and closing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, ErrorCode, ZERO_UUID, encodeRecordBatch } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

const TOPIC = 'sessions';

function fetchPartition(partition: number, fetchOffset: bigint) {
  return { partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID, highWatermark: 9223372036854775807n };
}

test('fetch sessions send and answer only what changed', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const client = await RawClient.connect(broker.port);
  t.after(() => client.close());
  const create = API.CreateTopics.createRequest();
  create.topics = [{ name: TOPIC, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }];
  const topicId: string = (await client.request(API.CreateTopics.apiKey, 7, create)).topics[0].topicId;

  // Produce on its own connection: requests on one connection are answered in order, so a
  // produce behind a long poll on the same connection would wait for the poll to end.
  const producer = await RawClient.connect(broker.port);
  t.after(() => producer.close());
  const produce = async (partition: number, values: string[]) => {
    const request = API.Produce.createRequest();
    request.acks = 1;
    request.timeoutMs = 5000;
    request.topicData = [{ name: TOPIC, topicId: ZERO_UUID, partitionData: [{ index: partition, records: encodeRecordBatch(values.map((value) => ({ value }))) }] }];
    const response = await producer.request(API.Produce.apiKey, 9, request);
    assert.equal(response.responses[0].partitionResponses[0].errorCode, 0);
  };
  const fetch = (
    sessionId: number,
    sessionEpoch: number,
    partitions: [number, bigint][],
    options: { forget?: number[]; maxWaitMs?: number; version?: number } = {},
  ) => {
    const request = API.Fetch.createRequest();
    request.maxWaitMs = options.maxWaitMs ?? 0;
    request.minBytes = 1;
    request.sessionId = sessionId;
    request.sessionEpoch = sessionEpoch;
    request.topics = partitions.length > 0 ? [{ topic: TOPIC, topicId, partitions: partitions.map(([p, o]) => fetchPartition(p, o)) }] : [];
    request.forgottenTopicsData = options.forget ? [{ topic: TOPIC, topicId, partitions: options.forget }] : [];
    return client.request(API.Fetch.apiKey, options.version ?? 12, request);
  };
  const partitionsIn = (response: any) => response.responses.flatMap((r: any) => r.partitions.map((p: any) => p.partitionIndex));

  await produce(0, ['a0', 'a1']);

  // Epoch 0 opens a session; the first answer has every partition.
  const opened = await fetch(0, 0, [[0, 0n], [1, 0n]]);
  assert.equal(opened.errorCode, 0);
  const id: number = opened.sessionId;
  assert.ok(id > 0, 'a session id');
  assert.deepEqual(partitionsIn(opened).sort(), [0, 1]);

  // Nothing new: an incremental request names no partition and gets none back.
  const quiet = await fetch(id, 1, [[0, 2n]]);
  assert.equal(quiet.errorCode, 0);
  assert.equal(quiet.sessionId, id);
  assert.deepEqual(partitionsIn(quiet), []);

  // New records in partition 1 only: only partition 1 comes back, with them.
  await produce(1, ['b0']);
  const news = await fetch(id, 2, []);
  assert.deepEqual(partitionsIn(news), [1]);
  assert.equal(news.responses[0].partitions[0].highWatermark, 1n);
  assert.ok(news.responses[0].partitions[0].records.length > 0);

  // The client moves partition 1 past the record; the broker has nothing new to say.
  assert.deepEqual(partitionsIn(await fetch(id, 3, [[1, 1n]])), []);

  // Wrong epoch, unknown session, and a switch from topic names to topic ids (checked after
  // the epoch, as Kafka does). Errors leave the expected epoch where it was (4).
  assert.equal((await fetch(id, 3, [])).errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  assert.equal((await fetch(id + 1, 1, [])).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  assert.equal((await fetch(id, 4, [], { version: 13 })).errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);

  // A long poll in the session wakes on an append to one of its partitions.
  const polling = fetch(id, 4, [], { maxWaitMs: 10_000 });
  setTimeout(() => void produce(1, ['b1']), 100);
  const woken = await polling;
  assert.deepEqual(partitionsIn(woken), [1]);
  assert.equal(woken.responses[0].partitions[0].highWatermark, 2n);

  // A forgotten partition is no longer served, even when it gets records.
  await fetch(id, 5, [[1, 2n]], { forget: [0] });
  await produce(0, ['a2']);
  assert.deepEqual(partitionsIn(await fetch(id, 6, [])), []);

  // Epoch -1 closes the session: a sessionless full fetch, and the id is gone.
  const closing = await fetch(id, -1, [[0, 0n]]);
  assert.equal(closing.sessionId, 0);
  assert.deepEqual(partitionsIn(closing), [0]);
  assert.equal((await fetch(id, 7, [])).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
});
