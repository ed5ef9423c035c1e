// A Go client against a broker in this process: Shopify's sarama 1.22 (Debian bookworm), the
// protocol written a fourth time, independently of librdkafka, kafkajs, @platformatic/kafka and
// kafka-python. It speaks the versions of Kafka 2.1 (Produce v3, Metadata v5, DescribeConfigs
// v0, OffsetFetch v1, ...), so this also covers requests older clients still send.
//
// Admin calls with their error codes, records of every kind through each codec it has, the
// idempotent producer, consumer groups (one member that commits and resumes, two that
// rebalance), SASL (PLAIN with handshake v0 and v1, SCRAM) over plain TCP and TLS, and ACLs
// managed with v0 of the ACL APIs.

import assert from 'node:assert/strict';
import test from 'node:test';

import { startBroker } from '../../src/index.ts';
import { startTestBroker, type RunningBroker } from '../helpers/broker.ts';
import { brokerOf, readBatches } from './admin-helpers.ts';
import { createScramUser, makeCertificates, plainJaas } from './security-support.ts';
import { runSarama } from '../helpers/go.ts';
import { ClientProgramError } from '../helpers/child.ts';
import { b64 } from '../helpers/python.ts';

interface GoHeader { key: string; value: string }
interface GoRecord {
  partition: number;
  key: string | null;
  value: string | null;
  headers?: GoHeader[];
  timestamp?: number;
}
interface GoConsumed extends Required<GoRecord> { topic: string; offset: number }
interface Delivery { partition: number; offset: number }
interface StepError { code: number | null; message: string }
interface AdminResult { error: StepError | null; [field: string]: unknown }

// No 3 s wait for more members before a group's first rebalance: each group here has one.
const CONFIG = { 'auto.create.topics.enable': 'false', 'group.initial.rebalance.delay.ms': '0' };
// The broker's node.id when none is configured.
const NODE_ID = 1;

async function admin(broker: RunningBroker, steps: Record<string, unknown>[]): Promise<AdminResult[]> {
  const { results } = await runSarama<{ results: AdminResult[] }>({ action: 'admin', bootstrap: broker.bootstrap, steps });
  return results;
}

function produce(broker: RunningBroker, topic: string, records: GoRecord[], extra: Record<string, unknown> = {}): Promise<{ delivered: Delivery[] }> {
  return runSarama({ action: 'produce', bootstrap: broker.bootstrap, topic, records, ...extra });
}

async function consume(broker: RunningBroker, assignments: { topic: string; partition: number; offset: number }[], count: number): Promise<GoConsumed[]> {
  const { records } = await runSarama<{ records: GoConsumed[] }>({ action: 'consume', bootstrap: broker.bootstrap, assignments, count, timeoutMs: 20_000 });
  return records;
}

/**
 * `count` records over `partitions` (round robin): keys (one null), values (null, empty, binary,
 * 100 KiB, text), headers (none, one, repeated names, empty and binary values), some timestamps.
 */
function makeRecords(count: number, partitions: number, label: string): GoRecord[] {
  return Array.from({ length: count }, (_, i) => {
    let value: string | null = b64(`${label}-value-${i}`);
    if (i === 1) value = null;
    if (i === 2) value = b64('');
    if (i === 3) value = b64(Buffer.from(Array.from({ length: 256 }, (_, n) => n)));
    if (i === 4) value = b64(Buffer.alloc(100 * 1024, `${label}${i}`));
    const headers: GoHeader[] = [];
    if (i % 3 === 1) headers.push({ key: 'trace-id', value: b64(`${label}-trace-${i}`)! });
    if (i % 3 === 2) {
      headers.push({ key: 'seen-by', value: b64('a')! }, { key: 'seen-by', value: b64('b')! }, { key: 'empty', value: '' });
      headers.push({ key: 'binary', value: b64(Buffer.from([0, 255, 10, 13, 0]))! });
    }
    const record: GoRecord = { partition: i % partitions, key: i === 5 ? null : b64(`${label}-key-${i % 7}`), value, headers };
    if (i % 4 === 0) record.timestamp = 1_700_000_000_000 + i;
    return record;
  });
}

