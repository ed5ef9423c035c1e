// Two third-party Python clients against a broker in this process: confluent-kafka-python
// (librdkafka) and kafka-python (its own pure-Python protocol code). Each produces records with
// keys, headers and awkward values (null, empty, binary, 200 KiB), and reads them back from
// explicitly assigned partitions: same bytes, same order, the offsets the producer was told.
// Also: ListOffsets by timestamp through confluent-kafka's offsets_for_times.

import assert from 'node:assert/strict';
import test from 'node:test';

import { startTestBroker, type RunningBroker } from '../helpers/broker.ts';
import {
  b64,
  runPython,
  type PyConsumedRecord,
  type PyDelivery,
  type PyRecord,
  type PythonScript,
} from '../helpers/python.ts';

// Topics come from auto-creation (one partition), except where a test creates its own.
const CONFIG = { 'auto.create.topics.enable': 'true', 'num.partitions': '1' };
// Each script gets this long (seconds); the helper kills it 30 s later if it still runs.
const TIMEOUT = 30;

interface Produced { delivered: PyDelivery[] }
interface Consumed { records: PyConsumedRecord[] }

function produce(script: PythonScript, broker: RunningBroker, topic: string, records: PyRecord[], extra = {}): Promise<Produced> {
  return runPython<Produced>(script, { bootstrap: broker.bootstrap, topic, records, timeout: TIMEOUT, ...extra }, { timeoutMs: (TIMEOUT + 30) * 1000 });
}

function consume(
  script: PythonScript,
  broker: RunningBroker,
  assignments: { topic: string; partition: number; offset: number }[],
  count: number,
): Promise<Consumed> {
  return runPython<Consumed>(script, { bootstrap: broker.bootstrap, assignments, count, timeout: TIMEOUT }, { timeoutMs: (TIMEOUT + 30) * 1000 });
}

/**
 * `count` records for `partition`: keys (one null), headers (none, one, repeated names, empty,
 * binary), values (null, empty, binary, 200 KiB, plain text).
 *
 * `nullHeaderValue` adds a header whose value is null. Only confluent-kafka can send one
 * (kafka-python's send() asserts bytes) and only kafka-python can read one back: confluent-kafka
 * 1.7.0 (Debian bookworm) releases None once too often for it and the interpreter aborts.
 */
function makeRecords(count: number, partition = 0, label = 'r', nullHeaderValue = false): PyRecord[] {
  const records: PyRecord[] = [];
  for (let i = 0; i < count; i++) {
    let value: string | null = b64(`${label}-value-${i}`);
    if (i === 1) value = null; // a tombstone
    if (i === 2) value = b64('');
    if (i === 3) value = b64(Buffer.from(Array.from({ length: 256 }, (_, n) => n)));
    if (i === 4) value = b64(Buffer.alloc(200 * 1024, `${label}${i}`));
    let headers: [string, string | null][] = [];
    if (i % 3 === 1) headers = [['trace-id', b64(`${label}-trace-${i}`)]];
    if (i % 3 === 2) {
      headers = [
        ['seen-by', b64('a')],
        ['seen-by', b64('b')],
        ['empty', b64('')],
        ['binary', b64(Buffer.from([0, 255, 10, 13, 0]))],
      ];
      if (nullHeaderValue) headers.push(['null', null]);
    }
    records.push({ key: i === 5 ? null : b64(`${label}-key-${i % 7}`), value, headers, partition });
  }
  return records;
}

/** Checks that `consumed` are `produced`, in order, at the offsets the producer was given. */
function assertSameRecords(consumed: PyConsumedRecord[], produced: PyRecord[], delivered: PyDelivery[], topic: string): void {
  assert.equal(consumed.length, produced.length, 'record count');
  const expected = produced.map((record, i) => ({
    topic,
    partition: delivered[i]!.partition,
    offset: delivered[i]!.offset,
    timestamp: delivered[i]!.timestamp,
    timestampType: 'CreateTime',
    key: record.key,
    value: record.value,
    headers: record.headers ?? [],
  }));
  // confluent-kafka reports "no headers" as None, kafka-python as [].
  const actual = consumed.map((record) => ({ ...record, headers: record.headers ?? [] }));
  assert.deepEqual(actual, expected);
}

test('confluent-kafka produces and reads back from an assigned partition', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  const records = makeRecords(200);
  const { delivered } = await produce('ck_produce', broker, 'ck-roundtrip', records);
  assert.deepEqual(delivered.map((d) => d.offset), records.map((_, i) => i), 'offsets 0..n-1 in send order');

  const { records: consumed } = await consume('ck_consume', broker, [{ topic: 'ck-roundtrip', partition: 0, offset: 0 }], records.length);
  assertSameRecords(consumed, records, delivered, 'ck-roundtrip');

  // Starting in the middle returns the rest, from exactly that offset.
  const { records: tail } = await consume('ck_consume', broker, [{ topic: 'ck-roundtrip', partition: 0, offset: 150 }], 50);
  assertSameRecords(tail, records.slice(150), delivered.slice(150), 'ck-roundtrip');
});

