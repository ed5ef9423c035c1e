// One record inside a magic-2 batch (../shared/kafka-protocol/README.md, "Record layout"):
//
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint | key | valueLength varint | value |
//   headersCount varint | { headerKeyLength varint | key utf8 | headerValueLength varint | value }*
//
// All varints are zig-zag signed. A negative key or value length means null (Kafka reads any
// negative length that way); a negative header count or header key length is an error, as
// is a record whose fields do not fill exactly `length` bytes (Kafka's DefaultRecord.readFrom).
//
// Decoded keys, values and header values are views into the input (no copy); header keys
// are strings. Timestamps and offsets are JS numbers: a varlong outside the safe-integer
// range is refused rather than rounded.

import { InvalidRecordError } from './errors.ts';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  /** Unused by Kafka; 0. */
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  /** baseOffset + offsetDelta. */
  offset: number;
  /** baseTimestamp + timestampDelta, or the batch's maxTimestamp under LogAppendTime. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** What a record is made from. Strings are written as UTF-8. */
export interface RecordInput {
  key?: Uint8Array | string | null;
  value?: Uint8Array | string | null;
  headers?: ReadonlyArray<{ key: string; value?: Uint8Array | string | null }>;
  /** Absolute timestamp (ms). Defaults to the batch's timestamp. */
  timestamp?: number;
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number;
  /** Defaults to 0. */
  attributes?: number;
}

/** The batch-level values a record's deltas are relative to. */
export interface RecordContext {
  baseOffset: number;
  baseTimestamp: number;
  /** The batch's maxTimestamp when it uses LogAppendTime, else -1. */
  logAppendTime: number;
}

const NO_CONTEXT: RecordContext = { baseOffset: 0, baseTimestamp: 0, logAppendTime: -1 };
const MAX_VARLONG_MAGNITUDE = 2 ** 52;

// ---------------------------------------------------------------------------------------
// Varints on a shared cursor: the decoder runs to completion without yielding, so one
// module-level position avoids an allocation per field.

let pos = 0;

function fail(message: string): never {
  throw new InvalidRecordError(message);
}

function readVarint(buf: Buffer, limit: number): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= limit) fail('record is cut short inside a varint');
    const b = buf[pos++]!;
    if (shift === 28 && b > 0x0f) fail('varint is too long');
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return (result >>> 1) ^ -(result & 1);
  }
  return fail('varint is too long');
}

function readVarlong(buf: Buffer, limit: number): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= limit) fail('record is cut short inside a varlong');
    const b = buf[pos++]!;
    result += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (result > 2 * MAX_VARLONG_MAGNITUDE) fail('varlong is outside the supported range');
      return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    scale *= 128;
  }
  return fail('varlong is too long');
}

/** Bytes of a zig-zag varint of a 32-bit value. */
export function sizeOfVarint(v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (u >= 0x80) {
    u >>>= 7;
    n++;
  }
  return n;
}

