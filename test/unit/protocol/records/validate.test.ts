// Produce-path validation: one table row per defect, with Kafka's error code for it, plus
// the order in which Kafka checks (which decides the code when a request has two defects).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RECORD_ERROR_CODES,
  encodeRecordBatch,
  validateProducedRecords,
  writeBatchCrc,
  type EncodeBatchOptions,
} from '../../../../src/protocol/records/index.ts';

const { CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, UNSUPPORTED_COMPRESSION_TYPE, INVALID_RECORD } = RECORD_ERROR_CODES;
const T0 = 1_700_000_000_000;

function batch(options: EncodeBatchOptions = {}, count = 3): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `value ${i}`, timestamp: T0 + i * 10 }));
  return encodeRecordBatch(records, options);
}

/** A copy of `buf` changed by `edit`, its CRC recomputed unless `keepCrc`. */
function edited(buf: Buffer, edit: (b: Buffer) => void, keepCrc = false): Buffer {
  const b = Buffer.from(buf);
  edit(b);
  if (!keepCrc) writeBatchCrc(b, 0, b.length);
  return b;
}

test('a valid batch: what the produce path gets back', () => {
  const bytes = batch({ compression: 'lz4', producerId: 12, producerEpoch: 3, baseSequence: 40, isTransactional: true });
  const result = validateProducedRecords(bytes, 9);
  assert.equal(result.errorCode, 0);
  if (result.errorCode !== 0) return;
  assert.deepEqual(result, {
    errorCode: 0,
    batches: [
      {
        position: 0,
        size: bytes.length,
        attributes: 0x13,
        compression: 3,
        timestampType: 0,
        isTransactional: true,
        isControl: false,
        partitionLeaderEpoch: -1,
        lastOffsetDelta: 2,
        recordsCount: 3,
        baseTimestamp: T0,
        maxTimestamp: T0 + 20,
        producerId: 12,
        producerEpoch: 3,
        baseSequence: 40,
      },
    ],
    recordCount: 3,
    maxTimestamp: T0 + 20,
    size: bytes.length,
    compression: 3,
    hasProducerId: true,
    isTransactional: true,
  });
});

test('every codec validates at the versions Kafka allows it', () => {
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const bytes = batch({ compression });
    for (const version of [3, 6, 7, 9, 13]) {
      const expected = compression === 'zstd' && version < 7 ? UNSUPPORTED_COMPRESSION_TYPE : 0;
      assert.equal(validateProducedRecords(bytes, version).errorCode, expected, `${compression} v${version}`);
    }
  }
});

test('each defect gets Kafka\'s error code', () => {
  const good = batch();
  const two = Buffer.concat([good, good]);
  const rows: Array<[string, Buffer | null, number, RegExp?, number?]> = [
    ['null records', null, INVALID_RECORD, /at least one record batch/],
    ['empty records', Buffer.alloc(0), INVALID_RECORD, /at least one record batch/],
    ['fewer than 12 bytes', good.subarray(0, 11), INVALID_RECORD, /at least one record batch/],
    ['fewer than 17 bytes', good.subarray(0, 16), INVALID_RECORD, /at least one record batch/],
    ['truncated batch', good.subarray(0, good.length - 1), INVALID_RECORD, /at least one record batch/],
    ['oversized length', edited(good, (b) => b.writeInt32BE(0x7fffffff, 8), true), INVALID_RECORD, /at least one/],
    ['negative length', edited(good, (b) => b.writeInt32BE(-5, 8), true), CORRUPT_MESSAGE, /minimum record overhead/],
    ['length below 14', edited(good, (b) => b.writeInt32BE(13, 8), true), CORRUPT_MESSAGE, /minimum record overhead/],
    ['magic 3', edited(good, (b) => (b[16] = 3), true), CORRUPT_MESSAGE, /Invalid magic/],
    ['magic -1', edited(good, (b) => (b[16] = 0xff), true), CORRUPT_MESSAGE, /Invalid magic/],
    ['magic 1 (legacy)', edited(good, (b) => (b[16] = 1), true), INVALID_RECORD, /magic version 2/],
    [
      'magic 2 shorter than its header',
      edited(good, (b) => b.writeInt32BE(30, 8), true).subarray(0, 42),
      CORRUPT_MESSAGE,
      /minimum allowed overhead/,
    ],
    ['bad CRC', edited(good, (b) => (b[good.length - 1] ^= 1), true), CORRUPT_MESSAGE, /stored crc/],
    ['CRC field itself wrong', edited(good, (b) => b.writeUInt32BE(0, 17), true), CORRUPT_MESSAGE, /stored crc = 0/],
    ['baseOffset not 0', edited(good, (b) => b.writeBigInt64BE(5n, 0), true), INVALID_RECORD, /baseOffset .* should be 0, but it is 5/],
    ['two batches', two, INVALID_RECORD, /exactly one record batch/],
    ['trailing garbage (5 bytes)', Buffer.concat([good, Buffer.alloc(5, 0xab)]), INVALID_RECORD, /5 bytes after/],
    ['trailing partial batch', Buffer.concat([good, good.subarray(0, 30)]), INVALID_RECORD, /30 bytes after/],
    ['trailing bytes with a bad magic', Buffer.concat([good, edited(good, (b) => (b[16] = 9), true)]), CORRUPT_MESSAGE, /Invalid magic/],
    ['count above lastOffsetDelta + 1', edited(good, (b) => b.writeInt32BE(4, 57)), INVALID_RECORD, /Inconsistent batch offset range/],
    ['count below lastOffsetDelta + 1', edited(good, (b) => b.writeInt32BE(2, 57)), INVALID_RECORD, /Inconsistent/],
    ['zero records, lastOffsetDelta 0', edited(good, (b) => b.writeInt32BE(0, 57)), INVALID_RECORD, /Invalid reported count/],
    ['negative offset range', edited(good, (b) => b.writeInt32BE(-1, 23)), INVALID_RECORD, /invalid offset range/],
    ['control batch', edited(good, (b) => b.writeInt16BE(0x30, 21)), INVALID_RECORD, /control records/],
    ['producer id without a sequence', batch({ producerId: 5, producerEpoch: 0, baseSequence: -1 }), INVALID_RECORD, /Invalid sequence number -1/],
    ['codec 5', edited(good, (b) => b.writeInt16BE(5, 21)), UNSUPPORTED_COMPRESSION_TYPE, /Unknown compression type id: 5/],
    ['codec 7 below v7', edited(good, (b) => b.writeInt16BE(7, 21)), UNSUPPORTED_COMPRESSION_TYPE, /Unknown compression/, 3],
    ['zstd below v7', batch({ compression: 'zstd' }), UNSUPPORTED_COMPRESSION_TYPE, /ZStandard/, 6],
  ];
  for (const [name, bytes, code, message, version = 9] of rows) {
    const result = validateProducedRecords(bytes, version);
    assert.equal(result.errorCode, code, `${name}: got ${JSON.stringify(result).slice(0, 200)}`);
    if (result.errorCode !== 0 && message) assert.match(result.errorMessage, message, name);
  }
});