/** Checks that `consumed` holds `produced` at the offsets the producer was told, per partition in order. */
function assertSameRecords(consumed: GoConsumed[], produced: GoRecord[], delivered: Delivery[], topic: string): void {
  assert.equal(consumed.length, produced.length, 'record count');
  const expected = produced
    .map((record, i) => ({ topic, partition: delivered[i]!.partition, offset: delivered[i]!.offset, key: record.key, value: record.value, headers: record.headers ?? [], timestamp: record.timestamp }))
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const actual = [...consumed]
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset)
    .map((record, i) => ({ ...record, timestamp: expected[i]?.timestamp === undefined ? undefined : record.timestamp }));
  assert.deepEqual(actual, expected);
  for (const record of consumed) {
    if (expected.find((e) => e.partition === record.partition && e.offset === record.offset)?.timestamp === undefined) {
      assert.ok(Math.abs(record.timestamp - Date.now()) < 10 * 60_000, `CreateTime near now: ${record.timestamp}`);
    }
  }
}

test('sarama admin: topics, configs, partitions, records and their error codes', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  const [created, duplicate, badConfig, dryRun, listed, described, cluster] = await admin(broker, [
    { op: 'createTopic', topic: 'go-admin', partitions: 3, configs: { 'retention.ms': '3600000', 'cleanup.policy': 'delete' } },
    { op: 'createTopic', topic: 'go-admin', partitions: 3 },
    { op: 'createTopic', topic: 'go-bad-config', partitions: 1, configs: { 'retention.ms': 'soon' } },
    { op: 'createTopic', topic: 'go-dry-run', partitions: 2, validateOnly: true },
    { op: 'listTopics' },
    { op: 'describeTopics', names: ['go-admin', 'go-missing'] },
    { op: 'describeCluster' },
  ]);
  assert.equal(created!.error, null);
  assert.equal(duplicate!.error?.code, 36, 'TOPIC_ALREADY_EXISTS');
  assert.equal(badConfig!.error?.code, 40, 'INVALID_CONFIG');
  assert.equal(dryRun!.error, null);
  assert.deepEqual(listed!.topics, {
    'go-admin': { partitions: 3, replication: 1, configs: { 'retention.ms': '3600000', 'cleanup.policy': 'delete' } },
  }, 'neither the refused nor the validate-only topic exists');
  const [topic, missing] = described!.topics as { name: string; error: number; partitions: { id: number; leader: number; replicas: number[]; isr: number[]; error: number }[] }[];
  assert.equal(topic!.name, 'go-admin');
  assert.deepEqual(topic!.partitions.map((p) => [p.id, p.error, p.leader, p.replicas, p.isr]), [0, 1, 2].map((id) => [id, 0, NODE_ID, [NODE_ID], [NODE_ID]]));
  assert.deepEqual([missing!.name, missing!.error], ['go-missing', 3], 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.deepEqual(cluster!.brokers, [`${NODE_ID}@${broker.bootstrap}`]);

  const [config, altered, alteredBad, configAfter, grown, shrunk, growMissing, describedAfter] = await admin(broker, [
    { op: 'describeConfig', topic: 'go-admin' },
    { op: 'alterConfig', topic: 'go-admin', configs: { 'retention.ms': '7200000' } },
    { op: 'alterConfig', topic: 'go-admin', configs: { 'no.such.config': '1' } },
    { op: 'describeConfig', topic: 'go-admin' },
    { op: 'createPartitions', topic: 'go-admin', partitions: 5 },
    { op: 'createPartitions', topic: 'go-admin', partitions: 2 },
    { op: 'createPartitions', topic: 'go-missing', partitions: 2 },
    { op: 'describeTopics', names: ['go-admin'] },
  ]);
  type Configs = Record<string, { value: string; default: boolean; readOnly: boolean; sensitive: boolean }>;
  const before = config!.configs as Configs;
  assert.deepEqual(before['retention.ms'], { value: '3600000', default: false, readOnly: false, sensitive: false, source: 'Unknown' });
  assert.equal(before['segment.bytes']?.value, '1073741824');
  assert.equal(before['segment.bytes']?.default, true);
  assert.equal(altered!.error, null);
  // sarama keeps only the message of an AlterConfigs error, not its code.
  assert.deepEqual(alteredBad!.error, { code: null, message: 'Unknown topic config name: no.such.config' });
  // AlterConfigs replaces the topic's whole set: cleanup.policy goes back to its default.
  const after = configAfter!.configs as Configs;
  assert.equal(after['retention.ms']?.value, '7200000');
  assert.deepEqual([after['cleanup.policy']?.value, after['cleanup.policy']?.default], ['delete', true]);
  assert.equal(grown!.error, null);
  assert.equal(shrunk!.error?.code, 37, 'INVALID_PARTITIONS');
  assert.equal(growMissing!.error?.code, 3, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.equal((describedAfter!.topics as { partitions: unknown[] }[])[0]!.partitions.length, 5);

  // DeleteRecords moves the log start; reading from before it is out of range.
  const six = makeRecords(6, 1, 'dr');
  await produce(broker, 'go-admin', six);
  const [deleted, deletedPastEnd] = await admin(broker, [
    { op: 'deleteRecords', topic: 'go-admin', offsets: { 0: 4 } },
    { op: 'deleteRecords', topic: 'go-admin', offsets: { 0: 99 } },
  ]);
  assert.equal(deleted!.error, null);
  // sarama drops DeleteRecords' per-partition errors (OFFSET_OUT_OF_RANGE here); what counts is
  // that the request past the end deleted nothing more.
  assert.equal(deletedPastEnd!.error, null);
  const rest = await consume(broker, [{ topic: 'go-admin', partition: 0, offset: -2 }], 2);
  assert.deepEqual(rest.map((r) => [r.offset, r.value]), [[4, six[4]!.value], [5, six[5]!.value]], 'oldest is the new log start');
  await assert.rejects(consume(broker, [{ topic: 'go-admin', partition: 0, offset: 1 }], 1), /outside the range of offsets/);

  const [gone, goneAgain, listedAfter] = await admin(broker, [
    { op: 'deleteTopic', topic: 'go-admin' },
    { op: 'deleteTopic', topic: 'go-admin' },
    { op: 'listTopics' },
  ]);
  assert.equal(gone!.error, null);
  assert.equal(goneAgain!.error?.code, 3, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.deepEqual(listedAfter!.topics, {});
});

test('sarama produces every kind of record through each codec and reads them back', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  for (const compression of ['none', 'gzip', 'snappy', 'lz4']) {
    const topic = `go-records-${compression}`;
    await admin(broker, [{ op: 'createTopic', topic, partitions: 3 }]);
    const records = makeRecords(60, 3, compression);
    const { delivered } = await produce(broker, topic, records, { compression, acks: -1 });
    for (const partition of [0, 1, 2]) {
      assert.deepEqual(delivered.filter((d) => d.partition === partition).map((d) => d.offset), Array.from({ length: 20 }, (_, i) => i), `${topic}/${partition}: offsets 0..19 in send order`);
    }
    const consumed = await consume(broker, [0, 1, 2].map((partition) => ({ topic, partition, offset: -2 })), records.length);
    assertSameRecords(consumed, records, delivered, topic);
  }

  // Records left to sarama's hash partitioner: one key, one partition.
  await admin(broker, [{ op: 'createTopic', topic: 'go-keys', partitions: 4 }]);
  const keyed = Array.from({ length: 40 }, (_, i): GoRecord => ({ partition: -1, key: b64(`key-${i % 5}`), value: b64(`v${i}`) }));
  const { delivered } = await produce(broker, 'go-keys', keyed);
  const partitionOfKey = new Map<string | null, number>();
  keyed.forEach((record, i) => {
    const seen = partitionOfKey.get(record.key);
    if (seen !== undefined) assert.equal(delivered[i]!.partition, seen, `key ${record.key}`);
    partitionOfKey.set(record.key, delivered[i]!.partition);
  });
});

test('sarama gets Kafka error codes: zstd below Produce v7, unknown topics, keyless records on a compacted topic', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  await admin(broker, [
    { op: 'createTopic', topic: 'go-errors', partitions: 1 },
    { op: 'createTopic', topic: 'go-compacted', partitions: 1, configs: { 'cleanup.policy': 'compact' } },
  ]);
  const record = { partition: 0, key: b64('k'), value: b64('v') };
  // sarama 1.22 sends Produce v3 whatever its version setting; Kafka refuses zstd below v7.
  await assert.rejects(produce(broker, 'go-errors', [record], { compression: 'zstd' }), (err: unknown) => err instanceof ClientProgramError && /does not support the compression type/.test(err.message));
  await assert.rejects(produce(broker, 'go-nowhere', [record]), /does not exist|UNKNOWN_TOPIC/i);
  await assert.rejects(produce(broker, 'go-compacted', [{ partition: 0, key: null, value: b64('v') }]), /Error code = 87/, 'INVALID_RECORD');
  await assert.rejects(consume(broker, [{ topic: 'go-nowhere', partition: 0, offset: -2 }], 1), /does not exist/);

  // Nothing refused was written; what was accepted still is.
  const { delivered } = await produce(broker, 'go-compacted', [record]);
  assert.deepEqual(delivered, [{ partition: 0, offset: 0 }]);
  const consumed = await consume(broker, [{ topic: 'go-errors', partition: 0, offset: -2 }, { topic: 'go-compacted', partition: 0, offset: -2 }], 1);
  assert.deepEqual(consumed.map((r) => [r.topic, r.offset]), [['go-compacted', 0]]);
});

