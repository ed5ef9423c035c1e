// Validation of one partition's records in a Produce request, without decoding a single
// record: the hot path of DESIGN.md "Storage". The checks, their order and their error
// codes follow Kafka 4:
//
//  1. ProduceRequest.validateRecords (v3+), walking the batches as ByteBufferLogInputStream
//     does: a length below 14 or a magic outside 0..2 is CORRUPT_MESSAGE; no whole batch at
//     all is INVALID_RECORD; a first batch that is not magic 2 is INVALID_RECORD; zstd below
//     Produce v7 is UNSUPPORTED_COMPRESSION_TYPE; a second whole batch is INVALID_RECORD.
//  2. UnifiedLog.analyzeAndValidateRecords: baseOffset must be 0 (INVALID_RECORD), the batch
//     no larger than max.message.bytes when given (MESSAGE_TOO_LARGE), the CRC32C must match
//     (CORRUPT_MESSAGE).
//  3. LogValidator.validateBatch: lastOffsetDelta + 1 == recordsCount > 0, no control batch
//     from a client, and a producer id requires baseSequence >= 0 (all INVALID_RECORD).
//
// Where we differ, on purpose:
//  - Kafka silently trims bytes after the last whole batch; we refuse them (INVALID_RECORD):
//    the batches must tile the buffer exactly, so nothing unvalidated reaches the log.
//  - A codec id above 4 makes Kafka throw IllegalArgumentException (the client sees
//    UNKNOWN_SERVER_ERROR); we answer UNSUPPORTED_COMPRESSION_TYPE.
//  - Kafka also iterates the records (and decompresses) to check each record's framing, its
//    timestamp against message.timestamp.*.max.ms and, on compacted topics, its key. We
//    trust the header here; maxTimestamp and baseTimestamp are returned for the timestamp
//    checks, and decodeRecordBatch() is there when a topic needs the records.

import { crc32c } from '../primitives/crc32c.ts';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  COMPRESSION,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  CRC,
  CURRENT_MAGIC,
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
  readInt64Number,
} from './batch-header.ts';
import { RECORD_ERROR_CODES } from './errors.ts';

/** What the produce path needs to know about one batch, read from its header. */
export interface BatchInfo {
  /** Byte offset of the batch in the partition's records buffer. */
  position: number;
  /** Total bytes (LOG_OVERHEAD + batchLength). */
  size: number;
  attributes: number;
  /** Codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  compression: number;
  /** 0 CreateTime, 1 LogAppendTime. */
  timestampType: number;
  isTransactional: boolean;
  isControl: boolean;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  recordsCount: number;
  baseTimestamp: number;
  maxTimestamp: number;
  /** A JS number (exact below 2^53; producer ids come from our own allocator); -1 if none. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

export interface ValidatedRecords {
  errorCode: 0;
  batches: BatchInfo[];
  /** Sum of recordsCount. */
  recordCount: number;
  /** Highest header maxTimestamp (-1 if none). */
  maxTimestamp: number;
  /** Total bytes (the whole buffer). */
  size: number;
  /** The codec of the last compressed batch, 0 if none is (Kafka's sourceCompression). */
  compression: number;
  /** Whether the first batch carries a producer id (an idempotent producer). */
  hasProducerId: boolean;
  isTransactional: boolean;
}

export type RecordsErrorCode =
  | typeof RECORD_ERROR_CODES.CORRUPT_MESSAGE
  | typeof RECORD_ERROR_CODES.MESSAGE_TOO_LARGE
  | typeof RECORD_ERROR_CODES.UNSUPPORTED_COMPRESSION_TYPE
  | typeof RECORD_ERROR_CODES.INVALID_RECORD;

export interface RejectedRecords {
  errorCode: RecordsErrorCode;
  errorMessage: string;
}

export type ValidateRecordsResult = ValidatedRecords | RejectedRecords;

export interface ValidateRecordsOptions {
  /** The topic's max.message.bytes: a larger batch gets MESSAGE_TOO_LARGE. */
  maxBatchSize?: number;
}

const { CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, UNSUPPORTED_COMPRESSION_TYPE, INVALID_RECORD } = RECORD_ERROR_CODES;
const LEGACY_MIN_SIZE = 14;
/** Framing outcomes below zero; a size otherwise. */
const PARTIAL = -1;
const TOO_SMALL = -2;
const BAD_MAGIC = -3;

function reject(errorCode: RecordsErrorCode, errorMessage: string): RejectedRecords {
  return { errorCode, errorMessage };
}

/** Kafka's ByteBufferLogInputStream.nextBatchSize, without exceptions. */
function frame(buf: Buffer, at: number): number {
  const left = buf.length - at;
  if (left < LOG_OVERHEAD) return PARTIAL;
  const batchLength = buf.readInt32BE(at + BATCH_LENGTH);
  if (batchLength < LEGACY_MIN_SIZE) return TOO_SMALL;
  if (left <= MAGIC) return PARTIAL;
  const magic = buf.readInt8(at + MAGIC);
  if (magic < 0 || magic > CURRENT_MAGIC) return BAD_MAGIC;
  const size = LOG_OVERHEAD + batchLength;
  return size > left ? PARTIAL : size;
}

function framingError(buf: Buffer, at: number, outcome: number): RejectedRecords {
  if (outcome === TOO_SMALL) {
    return reject(
      CORRUPT_MESSAGE,
      `Record size ${buf.readInt32BE(at + BATCH_LENGTH)} is less than the minimum record overhead (${LEGACY_MIN_SIZE})`,
    );
  }
  return reject(CORRUPT_MESSAGE, `Invalid magic found in record: ${buf.readInt8(at + MAGIC)}`);
}

/**
 * Validates the records of one partition of a Produce request at `apiVersion`. Never
 * throws; allocates one BatchInfo per batch (one batch from Produce v3 on) and nothing
 * per record.
 */
