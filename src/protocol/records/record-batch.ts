// Record batches (magic 2): the header of batch-header.ts plus records, compressed as one
// block when the codec is not none. This module decodes a whole batch (header, then the
// records after decompressing), encodes one from records, and walks the batches of a buffer
// lazily (positions, sizes and header fields, records untouched).
//
// Offsets, timestamps and producer ids are JS numbers (exact below 2^53, which Kafka's
// offsets, millisecond timestamps and broker-assigned producer ids stay under). Errors are
// the RecordsError family of errors.ts; nothing else escapes a decode, whatever the input.

import { crc32c } from '../primitives/crc32c.ts';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  CRC,
  CURRENT_MAGIC,
  DELETE_HORIZON_FLAG,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORDS_COUNT,
  TIMESTAMP_TYPE_LOG_APPEND,
  TRANSACTIONAL_FLAG,
  checkBatchAt,
  readInt64Number,
  writeInt64Number,
  type CompressionName,
} from './batch-header.ts';
import {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  codecFor,
  isKnownCompression,
} from './compression/index.ts';
import { CorruptRecordError, UnsupportedCompressionError } from './errors.ts';
import {
  decodeRecords,
  recordBodySize,
  sizeOfVarint,
  writeRecord,
  type KafkaRecord,
  type RecordContext,
  type RecordInput,
} from './record.ts';
import { CONTROL_RECORD_TYPE, encodeControlRecordKey, encodeEndTxnMarker } from './control-record.ts';

/** Kafka's TimestampType ids. */
export const TIMESTAMP_TYPE = { CREATE_TIME: 0, LOG_APPEND_TIME: 1 } as const;

/** Legacy message sets (magic 0 and 1) tile like batches; Kafka's reader accepts 0..2. */
const LEGACY_MIN_SIZE = 14;

export interface RecordBatchHeader {
  baseOffset: number;
  /** Bytes after the batchLength field: total size − 12. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  /** Codec id, attributes bits 0-2. */
  compression: number;
  /** 0 CreateTime, 1 LogAppendTime. */
  timestampType: number;
  isTransactional: boolean;
  isControl: boolean;
  /** baseTimestamp holds the delete horizon (attributes bit 6). */
  hasDeleteHorizon: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  /** -1 when there is none. A number: exact below 2^53. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

export interface RecordBatch extends RecordBatchHeader {
  /** Total bytes of the batch (LOG_OVERHEAD + batchLength). */
  size: number;
  records: KafkaRecord[];
}

