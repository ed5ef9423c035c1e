// Issue 8, acceptance 2: idempotence and transactions through our client pass the checks
// the librdkafka ones pass (idempotence-clients.test.ts, txn-clients.test.ts): an
// idempotent producer (the default) writes every record once, in order, across a kill -9 and
// restart of its broker; transactions commit and abort, read_committed consumers (ours and
// kcat) see only committed records, a second producer with the same transactional id fences
// the first; and a consume-transform-produce loop commits its input offsets inside its
// transactions, so that after an aborted round the output still holds each result once.

import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { API, type DescribeProducersRequest } from '../../src/protocol/index.ts';
import { Admin, Connection, Consumer, KafkaError, Producer, type ConsumerRecord } from '../../src/client/index.ts';
import { spawnBrokerProcess, startTestBroker, tempDir } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';

/** Every record of partition 0 from the start, with the given isolation, read by our consumer. */
async function readAll(bootstrap: string, topic: string, isolationLevel: 'read_committed' | 'read_uncommitted', partition = 0): Promise<string[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, isolationLevel, maxWaitMs: 50 });
  try {
    await consumer.assign([{ topic, partition, offset: 'earliest' }]);
    const admin = new Admin({ bootstrapServers: bootstrap });
    const end = (await admin.listOffsets(topic).finally(() => admin.close())).find((o) => o.partition === partition)!.offset;
    const out: string[] = [];
    // Read until the position passes the log end (control batches included).
    while ((consumer.position({ topic, partition }) ?? -1) < end) {
      for (const r of await consumer.poll()) out.push(r.value!.toString());
    }
    return out;
  } finally {
    await consumer.close();
  }
}

async function kcatValues(bootstrap: string, topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  const { stdout } = await kcat(['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%s\\n']);
  return stdout.toString('utf8').split('\n').filter((l) => l !== '');
}

test('idempotent producer (the default) across a kill -9 and restart: no duplicate, no gap; batches carry its id and sequences', { timeout: 120_000 }, async (t) => {
  const dataDir = await tempDir(t);
  let broker = await spawnBrokerProcess({ dataDir, t, config: { 'num.partitions': '1' } });
  const port = broker.port;
  const producer = new Producer({ bootstrapServers: broker.bootstrap, retries: 40, retryBackoffMs: 50, retryBackoffMaxMs: 300, lingerMs: 1 });
  t.after(() => producer.close().catch(() => {}));
  assert.equal(producer.idempotent, true);
  const count = 3000;
  const chunk = 30;
  let acknowledged = 0;
  const producing = (async () => {
    const offsets: number[] = [];
    const all: Promise<void>[] = [];
    for (let i = 0; i < count; i += chunk) {
      all.push(producer.sendBatch(Array.from({ length: chunk }, (_, j) => ({ topic: 'idem-kill', partition: 0, value: `v-${i + j}` }))).then((m) => {
        offsets[i / chunk] = m[0]!.offset;
        acknowledged++;
      }));
      await sleep(10);
    }
    await Promise.all(all);
    return offsets;
  })();
  // Kill the broker a third of the way in, with sends still in flight and to come.
  while (acknowledged < count / chunk / 3) await sleep(5);
  let disconnects = 0;
  const onDisconnect = () => void disconnects++;
  diagnostics.subscribe('runnel:client:disconnect', onDisconnect);
  t.after(() => diagnostics.unsubscribe('runnel:client:disconnect', onDisconnect));
  await broker.kill9();
  broker = await spawnBrokerProcess({ dataDir, port, t, config: { 'num.partitions': '1' } });
  const offsets = await producing;
  assert.ok(disconnects > 0, 'the producer lost its connection');
  assert.ok(acknowledged === count / chunk);
  assert.deepEqual(offsets, Array.from({ length: count / chunk }, (_, i) => i * chunk));
  const values = await readAll(broker.bootstrap, 'idem-kill', 'read_uncommitted');
  assert.equal(values.length, count);
  assert.deepEqual(values, Array.from({ length: count }, (_, i) => `v-${i}`));

  // The broker's producer state (DescribeProducers) has our id, with the last sequence sent.
  const { producerId } = producer.producerIdentity;
  assert.ok(producerId >= 0);
  const connection = await Connection.open({ host: '127.0.0.1', port, clientId: 'check' });
  const body: DescribeProducersRequest = API.DescribeProducers.createRequest();
  body.topics = [{ name: 'idem-kill', partitionIndexes: [0] }];
  const described = await connection.request(API.DescribeProducers, body);
  connection.close();
  const ours = described.topics[0]!.partitions[0]!.activeProducers.filter((p) => Number(p.producerId) === producerId);
  assert.equal(ours.length > 0, true, 'our producer id is in the partition state');
  assert.deepEqual(ours.map((p) => p.lastSequence), [count - 1], 'one epoch, sequences 0 to count-1');
  await producer.close();
  await broker.stop();
});

