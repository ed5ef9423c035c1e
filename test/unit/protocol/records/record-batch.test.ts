// Whole batches: a hand-built golden batch from the spec's layout, round trips with every
// codec and flag, the lazy cursor, control batches and decode errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchCursor,
  CONTROL_RECORD_TYPE,
  CorruptRecordError,
  DecompressionLimitError,
  InvalidRecordError,
  UnsupportedCompressionError,
  checkBatchAt,
  decodeControlRecordKey,
  decodeEndTxnMarker,
  decodeRecordBatch,
  decodeRecordBatchAsync,
  decodeRecordBatches,
  encodeEndTxnMarkerBatch,
  encodeRecordBatch,
  encodeRecordBatchAsync,
  iterateBatches,
  readBatchHeader,
  setLogAppendTime,
  validateProducedRecords,
  writeBatchCrc,
  type RecordInput,
} from '../../../../src/protocol/records/index.ts';
import { crc32cOracle } from './helpers.ts';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const T0 = 1_700_000_000_000;

/** The golden batch, written field by field from the spec's table, CRC from the oracle. */
function goldenBatch(): Buffer {
  const records = Buffer.from(
    // record 0: length 9 | attr 0 | tsDelta 0 | offsetDelta 0 | key "a" | value "bc" | 0 headers
    '12' + '00' + '00' + '00' + '02' + '61' + '04' + '6263' + '00' +
      // record 1: length 11 | attr 0 | tsDelta 5 | offsetDelta 1 | key null | value null | 1 header "h" -> "é"
      '16' + '00' + '0a' + '02' + '01' + '01' + '02' + '02' + '68' + '04' + 'c3a9',
    'hex',
  );
  const b = Buffer.alloc(61 + records.length);
  b.writeBigInt64BE(100n, 0); // baseOffset
  b.writeInt32BE(b.length - 12, 8); // batchLength
  b.writeInt32BE(5, 12); // partitionLeaderEpoch
  b.writeInt8(2, 16); // magic
  b.writeInt16BE(0x10, 21); // attributes: transactional, no compression, CreateTime
  b.writeInt32BE(1, 23); // lastOffsetDelta
  b.writeBigInt64BE(BigInt(T0), 27); // baseTimestamp
  b.writeBigInt64BE(BigInt(T0 + 5), 35); // maxTimestamp
  b.writeBigInt64BE(42n, 43); // producerId
  b.writeInt16BE(3, 51); // producerEpoch
  b.writeInt32BE(7, 53); // baseSequence
  b.writeInt32BE(2, 57); // recordsCount
  records.copy(b, 61);
  b.writeUInt32BE(crc32cOracle(b.subarray(21)), 17);
  return b;
}

test('golden: a batch built by hand from the spec decodes to its known values', () => {
  const bytes = goldenBatch();
  assert.equal(bytes.length, 83);
  assert.equal(checkBatchAt(bytes, 0), 83);
  const batch = decodeRecordBatch(bytes);
  assert.deepEqual(
    { ...batch, records: undefined },
    {
      baseOffset: 100,
      batchLength: 71,
      partitionLeaderEpoch: 5,
      magic: 2,
      crc: crc32cOracle(bytes.subarray(21)),
      attributes: 0x10,
      compression: 0,
      timestampType: 0,
      isTransactional: true,
      isControl: false,
      hasDeleteHorizon: false,
      lastOffsetDelta: 1,
      baseTimestamp: T0,
      maxTimestamp: T0 + 5,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 7,
      recordsCount: 2,
      size: 83,
      records: undefined,
    },
  );
  const [r0, r1] = batch.records;
  assert.equal(r0!.offset, 100);
  assert.equal(r0!.timestamp, T0);
  assert.equal(r0!.key!.toString(), 'a');
  assert.equal(r0!.value!.toString(), 'bc');
  assert.deepEqual(r0!.headers, []);
  assert.equal(r1!.offset, 101);
  assert.equal(r1!.timestamp, T0 + 5);
  assert.equal(r1!.key, null);
  assert.equal(r1!.value, null);
  assert.equal(r1!.headers[0]!.key, 'h');
  assert.equal(r1!.headers[0]!.value!.toString(), 'é');
});