/** Reads the 61-byte header at `buf[at..]` (magic 2). Checks only that the bytes are there. */
export function readBatchHeader(buf: Buffer, at = 0): RecordBatchHeader {
  if (at < 0 || buf.length - at < BATCH_HEADER_SIZE) {
    throw new CorruptRecordError(`batch header needs ${BATCH_HEADER_SIZE} bytes, have ${Math.max(0, buf.length - at)}`);
  }
  const attributes = buf.readInt16BE(at + ATTRIBUTES);
  return {
    baseOffset: readInt64Number(buf, at + BASE_OFFSET),
    batchLength: buf.readInt32BE(at + BATCH_LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(at + MAGIC),
    crc: buf.readUInt32BE(at + CRC),
    attributes,
    compression: attributes & COMPRESSION_MASK,
    timestampType: (attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0 ? 1 : 0,
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    hasDeleteHorizon: (attributes & DELETE_HORIZON_FLAG) !== 0,
    lastOffsetDelta: buf.readInt32BE(at + LAST_OFFSET_DELTA),
    baseTimestamp: readInt64Number(buf, at + BASE_TIMESTAMP),
    maxTimestamp: readInt64Number(buf, at + MAX_TIMESTAMP),
    producerId: readInt64Number(buf, at + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(at + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(at + BASE_SEQUENCE),
    recordsCount: buf.readInt32BE(at + RECORDS_COUNT),
  };
}

// ---------------------------------------------------------------------------------------
// Decoding

export interface DecodeBatchOptions {
  /** Cap on the decompressed records of one batch (DecompressionLimitError past it). */
  maxDecompressedBytes?: number;
  /** Check the CRC32C (default true). Batches read back from our own log may skip it. */
  verifyCrc?: boolean;
}

/** Framing of the batch at `at`: its size, or a CorruptRecordError. */
function frameAt(buf: Buffer, at: number, end: number, verifyCrc: boolean): number {
  if (verifyCrc) {
    const checked = checkBatchAt(buf, at, end);
    if (typeof checked === 'number') return checked;
    const what =
      checked === 'bad-crc'
        ? `record batch at ${at} fails its CRC32C (stored ${buf.readUInt32BE(at + CRC)})`
        : checked === 'bad-magic'
          ? `record batch at ${at} has magic ${buf[at + MAGIC]}, not ${CURRENT_MAGIC}`
          : checked === 'bad-length'
            ? `record batch at ${at} declares an impossible length ${buf.readInt32BE(at + BATCH_LENGTH)}`
            : `record batch at ${at} is cut short`;
    throw new CorruptRecordError(what);
  }
  if (at < 0 || end - at < BATCH_HEADER_SIZE) throw new CorruptRecordError(`record batch at ${at} is cut short`);
  const batchLength = buf.readInt32BE(at + BATCH_LENGTH);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
    throw new CorruptRecordError(`record batch at ${at} declares an impossible length ${batchLength}`);
  }
  if (buf[at + MAGIC] !== CURRENT_MAGIC) throw new CorruptRecordError(`record batch at ${at} has magic ${buf[at + MAGIC]}`);
  if (at + LOG_OVERHEAD + batchLength > end) throw new CorruptRecordError(`record batch at ${at} is cut short`);
  return LOG_OVERHEAD + batchLength;
}

function contextOf(header: RecordBatchHeader): RecordContext {
  return {
    baseOffset: header.baseOffset,
    baseTimestamp: header.baseTimestamp,
    logAppendTime: header.timestampType === 1 ? header.maxTimestamp : -1,
  };
}

function knownCompression(header: RecordBatchHeader): number {
  if (!isKnownCompression(header.compression)) throw new UnsupportedCompressionError(header.compression);
  return header.compression;
}

/** Decodes the whole batch at `buf[at..]`: header, decompression, records. */
export function decodeRecordBatch(buf: Buffer, at = 0, options: DecodeBatchOptions = {}): RecordBatch {
  return decodeBatchWithin(buf, at, buf.length, options);
}

function decodeBatchWithin(buf: Buffer, at: number, end: number, options: DecodeBatchOptions): RecordBatch {
  const size = frameAt(buf, at, end, options.verifyCrc ?? true);
  const header = readBatchHeader(buf, at);
  const compression = knownCompression(header);
  const payload = buf.subarray(at + BATCH_HEADER_SIZE, at + size);
  const data =
    compression === 0
      ? payload
      : codecFor(compression).decompressSync(payload, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  const records = decodeRecords(data, header.recordsCount, contextOf(header));
  return { ...header, size, records };
}

/** decodeRecordBatch() with the decompression off the event loop. */
export async function decodeRecordBatchAsync(
  buf: Buffer,
  at = 0,
  options: DecodeBatchOptions = {},
): Promise<RecordBatch> {
  const size = frameAt(buf, at, buf.length, options.verifyCrc ?? true);
  const header = readBatchHeader(buf, at);
  const compression = knownCompression(header);
  const payload = buf.subarray(at + BATCH_HEADER_SIZE, at + size);
  const data =
    compression === 0
      ? payload
      : await codecFor(compression).decompress(payload, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  const records = decodeRecords(data, header.recordsCount, contextOf(header));
  return { ...header, size, records };
}

/**
 * Decodes every whole batch in `buf[start..end]`. A partial batch at the end is skipped
 * without an error, as Kafka's readers do with a fetch response cut at max bytes.
 */
export function decodeRecordBatches(
  buf: Buffer,
  options: DecodeBatchOptions = {},
  start = 0,
  end = buf.length,
): RecordBatch[] {
  const batches: RecordBatch[] = [];
  const cursor = new BatchCursor(buf, start, end);
  while (cursor.next()) {
    if (cursor.magic !== CURRENT_MAGIC) {
      throw new CorruptRecordError(`legacy message set (magic ${cursor.magic}) at ${cursor.position} is not supported`);
    }
    batches.push(decodeBatchWithin(buf, cursor.position, end, options));
  }
  return batches;
}

// ---------------------------------------------------------------------------------------
// Lazy walk

/**
 * Walks the batches of a buffer without decoding records: positions, sizes and header
 * fields read on demand, no allocation per batch. `next()` stops (returns false) where the
 * remaining bytes do not hold a whole batch; `remaining` tells how many are left over.
 * Like Kafka's ByteBufferLogInputStream, it throws CorruptRecordError for a length below
 * the legacy minimum (14) or a magic outside 0..2. Legacy message sets (magic 0 and 1)
 * are stepped over like batches; the header getters are meaningful for magic 2 only.
 */
export class BatchCursor {
  readonly buffer: Buffer;
  readonly end: number;
  /** Start of the current batch (-1 before the first next()). */
  position = -1;
  /** Total bytes of the current batch. */
  size = 0;
  #next: number;

  constructor(buffer: Buffer, start = 0, end = buffer.length) {
    this.buffer = buffer;
    this.end = end;
    this.#next = start;
  }

  next(): boolean {
    const buf = this.buffer;
    const at = this.#next;
    const left = this.end - at;
    if (left < LOG_OVERHEAD) return false;
    const batchLength = buf.readInt32BE(at + BATCH_LENGTH);
    if (batchLength < LEGACY_MIN_SIZE) {
      throw new CorruptRecordError(`record size ${batchLength} at ${at} is less than the minimum record overhead (${LEGACY_MIN_SIZE})`);
    }
    if (left <= MAGIC) return false;
    const magic = buf.readInt8(at + MAGIC);
    if (magic < 0 || magic > CURRENT_MAGIC) throw new CorruptRecordError(`invalid magic ${magic} in record batch at ${at}`);
    if (magic === CURRENT_MAGIC && batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
      throw new CorruptRecordError(`record batch at ${at} declares an impossible length ${batchLength}`);
    }
    const size = LOG_OVERHEAD + batchLength;
    if (size > left) return false;
    this.position = at;
    this.size = size;
    this.#next = at + size;
    return true;
  }

  /** Bytes after the last whole batch: non-zero when the buffer ends in a partial batch. */
  get remaining(): number {
    return this.end - this.#next;
  }

  /** Where the walk stopped: the end of the last whole batch. */
  get nextPosition(): number {
    return this.#next;
  }

  get magic(): number {
    return this.buffer.readInt8(this.position + MAGIC);
  }
  get baseOffset(): number {
    return readInt64Number(this.buffer, this.position + BASE_OFFSET);
  }
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  get partitionLeaderEpoch(): number {
    return this.buffer.readInt32BE(this.position + PARTITION_LEADER_EPOCH);
  }
  get crc(): number {
    return this.buffer.readUInt32BE(this.position + CRC);
  }
  get attributes(): number {
    return this.buffer.readInt16BE(this.position + ATTRIBUTES);
  }
  get compression(): number {
    return this.attributes & COMPRESSION_MASK;
  }
  get timestampType(): number {
    return (this.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0 ? 1 : 0;
  }
  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL_FLAG) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & CONTROL_FLAG) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.buffer.readInt32BE(this.position + LAST_OFFSET_DELTA);
  }
  get baseTimestamp(): number {
    return readInt64Number(this.buffer, this.position + BASE_TIMESTAMP);
  }
  get maxTimestamp(): number {
    return readInt64Number(this.buffer, this.position + MAX_TIMESTAMP);
  }
  get producerId(): number {
    return readInt64Number(this.buffer, this.position + PRODUCER_ID);
  }
  get producerEpoch(): number {
    return this.buffer.readInt16BE(this.position + PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return this.buffer.readInt32BE(this.position + BASE_SEQUENCE);
  }
  get recordsCount(): number {
    return this.buffer.readInt32BE(this.position + RECORDS_COUNT);
  }

  /** Whether the current batch is magic 2 with a matching CRC32C. */
  isValid(): boolean {
    return checkBatchAt(this.buffer, this.position, this.position + this.size) === this.size;
  }

  /** The current batch's bytes (a view). */
  bytes(): Buffer {
    return this.buffer.subarray(this.position, this.position + this.size);
  }

  header(): RecordBatchHeader {
    return readBatchHeader(this.buffer, this.position);
  }

  decode(options?: DecodeBatchOptions): RecordBatch {
    return decodeBatchWithin(this.buffer, this.position, this.position + this.size, options ?? {});
  }
}

export interface BatchEntry extends RecordBatchHeader {
  position: number;
  size: number;
}

/**
 * The magic-2 batches of `buf[start..end]` with their header fields, records not decoded.
 * Stops at a partial batch at the end; throws CorruptRecordError on a legacy message set.
 */
export function* iterateBatches(buf: Buffer, start = 0, end = buf.length): Generator<BatchEntry, void, undefined> {
  const cursor = new BatchCursor(buf, start, end);
  while (cursor.next()) {
    if (cursor.magic !== CURRENT_MAGIC) {
      throw new CorruptRecordError(`legacy message set (magic ${cursor.magic}) at ${cursor.position} is not supported`);
    }
    yield { ...readBatchHeader(buf, cursor.position), position: cursor.position, size: cursor.size };
  }
}

// ---------------------------------------------------------------------------------------
// Encoding

export interface EncodeBatchOptions {
  /** Codec id or name (default none). */
  compression?: number | CompressionName;
  /** gzip or zstd level (defaults: Kafka's, 6 and 3). */
  compressionLevel?: number;
  baseOffset?: number;
  /** Default -1 (producers send no epoch). */
  partitionLeaderEpoch?: number;
  /** Timestamp for records that have none (default: Date.now()). */
  timestamp?: number;
  /** Default: the first record's timestamp, -1 for an empty batch (the delete horizon if set). */
  baseTimestamp?: number;
  /** Default: the highest record timestamp (CreateTime), `timestamp` (LogAppendTime), -1 if empty. */
  maxTimestamp?: number;
  logAppendTime?: boolean;
  isTransactional?: boolean;
  isControl?: boolean;
  /** Sets attributes bit 6 and stores the horizon as baseTimestamp. */
  deleteHorizonMs?: number;
  /** Default -1 (no producer id). */
  producerId?: number | bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Default: the last record's offsetDelta (0 for an empty batch). Compaction keeps the original. */
  lastOffsetDelta?: number;
}

interface Plan {
  attributes: number;
  baseTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
  bodySizes: number[];
  offsetDeltas: number[];
  timestampDeltas: number[];
  recordsBytes: number;
}

function plan(records: ReadonlyArray<RecordInput>, options: EncodeBatchOptions, compression: number): Plan {
  const n = records.length;
  let now = options.timestamp;
  const fallbackTimestamp = (): number => (now ??= Date.now());
  const timestampOf = (r: RecordInput): number => r.timestamp ?? fallbackTimestamp();

  const logAppendTime = options.logAppendTime ?? false;
  let attributes = compression;
  if (logAppendTime) attributes |= TIMESTAMP_TYPE_LOG_APPEND;
  if (options.isTransactional) attributes |= TRANSACTIONAL_FLAG;
  if (options.isControl) attributes |= CONTROL_FLAG;
  if (options.deleteHorizonMs !== undefined) attributes |= DELETE_HORIZON_FLAG;

  const baseTimestamp =
    options.deleteHorizonMs ?? options.baseTimestamp ?? (n > 0 ? timestampOf(records[0]!) : -1);
  let maxTimestamp = -1;
  const bodySizes: number[] = new Array(n);
  const offsetDeltas: number[] = new Array(n);
  const timestampDeltas: number[] = new Array(n);
  let recordsBytes = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const ts = timestampOf(r);
    if (ts > maxTimestamp) maxTimestamp = ts;
    const offsetDelta = r.offsetDelta ?? i;
    const timestampDelta = ts - baseTimestamp;
    const body = recordBodySize(r, offsetDelta, timestampDelta);
    bodySizes[i] = body;
    offsetDeltas[i] = offsetDelta;
    timestampDeltas[i] = timestampDelta;
    recordsBytes += sizeOfVarint(body) + body;
  }
  if (logAppendTime) maxTimestamp = fallbackTimestamp();
  return {
    attributes,
    baseTimestamp,
    maxTimestamp: options.maxTimestamp ?? maxTimestamp,
    lastOffsetDelta: options.lastOffsetDelta ?? (n > 0 ? offsetDeltas[n - 1]! : 0),
    bodySizes,
    offsetDeltas,
    timestampDeltas,
    recordsBytes,
  };
}

function writeRecords(buf: Buffer, at: number, records: ReadonlyArray<RecordInput>, p: Plan): void {
  for (let i = 0; i < records.length; i++) {
    at = writeRecord(buf, at, records[i]!, p.offsetDeltas[i]!, p.timestampDeltas[i]!, p.bodySizes[i]!);
  }
}

/** Fills the header of `out` (whose records section is in place) and its CRC32C. */
function writeHeader(out: Buffer, count: number, p: Plan, options: EncodeBatchOptions): Buffer {
  writeInt64Number(out, BASE_OFFSET, options.baseOffset ?? 0);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt32BE(options.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH);
  out.writeInt8(CURRENT_MAGIC, MAGIC);
  out.writeInt16BE(p.attributes, ATTRIBUTES);
  out.writeInt32BE(p.lastOffsetDelta, LAST_OFFSET_DELTA);
  writeInt64Number(out, BASE_TIMESTAMP, p.baseTimestamp);
  writeInt64Number(out, MAX_TIMESTAMP, p.maxTimestamp);
  const producerId = options.producerId ?? -1;
  if (typeof producerId === 'bigint') out.writeBigInt64BE(producerId, PRODUCER_ID);
  else writeInt64Number(out, PRODUCER_ID, producerId);
  out.writeInt16BE(options.producerEpoch ?? -1, PRODUCER_EPOCH);
  out.writeInt32BE(options.baseSequence ?? -1, BASE_SEQUENCE);
  out.writeInt32BE(count, RECORDS_COUNT);
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES)), CRC);
  return out;
}

