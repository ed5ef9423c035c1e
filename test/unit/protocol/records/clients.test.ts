// Real clients' bytes. Round trips alone are symmetric and would pass a misread spec, so:
//  - kcat (librdkafka 2.0.2) batches captured by fixtures/capture-kcat.ts, every codec and
//    an idempotent producer, decoded and validated;
//  - kafkajs's own RecordBatch encoder (none and gzip: the codecs it ships), called here;
//  - @platformatic/kafka's encoder, every codec (its snappy is raw, its lz4 and snappy are
//    its own WebAssembly builds, independent of ours);
// and the other way round: our batches decoded by kafkajs and by @platformatic/kafka.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createRecordsBatch, readRecordsBatch, Reader } from '@platformatic/kafka';
import {
  decodeRecordBatch,
  encodeRecordBatch,
  isXerialFramed,
  validateProducedRecords,
} from '../../../../src/protocol/records/index.ts';

const require = createRequire(import.meta.url);
const { RecordBatch: kafkajsRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
const kafkajsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');
const KafkajsDecoder = require('kafkajs/src/protocol/decoder');
const { Types: KafkajsCompression } = require('kafkajs/src/protocol/message/compression');
const KafkajsLong = require('kafkajs/src/utils/long');

interface KcatCapture {
  codec: string;
  idempotent: boolean;
  apiVersion: number;
  records: string;
}
const kcat = JSON.parse(readFileSync(new URL('./fixtures/kcat-batches.json', import.meta.url), 'utf8')) as {
  generator: string;
  input: string[];
  headers: Array<[string, string]>;
  captures: KcatCapture[];
};

test('kcat (librdkafka) batches: every codec decodes to what was produced', () => {
  const expected = kcat.input.map((line) => {
    const [key, ...rest] = line.split(':');
    const value = rest.join(':');
    return [key, value === '' ? null : value];
  });
  assert.equal(kcat.captures.length, 6);
  for (const capture of kcat.captures) {
    const bytes = Buffer.from(capture.records, 'hex');
    const batch = decodeRecordBatch(bytes);
    const what = `${capture.codec}${capture.idempotent ? ' idempotent' : ''}`;
    assert.equal(batch.compression, ['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(capture.codec), what);
    assert.equal(batch.recordsCount, expected.length, what);
    assert.equal(batch.baseOffset, 0);
    assert.deepEqual(
      batch.records.map((r) => [r.key!.toString(), r.value === null ? null : r.value.toString()]),
      expected,
      what,
    );
    for (const r of batch.records) {
      assert.deepEqual(r.headers.map((h) => [h.key, h.value!.toString()]), kcat.headers, what);
      assert.ok(r.timestamp >= batch.baseTimestamp && r.timestamp <= batch.maxTimestamp, what);
    }
    assert.deepEqual(batch.records.map((r) => r.offset), [0, 1, 2, 3]);
    if (capture.idempotent) {
      assert.equal(batch.producerId, 4242); // as answered by the capture server's InitProducerId
      assert.equal(batch.producerEpoch, 7);
      assert.equal(batch.baseSequence, 0);
    } else {
      assert.equal(batch.producerId, -1);
      assert.equal(batch.baseSequence, -1);
    }
    const validation = validateProducedRecords(bytes, capture.apiVersion);
    assert.equal(validation.errorCode, 0, what);
  }
});

test('kcat (librdkafka) writes raw snappy and a standard LZ4 frame: both are read', () => {
  const payload = (codec: string) => Buffer.from(kcat.captures.find((c) => c.codec === codec)!.records, 'hex').subarray(61);
  assert.equal(isXerialFramed(payload('snappy')), false);
  assert.equal(payload('lz4').readUInt32LE(0), 0x184d2204);
  assert.equal(payload('gzip').readUInt16BE(0), 0x1f8b);
  assert.equal(payload('zstd').readUInt32LE(0), 0xfd2fb528);
});

async function kafkajsBatch(compression: number, messages: Array<{ key: string | null; value: string | null; headers?: Record<string, string>; timestamp: number }>) {
  const first = messages[0]!.timestamp;
  const records = messages.map((m, i) =>
    kafkajsRecord({ key: m.key, value: m.value, headers: m.headers, offsetDelta: i, timestampDelta: m.timestamp - first }),
  );
  const encoder = await kafkajsRecordBatch({
    compression,
    records,
    firstTimestamp: first,
    maxTimestamp: Math.max(...messages.map((m) => m.timestamp)),
    producerId: KafkajsLong.fromValue(31),
    producerEpoch: 2,
    firstSequence: 40,
    lastOffsetDelta: records.length - 1,
  });
  return encoder.buffer as Buffer;
}

test('kafkajs batches (none, gzip) decode and validate', async () => {
  const messages = [
    { key: 'user-1', value: '{"clicks":1}', headers: { source: 'web', 'trace-ü': 'x1' }, timestamp: 1_700_000_000_123 },
    { key: null, value: 'no key', timestamp: 1_700_000_000_200 },
    { key: 'user-2', value: 'x'.repeat(2000), timestamp: 1_700_000_000_150 },
  ];
  for (const compression of [KafkajsCompression.None, KafkajsCompression.GZIP]) {
    const bytes = await kafkajsBatch(compression, messages);
    const batch = decodeRecordBatch(bytes);
    assert.equal(batch.compression, compression);
    assert.equal(batch.producerId, 31);
    assert.equal(batch.producerEpoch, 2);
    assert.equal(batch.baseSequence, 40);
    assert.equal(batch.partitionLeaderEpoch, 0); // kafkajs writes 0 where Java writes -1
    assert.deepEqual(
      batch.records.map((r) => [r.key?.toString() ?? null, r.value!.toString(), r.timestamp]),
      messages.map((m) => [m.key, m.value, m.timestamp]),
    );
    assert.deepEqual(batch.records[0]!.headers.map((h) => [h.key, h.value!.toString()]), [['source', 'web'], ['trace-ü', 'x1']]);
    assert.equal(validateProducedRecords(bytes, 3).errorCode, 0);
  }
});

function platformaticMessages() {
  return [
    { topic: 't', key: Buffer.from('k1'), value: Buffer.from('v1'), headers: new Map([[Buffer.from('h'), Buffer.from('hv')]]), timestamp: 1_700_000_000_000n },
    { topic: 't', key: Buffer.from('ключ'), value: Buffer.from('abc'.repeat(5000)), timestamp: 1_700_000_000_010n },
  ];
}

test('@platformatic/kafka batches, every codec, decode and validate', () => {
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const writer = createRecordsBatch(platformaticMessages(), { compression, producerId: 8n, producerEpoch: 1, partitionLeaderEpoch: -1 });
    const bytes = (writer as unknown as { buffer: Buffer }).buffer;
    const batch = decodeRecordBatch(bytes);
    assert.equal(batch.compression, ['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(compression), compression);
    assert.equal(batch.producerId, 8);
    assert.deepEqual(
      batch.records.map((r) => [r.key!.toString(), r.value!.length, r.timestamp]),
      [['k1', 2, 1_700_000_000_000], ['ключ', 15000, 1_700_000_000_010]],
      compression,
    );
    assert.deepEqual(batch.records[0]!.headers.map((h) => [h.key, h.value!.toString()]), [['h', 'hv']]);
    assert.equal(validateProducedRecords(bytes, 9).errorCode, 0, compression);
  }
});

function ourBatch(compression: string): Buffer {
  return encodeRecordBatch(
    [
      { key: 'k1', value: 'v1', headers: [{ key: 'h', value: 'hv' }], timestamp: 1_700_000_000_000 },
      { key: 'ключ', value: 'abc'.repeat(30_000), timestamp: 1_700_000_000_010 },
      { key: null, value: 'last', timestamp: 1_700_000_000_005 },
    ],
    { compression: compression as 'none', producerId: 5, producerEpoch: 0, baseSequence: 0 },
  );
}

test('our batches, every codec, read by @platformatic/kafka (xerial snappy, lz4 frame included)', () => {
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    const batch = readRecordsBatch(Reader.from(ourBatch(compression)));
    assert.equal(batch.records.length, 3, compression);
    assert.equal(batch.records[0]!.key!.toString(), 'k1');
    assert.equal(batch.records[1]!.key!.toString(), 'ключ');
    assert.equal(batch.records[1]!.value!.length, 90_000, compression);
    assert.equal(batch.records[2]!.key, null);
    assert.equal(batch.records[2]!.value!.toString(), 'last');
    assert.equal(batch.producerId, 5n);
  }
});

test('our batches (none, gzip) read by kafkajs', async () => {
  for (const compression of ['none', 'gzip']) {
    const batch = await kafkajsDecodeBatch(new KafkajsDecoder(ourBatch(compression)));
    assert.equal(batch.records.length, 3);
    assert.deepEqual(
      batch.records.map((r: { key: Buffer | null; offset: string; timestamp: string }) => [r.key?.toString() ?? null, r.offset, r.timestamp]),
      [['k1', '0', '1700000000000'], ['ключ', '1', '1700000000010'], [null, '2', '1700000000005']],
    );
    assert.deepEqual(batch.records[0].headers, { h: Buffer.from('hv') });
    assert.equal(batch.records[1].value.length, 90_000);
  }
});
