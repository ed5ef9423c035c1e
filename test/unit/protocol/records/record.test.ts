// Single records: hand-built bytes from the spec's layout, round trips and malformed input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidRecordError,
  decodeRecord,
  decodeRecords,
  encodeRecord,
  recordSize,
  sizeOfVarint,
  sizeOfVarlong,
} from '../../../../src/protocol/records/index.ts';

test('decodes a record built by hand from the spec layout', () => {
  // length 9 | attributes 0 | timestampDelta 0 | offsetDelta 0 | key "a" | value "bc" | 0 headers
  const bytes = Buffer.from('12' + '00' + '00' + '00' + '02' + '61' + '04' + '6263' + '00', 'hex');
  const { record, next } = decodeRecord(bytes, 0, bytes.length, { baseOffset: 100, baseTimestamp: 5000, logAppendTime: -1 });
  assert.equal(next, bytes.length);
  assert.equal(record.key!.toString(), 'a');
  assert.equal(record.value!.toString(), 'bc');
  assert.deepEqual(record.headers, []);
  assert.equal(record.offset, 100);
  assert.equal(record.timestamp, 5000);
  assert.deepEqual(encodeRecord({ key: 'a', value: 'bc' }, 0, 0), bytes);
});

test('decodes nulls, negative deltas and a header with a null value', () => {
  // length 12 | attr 0 | tsDelta -3 (zigzag 5) | offsetDelta 2 (4) | key null (1) | value null (1)
  // | 2 headers: "h" -> "é", "n" -> null
  const body = '00' + '05' + '04' + '01' + '01' + '04' + '02' + '68' + '04' + 'c3a9' + '02' + '6e' + '01';
  const bytes = Buffer.from((body.length / 2 * 2).toString(16).padStart(2, '0') + body, 'hex');
  const { record } = decodeRecord(bytes, 0, bytes.length, { baseOffset: 10, baseTimestamp: 1000, logAppendTime: -1 });
  assert.equal(record.key, null);
  assert.equal(record.value, null);
  assert.equal(record.timestampDelta, -3);
  assert.equal(record.timestamp, 997);
  assert.equal(record.offset, 12);
  assert.equal(record.headers.length, 2);
  assert.equal(record.headers[0]!.key, 'h');
  assert.equal(record.headers[0]!.value!.toString(), 'é');
  assert.deepEqual(record.headers[1], { key: 'n', value: null });
  assert.deepEqual(
    encodeRecord({ key: null, value: null, headers: [{ key: 'h', value: 'é' }, { key: 'n', value: null }] }, 2, -3),
    bytes,
  );
});

test('LogAppendTime: every record reads the batch time', () => {
  const bytes = encodeRecord({ value: 'x' }, 0, 77);
  const { record } = decodeRecord(bytes, 0, bytes.length, { baseOffset: 0, baseTimestamp: 1, logAppendTime: 9999 });
  assert.equal(record.timestamp, 9999);
  assert.equal(record.timestampDelta, 77);
});

test('keys, values and header values are views into the input', () => {
  const bytes = encodeRecord({ key: 'key', value: 'value', headers: [{ key: 'h', value: 'hv' }] }, 0, 0);
  const { record } = decodeRecord(bytes);
  assert.equal(record.key!.buffer, bytes.buffer);
  assert.equal(record.value!.buffer, bytes.buffer);
  assert.equal(record.headers[0]!.value!.buffer, bytes.buffer);
  bytes[bytes.indexOf('value')] = 0x56; // 'V'
  assert.equal(record.value!.toString(), 'Value');
});

test('round trips unicode keys and header keys, empty and large values', () => {
  const cases = [
    { key: 'ключ-🔑', value: 'значение ✓', headers: [{ key: '头', value: '值' }, { key: '', value: '' }] },
    { key: '', value: '' },
    { key: Buffer.alloc(0), value: Buffer.alloc(100_000, 7) },
    { key: new Uint8Array([1, 2, 3]), value: null, headers: [] },
  ];
  for (const [i, c] of cases.entries()) {
    const delta = i === 0 ? 0 : -i * 1000;
    const bytes = encodeRecord(c, i, delta);
    assert.equal(bytes.length, recordSize(c, i, delta));
    const { record } = decodeRecord(bytes);
    const asText = (v: unknown) => (v === null || v === undefined ? null : Buffer.from(v as Uint8Array | string).toString('hex'));
    assert.equal(asText(record.key), asText(c.key));
    assert.equal(asText(record.value), asText(c.value));
    assert.equal(record.offsetDelta, i);
    assert.equal(record.timestampDelta, delta);
    assert.deepEqual(
      record.headers.map((h) => [h.key, asText(h.value)]),
      (c.headers ?? []).map((h) => [h.key, asText(h.value)]),
    );
  }
});