test('a batch above max.message.bytes gets MESSAGE_TOO_LARGE', () => {
  const bytes = batch();
  assert.equal(validateProducedRecords(bytes, 9, { maxBatchSize: bytes.length }).errorCode, 0);
  assert.equal(validateProducedRecords(bytes, 9, { maxBatchSize: bytes.length - 1 }).errorCode, MESSAGE_TOO_LARGE);
});

test('checks run in Kafka\'s order', () => {
  const good = batch();
  const badCrc = edited(good, (b) => (b[good.length - 1] ^= 1), true);
  // Request-level checks come before per-batch ones: a second batch beats a bad CRC,
  assert.equal(validateProducedRecords(Buffer.concat([badCrc, good]), 9).errorCode, INVALID_RECORD);
  // and zstd below v7 beats a bad CRC.
  const zstdBadCrc = edited(batch({ compression: 'zstd' }), (b) => (b[b.length - 1] ^= 1), true);
  assert.equal(validateProducedRecords(zstdBadCrc, 6).errorCode, UNSUPPORTED_COMPRESSION_TYPE);
  assert.equal(validateProducedRecords(zstdBadCrc, 7).errorCode, CORRUPT_MESSAGE);
  // baseOffset and size come before the CRC,
  const movedBadCrc = edited(badCrc, (b) => b.writeBigInt64BE(1n, 0), true);
  assert.equal(validateProducedRecords(movedBadCrc, 9).errorCode, INVALID_RECORD);
  assert.equal(validateProducedRecords(badCrc, 9, { maxBatchSize: 10 }).errorCode, MESSAGE_TOO_LARGE);
  // and the CRC before the counts: a count changed without fixing the CRC is corruption.
  assert.equal(validateProducedRecords(edited(good, (b) => b.writeInt32BE(9, 57), true), 9).errorCode, CORRUPT_MESSAGE);
});

test('below Produce v3, several batches are allowed and summed', () => {
  const a = batch({}, 2);
  const b = batch({ compression: 'gzip' }, 5);
  const result = validateProducedRecords(Buffer.concat([a, b]), 2);
  assert.equal(result.errorCode, 0);
  if (result.errorCode !== 0) return;
  assert.deepEqual(result.batches.map((x) => [x.position, x.size, x.recordsCount]), [[0, a.length, 2], [a.length, b.length, 5]]);
  assert.equal(result.recordCount, 7);
  assert.equal(result.compression, 1);
  assert.equal(result.maxTimestamp, T0 + 40);
  // Each batch still needs magic 2.
  const legacy = edited(b, (x) => (x[16] = 1), true);
  assert.equal(validateProducedRecords(Buffer.concat([a, legacy]), 2).errorCode, INVALID_RECORD);
});

test('validation never throws and never reads past the buffer, whatever the bytes', () => {
  const good = batch({ compression: 'snappy' });
  for (let cut = 0; cut <= good.length; cut++) {
    const result = validateProducedRecords(good.subarray(0, cut), 9);
    assert.equal(result.errorCode, cut === good.length ? 0 : INVALID_RECORD, `cut at ${cut}`);
  }
});