test('golden: the encoder writes the hand-built batch byte for byte', () => {
  const encoded = encodeRecordBatch(
    [
      { key: 'a', value: 'bc', timestamp: T0 },
      { key: null, value: null, headers: [{ key: 'h', value: 'é' }], timestamp: T0 + 5 },
    ],
    { baseOffset: 100, partitionLeaderEpoch: 5, isTransactional: true, producerId: 42, producerEpoch: 3, baseSequence: 7 },
  );
  assert.deepEqual(encoded, goldenBatch());
});

function sampleRecords(): RecordInput[] {
  return [
    { key: 'k1', value: 'hello', timestamp: T0 },
    { key: null, value: null, timestamp: T0 + 3 }, // a tombstone without a key
    { key: 'ключ', value: 'значение ✓', headers: [{ key: 'trace-id', value: 'abc' }, { key: 'ø', value: null }], timestamp: T0 - 10 },
    { key: Buffer.from([0, 1, 2]), value: Buffer.alloc(5000, 'z'), timestamp: T0 + 1000 },
  ];
}

test('round trips with every codec, sync and async', async () => {
  for (const compression of CODECS) {
    const records = sampleRecords();
    const opts = { compression, baseOffset: 2 ** 40, producerId: 2 ** 45, producerEpoch: 9, baseSequence: 1000 };
    const sync = encodeRecordBatch(records, opts);
    const async_ = await encodeRecordBatchAsync(records, opts);
    for (const bytes of [sync, async_]) {
      for (const batch of [decodeRecordBatch(bytes), await decodeRecordBatchAsync(bytes)]) {
        assert.equal(batch.compression, ['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(compression));
        assert.equal(batch.baseOffset, 2 ** 40);
        assert.equal(batch.producerId, 2 ** 45);
        assert.equal(batch.producerEpoch, 9);
        assert.equal(batch.baseSequence, 1000);
        assert.equal(batch.recordsCount, 4);
        assert.equal(batch.lastOffsetDelta, 3);
        assert.equal(batch.baseTimestamp, T0);
        assert.equal(batch.maxTimestamp, T0 + 1000);
        assert.equal(batch.partitionLeaderEpoch, -1);
        assert.equal(batch.size, bytes.length);
        assert.deepEqual(
          batch.records.map((r) => [r.offset, r.timestamp, r.key?.toString('hex') ?? null, r.value?.toString() ?? null]),
          records.map((r, i) => [
            2 ** 40 + i,
            r.timestamp,
            r.key === null ? null : Buffer.from(r.key as string).toString('hex'),
            r.value === null ? null : Buffer.from(r.value as string).toString(),
          ]),
        );
        assert.deepEqual(
          batch.records[2]!.headers.map((h) => [h.key, h.value?.toString() ?? null]),
          [['trace-id', 'abc'], ['ø', null]],
        );
      }
    }
  }
});

test('encoder flags: LogAppendTime, control, delete horizon, explicit offsets, empty batch', () => {
  const lat = decodeRecordBatch(encodeRecordBatch([{ value: 'a', timestamp: 5 }, { value: 'b', timestamp: 9 }], { logAppendTime: true, timestamp: 777 }));
  assert.equal(lat.timestampType, 1);
  assert.equal(lat.maxTimestamp, 777);
  assert.deepEqual(lat.records.map((r) => r.timestamp), [777, 777]);
  assert.deepEqual(lat.records.map((r) => r.timestampDelta), [0, 4]);

  const horizon = decodeRecordBatch(encodeRecordBatch([{ value: 'a', timestamp: T0 }], { deleteHorizonMs: T0 + 86_400_000 }));
  assert.ok(horizon.hasDeleteHorizon);
  assert.equal(horizon.baseTimestamp, T0 + 86_400_000);
  assert.equal(horizon.records[0]!.timestamp, T0);

  const compacted = decodeRecordBatch(
    encodeRecordBatch([{ value: 'a', offsetDelta: 2, timestamp: T0 }, { value: 'b', offsetDelta: 7, timestamp: T0 }], { lastOffsetDelta: 9 }),
  );
  assert.deepEqual(compacted.records.map((r) => r.offset), [2, 7]);
  assert.equal(compacted.lastOffsetDelta, 9);

  const empty = decodeRecordBatch(encodeRecordBatch([], { lastOffsetDelta: 4, producerId: 3, producerEpoch: 0, baseSequence: 10 }));
  assert.equal(empty.recordsCount, 0);
  assert.equal(empty.baseTimestamp, -1);
  assert.equal(empty.maxTimestamp, -1);
  assert.equal(empty.lastOffsetDelta, 4);
  assert.equal(empty.size, 61);

  const bigintPid = decodeRecordBatch(encodeRecordBatch([{ value: 'x', timestamp: 1 }], { producerId: 123n }));
  assert.equal(bigintPid.producerId, 123);
});

test('records without timestamps take the batch timestamp', () => {
  const batch = decodeRecordBatch(encodeRecordBatch([{ value: 'a' }, { value: 'b', timestamp: 50 }], { timestamp: 40 }));
  assert.deepEqual(batch.records.map((r) => r.timestamp), [40, 50]);
  assert.equal(batch.baseTimestamp, 40);
  assert.equal(batch.maxTimestamp, 50);
});

test('a transaction marker batch has the spec layout and decodes back', () => {
  const bytes = encodeEndTxnMarkerBatch({ producerId: 77, producerEpoch: 4, commit: true, coordinatorEpoch: 12, timestamp: T0 });
  const batch = decodeRecordBatch(bytes);
  assert.ok(batch.isControl && batch.isTransactional);
  assert.equal(batch.compression, 0);
  assert.equal(batch.timestampType, 0);
  assert.equal(batch.baseSequence, -1);
  assert.equal(batch.recordsCount, 1);
  const [marker] = batch.records;
  assert.deepEqual(marker!.key, Buffer.from('00000001', 'hex'));
  assert.deepEqual(marker!.value, Buffer.from('00000000000c', 'hex'));
  assert.deepEqual(decodeControlRecordKey(marker!.key), { version: 0, type: CONTROL_RECORD_TYPE.COMMIT });
  assert.deepEqual(decodeEndTxnMarker(marker!.value), { version: 0, coordinatorEpoch: 12 });
  const abort = decodeRecordBatch(encodeEndTxnMarkerBatch({ producerId: 77, producerEpoch: 4, commit: false, coordinatorEpoch: 1, timestamp: T0 }));
  assert.equal(decodeControlRecordKey(abort.records[0]!.key).type, CONTROL_RECORD_TYPE.ABORT);
  // Readers accept higher key versions; short keys and values are refused.
  assert.deepEqual(decodeControlRecordKey(Buffer.from('0003000200ff', 'hex')), { version: 3, type: 2 });
  assert.throws(() => decodeControlRecordKey(Buffer.from('0000', 'hex')), InvalidRecordError);
  assert.throws(() => decodeControlRecordKey(null), InvalidRecordError);
  assert.throws(() => decodeEndTxnMarker(Buffer.from('0000', 'hex')), InvalidRecordError);
});

test('decode errors: CRC, framing, unknown codec, counts, decompression cap', () => {
  const good = encodeRecordBatch(sampleRecords(), { compression: 'gzip' });

  const badCrc = Buffer.from(good);
  badCrc[good.length - 3] ^= 0xff;
  assert.throws(() => decodeRecordBatch(badCrc), (e: unknown) => e instanceof CorruptRecordError && e.kafkaErrorCode === 2);
  // Without the CRC check the corrupt gzip payload itself is what fails.
  assert.throws(() => decodeRecordBatch(badCrc, 0, { verifyCrc: false }), InvalidRecordError);

  assert.throws(() => decodeRecordBatch(good.subarray(0, 40)), CorruptRecordError);
  assert.throws(() => decodeRecordBatch(good.subarray(0, good.length - 1)), CorruptRecordError);
  const badMagic = Buffer.from(good);
  badMagic[16] = 1;
  assert.throws(() => decodeRecordBatch(badMagic), /magic/);

  const codec5 = Buffer.from(good);
  codec5.writeInt16BE(5, 21);
  writeBatchCrc(codec5);
  assert.throws(() => decodeRecordBatch(codec5), (e: unknown) => e instanceof UnsupportedCompressionError && e.kafkaErrorCode === 76);

  const countHigh = Buffer.from(good);
  countHigh.writeInt32BE(5, 57);
  writeBatchCrc(countHigh);
  assert.throws(() => decodeRecordBatch(countHigh), InvalidRecordError);
  const countLow = Buffer.from(good);
  countLow.writeInt32BE(3, 57);
  writeBatchCrc(countLow);
  assert.throws(() => decodeRecordBatch(countLow), /remain after 3 records/);

  assert.throws(() => decodeRecordBatch(good, 0, { maxDecompressedBytes: 1000 }), DecompressionLimitError);
});

test('BatchCursor walks batches lazily and stops at a partial tail', () => {
  const a = encodeRecordBatch([{ value: 'a', timestamp: 1 }], { baseOffset: 0 });
  const b = encodeRecordBatch([{ value: 'b', timestamp: 2 }, { value: 'c', timestamp: 3 }], { baseOffset: 1, compression: 'lz4', isTransactional: true, producerId: 9, producerEpoch: 1, baseSequence: 0 });
  const c = encodeRecordBatch([{ value: 'd', timestamp: 4 }], { baseOffset: 3 });
  const buf = Buffer.concat([a, b, c.subarray(0, 30)]);
  const cursor = new BatchCursor(buf);
  const seen: Array<[number, number, number, number, boolean, number]> = [];
  while (cursor.next()) {
    assert.ok(cursor.isValid());
    seen.push([cursor.position, cursor.size, cursor.baseOffset, cursor.lastOffset, cursor.isTransactional, cursor.compression]);
  }
  assert.deepEqual(seen, [
    [0, a.length, 0, 0, false, 0],
    [a.length, b.length, 1, 2, true, 3],
  ]);
  assert.equal(cursor.remaining, 30);
  assert.equal(cursor.nextPosition, a.length + b.length);

  const entries = [...iterateBatches(buf)];
  assert.equal(entries.length, 2);
  assert.equal(entries[1]!.producerId, 9);
  assert.equal(entries[1]!.recordsCount, 2);
  assert.deepEqual(entries[1], { ...readBatchHeader(buf, a.length), position: a.length, size: b.length });

  const all = decodeRecordBatches(buf);
  assert.deepEqual(all.flatMap((x) => x.records.map((r) => r.value!.toString())), ['a', 'b', 'c']);
});

test('BatchCursor: Kafka reader rules for impossible lengths and magic', () => {
  const good = encodeRecordBatch([{ value: 'x', timestamp: 1 }]);
  const small = Buffer.from(good);
  small.writeInt32BE(13, 8);
  assert.throws(() => new BatchCursor(small).next(), /minimum record overhead/);
  const magic = Buffer.from(good);
  magic[16] = 3;
  assert.throws(() => new BatchCursor(magic).next(), /invalid magic 3/);
  // Magic 2 with a length below the 61-byte header.
  const short = Buffer.from(good);
  short.writeInt32BE(30, 8);
  assert.throws(() => new BatchCursor(short).next(), CorruptRecordError);
  // A legacy message set (magic 1) tiles like a batch; the typed readers refuse it.
  const legacy = Buffer.alloc(12 + 30);
  legacy.writeInt32BE(30, 8);
  legacy[16] = 1;
  const cursor = new BatchCursor(Buffer.concat([legacy, good]));
  assert.ok(cursor.next());
  assert.equal(cursor.magic, 1);
  assert.ok(cursor.next());
  assert.equal(cursor.magic, 2);
  assert.equal(cursor.next(), false);
  assert.throws(() => [...iterateBatches(legacy)], /legacy/);
  // Fewer than 12 or 17 bytes: nothing to walk, no error.
  assert.equal(new BatchCursor(good.subarray(0, 11)).next(), false);
  assert.equal(new BatchCursor(good.subarray(0, 16)).next(), false);
});

test('setLogAppendTime patches the header in place and keeps the CRC valid', () => {
  const bytes = encodeRecordBatch([{ value: 'x', timestamp: 10 }, { value: 'y', timestamp: 20 }], { compression: 'snappy' });
  setLogAppendTime(bytes, 0, 5555);
  assert.equal(checkBatchAt(bytes, 0), bytes.length);
  const batch = decodeRecordBatch(bytes);
  assert.equal(batch.timestampType, 1);
  assert.equal(batch.maxTimestamp, 5555);
  assert.deepEqual(batch.records.map((r) => r.timestamp), [5555, 5555]);
  assert.equal(validateProducedRecords(bytes, 9).errorCode, 0);
});