test('sarama idempotent producer: a producer id per producer, sequences from 0, each record once', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  await admin(broker, [{ op: 'createTopic', topic: 'go-idempotent', partitions: 2 }]);
  const records = makeRecords(50, 2, 'idem');
  const first = await produce(broker, 'go-idempotent', records, { idempotent: true });
  const second = await produce(broker, 'go-idempotent', records, { idempotent: true, compression: 'lz4' });
  for (const partition of [0, 1]) {
    assert.deepEqual(first.delivered.filter((d) => d.partition === partition).map((d) => d.offset), Array.from({ length: 25 }, (_, i) => i));
    assert.deepEqual(second.delivered.filter((d) => d.partition === partition).map((d) => d.offset), Array.from({ length: 25 }, (_, i) => 25 + i));
    // As stored: each run's batches carry its own producer id, their sequences count its records
    // on this partition from 0 (sarama may split a run into several batches).
    const batches = readBatches(brokerOf(broker), 'go-idempotent', partition);
    const byProducer = Map.groupBy(batches, (b) => b.producerId);
    assert.equal(byProducer.size, 2, `partition ${partition}: two producer ids`);
    for (const [producerId, own] of byProducer) {
      assert.ok(producerId >= 0, 'a producer id from InitProducerId');
      assert.deepEqual(own.map((b) => b.producerEpoch), own.map(() => 0));
      let sequence = 0;
      for (const batch of own) {
        assert.equal(batch.baseSequence, sequence, `producer ${producerId}: sequence`);
        sequence += batch.recordsCount;
      }
      assert.equal(sequence, 25);
    }
  }
  const consumed = await consume(broker, [0, 1].map((partition) => ({ topic: 'go-idempotent', partition, offset: -2 })), 100);
  assertSameRecords(consumed, [...records, ...records], [...first.delivered, ...second.delivered], 'go-idempotent');
});