export function validateProducedRecords(
  records: Buffer | null | undefined,
  apiVersion: number,
  options: ValidateRecordsOptions = {},
): ValidateRecordsResult {
  const buf = records ?? Buffer.alloc(0);
  const noBatch = (): RejectedRecords =>
    reject(INVALID_RECORD, `Produce requests with version ${apiVersion} must have at least one record batch per partition`);

  // 1. The request-level walk (ProduceRequest.validateRecords).
  const first = frame(buf, 0);
  if (first === PARTIAL) return noBatch();
  if (first < 0) return framingError(buf, 0, first);
  if (buf[MAGIC] !== CURRENT_MAGIC) {
    return reject(
      INVALID_RECORD,
      `Produce requests with version ${apiVersion} are only allowed to contain record batches with magic version 2`,
    );
  }
  if (apiVersion < 7 && (buf.readInt16BE(ATTRIBUTES) & COMPRESSION_MASK) === COMPRESSION.zstd) {
    return reject(
      UNSUPPORTED_COMPRESSION_TYPE,
      `Produce requests with version ${apiVersion} are not allowed to use ZStandard compression`,
    );
  }
  const sizes: number[] = [first];
  let end = first;
  while (end < buf.length) {
    const next = frame(buf, end);
    if (next === PARTIAL) {
      return reject(INVALID_RECORD, `${buf.length - end} bytes after the last whole record batch`);
    }
    if (next < 0) return framingError(buf, end, next);
    if (apiVersion >= 3) {
      return reject(
        INVALID_RECORD,
        `Produce requests with version ${apiVersion} are only allowed to contain exactly one record batch per partition`,
      );
    }
    if (buf[end + MAGIC] !== CURRENT_MAGIC) {
      return reject(INVALID_RECORD, `Batch magic ${buf[end + MAGIC]} is not the same as the first batch's magic byte 2`);
    }
    sizes.push(next);
    end += next;
  }

  // 2 and 3. Each batch (analyzeAndValidateRecords, then LogValidator.validateBatch).
  const batches: BatchInfo[] = new Array(sizes.length);
  let at = 0;
  let recordCount = 0;
  let maxTimestamp = -1;
  let compression = 0;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i]!;
    if (buf.readInt32BE(at + BASE_OFFSET) !== 0 || buf.readInt32BE(at + BASE_OFFSET + 4) !== 0) {
      return reject(INVALID_RECORD, `The baseOffset of the record batch should be 0, but it is ${readInt64Number(buf, at + BASE_OFFSET)}`);
    }
    if (options.maxBatchSize !== undefined && size > options.maxBatchSize) {
      return reject(
        MESSAGE_TOO_LARGE,
        `The record batch size in the append is ${size} bytes which exceeds the maximum configured value of ${options.maxBatchSize}.`,
      );
    }
    if (size < BATCH_HEADER_SIZE) {
      return reject(
        CORRUPT_MESSAGE,
        `Record batch is corrupt (the size ${size} is smaller than the minimum allowed overhead ${BATCH_HEADER_SIZE})`,
      );
    }
    const storedCrc = buf.readUInt32BE(at + CRC);
    if (crc32c(buf.subarray(at + ATTRIBUTES, at + size)) !== storedCrc) {
      return reject(CORRUPT_MESSAGE, `Record is corrupt (stored crc = ${storedCrc})`);
    }
    const attributes = buf.readInt16BE(at + ATTRIBUTES);
    const codec = attributes & COMPRESSION_MASK;
    if (codec > COMPRESSION.zstd) return reject(UNSUPPORTED_COMPRESSION_TYPE, `Unknown compression type id: ${codec}`);

    const lastOffsetDelta = buf.readInt32BE(at + LAST_OFFSET_DELTA);
    const recordsCount = buf.readInt32BE(at + RECORDS_COUNT);
    // In int64, as Kafka computes lastOffset - baseOffset + 1.
    const countFromOffsets = lastOffsetDelta + 1;
    if (countFromOffsets <= 0) {
      return reject(INVALID_RECORD, `Batch has an invalid offset range: [0, ${lastOffsetDelta}]`);
    }
    if (recordsCount <= 0) return reject(INVALID_RECORD, `Invalid reported count for record batch: ${recordsCount}`);
    if (countFromOffsets !== recordsCount) {
      return reject(
        INVALID_RECORD,
        `Inconsistent batch offset range [0, ${lastOffsetDelta}] and count of records ${recordsCount}`,
      );
    }
    if ((attributes & CONTROL_FLAG) !== 0) return reject(INVALID_RECORD, 'Clients are not allowed to write control records');
    const producerId = readInt64Number(buf, at + PRODUCER_ID);
    const baseSequence = buf.readInt32BE(at + BASE_SEQUENCE);
    if (producerId >= 0 && baseSequence < 0) {
      return reject(INVALID_RECORD, `Invalid sequence number ${baseSequence} in record batch with producerId ${producerId}`);
    }

    const batchMaxTimestamp = readInt64Number(buf, at + MAX_TIMESTAMP);
    batches[i] = {
      position: at,
      size,
      attributes,
      compression: codec,
      timestampType: (attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0 ? 1 : 0,
      isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
      isControl: false,
      partitionLeaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH),
      lastOffsetDelta,
      recordsCount,
      baseTimestamp: readInt64Number(buf, at + BASE_TIMESTAMP),
      maxTimestamp: batchMaxTimestamp,
      producerId,
      producerEpoch: buf.readInt16BE(at + PRODUCER_EPOCH),
      baseSequence,
    };
    recordCount += recordsCount;
    if (batchMaxTimestamp > maxTimestamp) maxTimestamp = batchMaxTimestamp;
    if (codec !== 0) compression = codec;
    at += size;
  }

  const head = batches[0]!;
  return {
    errorCode: 0,
    batches,
    recordCount,
    maxTimestamp,
    size: buf.length,
    compression,
    hasProducerId: head.producerId >= 0,
    isTransactional: head.isTransactional,
  };
}
