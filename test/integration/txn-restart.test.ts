// Issue 5, acceptance 2: kafkajs consume-transform-produce with sendOffsets; the broker is
// killed (-9) in the middle of the second transaction and restarted. The coordinator
// reloads __transaction_state and aborts the interrupted transaction, so the output topic
// holds (read_committed) exactly the first transaction's records, the group's offsets are
// the first transaction's, and the partition's last stable offset moves on (a later
// record is visible to read_committed).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { spawnBrokerProcess, tempDir } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';

async function readCommitted(bootstrap: string, topic: string): Promise<string[]> {
  const { stdout } = await kcat(['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed', '-f', '%s\\n']);
  return stdout.toString('utf8').split('\n').filter((l) => l !== '');
}

test('kafkajs transaction interrupted by kill -9 is aborted after the restart; outputs and offsets agree', { timeout: 120_000 }, async (t) => {
  const dataDir = await tempDir(t);
  let broker = await spawnBrokerProcess({ dataDir, t });
  const port = broker.port;
  const kafka = new Kafka({ clientId: 'txn-restart', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'tr-in', numPartitions: 1 }, { topic: 'tr-out', numPartitions: 1 }] });
  await admin.disconnect();

  const producer = kafka.producer({ transactionalId: 'tr-1', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let tx = await producer.transaction();
  await tx.send({ topic: 'tr-out', messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `out-${i}` })) });
  await tx.sendOffsets({ consumerGroupId: 'tr-group', topics: [{ topic: 'tr-in', partitions: [{ partition: 0, offset: '5' }] }] });
  await tx.commit();
  tx = await producer.transaction();
  await tx.send({ topic: 'tr-out', messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `lost-${i}` })) });
  await tx.sendOffsets({ consumerGroupId: 'tr-group', topics: [{ topic: 'tr-in', partitions: [{ partition: 0, offset: '10' }] }] });
  await producer.disconnect();
  await broker.kill9();

  broker = await spawnBrokerProcess({ dataDir, port, t });
  const after = new Kafka({ clientId: 'txn-restart-2', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const plain = after.producer();
  await plain.connect();
  await plain.send({ topic: 'tr-out', messages: [{ partition: 0, value: 'after' }] });
  await plain.disconnect();
  assert.deepEqual(await readCommitted(broker.bootstrap, 'tr-out'), ['out-0', 'out-1', 'out-2', 'out-3', 'out-4', 'after']);
  const check = after.admin();
  await check.connect();
  const offsets = await check.fetchOffsets({ groupId: 'tr-group', topics: ['tr-in'] });
  await check.disconnect();
  assert.equal(offsets[0]!.partitions[0]!.offset, '5');
  // The producer that was cut off is fenced: its transactional id has a new epoch.
  const again = after.producer({ transactionalId: 'tr-1', idempotent: true, maxInFlightRequests: 1 });
  await again.connect();
  const tx2 = await again.transaction();
  await tx2.send({ topic: 'tr-out', messages: [{ partition: 0, value: 'next' }] });
  await tx2.commit();
  await again.disconnect();
  assert.deepEqual((await readCommitted(broker.bootstrap, 'tr-out')).slice(-2), ['after', 'next']);
  await broker.stop();
});