test('varint and varlong sizes at their boundaries', () => {
  assert.equal(sizeOfVarint(0), 1);
  assert.equal(sizeOfVarint(-1), 1);
  assert.equal(sizeOfVarint(63), 1);
  assert.equal(sizeOfVarint(64), 2);
  assert.equal(sizeOfVarint(-65), 2);
  assert.equal(sizeOfVarint(2 ** 31 - 1), 5);
  assert.equal(sizeOfVarint(-(2 ** 31)), 5);
  assert.equal(sizeOfVarlong(0), 1);
  assert.equal(sizeOfVarlong(2 ** 35), 6);
  assert.equal(sizeOfVarlong(-(2 ** 52)), 8);
  assert.throws(() => sizeOfVarlong(2 ** 60), RangeError);
});

test('timestamp deltas round trip across the varlong range we support', () => {
  for (const delta of [0, 1, -1, 63, -64, 8191, 2 ** 31, -(2 ** 31) - 5, 2 ** 40 + 3, -(2 ** 52), 2 ** 52]) {
    const bytes = encodeRecord({ value: 'v' }, 0, delta);
    assert.equal(decodeRecord(bytes).record.timestampDelta, delta);
  }
});

test('a varlong beyond the safe-integer range is refused, not rounded', () => {
  // length | attr | tsDelta = 2^62 (zigzag 2^63: nine 0x80 bytes then 0x01) | ...
  const body = Buffer.from('00' + '80'.repeat(9) + '01' + '00' + '01' + '01' + '00', 'hex');
  const bytes = Buffer.concat([Buffer.from([body.length * 2]), body]);
  assert.throws(() => decodeRecord(bytes), InvalidRecordError);
});

test('malformed records raise InvalidRecordError with Kafka code 87', () => {
  const good = encodeRecord({ key: 'k', value: 'value', headers: [{ key: 'h', value: 'v' }] }, 0, 0);
  const cases: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['cut short', good.subarray(0, good.length - 1)],
    ['length longer than the bytes', Buffer.concat([Buffer.from([good[0]! + 2]), good.subarray(1)])],
    ['length shorter than the fields', Buffer.concat([Buffer.from([good[0]! - 2]), good.subarray(1)])],
    ['negative length', Buffer.from('0100', 'hex')],
    ['negative header count', Buffer.from('0a' + '00' + '00' + '00' + '01' + '01' + '01', 'hex')],
    ['negative header key length', Buffer.from('0c' + '00' + '00' + '00' + '01' + '01' + '02' + '01', 'hex')],
    ['header count beyond the bytes', Buffer.from('0c' + '00' + '00' + '00' + '01' + '01' + '7e' + '00', 'hex')],
    ['varint too long', Buffer.from('ffffffffff0f', 'hex')],
  ];
  for (const [name, bytes] of cases) {
    assert.throws(
      () => decodeRecord(bytes),
      (err: unknown) => err instanceof InvalidRecordError && err.kafkaErrorCode === 87,
      name,
    );
  }
});

test('decodeRecords needs exactly the declared count to fill the bytes', () => {
  const a = encodeRecord({ value: 'a' }, 0, 0);
  const b = encodeRecord({ value: 'b' }, 1, 0);
  const both = Buffer.concat([a, b]);
  assert.equal(decodeRecords(both, 2).length, 2);
  assert.throws(() => decodeRecords(both, 1), /remain after 1 records/);
  assert.throws(() => decodeRecords(both, 3), InvalidRecordError);
  assert.throws(() => decodeRecords(both, 1_000_000), /cannot fit/);
  assert.throws(() => decodeRecords(both, -1), InvalidRecordError);
});
