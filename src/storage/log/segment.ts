// One log segment: `<base>.log` (record batches as produced, offsets patched), `<base>.index`
// and `<base>.timeindex` (see indexes.ts), named by the 20-digit base offset (Kafka's
// LogSegment). Index entries follow Kafka 3.8+'s per-batch rule: when more than
// index.interval.bytes have been appended since the last entry, the next batch gets an
// offset entry (its last offset, its position) and the time index gets (max timestamp so
// far, offset of that max) if the timestamp grew.

import { BATCH_HEADER_SIZE, LOG_OVERHEAD, MAX_TIMESTAMP, batchSizeAt, readInt64Number, type BatchDefect } from '../../protocol/records/batch-header.ts';
import { removeSoon, type FileSystem } from '../fs.ts';
import { NO_TIMESTAMP, OFFSET_ENTRY_SIZE, OffsetIndex, TIME_ENTRY_SIZE, TimeIndex } from './indexes.ts';
import { readAt, scanBatches, type Allocate, type BatchInfo, type BatchVisitor } from './scan.ts';
import type { LogConfig } from './config.ts';
import { join } from 'node:path';

export const INT32_MAX = 0x7fffffff;

export function segmentFileName(baseOffset: number, suffix: '.log' | '.index' | '.timeindex' | '.txnindex'): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

/** A batch inside an append: its position in the appended buffer and its assigned offsets. */
export interface AppendBatch {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

export interface SegmentRead {
  chunk: Buffer;
  /** The read consumed the segment to its end: the caller may go on with the next one. */
  reachedEnd: boolean;
}

export type SegmentDefect = BatchDefect | 'bad-offset';

export interface SegmentRecovery {
  validBytes: number;
  truncatedBytes: number;
  /** Offset after the last valid batch (the base offset if none). */
  nextOffset: number;
  defect: SegmentDefect | null;
}

export class LogSegment {
  readonly baseOffset: number;
  readonly logPath: string;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  #fs: FileSystem;
  #fd: number;
  #size: number;
  #config: LogConfig;
  #bytesSinceLastIndexEntry = 0;
  #maxTimestampSoFar = NO_TIMESTAMP;
  #offsetOfMaxTimestampSoFar = -1;
  /** Max timestamp of the first batch (segment.ms rolls by it); undefined until read, null if empty. */
  #rollingBasedTimestamp: number | null | undefined;
  #createdMs: number;
  #dirty = false;
  #closed = false;

  private constructor(fs: FileSystem, dir: string, baseOffset: number, config: LogConfig, nowMs: number, fd: number, size: number) {
    this.#fs = fs;
    this.baseOffset = baseOffset;
    this.logPath = join(dir, segmentFileName(baseOffset, '.log'));
    this.offsetIndex = new OffsetIndex(fs, join(dir, segmentFileName(baseOffset, '.index')), baseOffset, config.segmentIndexBytes);
    this.timeIndex = new TimeIndex(fs, join(dir, segmentFileName(baseOffset, '.timeindex')), baseOffset, config.segmentIndexBytes);
    this.#config = config;
    this.#createdMs = nowMs;
    this.#fd = fd;
    this.#size = size;
    this.#rollingBasedTimestamp = size === 0 ? null : undefined;
  }

  /** A new, empty segment (its files created empty, replacing any leftovers). */
  static create(fs: FileSystem, dir: string, baseOffset: number, config: LogConfig, nowMs: number): LogSegment {
    const path = join(dir, segmentFileName(baseOffset, '.log'));
    // Emptying a leftover is made durable by the first flush; a new empty file needs only its
    // directory's fsync, which the log does.
    const leftover = (fs.stat(path)?.size ?? 0) > 0;
    const fd = fs.open(path, 'truncate');
    const seg = new LogSegment(fs, dir, baseOffset, config, nowMs, fd, 0);
    seg.offsetIndex.beginRebuild();
    seg.offsetIndex.endRebuild(false);
    seg.timeIndex.beginRebuild();
    seg.timeIndex.endRebuild(false);
    seg.#dirty = leftover;
    return seg;
  }