/** Transactions v2 when the broker finalizes it; the classic flow when EndTxn is capped below v5. */
const FLOWS = { classic: { maxVersions: { EndTxn: 4 } }, v2: {} } as const;

for (const [flow, flowOptions] of Object.entries(FLOWS)) {
  test(`transactions (${flow}): commit, abort, read_committed (ours and kcat), fencing by a second producer`, { timeout: 90_000 }, async (t) => {
    const broker = await startTestBroker(t, { dataDir: 'memory' });
    const admin = new Admin({ bootstrapServers: broker.bootstrap });
    t.after(() => admin.close());
    await admin.createTopics([{ name: 'txn-ours', numPartitions: 1 }, { name: 'txn-side', numPartitions: 1 }]);
    const plain = new Producer({ bootstrapServers: broker.bootstrap });
    await plain.send({ topic: 'txn-ours', value: 'plain' });
    await plain.close();

    const producer = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'ours-1', ...flowOptions });
    t.after(() => producer.close().catch(() => {}));
    assert.equal(producer.transactionState, 'uninitialized');
    await assert.rejects(producer.send({ topic: 'txn-ours', value: 'too early' }), (e: unknown) => e instanceof KafkaError && e.kafkaName === 'INVALID_TXN_STATE');
    await producer.initTransactions();
    assert.equal(producer.transactionState, 'ready');
    assert.equal(producer.transactionVersion, flow === 'v2' ? 2 : 1);
    const epochBefore = producer.producerIdentity.producerEpoch;
    assert.throws(() => producer.write({ topic: 'txn-ours', value: 'outside' }), (e: unknown) => e instanceof KafkaError && e.kafkaName === 'INVALID_TXN_STATE');

    producer.beginTransaction();
    await producer.sendBatch([{ topic: 'txn-ours', value: 'c1' }, { topic: 'txn-ours', value: 'c2' }, { topic: 'txn-side', value: 's1' }]);
    await producer.commitTransaction();
    // Transactions v2 bumps the epoch at every EndTxn; the classic flow keeps it.
    assert.equal(producer.producerIdentity.producerEpoch, flow === 'v2' ? epochBefore + 1 : epochBefore);
    producer.beginTransaction();
    producer.write({ topic: 'txn-ours', value: 'a1' });
    producer.write({ topic: 'txn-ours', value: 'a2' });
    await producer.abortTransaction();
    producer.beginTransaction();
    await producer.send({ topic: 'txn-ours', value: 'c3' });
    // Before the commit, read_committed stops short of it: the last stable offset is c3's.
    const [stable] = await admin.listOffsets('txn-ours', 'latest', 'read_committed');
    const [high] = await admin.listOffsets('txn-ours', 'latest');
    assert.deepEqual([stable!.offset, high!.offset], [7, 8]); // plain, c1, c2, marker, a1, a2, marker, c3
    await producer.commitTransaction();
    // An empty transaction commits without touching the coordinator.
    producer.beginTransaction();
    await producer.commitTransaction();

    assert.deepEqual(await readAll(broker.bootstrap, 'txn-ours', 'read_committed'), ['plain', 'c1', 'c2', 'c3']);
    assert.deepEqual(await readAll(broker.bootstrap, 'txn-ours', 'read_uncommitted'), ['plain', 'c1', 'c2', 'a1', 'a2', 'c3']);
    assert.deepEqual(await kcatValues(broker.bootstrap, 'txn-ours', 'read_committed'), ['plain', 'c1', 'c2', 'c3']);
    assert.deepEqual(await readAll(broker.bootstrap, 'txn-side', 'read_committed'), ['s1']);

    // A second instance with the same transactional id fences the first, and aborts its open transaction.
    producer.beginTransaction();
    await producer.send({ topic: 'txn-ours', value: 'zombie' });
    const second = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'ours-1', ...flowOptions });
    t.after(() => second.close().catch(() => {}));
    await second.initTransactions();
    assert.ok(second.producerIdentity.producerEpoch > producer.producerIdentity.producerEpoch || second.producerIdentity.producerId !== producer.producerIdentity.producerId);
    const fenced = await producer.commitTransaction().then(() => null, (e: unknown) => e);
    assert.ok(fenced instanceof KafkaError, String(fenced));
    assert.ok(fenced.fenced, `fenced flag on ${fenced.kafkaName}`);
    assert.equal(producer.transactionState, 'fatal-error');
    second.beginTransaction();
    await second.send({ topic: 'txn-ours', value: 'second' });
    await second.commitTransaction();
    assert.deepEqual(await readAll(broker.bootstrap, 'txn-ours', 'read_committed'), ['plain', 'c1', 'c2', 'c3', 'second']);
    assert.deepEqual(await kcatValues(broker.bootstrap, 'txn-ours', 'read_committed'), ['plain', 'c1', 'c2', 'c3', 'second']);
  });
}