test('sarama consumer group: consumes every partition, commits, and resumes after the commit', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  const topic = 'go-group';
  await admin(broker, [{ op: 'createTopic', topic, partitions: 3 }]);
  const records = makeRecords(30, 3, 'g1');
  const { delivered } = await produce(broker, topic, records);

  for (const strategy of ['range', 'roundrobin']) {
    const group = `go-group-${strategy}`;
    const first = await runSarama<{ records: GoConsumed[]; claims: Record<string, number[]>[] }>({ action: 'group', bootstrap: broker.bootstrap, group, topics: [topic], count: 30, strategy, timeoutMs: 30_000 });
    assert.deepEqual(first.claims, [{ [topic]: [0, 1, 2] }], `${strategy}: the only member gets every partition`);
    assertSameRecords(first.records, records, delivered, topic);

    const [offsets, described, listed] = await admin(broker, [
      { op: 'groupOffsets', group, topic, partitions: 3 },
      { op: 'describeGroups', names: [group] },
      { op: 'listGroups' },
    ]);
    assert.deepEqual(offsets!.offsets, { [`${topic}/0`]: { offset: 10, error: 0 }, [`${topic}/1`]: { offset: 10, error: 0 }, [`${topic}/2`]: { offset: 10, error: 0 } });
    assert.deepEqual(described!.groups, [{ group, state: 'Empty', protocolType: 'consumer', protocol: '', members: 0, error: 0 }], 'the member left on close');
    assert.equal((listed!.groups as Record<string, string>)[group], 'consumer');
  }

  // New records only: each group resumes from its committed offsets.
  const more = makeRecords(9, 3, 'g2');
  const next = await produce(broker, topic, more);
  for (const strategy of ['range', 'roundrobin']) {
    const second = await runSarama<{ records: GoConsumed[] }>({ action: 'group', bootstrap: broker.bootstrap, group: `go-group-${strategy}`, topics: [topic], count: 9, strategy, timeoutMs: 30_000 });
    assertSameRecords(second.records, more, next.delivered, topic);
  }
});

