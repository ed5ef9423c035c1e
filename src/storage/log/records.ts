// Record-level reading inside one batch, for the two ListOffsets lookups that Kafka answers
// per record (KIP-734 and KAFKA-16310): the earliest record at or after a timestamp, and the
// earliest record carrying a batch's max timestamp. Only offsets and timestamps are decoded.
//
// Compressed batches need a decompressor, which lives above storage (protocol/records);
// the broker may pass one in. Without it the callers fall back to batch-level answers.

import { BATCH_HEADER_SIZE, COMPRESSION_MASK, TIMESTAMP_TYPE_LOG_APPEND } from '../../protocol/records/batch-header.ts';
import { Reader } from '../../protocol/primitives/reader.ts';
import type { BatchInfo } from './scan.ts';

/** Decompresses a batch's records section: `compression` is the attributes' codec id (1 gzip, 2 snappy, 3 lz4, 4 zstd). */
export type Decompress = (compression: number, data: Buffer) => Buffer;

/**
 * Calls `visit(offset, timestamp)` for each record of the batch at `buf[at..]` until it
 * returns true. Returns false when the records cannot be read: compressed with no
 * decompressor, or malformed.
 */
export function forEachRecord(
  buf: Buffer,
  at: number,
  batch: BatchInfo,
  decompress: Decompress | undefined,
  visit: (offset: number, timestamp: number) => boolean | void,
): boolean {
  const compression = batch.attributes & COMPRESSION_MASK;
  const logAppendTime = (batch.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  try {
    const section = buf.subarray(at + BATCH_HEADER_SIZE, at + batch.size);
    const data = compression === 0 ? section : decompress?.(compression, section);
    if (data === undefined) return false;
    const r = new Reader(data);
    for (let i = 0; i < batch.recordsCount; i++) {
      const length = r.varint();
      const start = r.offset;
      r.int8(); // attributes
      const timestampDelta = Number(r.varlong());
      const offsetDelta = r.varint();
      if (length < 0 || start + length > data.length) return false;
      r.offset = start + length;
      const timestamp = logAppendTime ? batch.maxTimestamp : batch.baseTimestamp + timestampDelta;
      if (visit(batch.baseOffset + offsetDelta, timestamp) === true) return true;
    }
    return true;
  } catch {
    return false;
  }
}

/** Kafka's searchForTimestamp within one batch: the first record with timestamp >= ts and offset >= startingOffset. */
export function firstRecordAtOrAfter(
  buf: Buffer,
  at: number,
  batch: BatchInfo,
  timestamp: number,
  startingOffset: number,
  decompress: Decompress | undefined,
): { offset: number; timestamp: number } | null {
  let found: { offset: number; timestamp: number } | null = null;
  const ok = forEachRecord(buf, at, batch, decompress, (o, t) => {
    if (t >= timestamp && o >= startingOffset) {
      found = { offset: o, timestamp: t };
      return true;
    }
    return false;
  });
  if (ok) return found;
  // Unreadable records: the batch's first offset is the earliest candidate, a safe answer
  // for a consumer seeking by time; its timestamp is exact only if the first record qualifies.
  const offset = Math.max(batch.baseOffset, startingOffset);
  return { offset, timestamp: batch.baseTimestamp >= timestamp ? batch.baseTimestamp : batch.maxTimestamp };
}

/** Kafka's RecordBatch.offsetOfMaxTimestamp: the earliest record whose timestamp equals the batch's max. */
export function offsetOfMaxTimestamp(buf: Buffer, at: number, batch: BatchInfo, decompress: Decompress | undefined): number {
  let found = -1;
  const ok = forEachRecord(buf, at, batch, decompress, (o, t) => {
    if (t === batch.maxTimestamp) {
      found = o;
      return true;
    }
    return false;
  });
  // Unreadable records: the batch's last offset, as Kafka answered before KAFKA-16310.
  return ok && found >= 0 ? found : batch.lastOffset;
}
