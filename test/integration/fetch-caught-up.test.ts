// A fetch of a partition at its end (the usual answer to a consumer following many
// partitions), which the broker answers without reading the log: each change of the
// partition's offsets shows in the next answer (the high watermark after an append, the last
// stable offset of an open transaction, the log start offset after DeleteRecords), for
// read_uncommitted and read_committed alike.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, ZERO_UUID, encodeRecordBatch } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { produceTransactional } from '../helpers/txn-wire.ts';

const TOPIC = 'caught-up';

test("a caught-up partition's answer follows its high watermark, last stable offset and log start offset", async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const create = { ...API.CreateTopics.createRequest(), topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] };
  assert.equal((await c.request(API.CreateTopics.apiKey, 7, create)).topics[0].errorCode, 0);

  const produce = async (values: string[]) => {
    const request = { ...API.Produce.createRequest(), acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, topicId: ZERO_UUID, partitionData: [{ index: 0, records: encodeRecordBatch(values.map((value) => ({ value }))) }] }] };
    assert.equal((await c.request(API.Produce.apiKey, 9, request)).responses[0].partitionResponses[0].errorCode, 0);
  };
  // A full fetch (no session), v12, of partition 0 at `offset`: [high watermark, last stable
  // offset, log start offset, bytes of records, aborted transactions].
  const fetchAt = async (offset: number, isolationLevel: 0 | 1) => {
    const request = {
      ...API.Fetch.createRequest(),
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: TOPIC, topicId: ZERO_UUID, partitions: [{ partition: 0, fetchOffset: BigInt(offset), partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1n }] }],
    };
    const p = (await c.request(API.Fetch.apiKey, 12, request)).responses[0].partitions[0];
    assert.equal(p.errorCode, 0);
    const bytes = Array.isArray(p.records) ? Buffer.concat(p.records).length : (p.records?.length ?? 0);
    return [Number(p.highWatermark), Number(p.lastStableOffset), Number(p.logStartOffset), bytes, p.abortedTransactions];
  };

  await produce(['a', 'b']);
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(await fetchAt(2, 0), [2, 2, 0, 0, null], `read_uncommitted, fetch ${i}`);
    assert.deepEqual(await fetchAt(2, 1), [2, 2, 0, 0, []], `read_committed, fetch ${i}`);
  }
  await produce(['c']);
  assert.deepEqual(await fetchAt(3, 0), [3, 3, 0, 0, null]);
  assert.deepEqual(await fetchAt(3, 1), [3, 3, 0, 0, []]);

  // An open transaction: the last stable offset stays at its first record.
  const init = await c.request(API.InitProducerId.apiKey, 4, { ...API.InitProducerId.createRequest(), transactionalId: 'tx', transactionTimeoutMs: 60_000 });
  assert.equal(init.errorCode, 0);
  const added = await c.request(API.AddPartitionsToTxn.apiKey, 3, {
    ...API.AddPartitionsToTxn.createRequest(),
    v3AndBelowTransactionalId: 'tx',
    v3AndBelowProducerId: init.producerId,
    v3AndBelowProducerEpoch: init.producerEpoch,
    v3AndBelowTopics: [{ name: TOPIC, partitions: [0] }],
  });
  assert.equal(added.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, 0);
  assert.equal(await produceTransactional(c, 'tx', TOPIC, init.producerId, init.producerEpoch, 0, ['t'], 9), 0);
  assert.deepEqual(await fetchAt(4, 0), [4, 3, 0, 0, null]);
  assert.deepEqual(await fetchAt(3, 1), [4, 3, 0, 0, []], 'read_committed is caught up at the last stable offset');
  const ended = await c.request(API.EndTxn.apiKey, 3, { ...API.EndTxn.createRequest(), transactionalId: 'tx', producerId: init.producerId, producerEpoch: init.producerEpoch, committed: true });
  assert.equal(ended.errorCode, 0);
  assert.deepEqual(await fetchAt(5, 1), [5, 5, 0, 0, []], 'the commit marker moved both');

  // DeleteRecords moves only the log start offset.
  const deleted = await c.request(API.DeleteRecords.apiKey, 2, { ...API.DeleteRecords.createRequest(), timeoutMs: 5000, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: 2n }] }] });
  assert.equal(deleted.topics[0].partitions[0].errorCode, 0);
  assert.deepEqual(await fetchAt(5, 0), [5, 5, 2, 0, null]);
  assert.deepEqual(await fetchAt(5, 1), [5, 5, 2, 0, []]);
});