  /** An existing segment; its indexes are read lazily, its timestamps from the time index. */
  static open(fs: FileSystem, dir: string, baseOffset: number, config: LogConfig, nowMs: number): LogSegment {
    const fd = fs.open(join(dir, segmentFileName(baseOffset, '.log')), 'write');
    const seg = new LogSegment(fs, dir, baseOffset, config, nowMs, fd, fs.fsize(fd));
    const last = seg.#peekLastTimeEntry();
    if (last) {
      seg.#maxTimestampSoFar = last.timestamp;
      seg.#offsetOfMaxTimestampSoFar = last.offset;
    }
    return seg;
  }

  get size(): number {
    return this.#size;
  }

  get maxTimestampSoFar(): number {
    return this.#maxTimestampSoFar;
  }

  /** Kafka's largestTimestamp for retention: the max record timestamp, else when the segment was created or opened. */
  get largestTimestamp(): number {
    return this.#maxTimestampSoFar >= 0 ? this.#maxTimestampSoFar : this.#createdMs;
  }

  get offsetOfMaxTimestampSoFar(): number {
    return this.#offsetOfMaxTimestampSoFar;
  }

  set config(config: LogConfig) {
    this.#config = config;
  }

  // -- appending ---------------------------------------------------------------------

  /** Writes `records` (offsets already assigned) in one call and indexes its batches. */
  append(records: Buffer, batches: readonly AppendBatch[]): void {
    const start = this.#size;
    try {
      this.#fs.write(this.#fd, records, start);
    } catch (err) {
      // Leave no partial batch behind for the next append to follow.
      try {
        this.#fs.ftruncate(this.#fd, start);
      } catch {
        // the original error matters more
      }
      throw err;
    }
    this.#size = start + records.length;
    this.#dirty = true;
    if (this.#rollingBasedTimestamp === null) this.#rollingBasedTimestamp = batches[0]!.maxTimestamp;
    for (const b of batches) this.#indexBatch(start + b.position, b.size, b.lastOffset, b.maxTimestamp);
  }

  #indexBatch(position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    if (maxTimestamp > this.#maxTimestampSoFar) {
      this.#maxTimestampSoFar = maxTimestamp;
      this.#offsetOfMaxTimestampSoFar = lastOffset;
    }
    if (this.#bytesSinceLastIndexEntry > this.#config.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar);
      this.#bytesSinceLastIndexEntry = 0;
    }
    this.#bytesSinceLastIndexEntry += size;
  }