function compressionId(options: EncodeBatchOptions): number {
  return codecFor(options.compression ?? 0).id;
}

/** Encodes a batch from records: header, batchLength and CRC32C computed. */
export function encodeRecordBatch(records: ReadonlyArray<RecordInput>, options: EncodeBatchOptions = {}): Buffer {
  const compression = compressionId(options);
  const p = plan(records, options, compression);
  if (compression === 0) {
    const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + p.recordsBytes);
    writeRecords(out, BATCH_HEADER_SIZE, records, p);
    return writeHeader(out, records.length, p, options);
  }
  const raw = Buffer.allocUnsafe(p.recordsBytes);
  writeRecords(raw, 0, records, p);
  const compressed = codecFor(compression).compressSync(raw, options.compressionLevel);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
  compressed.copy(out, BATCH_HEADER_SIZE);
  return writeHeader(out, records.length, p, options);
}

/** encodeRecordBatch() with the compression off the event loop. */
export async function encodeRecordBatchAsync(
  records: ReadonlyArray<RecordInput>,
  options: EncodeBatchOptions = {},
): Promise<Buffer> {
  const compression = compressionId(options);
  if (compression === 0) return encodeRecordBatch(records, options);
  const p = plan(records, options, compression);
  const raw = Buffer.allocUnsafe(p.recordsBytes);
  writeRecords(raw, 0, records, p);
  const compressed = await codecFor(compression).compress(raw, options.compressionLevel);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
  compressed.copy(out, BATCH_HEADER_SIZE);
  return writeHeader(out, records.length, p, options);
}

export interface EndTxnMarkerBatchOptions {
  producerId: number | bigint;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  timestamp: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
}

/**
 * A transaction marker batch as the partition leader writes it for WriteTxnMarkers:
 * transactional + control, no compression, CreateTime, baseSequence -1, one record whose
 * key is (version 0, COMMIT or ABORT) and whose value is the EndTxnMarker.
 */
export function encodeEndTxnMarkerBatch(options: EndTxnMarkerBatchOptions): Buffer {
  const type = options.commit ? CONTROL_RECORD_TYPE.COMMIT : CONTROL_RECORD_TYPE.ABORT;
  return encodeRecordBatch(
    [{ key: encodeControlRecordKey(type), value: encodeEndTxnMarker(options.coordinatorEpoch), timestamp: options.timestamp }],
    {
      baseOffset: options.baseOffset ?? 0,
      partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
      isTransactional: true,
      isControl: true,
      producerId: options.producerId,
      producerEpoch: options.producerEpoch,
      baseSequence: -1,
    },
  );
}