for (const [flow, flowOptions] of Object.entries(FLOWS)) {
  test(`exactly-once consume-transform-produce (${flow}) with our consumer and transactional producer; an aborted round is redone`, { timeout: 90_000 }, async (t) => {
    const broker = await startTestBroker(t, { dataDir: 'memory', config: { 'group.initial.rebalance.delay.ms': '0' } });
    const admin = new Admin({ bootstrapServers: broker.bootstrap });
    t.after(() => admin.close());
    await admin.createTopics([{ name: 'eos-in', numPartitions: 2 }, { name: 'eos-out', numPartitions: 1 }]);
    const input = new Producer({ bootstrapServers: broker.bootstrap });
    const inputs = Array.from({ length: 40 }, (_, i) => `in-${i}`);
    await input.sendBatch(inputs.map((value, i) => ({ topic: 'eos-in', partition: i % 2, value })));
    await input.close();

    const consumer = new Consumer({ bootstrapServers: broker.bootstrap, groupId: 'eos', autoCommit: false, autoOffsetReset: 'earliest', isolationLevel: 'read_committed', maxWaitMs: 100 });
    t.after(() => consumer.close());
    consumer.subscribe(['eos-in']);
    const producer = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'eos-app', ...flowOptions });
    t.after(() => producer.close().catch(() => {}));
    await producer.initTransactions();

    let processed = 0;
    let round = 0;
    let aborted = 0;
    while (processed < inputs.length) {
      const records: ConsumerRecord[] = await consumer.poll();
      if (records.length === 0) continue;
      round++;
      producer.beginTransaction();
      for (const r of records) producer.write({ topic: 'eos-out', partition: 0, key: r.value, value: r.value!.toString().replace('in', 'out') });
      await producer.sendOffsetsToTransaction(
        consumer.assignment().map((tp) => ({ ...tp, offset: consumer.position(tp)! })).filter((o) => o.offset !== null),
        consumer.groupMetadata(),
      );
      if (round === 1) {
        // Abort this round: its output disappears and the input is read again from the commits.
        await producer.abortTransaction();
        aborted += records.length;
        const assigned = consumer.assignment();
        const committed = await consumer.committed(assigned);
        assigned.forEach((tp, i) => consumer.seek(tp, committed[i]! >= 0 ? committed[i]! : 'earliest'));
        continue;
      }
      await producer.commitTransaction();
      processed += records.length;
    }
    assert.ok(aborted > 0, 'one round was aborted');
    const out = await readAll(broker.bootstrap, 'eos-out', 'read_committed');
    assert.deepEqual([...out].sort(), inputs.map((v) => v.replace('in', 'out')).sort());
    const everything = await readAll(broker.bootstrap, 'eos-out', 'read_uncommitted');
    assert.equal(everything.length, inputs.length + aborted);
    assert.deepEqual(await consumer.committed([{ topic: 'eos-in', partition: 0 }, { topic: 'eos-in', partition: 1 }]), [20, 20]);
  });
}
