// Topics created and deleted through a real client against a broker process on disk: a new
// partition's directory is made durable only at its first flush, and deleted directories go
// away off the event loop. Neither may cost an acknowledged record across a kill -9 or a
// clean restart, and a deleted topic's name comes back empty. A topic of many partitions is
// made a slice at a time, and the broker answers others meanwhile.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../src/index.ts';
import { API, ZERO_UUID } from '../../src/protocol/index.ts';
import { spawnBrokerProcess, tempDir, type BrokerProcess, type CleanupContext } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

/** The high watermark of each partition of `topic`, by partition. */
async function highWatermarks(broker: Pick<BrokerProcess, 'bootstrap'>, topic: string): Promise<number[]> {
  const admin = new Kafka({ clientId: 'lifecycle', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high));
  } finally {
    await admin.disconnect();
  }
}

test('topics created and deleted with kafkajs keep every acknowledged record across kill -9 and restart', { timeout: 120_000 }, async (t) => {
  const dataDir = join(await tempDir(t), 'data');
  let broker = await spawnBrokerProcess({ dataDir, t });
  const kafka = () => new Kafka({ clientId: 'lifecycle', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });

  let admin = kafka().admin();
  await admin.connect();
  assert.equal(await admin.createTopics({ topics: [{ topic: 'wide', numPartitions: 50 }, { topic: 'kept', numPartitions: 1 }] }), true);
  await admin.disconnect();
  const producer = kafka().producer();
  await producer.connect();
  await producer.send({ topic: 'kept', acks: 1, messages: Array.from({ length: 5 }, (_, i) => ({ value: `kept ${i}` })) });
  await producer.send({ topic: 'wide', acks: 1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `wide ${i}`, partition: i })) });
  await producer.disconnect();

  // No flush has happened: the new directories were never fsynced. The page cache outlives the
  // process, so nothing acknowledged may be missing after the restart.
  await broker.kill9();
  broker = await spawnBrokerProcess({ dataDir, t });
  assert.deepEqual(await highWatermarks(broker, 'kept'), [5]);
  assert.deepEqual(await highWatermarks(broker, 'wide'), [...Array(10).fill(1), ...Array(40).fill(0)]);

  admin = kafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics: ['wide'] });
  assert.ok(!(await admin.listTopics()).includes('wide'));
  const wideDirs = () => readdirSync(dataDir).filter((n) => n.startsWith('wide-'));
  // Renamed at once; removed off the broker's event loop.
  assert.deepEqual(wideDirs().filter((n) => !n.endsWith('-delete')), []);
  for (let i = 0; i < 500 && wideDirs().length > 0; i++) await sleep(10);
  assert.deepEqual(wideDirs(), []);

  assert.equal(await admin.createTopics({ topics: [{ topic: 'wide', numPartitions: 3 }] }), true);
  await admin.disconnect();
  assert.deepEqual(await highWatermarks(broker, 'wide'), [0, 0, 0]);

  assert.deepEqual(await broker.stop(), { code: 0, signal: null });
  // A clean close wrote no producer snapshot for a log that never got a record.
  assert.deepEqual(readdirSync(join(dataDir, 'wide-0')).filter((n) => n.endsWith('.snapshot')), []);
  assert.equal(readdirSync(join(dataDir, 'kept-0')).filter((n) => n.endsWith('.snapshot')).length, 1);
  broker = await spawnBrokerProcess({ dataDir, t });
  assert.deepEqual(await highWatermarks(broker, 'kept'), [5]);
  assert.deepEqual(await highWatermarks(broker, 'wide'), [0, 0, 0]);
  assert.deepEqual(await broker.stop(), { code: 0, signal: null });
});

/**
 * A broker on disk and three clients, with a recorder of the order their answers came in
 * (what(): the request, tagged). The broker is stopped by the caller before tempDir's cleanup
 * removes its data directory.
 */
async function threeClients(t: CleanupContext) {
  const dataDir = join(await tempDir(t), 'data');
  const running = await startBroker({ port: 0, dataDir });
  t.after(() => running.stop());
  const clients = await Promise.all([RawClient.connect(running.port), RawClient.connect(running.port), RawClient.connect(running.port)]);
  t.after(() => clients.forEach((c) => c.close()));
  const answered: string[] = [];
  const note = <T>(what: string, p: Promise<T>): Promise<T> => p.then((r) => (answered.push(what), r));
  const apiVersions = (client: RawClient) => client.request(API.ApiVersions.apiKey, 3, { ...API.ApiVersions.createRequest(), clientSoftwareName: 'slices', clientSoftwareVersion: '1' }, 30_000);
  const partitionCount = async (topic: string) =>
    (await clients[1]!.request(API.Metadata.apiKey, 12, { ...API.Metadata.createRequest(), topics: [{ name: topic, topicId: ZERO_UUID }] })).topics[0].partitions.length as number;
  return { dataDir, running, clients, answered, note, apiVersions, partitionCount };
}

