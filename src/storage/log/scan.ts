// Walking the record batches of a .log file: read in blocks, hop from header to header.
// 'headers' mode trusts the bytes and reads only the fixed header (reads, index lookups,
// the log end after a clean shutdown); 'verify' mode runs checkBatchAt on every batch,
// CRC included (recovery).

import {
  ATTRIBUTES,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  RECORDS_COUNT,
  checkBatchAt,
  readInt64Number,
  type BatchDefect,
} from '../../protocol/records/batch-header.ts';
import type { FileSystem } from '../fs.ts';

export interface BatchInfo {
  /** Byte position of the batch in its segment. */
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  baseTimestamp: number;
  maxTimestamp: number;
  attributes: number;
  recordsCount: number;
}

/** The header fields of the (whole-header) batch at `buf[at..]`. */
export function batchInfoAt(buf: Buffer, at: number, position: number): BatchInfo {
  const baseOffset = readInt64Number(buf, at);
  return {
    position,
    size: LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH),
    baseOffset,
    lastOffset: baseOffset + buf.readInt32BE(at + LAST_OFFSET_DELTA),
    baseTimestamp: readInt64Number(buf, at + BASE_TIMESTAMP),
    maxTimestamp: readInt64Number(buf, at + MAX_TIMESTAMP),
    attributes: buf.readInt16BE(at + ATTRIBUTES),
    recordsCount: buf.readInt32BE(at + RECORDS_COUNT),
  };
}

export type ScanMode = 'headers' | 'verify';

export interface ScanResult {
  /** Position after the last batch accepted, or of the batch the visitor stopped at. */
  end: number;
  /** Why the scan ended before `to`; null if it reached `to` or the visitor stopped it. */
  defect: BatchDefect | null;
  stopped: boolean;
}

/** Returning false stops the scan at this batch. `buf[at..at+size]` holds the batch in 'verify' mode, its header in 'headers' mode. */
export type BatchVisitor = (batch: BatchInfo, buf: Buffer, at: number) => boolean | void;

/**
 * Read sizes: a header hop covers about index.interval.bytes (4 KiB by default) before it
 * finds its batch, so small reads; a recovery scan reads everything, so large ones.
 */
const BLOCK_SIZE: Record<ScanMode, number> = { headers: 16 * 1024, verify: 1024 * 1024 };

/**
 * The buffer header scans read into. Every fetch scans from an index entry to its batch, and
 * a fresh 16 KiB buffer each time was memory outside V8's heap that made it run full
 * collections (16 MB per GB fetched in 1 MB responses, more with smaller ones). Taken while a
 * scan runs, so that a scan started from inside a visitor gets a buffer of its own.
 */
let headerScratch: Buffer | null = null;

export function scanBatches(fs: FileSystem, fd: number, from: number, to: number, mode: ScanMode, visit: BatchVisitor): ScanResult {
  if (mode !== 'headers') return scan(fs, fd, from, to, mode, visit, Buffer.alloc(0));
  const scratch = headerScratch ?? Buffer.allocUnsafeSlow(BLOCK_SIZE.headers);
  headerScratch = null;
  try {
    return scan(fs, fd, from, to, mode, visit, scratch);
  } finally {
    headerScratch = scratch;
  }
}

function scan(fs: FileSystem, fd: number, from: number, to: number, mode: ScanMode, visit: BatchVisitor, initial: Buffer): ScanResult {
  let buf = initial;
  let bufStart = from;
  let bufLen = 0;
  const fill = (pos: number, want: number): void => {
    const len = Math.min(Math.max(want, BLOCK_SIZE[mode]), to - pos);
    if (buf.length < len) buf = Buffer.allocUnsafe(len);
    bufLen = fs.read(fd, buf, 0, len, pos);
    bufStart = pos;
  };
  let pos = from;
  while (pos < to) {
    const need = mode === 'verify' ? LOG_OVERHEAD : BATCH_HEADER_SIZE;
    if (pos + need > bufStart + bufLen) fill(pos, need);
    let at = pos - bufStart;
    if (at + need > bufLen) return { end: pos, defect: 'truncated', stopped: false };
    const size = LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH);
    if (mode === 'verify') {
      if (size >= BATCH_HEADER_SIZE && pos + size <= to && at + size > bufLen) {
        fill(pos, size);
        at = 0;
      }
      const checked = checkBatchAt(buf, at, bufLen);
      if (typeof checked !== 'number') return { end: pos, defect: checked, stopped: false };
    } else {
      if (size < BATCH_HEADER_SIZE) return { end: pos, defect: 'bad-length', stopped: false };
      if (buf[at + MAGIC] !== CURRENT_MAGIC) return { end: pos, defect: 'bad-magic', stopped: false };
      if (pos + size > to) return { end: pos, defect: 'truncated', stopped: false };
    }
    if (visit(batchInfoAt(buf, at, pos), buf, at) === false) return { end: pos, defect: null, stopped: true };
    pos += size;
  }
  return { end: pos, defect: null, stopped: false };
}

/** Gives the buffer a read goes into: at least `size` bytes, contents undefined. */
export type Allocate = (size: number) => Buffer;

const allocUnsafe: Allocate = (size) => Buffer.allocUnsafe(size);

/** Reads `length` bytes at `position` (fewer at the end of the file), into a buffer from `allocate`. */
export function readAt(fs: FileSystem, fd: number, position: number, length: number, allocate: Allocate = allocUnsafe): Buffer {
  const buf = allocate(length);
  const n = fs.read(fd, buf, 0, length, position);
  return n === buf.length ? buf : buf.subarray(0, n);
}