  /** Kafka's LogSegment.shouldRoll, for an append of `size` bytes ending at `lastOffset`. */
  shouldRoll(size: number, lastOffset: number, maxTimestamp: number, nowMs: number): boolean {
    if (this.#size === 0) return false;
    const c = this.#config;
    return (
      this.#size + size > c.segmentBytes ||
      // A compacted log rolls by max.compaction.lag.ms too, so its records become cleanable in time.
      this.#timeWaitedForRoll(nowMs, maxTimestamp) > (c.compact ? Math.min(c.segmentMs, c.maxCompactionLagMs) : c.segmentMs) ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      lastOffset - this.baseOffset > INT32_MAX
    );
  }

  /** Time since the segment's first batch by record timestamps, or by the wall clock when it has none. */
  #timeWaitedForRoll(nowMs: number, messageTimestamp: number): number {
    if (this.#rollingBasedTimestamp === undefined) {
      const header = readAt(this.#fs, this.#fd, 0, BATCH_HEADER_SIZE);
      this.#rollingBasedTimestamp = header.length === BATCH_HEADER_SIZE ? readInt64Number(header, MAX_TIMESTAMP) : null;
    }
    const t = this.#rollingBasedTimestamp;
    return t !== null && t >= 0 ? messageTimestamp - t : nowMs - this.#createdMs;
  }

  /** On roll and close: record the segment's max timestamp in the time index, full or not. */
  onBecomeInactive(): void {
    if (this.#maxTimestampSoFar !== NO_TIMESTAMP) this.timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar, true);
  }

  // -- reading -----------------------------------------------------------------------

  /** Visits batches from the indexed position at or below `offset`, header by header. */
  scanFrom(offset: number, visit: BatchVisitor): void {
    const { position } = this.offsetIndex.lookup(offset);
    scanBatches(this.#fs, this.#fd, position, this.#size, 'headers', visit);
  }

  scanFromPosition(position: number, visit: BatchVisitor): void {
    scanBatches(this.#fs, this.#fd, position, this.#size, 'headers', visit);
  }

  /** The first batch whose last offset is >= `offset`, or null if the segment ends before it. */
  findBatch(offset: number): BatchInfo | null {
    let found: BatchInfo | null = null;
    this.scanFrom(offset, (b) => {
      if (b.lastOffset < offset) return true;
      found = b;
      return false;
    });
    return found;
  }

  /** The bytes of the batch at `position` (whole batch). */
  readBatch(batch: BatchInfo): Buffer {
    return readAt(this.#fs, this.#fd, batch.position, batch.size);
  }

  /**
   * Whole batches from the one containing `offset`: at most `maxBytes` (the first batch
   * whole anyway if `minOneBatch`), none starting at or past `maxOffset`. Null if the
   * segment holds nothing at or after `offset`. The bytes go into a buffer from `allocate`.
   */
  read(offset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean, allocate?: Allocate): SegmentRead | null {
    const first = this.findBatch(offset);
    if (!first) return null;
    const empty = { chunk: Buffer.alloc(0), reachedEnd: false };
    if (first.baseOffset >= maxOffset) return empty;
    let want = Math.min(maxBytes, this.#size - first.position);
    if (want < first.size) {
      if (!minOneBatch) return empty;
      want = first.size;
    }
    const data = readAt(this.#fs, this.#fd, first.position, want, allocate);
    let at = 0;
    let hitMax = false;
    while (at + LOG_OVERHEAD <= data.length) {
      if (readInt64Number(data, at) >= maxOffset) {
        hitMax = true;
        break;
      }
      const size = batchSizeAt(data, at);
      if (at + size > data.length) break;
      at += size;
    }
    return { chunk: data.subarray(0, at), reachedEnd: !hitMax && first.position + at === this.#size };
  }

  // -- recovery ----------------------------------------------------------------------

  /**
   * Checks every batch (framing, CRC, offsets ascending inside [base, nextBase)), rebuilds
   * both indexes from the valid ones and truncates the file after the last valid batch.
   */
  recover(nextBaseOffset: number | undefined): SegmentRecovery {
    this.offsetIndex.beginRebuild();
    this.timeIndex.beginRebuild();
    this.#maxTimestampSoFar = NO_TIMESTAMP;
    this.#offsetOfMaxTimestampSoFar = -1;
    this.#bytesSinceLastIndexEntry = 0;
    let next = this.baseOffset;
    let firstTimestamp: number | null = null;
    let badOffset = false;
    const result = scanBatches(this.#fs, this.#fd, 0, this.#size, 'verify', (b) => {
      if (
        b.baseOffset < next ||
        b.lastOffset < b.baseOffset ||
        b.lastOffset - this.baseOffset > INT32_MAX ||
        (nextBaseOffset !== undefined && b.lastOffset >= nextBaseOffset)
      ) {
        badOffset = true;
        return false;
      }
      firstTimestamp ??= b.maxTimestamp;
      this.#indexBatch(b.position, b.size, b.lastOffset, b.maxTimestamp);
      next = b.lastOffset + 1;
      return true;
    });
    const validBytes = result.end;
    const truncatedBytes = this.#size - validBytes;
    if (truncatedBytes > 0) this.truncateTo(validBytes);
    this.onBecomeInactive();
    this.offsetIndex.endRebuild();
    this.timeIndex.endRebuild();
    this.#rollingBasedTimestamp = firstTimestamp;
    return { validBytes, truncatedBytes, nextOffset: next, defect: badOffset ? 'bad-offset' : result.defect };
  }

  truncateTo(position: number): void {
    this.#fs.ftruncate(this.#fd, position);
    this.#fs.fsync(this.#fd);
    this.#size = position;
    if (position === 0) this.#rollingBasedTimestamp = null;
  }

  /**
   * Kafka's sanityCheck, on the last entries only: whole entries, offsets inside the
   * segment and below `limitOffset`, positions inside the file. Returns the problem, if any.
   */
  sanityCheck(limitOffset: number | undefined): string | null {
    for (const [index, entrySize] of [
      [this.offsetIndex, OFFSET_ENTRY_SIZE],
      [this.timeIndex, TIME_ENTRY_SIZE],
    ] as const) {
      const st = this.#fs.stat(index.path);
      if (!st) return `${index.path} is missing`;
      if (st.size % entrySize !== 0) return `${index.path} has a partial entry (${st.size} bytes)`;
    }
    const lastPosition = this.#peekLastOffsetEntry();
    if (lastPosition) {
      if (lastPosition.offset < this.baseOffset || (limitOffset !== undefined && lastPosition.offset >= limitOffset)) {
        return `${this.offsetIndex.path} ends with offset ${lastPosition.offset}, outside the segment`;
      }
      if (lastPosition.position < 0 || lastPosition.position >= this.#size) {
        return `${this.offsetIndex.path} ends with position ${lastPosition.position}, past the log's ${this.#size} bytes`;
      }
    }
    const lastTime = this.#peekLastTimeEntry();
    if (lastTime && (lastTime.offset < this.baseOffset || (limitOffset !== undefined && lastTime.offset >= limitOffset))) {
      return `${this.timeIndex.path} ends with offset ${lastTime.offset}, outside the segment`;
    }
    return null;
  }

  #peekLast(path: string, entrySize: number): Buffer | undefined {
    const st = this.#fs.stat(path);
    if (!st || st.size < entrySize) return undefined;
    const fd = this.#fs.open(path, 'read');
    try {
      const at = st.size - (st.size % entrySize) - entrySize;
      return readAt(this.#fs, fd, at, entrySize);
    } finally {
      this.#fs.close(fd);
    }
  }

  #peekLastOffsetEntry(): { offset: number; position: number } | undefined {
    const e = this.#peekLast(this.offsetIndex.path, OFFSET_ENTRY_SIZE);
    return e && { offset: this.baseOffset + e.readInt32BE(0), position: e.readInt32BE(4) };
  }

  #peekLastTimeEntry(): { timestamp: number; offset: number } | undefined {
    const e = this.#peekLast(this.timeIndex.path, TIME_ENTRY_SIZE);
    return e && { timestamp: readInt64Number(e, 0), offset: this.baseOffset + e.readInt32BE(8) };
  }

  /**
   * The offset after the last batch, found by hopping headers from the last index entry
   * (a clean shutdown's shortcut). Null if the hop meets a defect or the index entry does
   * not point at the batch it names: the caller then recovers the segment.
   */
  findNextOffset(): number | null {
    const last = this.#peekLastOffsetEntry();
    const from = last?.position ?? 0;
    let next = this.baseOffset;
    let consistent = true;
    const result = scanBatches(this.#fs, this.#fd, from, this.#size, 'headers', (b) => {
      if (last && b.position === last.position && b.lastOffset !== last.offset) {
        consistent = false;
        return false;
      }
      if (b.baseOffset < next) {
        consistent = false;
        return false;
      }
      next = b.lastOffset + 1;
      return true;
    });
    if (!consistent || result.defect !== null) return null;
    if (last && next <= last.offset) return null;
    return next;
  }

  // -- durability and lifetime -------------------------------------------------------

  get dirty(): boolean {
    return this.#dirty;
  }

  flush(): void {
    if (this.#dirty) this.#fs.fsync(this.#fd);
    this.#dirty = false;
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  /** Lets go of the index handles of a segment that will not be appended to again. */
  releaseIndexHandles(): void {
    this.offsetIndex.closeFd();
    this.timeIndex.closeFd();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.releaseIndexHandles();
    this.#fs.close(this.#fd);
  }

  /**
   * Closes and removes the segment's files: renamed to `<name>.deleted` at once, as Kafka
   * does, and unlinked off the event loop (a crash in between leaves them to recovery).
   */
  delete(): void {
    this.close();
    for (const path of [this.logPath, this.offsetIndex.path, this.timeIndex.path, this.logPath.replace(/\.log$/, '.txnindex')]) {
      if (!this.#fs.stat(path)) continue;
      const doomed = `${path}.deleted`;
      this.#fs.rename(path, doomed);
      removeSoon(this.#fs, doomed);
    }
  }
}