function zigzagLong(v: number): number {
  if (!Number.isSafeInteger(v) || Math.abs(v) > MAX_VARLONG_MAGNITUDE) {
    throw new RangeError(`varlong value ${v} is outside the supported range`);
  }
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

/** Bytes of a zig-zag varlong of an integer within ±2^52. */
export function sizeOfVarlong(v: number): number {
  let u = zigzagLong(v);
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, at: number, v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0;
  while (u >= 0x80) {
    buf[at++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[at++] = u;
  return at;
}

function writeVarlong(buf: Buffer, at: number, v: number): number {
  let u = zigzagLong(v);
  while (u >= 0x80) {
    buf[at++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[at++] = u;
  return at;
}

// ---------------------------------------------------------------------------------------
// Decoding

function readRecordAt(buf: Buffer, end: number, ctx: RecordContext): KafkaRecord {
  const length = readVarint(buf, end);
  if (length < 0) fail(`invalid record length ${length}`);
  const bodyStart = pos;
  const bodyEnd = bodyStart + length;
  if (bodyEnd > end) fail(`record of ${length} bytes overruns its batch by ${bodyEnd - end} bytes`);
  if (pos >= bodyEnd) fail('record is cut short');
  const attributes = buf.readInt8(pos++);
  const timestampDelta = readVarlong(buf, bodyEnd);
  const offsetDelta = readVarint(buf, bodyEnd);

  let key: Buffer | null = null;
  const keyLength = readVarint(buf, bodyEnd);
  if (keyLength >= 0) {
    if (pos + keyLength > bodyEnd) fail(`record key of ${keyLength} bytes overruns the record`);
    key = buf.subarray(pos, pos + keyLength);
    pos += keyLength;
  }
  let value: Buffer | null = null;
  const valueLength = readVarint(buf, bodyEnd);
  if (valueLength >= 0) {
    if (pos + valueLength > bodyEnd) fail(`record value of ${valueLength} bytes overruns the record`);
    value = buf.subarray(pos, pos + valueLength);
    pos += valueLength;
  }

  const headerCount = readVarint(buf, bodyEnd);
  if (headerCount < 0) fail(`invalid number of record headers ${headerCount}`);
  // Each header takes at least two bytes; refuse counts the record cannot hold before
  // allocating for them.
  if (headerCount * 2 > bodyEnd - pos) fail(`${headerCount} record headers cannot fit in ${bodyEnd - pos} bytes`);
  const headers: RecordHeader[] = new Array(headerCount);
  for (let i = 0; i < headerCount; i++) {
    const keySize = readVarint(buf, bodyEnd);
    if (keySize < 0) fail(`invalid negative header key size ${keySize}`);
    if (pos + keySize > bodyEnd) fail(`header key of ${keySize} bytes overruns the record`);
    const headerKey = buf.toString('utf8', pos, pos + keySize);
    pos += keySize;
    const valueSize = readVarint(buf, bodyEnd);
    let headerValue: Buffer | null = null;
    if (valueSize >= 0) {
      if (pos + valueSize > bodyEnd) fail(`header value of ${valueSize} bytes overruns the record`);
      headerValue = buf.subarray(pos, pos + valueSize);
      pos += valueSize;
    }
    headers[i] = { key: headerKey, value: headerValue };
  }
  if (pos !== bodyEnd) {
    fail(`invalid record size: expected to read ${length} bytes in record payload, but read ${pos - bodyStart}`);
  }
  return {
    attributes,
    timestampDelta,
    offsetDelta,
    offset: ctx.baseOffset + offsetDelta,
    timestamp: ctx.logAppendTime >= 0 ? ctx.logAppendTime : ctx.baseTimestamp + timestampDelta,
    key,
    value,
    headers,
  };
}

/** Decodes the record at `buf[at..end]`; `next` is where the following record starts. */
export function decodeRecord(
  buf: Buffer,
  at = 0,
  end = buf.length,
  ctx: RecordContext = NO_CONTEXT,
): { record: KafkaRecord; next: number } {
  pos = at;
  const record = readRecordAt(buf, end, ctx);
  return { record, next: pos };
}

/**
 * Decodes exactly `count` records that must fill `buf[start..end]`; leftover bytes are an
 * error, as in Kafka ("records still remaining").
 */
export function decodeRecords(
  buf: Buffer,
  count: number,
  ctx: RecordContext = NO_CONTEXT,
  start = 0,
  end = buf.length,
): KafkaRecord[] {
  // Every record takes at least 7 bytes: refuse counts the bytes cannot hold up front.
  if (count < 0 || count * 7 > end - start) {
    fail(`${count} records cannot fit in ${end - start} bytes`);
  }
  const records: KafkaRecord[] = new Array(count);
  pos = start;
  for (let i = 0; i < count; i++) records[i] = readRecordAt(buf, end, ctx);
  if (pos !== end) fail(`incorrect declared batch size, ${end - pos} bytes remain after ${count} records`);
  return records;
}

// ---------------------------------------------------------------------------------------
// Encoding

function fieldSize(data: Uint8Array | string | null | undefined): number {
  if (data === null || data === undefined) return 1; // varint -1
  const n = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
  return sizeOfVarint(n) + n;
}

function writeField(buf: Buffer, at: number, data: Uint8Array | string | null | undefined): number {
  if (data === null || data === undefined) return writeVarint(buf, at, -1);
  if (typeof data === 'string') {
    const n = Buffer.byteLength(data, 'utf8');
    at = writeVarint(buf, at, n);
    return at + buf.write(data, at, n, 'utf8');
  }
  at = writeVarint(buf, at, data.length);
  buf.set(data, at);
  return at + data.length;
}

/** Bytes of the record after its length varint. */
export function recordBodySize(record: RecordInput, offsetDelta: number, timestampDelta: number): number {
  let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta);
  size += fieldSize(record.key) + fieldSize(record.value);
  const headers = record.headers ?? [];
  size += sizeOfVarint(headers.length);
  for (const h of headers) {
    const keyLength = Buffer.byteLength(h.key, 'utf8');
    size += sizeOfVarint(keyLength) + keyLength + fieldSize(h.value);
  }
  return size;
}

/** Total bytes of an encoded record, its length varint included. */
export function recordSize(record: RecordInput, offsetDelta: number, timestampDelta: number): number {
  const body = recordBodySize(record, offsetDelta, timestampDelta);
  return sizeOfVarint(body) + body;
}

/**
 * Writes the record at `buf[at..]` and returns the position after it. `bodySize` is
 * recordBodySize() of the same arguments (callers sizing a whole batch have it already).
 */
export function writeRecord(
  buf: Buffer,
  at: number,
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: number,
  bodySize = recordBodySize(record, offsetDelta, timestampDelta),
): number {
  at = writeVarint(buf, at, bodySize);
  buf.writeInt8(record.attributes ?? 0, at++);
  at = writeVarlong(buf, at, timestampDelta);
  at = writeVarint(buf, at, offsetDelta);
  at = writeField(buf, at, record.key);
  at = writeField(buf, at, record.value);
  const headers = record.headers ?? [];
  at = writeVarint(buf, at, headers.length);
  for (const h of headers) {
    at = writeField(buf, at, h.key);
    at = writeField(buf, at, h.value);
  }
  return at;
}

export function encodeRecord(record: RecordInput, offsetDelta: number, timestampDelta: number): Buffer {
  const body = recordBodySize(record, offsetDelta, timestampDelta);
  const buf = Buffer.allocUnsafe(sizeOfVarint(body) + body);
  writeRecord(buf, 0, record, offsetDelta, timestampDelta, body);
  return buf;
}