test('sarama consumer group of two: the second member joining rebalances the first, partitions split, each record once', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  for (const [strategy, expected] of [
    ['range', [[0, 1], [2, 3]]],
    ['roundrobin', [[0, 2], [1, 3]]],
  ] as const) {
    const group = `go-pair-${strategy}`;
    const topic = group;
    await admin(broker, [{ op: 'createTopic', topic, partitions: 4 }]);
    const records = makeRecords(40, 4, strategy);
    const run = await runSarama<{ records: GoConsumed[]; claims: Record<string, number[]>[]; generations: number[][]; produced: { delivered: Delivery[] } }>({
      action: 'group', bootstrap: broker.bootstrap, group, topics: [topic], members: 2, strategy, topic, records, count: 40, timeoutMs: 30_000,
    });
    // Which member gets which half is the leader's choice; the halves are the strategy's.
    const halves = run.claims.map((claims) => claims[topic]!).sort((a, b) => a[0]! - b[0]!);
    assert.deepEqual(halves, expected, `${strategy}: the assignment`);
    const [firstGenerations, secondGenerations] = run.generations;
    assert.ok(firstGenerations!.length >= 2, `${strategy}: the first member rejoined (generations ${firstGenerations})`);
    assert.equal(secondGenerations!.at(-1), firstGenerations!.at(-1), `${strategy}: both in the same generation`);
    assertSameRecords(run.records, records, run.produced.delivered, topic);

    const [offsets] = await admin(broker, [{ op: 'groupOffsets', group, topic, partitions: 4 }]);
    assert.deepEqual(offsets!.offsets, Object.fromEntries([0, 1, 2, 3].map((p) => [`${topic}/${p}`, { offset: 10, error: 0 }])));
  }
});

test('sarama over SASL_PLAINTEXT and SASL_SSL: PLAIN (handshake v0 and v1), SCRAM-SHA-256 and -512, refused passwords', async (t) => {
  const certs = await makeCertificates(t);
  const running = await startBroker({
    dataDir: 'memory',
    config: {
      ...CONFIG,
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas({ alice: 'alice-secret' }),
      'listener.name.sasl_ssl.plain.sasl.jaas.config': plainJaas({ alice: 'alice-secret' }),
      'ssl.keystore.location': certs.serverKeystore,
    },
  });
  t.after(() => running.stop());
  const [plain, sasl, saslSsl] = running.listeners.map((l) => `127.0.0.1:${l.port}`);
  await createScramUser(running.listeners[0]!.port, 'frank', 'frank-secret');
  await admin({ bootstrap: plain! } as RunningBroker, [{ op: 'createTopic', topic: 'go-secure', partitions: 1 }]);

  const cases = [
    { bootstrap: sasl!, security: { mechanism: 'PLAIN', user: 'alice', password: 'alice-secret' } },
    // Below Kafka 1.0 sarama sends SaslHandshake v0 and then the bare PLAIN token, no SaslAuthenticate.
    { bootstrap: sasl!, version: '0.11.0.0', security: { mechanism: 'PLAIN', user: 'alice', password: 'alice-secret' } },
    { bootstrap: sasl!, security: { mechanism: 'SCRAM-SHA-512', user: 'frank', password: 'frank-secret' } },
    { bootstrap: saslSsl!, security: { ca: certs.caCert, mechanism: 'SCRAM-SHA-256', user: 'frank', password: 'frank-secret' } },
    { bootstrap: saslSsl!, security: { ca: certs.caCert, mechanism: 'PLAIN', user: 'alice', password: 'alice-secret' } },
  ];
  const sent: GoRecord[] = [];
  for (const [i, { bootstrap, ...options }] of cases.entries()) {
    const record = { partition: 0, key: b64(`case-${i}`), value: b64(JSON.stringify(options.security)) };
    const { delivered } = await runSarama<{ delivered: Delivery[] }>({ action: 'produce', bootstrap, topic: 'go-secure', records: [record], ...options });
    assert.deepEqual(delivered, [{ partition: 0, offset: i }], `case ${i}`);
    sent.push(record);
  }
  const { records } = await runSarama<{ records: GoConsumed[] }>({ action: 'consume', bootstrap: saslSsl, assignments: [{ topic: 'go-secure', partition: 0, offset: -2 }], count: sent.length, timeoutMs: 20_000, security: cases[3]!.security });
  assert.deepEqual(records.map((r) => [r.key, r.value]), sent.map((r) => [r.key, r.value]));

  for (const [bootstrap, security] of [
    [sasl!, { mechanism: 'PLAIN', user: 'alice', password: 'wrong' }],
    [sasl!, { mechanism: 'SCRAM-SHA-256', user: 'frank', password: 'wrong' }],
    [saslSsl!, { ca: certs.caCert, mechanism: 'SCRAM-SHA-512', user: 'nobody', password: 'frank-secret' }],
  ] as const) {
    await assert.rejects(
      runSarama({ action: 'produce', bootstrap, topic: 'go-secure', records: [{ partition: 0, key: null, value: b64('no') }], security }),
      /kafka server: SASL Authentication failed\./,
      `${security.mechanism} ${security.user}: SASL_AUTHENTICATION_FAILED`,
    );
  }
  // With handshake v0 there is no SaslAuthenticate to carry an error: Kafka closes the connection.
  await assert.rejects(
    runSarama({ action: 'produce', bootstrap: sasl, version: '0.11.0.0', topic: 'go-secure', records: [{ partition: 0, key: null, value: b64('no') }], security: { mechanism: 'PLAIN', user: 'alice', password: 'wrong' } }),
    /run out of available brokers/,
  );
  const after = await consume({ bootstrap: plain! } as RunningBroker, [{ topic: 'go-secure', partition: 0, offset: -2 }], sent.length);
  assert.equal(after.length, sent.length, 'nothing from a refused client');
});

