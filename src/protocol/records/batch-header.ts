// The fixed 61-byte header of a record batch (magic 2), as laid out on the wire and on
// disk (../shared/kafka-protocol/README.md, "Record batch"). The produce and fetch paths
// read and patch these fields in place, without decoding the records behind them.
//
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 |
//   crc uint32 | attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 |
//   maxTimestamp int64 | producerId int64 | producerEpoch int16 | baseSequence int32 |
//   recordsCount int32 | records...
//
// batchLength counts the bytes after itself; the CRC32C covers attributes to the end.

import { crc32c } from '../primitives/crc32c.ts';

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORDS_COUNT = 57;
/** Size of the batch header, up to and including recordsCount. */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes in front of what batchLength counts. */
export const LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;

/** Attribute bits. */
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;
export const DELETE_HORIZON_FLAG = 0x40;

export const COMPRESSION = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionName = keyof typeof COMPRESSION;

export const NO_PRODUCER_ID = -1n;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

/** Reads an int64 field as a JS number (offsets and timestamps stay within 2^53). */
export function readInt64Number(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

export function writeInt64Number(buf: Buffer, at: number, v: number): void {
  const hi = Math.floor(v / 0x1_0000_0000);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * 0x1_0000_0000, at + 4);
}

/** Total bytes of the batch starting at `at` (LOG_OVERHEAD + batchLength). */
export function batchSizeAt(buf: Buffer, at: number): number {
  return LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH);
}



/** Why the bytes at a position are not a whole, intact magic-2 batch. */
export type BatchDefect = 'truncated' | 'bad-length' | 'bad-magic' | 'bad-crc';

/**
 * Checks the framing of the batch at `at` within `buf[..end]`: a whole header, a length
 * that fits, magic 2 and a matching CRC32C. Returns the batch's total size, or its defect.
 * One check serves both the produce path and the recovery scan of a segment's tail.
 */
export function checkBatchAt(buf: Buffer, at: number, end = buf.length): number | BatchDefect {
  if (end - at < MAGIC + 1) return 'truncated';
  const batchLength = buf.readInt32BE(at + BATCH_LENGTH);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) return 'bad-length';
  const size = LOG_OVERHEAD + batchLength;
  if (buf[at + MAGIC] !== CURRENT_MAGIC) return 'bad-magic';
  if (at + size > end) return 'truncated';
  const expected = buf.readUInt32BE(at + CRC);
  if (crc32c(buf.subarray(at + ATTRIBUTES, at + size)) !== expected) return 'bad-crc';
  return size;
}

/**
 * Recomputes and stores the CRC32C of the batch at `at`, after a change to a field it
 * covers (attributes, maxTimestamp, ...). baseOffset and partitionLeaderEpoch need none.
 */
export function writeBatchCrc(buf: Buffer, at = 0, size = batchSizeAt(buf, at)): void {
  buf.writeUInt32BE(crc32c(buf.subarray(at + ATTRIBUTES, at + size)), at + CRC);
}

/**
 * Applies LogAppendTime in place, as the leader does for such topics: sets the timestamp
 * type bit and maxTimestamp, then the CRC.
 */
export function setLogAppendTime(buf: Buffer, at: number, timestamp: number): void {
  buf.writeInt16BE(buf.readInt16BE(at + ATTRIBUTES) | TIMESTAMP_TYPE_LOG_APPEND, at + ATTRIBUTES);
  writeInt64Number(buf, at + MAX_TIMESTAMP, timestamp);
  writeBatchCrc(buf, at);
}
