// Issue 5: transactional.id.expiration.ms. A transactional id with no transaction in progress
// and no update for that long is forgotten by the coordinator (a tombstone in
// __transaction_state, checked every transaction.remove.expired.transaction.cleanup.interval.ms),
// and InitProducerId then starts it afresh with a new producer id; an id in the middle of a
// transaction is kept.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { API, ErrorCode } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

test('idle transactional ids expire; ongoing ones stay', { timeout: 60_000 }, async (t) => {
  const broker = await startTestBroker(t, {
    dataDir: 'memory',
    config: { 'transactional.id.expiration.ms': '300', 'transaction.remove.expired.transaction.cleanup.interval.ms': '50' },
  });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const create = { ...API.CreateTopics.createRequest(), topics: [{ name: 'te', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] };
  assert.equal((await c.request(API.CreateTopics.apiKey, 7, create)).topics[0].errorCode, 0);
  const init = (transactionalId: string) => c.request(API.InitProducerId.apiKey, 4, { ...API.InitProducerId.createRequest(), transactionalId, transactionTimeoutMs: 60000 });
  const describe = async () => {
    const r = await c.request(API.DescribeTransactions.apiKey, 0, { ...API.DescribeTransactions.createRequest(), transactionalIds: ['tx-idle', 'tx-busy'] });
    return r.transactionStates.map((s: any) => [s.errorCode, s.transactionState]);
  };

  const idle = await init('tx-idle');
  const busy = await init('tx-busy');
  const add = await c.request(API.AddPartitionsToTxn.apiKey, 3, {
    ...API.AddPartitionsToTxn.createRequest(),
    v3AndBelowTransactionalId: 'tx-busy',
    v3AndBelowProducerId: busy.producerId,
    v3AndBelowProducerEpoch: busy.producerEpoch,
    v3AndBelowTopics: [{ name: 'te', partitions: [0] }],
  });
  assert.equal(add.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, 0);
  let states = await describe();
  for (let i = 0; i < 200 && states[0][0] === 0; i++) {
    await sleep(50);
    states = await describe();
  }
  assert.deepEqual(states, [[ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, ''], [0, 'Ongoing']]);
  const again = await init('tx-idle');
  assert.equal(again.errorCode, 0);
  assert.notEqual(again.producerId, idle.producerId);
  assert.equal(again.producerEpoch, 0);
});