test('sarama manages ACLs (v0 of the ACL APIs) and meets them: WRITE granted, used, listed, deleted', async (t) => {
  const running = await startBroker({
    dataDir: 'memory',
    config: {
      ...CONFIG,
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas({ admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' }),
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
    },
  });
  t.after(() => running.stop());
  const as = (user: string) => ({ bootstrap: `127.0.0.1:${running.listeners[0]!.port}`, security: { mechanism: 'PLAIN', user, password: `${user}-secret` } });
  const adminSteps = async (steps: Record<string, unknown>[]) => (await runSarama<{ results: AdminResult[] }>({ action: 'admin', ...as('admin'), steps })).results;
  const produceAs = (user: string, value: string) => runSarama<{ delivered: Delivery[] }>({ action: 'produce', ...as(user), topic: 'go-acl', records: [{ partition: 0, key: null, value: b64(value) }] });
  const WRITE = 4;
  const ALLOW = 3;
  // sarama's text for TOPIC_AUTHORIZATION_FAILED (29).
  const TOPIC_DENIED = /kafka server: The client is not authorized to access this topic\./;

  await adminSteps([{ op: 'createTopic', topic: 'go-acl', partitions: 1 }]);
  await assert.rejects(produceAs('alice', 'before'), TOPIC_DENIED);
  const [created, listed] = await adminSteps([
    { op: 'createAcl', topic: 'go-acl', principal: 'User:alice', operation: WRITE, permission: ALLOW },
    { op: 'listAcls', topic: 'go-acl' },
  ]);
  assert.equal(created!.error, null);
  assert.deepEqual(listed!.acls, [{ topic: 'go-acl', principal: 'User:alice', host: '*', operation: WRITE, permission: ALLOW }]);
  assert.deepEqual((await produceAs('alice', 'granted')).delivered, [{ partition: 0, offset: 0 }]);
  await assert.rejects(produceAs('bob', 'not bob'), TOPIC_DENIED);
  await assert.rejects(
    runSarama({ action: 'consume', ...as('alice'), assignments: [{ topic: 'go-acl', partition: 0, offset: -2 }], count: 1, timeoutMs: 10_000 }),
    TOPIC_DENIED,
  );

  const [deleted, listedAfter] = await adminSteps([
    { op: 'deleteAcls', topic: 'go-acl', principal: 'User:alice' },
    { op: 'listAcls', topic: 'go-acl' },
  ]);
  assert.deepEqual(deleted!.deleted, [{ error: 0, topic: 'go-acl', principal: 'User:alice', operation: WRITE }]);
  assert.deepEqual(listedAfter!.acls, []);
  await assert.rejects(produceAs('alice', 'after'), TOPIC_DENIED);
  const records = await runSarama<{ records: GoConsumed[] }>({ action: 'consume', ...as('admin'), assignments: [{ topic: 'go-acl', partition: 0, offset: -2 }], count: 1, timeoutMs: 10_000 });
  assert.deepEqual(records.records.map((r) => r.value), [b64('granted')]);
});