test('confluent-kafka reads several assigned partitions of a topic made with CreateTopics', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  const topic = 'ck-partitions';
  const created = await runPython<{ created: string[] }>('ck_admin', {
    bootstrap: broker.bootstrap,
    topics: [{ topic, partitions: 3 }],
    timeout: TIMEOUT,
  });
  assert.deepEqual(created.created, [topic]);

  const perPartition = [0, 1, 2].map((partition) => makeRecords(60, partition, `p${partition}`));
  // Interleaved in one producer: each partition's order must survive.
  const interleaved = perPartition[0]!.flatMap((_, i) => perPartition.map((records) => records[i]!));
  const { delivered } = await produce('ck_produce', broker, topic, interleaved);

  const assignments = [0, 1, 2].map((partition) => ({ topic, partition, offset: 0 }));
  const { records: consumed } = await consume('ck_consume', broker, assignments, interleaved.length);
  for (const partition of [0, 1, 2]) {
    const indexes = interleaved.flatMap((record, i) => (record.partition === partition ? [i] : []));
    assertSameRecords(
      consumed.filter((record) => record.partition === partition),
      indexes.map((i) => interleaved[i]!),
      indexes.map((i) => delivered[i]!),
      topic,
    );
  }
});

test('kafka-python produces and reads back from an assigned partition', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  for (const compression of [undefined, 'gzip']) {
    const topic = `kp-roundtrip-${compression ?? 'none'}`;
    const records = makeRecords(200, 0, topic);
    const { delivered } = await produce('kp_produce', broker, topic, records, compression ? { compression } : {});
    assert.deepEqual(delivered.map((d) => d.offset), records.map((_, i) => i), `${topic}: offsets 0..n-1`);

    const { records: consumed } = await consume('kp_consume', broker, [{ topic, partition: 0, offset: 0 }], records.length);
    assertSameRecords(consumed, records, delivered, topic);
  }
});

test('records written by one client read the same in the other', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  const fromKafkaPython = makeRecords(100, 0, 'kp');
  const kp = await produce('kp_produce', broker, 'from-kafka-python', fromKafkaPython);
  const fromConfluent = makeRecords(100, 0, 'ck', true);
  const ck = await produce('ck_produce', broker, 'from-confluent', fromConfluent);

  const byConfluent = await consume('ck_consume', broker, [{ topic: 'from-kafka-python', partition: 0, offset: 0 }], 100);
  assertSameRecords(byConfluent.records, fromKafkaPython, kp.delivered, 'from-kafka-python');
  const byKafkaPython = await consume('kp_consume', broker, [{ topic: 'from-confluent', partition: 0, offset: 0 }], 100);
  assertSameRecords(byKafkaPython.records, fromConfluent, ck.delivered, 'from-confluent');
});

test('confluent-kafka offsets_for_times finds offsets by timestamp', async (t) => {
  const broker = await startTestBroker(t, { config: CONFIG });
  const topic = 'ck-times';
  // 30 records one second apart, an hour ago, sent as two produce calls (at least two batches).
  const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
  const records = makeRecords(30, 0, topic).map((record, i) => ({ ...record, timestamp: base + i * 1000 }));
  const first = await produce('ck_produce', broker, topic, records.slice(0, 15));
  const second = await produce('ck_produce', broker, topic, records.slice(15));
  assert.deepEqual(
    [...first.delivered, ...second.delivered].map((d) => [d.offset, d.timestamp]),
    records.map((record, i) => [i, record.timestamp]),
  );

  // Kafka's rule: the earliest offset whose timestamp is >= the one asked for; -1 if none.
  // The timestamps -2 and -1 mean the earliest and the latest offset.
  const cases: [timestamp: number, offset: number][] = [
    [base - 60_000, 0],
    [base, 0],
    [base + 1, 1],
    [base + 10_000, 10],
    [base + 14_500, 15], // across the two produce calls
    [base + 15_000, 15],
    [base + 29_000, 29],
    [base + 29_001, -1],
    [-2, 0],
    [-1, 30],
  ];
  const result = await runPython<{
    offsets: { partition: number; timestamp: number; offset: number }[];
    watermarks: { partition: number; low: number; high: number }[];
  }>('ck_offsets', {
    bootstrap: broker.bootstrap,
    topic,
    queries: cases.map(([timestamp]) => ({ partition: 0, timestamp })),
    timeout: TIMEOUT,
  });
  assert.deepEqual(
    result.offsets.map((found) => [found.timestamp, found.offset]),
    cases,
  );
  assert.deepEqual(result.watermarks, [{ partition: 0, low: 0, high: 30 }]);
});