test('a topic of 1,000 partitions is made a slice at a time: other clients are answered meanwhile, and its name is taken from the start', { timeout: 60_000 }, async (t) => {
  const { dataDir, running, clients, answered, note, apiVersions, partitionCount } = await threeClients(t);
  const [creator, other, rival] = clients;
  const createRequest = (name: string, numPartitions: number) => ({
    ...API.CreateTopics.createRequest(),
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 30_000,
  });

  const big = note('big topic', creator!.request(API.CreateTopics.apiKey, 7, createRequest('wide', 1000), 30_000));
  await sleep(5); // the creation has begun
  const [versions, again] = await Promise.all([
    note('ApiVersions', apiVersions(other!)),
    note('same name', rival!.request(API.CreateTopics.apiKey, 7, createRequest('wide', 3), 30_000)),
  ]);
  const created = await big;
  t.diagnostic(`answered in order: ${answered.join(', ')}`);
  assert.equal(created.topics[0].errorCode, 0);
  assert.equal(versions.errorCode, 0);
  assert.equal(again.topics[0].errorCode, 36, 'TOPIC_ALREADY_EXISTS while the topic is being made');
  assert.deepEqual(answered, ['ApiVersions', 'same name', 'big topic'], 'the others were answered before the big topic was done');
  assert.equal(readdirSync(dataDir).filter((d) => /^wide-\d+$/.test(d)).length, 1000);
  assert.equal(await partitionCount('wide'), 1000);
  await running.stop(); // before tempDir's cleanup removes the data directory
});

test('CreatePartitions adding 1,000 partitions lets others be answered meanwhile; requests for the topic are taken in turn', { timeout: 60_000 }, async (t) => {
  const { dataDir, running, clients, answered, note, apiVersions, partitionCount } = await threeClients(t);
  const [admin, other, rival] = clients;
  const created = await admin!.request(API.CreateTopics.apiKey, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: 'grows', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000 });
  assert.equal(created.topics[0].errorCode, 0);
  const grow = (client: RawClient, count: number) =>
    client.request(API.CreatePartitions.apiKey, 3, { ...API.CreatePartitions.createRequest(), topics: [{ name: 'grows', count, assignments: null }], timeoutMs: 30_000, validateOnly: false }, 30_000);

  const big = note('to 1001', grow(admin!, 1001));
  await sleep(5); // the growth has begun
  const [versions, same, more] = await Promise.all([
    note('ApiVersions', apiVersions(other!)),
    note('to 1001 again', grow(rival!, 1001)),
    note('to 1005', grow(rival!, 1005)),
  ]);
  const first = await big;
  t.diagnostic(`answered in order: ${answered.join(', ')}`);
  assert.equal(versions.errorCode, 0);
  assert.equal(answered[0], 'ApiVersions', 'answered while the partitions were being made');
  assert.deepEqual(answered.slice(1), ['to 1001', 'to 1001 again', 'to 1005'], 'CreatePartitions requests are taken in turn');
  assert.equal(first.results[0].errorCode, 0);
  assert.deepEqual([same.results[0].errorCode, same.results[0].errorMessage], [37, 'Topic already has 1001 partitions.'], 'checked against the count the first one left');
  assert.equal(more.results[0].errorCode, 0);
  assert.equal(await partitionCount('grows'), 1005);
  assert.equal(readdirSync(dataDir).filter((d) => /^grows-\d+$/.test(d)).length, 1005);
  await running.stop(); // before tempDir's cleanup removes the data directory
});

test('a topic of 1,000 partitions is deleted a slice at a time; auto-created again at once under the same name, it starts empty', { timeout: 60_000 }, async (t) => {
  const dataDir = join(await tempDir(t), 'data');
  // Auto-creation (Metadata) makes all of a topic's partitions at once, not in slices.
  const running = await startBroker({ port: 0, dataDir, config: { 'num.partitions': '1000' } });
  t.after(() => running.stop());
  const client = await RawClient.connect(running.port);
  t.after(() => client.close());
  const autoCreate = async () =>
    (await client.request(API.Metadata.apiKey, 12, { ...API.Metadata.createRequest(), topics: [{ name: 'wide', topicId: ZERO_UUID }], allowAutoTopicCreation: true })).topics[0];
  assert.equal((await autoCreate()).errorCode, 0);
  const producer = new Kafka({ clientId: 'lifecycle', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  // Partition 999 is in the deletion's last slice.
  await producer.send({ topic: 'wide', acks: 1, messages: [{ value: 'old', partition: 999 }, { value: 'old', partition: 0 }] });
  await producer.disconnect();
  assert.equal((await highWatermarks(running, 'wide'))[999], 1);

  // The Metadata request is pipelined behind the deletion: it is read while the old
  // directories are still going, and the new topic's come after them.
  const [deleted, created] = await Promise.all([
    client.request(API.DeleteTopics.apiKey, 6, { ...API.DeleteTopics.createRequest(), topics: [{ name: 'wide', topicId: ZERO_UUID }], timeoutMs: 30_000 }),
    autoCreate(),
  ]);
  assert.equal(deleted.responses[0].errorCode, 0);
  assert.equal(created.errorCode, 0);
  assert.equal(created.partitions.length, 1000);
  const watermarks = await highWatermarks(running, 'wide');
  assert.equal(watermarks.length, 1000);
  assert.deepEqual([watermarks[0], watermarks[999]], [0, 0]);
  const leftovers = () => readdirSync(dataDir).filter((d) => d.startsWith('wide-') && !/^wide-\d+$/.test(d));
  for (let i = 0; i < 1000 && leftovers().length > 0; i++) await sleep(10);
  assert.deepEqual(leftovers(), []);
  assert.equal(readdirSync(dataDir).filter((d) => /^wide-\d+$/.test(d)).length, 1000);
  await running.stop(); // before tempDir's cleanup removes the data directory
});
