// Log compaction (Kafka's LogCleaner, one pass over one partition log) for
// cleanup.policy=compact and compact,delete.
//
// A pass looks at the inactive segments only. The cleanable range ends before the first
// segment holding a record newer than min.compaction.lag.ms (or reaching past the high
// watermark). Its dirty part starts at the first dirty offset (the cleaner checkpoint); the
// log is cleaned when dirty bytes / cleanable bytes exceed min.cleanable.dirty.ratio (strictly,
// as Kafka's LogCleanerManager: a ratio of 1 never triggers a pass by itself), or when
// the oldest dirty record is older than max.compaction.lag.ms.
//
// 1. Offset map: the latest offset of every key in the dirty part (records of aborted or
//    still open transactions left out, as Kafka does: they must not hide an older value).
// 2. Rewrite, segment group by segment group (consecutive segments whose sizes add up to at
//    most segment.bytes), from the start of the log to the end of the cleanable range: a
//    record stays when it has a key, no later offset for its key is in the map, and it is
//    not a tombstone (null value) whose delete horizon has passed. A batch that keeps all
//    its records, and needs no delete horizon, is copied as it is; otherwise it is
//    re-encoded with its codec, offsets, producer fields and timestamps. A batch holding a
//    tombstone gets a delete horizon (KIP-534: now + delete.retention.ms, attribute bit 6 and
//    baseTimestamp); tombstones go on a later pass once it has passed. Control batches
//    (transaction markers) are kept as they are. The last batch of each group is kept, empty
//    if need be, so that every cleaned segment still ends where the next one starts: offsets
//    never move, and recovery's hole check stays valid.
// 3. Swap, crash-safe (Kafka's renames): the group's cleaned data goes to
//    `<base>.log.cleaned` and its indexes (built as the batches are written) to
//    `<base>.index.cleaned` and `.timeindex.cleaned`, all fsynced; the log renamed to `.swap`;
//    the old segments deleted; the swap renamed to `<base>.log` and the indexes into place.
//    Recovery deletes .cleaned files and finishes .swap ones (rebuilding their indexes).
//
// The pass is async: it yields to the event loop every `yieldBytes` of input, so that produce
// and fetch requests keep flowing while a large log is cleaned.

import {
  BASE_OFFSET,
  CONTROL_FLAG,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  TIMESTAMP_TYPE_LOG_APPEND,
  readInt64Number,
  writeInt64Number,
} from '../../protocol/records/batch-header.ts';
import type { FileSystem } from '../fs.ts';
import { NO_TIMESTAMP, OFFSET_ENTRY_SIZE, TIME_ENTRY_SIZE } from './indexes.ts';
import { decodeRecordBatch, encodeRecordBatch, type RecordBatch } from '../../protocol/records/record-batch.ts';
import { CleanedTransactions } from './cleaner-txns.ts';
import type { PartitionLog } from './partition-log.ts';
import { scanBatches } from './scan.ts';
import { INT32_MAX, segmentFileName, type LogSegment } from './segment.ts';
import { writeTxnIndex } from './txn-index.ts';
import { join } from 'node:path';

export interface CleanOptions {
  /** The first offset not yet cleaned (the cleaner checkpoint); 0 if never cleaned. */
  firstDirtyOffset: number;
  now?: number;
  /** Yield to the event loop after this many input bytes (default 1 MiB). */
  yieldBytes?: number;
  /** Cap on the decompressed size of one batch. */
  maxDecompressedBytes?: number;
  /** Bound on the offset map, in approximate bytes (log.cleaner.dedupe.buffer.size; default 128 MiB). */
  maxMapBytes?: number;
  /** Checked at every yield: true abandons the pass (the broker is stopping). */
  aborted?: () => boolean;
  /** Test hook: called after each group's swap. */
  afterSwap?: (group: number) => void | Promise<void>;
}

export interface CleanResult {
  /** The new first dirty offset, for the cleaner checkpoint. */
  firstDirtyOffset: number;
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Approximate bytes of one offset map entry beyond its key (string, number, map slot). */
const MAP_ENTRY_OVERHEAD = 64;

/** Whether `log` should be cleaned now, and the range to clean; null if not. */
export function planClean(log: PartitionLog, firstDirtyOffset: number, now: number): { end: number; segments: LogSegment[]; dirtyFrom: number } | null {
  const c = log.config;
  if (!c.compact) return null;
  const inactive = log.inactiveSegments();
  const next = (i: number): number => inactive[i + 1]?.baseOffset ?? log.segmentBaseOffsets[log.segmentCount - 1]!;
  let endIdx = inactive.length;
  for (let i = 0; i < inactive.length; i++) {
    if (inactive[i]!.largestTimestamp > now - c.minCompactionLagMs || next(i) > log.highWatermark) {
      endIdx = i;
      break;
    }
  }
  const segments = inactive.slice(0, endIdx);
  if (segments.length === 0) return null;
  const end = next(endIdx - 1);
  const dirtyFrom = Math.max(firstDirtyOffset, log.logStartOffset, segments[0]!.baseOffset);
  if (dirtyFrom >= end) return null;
  let dirtyBytes = 0;
  let totalBytes = 0;
  let firstDirty: LogSegment | undefined;
  for (let i = 0; i < segments.length; i++) {
    totalBytes += segments[i]!.size;
    if (next(i) > dirtyFrom) {
      dirtyBytes += segments[i]!.size;
      firstDirty ??= segments[i];
    }
  }
  const ratio = totalBytes === 0 ? 0 : dirtyBytes / totalBytes;
  const firstBatch = firstDirty?.findBatch(dirtyFrom);
  const overdue = firstBatch != null && firstBatch.maxTimestamp >= 0 && now - firstBatch.maxTimestamp > c.maxCompactionLagMs;
  if (ratio <= c.minCleanableDirtyRatio && !overdue) return null;
  return { end, segments, dirtyFrom };
}

/** One cleaning pass; null if the log needs none. */
export async function cleanLog(log: PartitionLog, options: CleanOptions): Promise<CleanResult | null> {
  const now = options.now ?? log.clock();
  const plan = planClean(log, options.firstDirtyOffset, now);
  if (!plan) return null;
  const yieldBytes = options.yieldBytes ?? 1 << 20;
  const decode = { verifyCrc: false, maxDecompressedBytes: options.maxDecompressedBytes ?? 64 << 20 };
  const fs = log.fileSystem;
  let budget = yieldBytes;
  const spend = async (bytes: number): Promise<void> => {
    budget -= bytes;
    if (budget <= 0) {
      budget = yieldBytes;
      await tick();
      if (log.closed || options.aborted?.()) throw new Error('cleaning abandoned: the log closed or the broker is stopping');
    }
  };
  /** The batches of a segment, read (and CRC-checked) at most `yieldBytes` at a time. */
  async function* batchesOf(seg: LogSegment): AsyncGenerator<Buffer> {
    const fd = fs.open(seg.logPath, 'read');
    try {
      const size = fs.fsize(fd);
      let position = 0;
      while (position < size) {
        const chunk: Buffer[] = [];
        let bytes = 0;
        const r = scanBatches(fs, fd, position, size, 'verify', (b, buf, at) => {
          if (chunk.length > 0 && bytes + b.size > yieldBytes) return false;
          chunk.push(Buffer.from(buf.subarray(at, at + b.size)));
          bytes += b.size;
          return true;
        });
        yield* chunk;
        if (r.defect !== null || r.end <= position) break; // a bad tail is recovery's business
        position = r.end;
      }
    } finally {
      fs.close(fd);
    }
  }

  // 1. The offset map of the dirty part. Like Kafka's dedupe buffer, it is bounded: when
  // the map outgrows maxMapBytes, this pass stops at the end of the last segment mapped
  // whole (at least one), and the next pass goes on from there.
  const latest = new Map<string, number>();
  // A transactional record shadows older ones only once its transaction committed: an
  // aborted one (or one still open) must not make the cleaner drop the value before it, as
  // Kafka's cleaner leaves aborted transactions out of its offset map.
  const stableEnd = log.lastStableOffset;
  const aborted = log.abortedTransactions(plan.dirtyFrom, stableEnd);
  const shadows = (b: RecordBatch) =>
    !b.isTransactional || (b.baseOffset < stableEnd && !aborted.some((a) => a.producerId === BigInt(b.producerId) && a.firstOffset <= b.baseOffset && b.baseOffset <= a.lastOffset));
  const maxMapBytes = options.maxMapBytes ?? 128 << 20;
  let mapBytes = 0;
  let mapped = 0;
  for (const seg of plan.segments) {
    const segEnd = log.segmentBaseOffsets[log.segmentBaseOffsets.indexOf(seg.baseOffset) + 1] ?? Infinity;
    if (segEnd > plan.dirtyFrom) {
      if (mapBytes > maxMapBytes && mapped > 0) break;
      for await (const bytes of batchesOf(seg)) {
        const batch = decodeRecordBatch(bytes, 0, decode);
        if (!batch.isControl && shadows(batch)) {
          for (const r of batch.records) {
            if (r.key === null || r.offset < plan.dirtyFrom) continue;
            const key = r.key.toString('latin1');
            if (!latest.has(key)) mapBytes += MAP_ENTRY_OVERHEAD + key.length;
            latest.set(key, r.offset);
          }
        }
        await spend(bytes.length);
      }
    }
    mapped++;
  }
  if (mapped < plan.segments.length) {
    plan.segments = plan.segments.slice(0, mapped);
    plan.end = log.segmentBaseOffsets[log.segmentBaseOffsets.indexOf(plan.segments[mapped - 1]!.baseOffset) + 1]!;
  }

  // 2 and 3. Rewrite and swap, group by group.
  const groups: LogSegment[][] = [];
  for (const seg of plan.segments) {
    const g = groups[groups.length - 1];
    const size = g?.reduce((n, s) => n + s.size, 0) ?? 0;
    const nextBase = log.segmentBaseOffsets[log.segmentBaseOffsets.indexOf(seg.baseOffset) + 1]!;
    if (g && size + seg.size <= log.config.segmentBytes && nextBase - 1 - g[0]!.baseOffset <= INT32_MAX) g.push(seg);
    else groups.push([seg]);
  }
  const result: CleanResult = { firstDirtyOffset: plan.end, segmentsBefore: log.segmentCount, segmentsAfter: 0, bytesBefore: log.size, bytesAfter: 0, recordsRemoved: 0 };
  const horizonFor = now + log.config.deleteRetentionMs;
  const txns = new CleanedTransactions(log.abortedTransactions(plan.segments[0]!.baseOffset, plan.end));
  for (let gi = 0; gi < groups.length; gi++) {
    const group = groups[gi]!;
    const base = group[0]!.baseOffset;
    const cleanedPath = join(log.dir, segmentFileName(base, '.log') + '.cleaned');
    const fd = fs.open(cleanedPath, 'truncate');
    let position = 0;
    let changed = false;
    const indexes = new IndexBuilder(base, log.config.indexIntervalBytes, log.config.segmentIndexBytes);
    try {
      for (let si = 0; si < group.length; si++) {
        // One batch of lookahead, to know which batch is the group's last.
        let pending: Buffer | null = null;
        const emit = async (bytes: Buffer, last: boolean): Promise<void> => {
          const out = cleanBatch(bytes, { latest, txns, now, horizonFor, last, decode }, result);
          if (out !== bytes) changed = true;
          if (out) {
            fs.write(fd, out, position);
            indexes.add(out, position);
            position += out.length;
          }
          await spend(bytes.length);
        };
        for await (const bytes of batchesOf(group[si]!)) {
          if (pending) await emit(pending, false);
          pending = bytes;
        }
        if (pending) await emit(pending, si === group.length - 1);
      }
      fs.fsync(fd);
    } finally {
      fs.close(fd);
    }
    // The aborted-transaction entries of the markers kept, Kafka's cleaned .txnindex: an
    // entry goes with its marker (the old segments' .txnindex files go with them).
    const keptAborts = txns.takeKeptEntries();
    if (!changed && group.length === 1) {
      fs.unlink(cleanedPath);
      continue;
    }
    const indexPaths = {
      ...indexes.write(fs, join(log.dir, segmentFileName(base, '.index') + '.cleaned'), join(log.dir, segmentFileName(base, '.timeindex') + '.cleaned')),
      txnIndex: join(log.dir, segmentFileName(base, '.txnindex') + '.cleaned'),
    };
    writeTxnIndex(fs, indexPaths.txnIndex, keptAborts);
    if (log.closed || !log.swapCleaned(group, cleanedPath, indexPaths)) {
      for (const path of Object.values(indexPaths).concat(cleanedPath)) if (fs.stat(path)) fs.unlink(path);
      return null;
    }
    await options.afterSwap?.(gi);
  }
  result.segmentsAfter = log.segmentCount;
  result.bytesAfter = log.size;
  log.logger.info(
    `${log.topic}-${log.partition}: cleaned ${result.bytesBefore - result.bytesAfter} bytes, ${result.recordsRemoved} records; ` +
      `${result.segmentsBefore} -> ${result.segmentsAfter} segments; first dirty offset ${result.firstDirtyOffset}`,
  );
  return result;
}

/**
 * The offset and time index entries of a cleaned segment, by the rule of LogSegment
 * (segment.ts), built while its batches are written, so the swap needs no rescan.
 */
class IndexBuilder {
  readonly #base: number;
  readonly #interval: number;
  readonly #maxOffsetEntries: number;
  readonly #maxTimeEntries: number;
  #offsets: Buffer[] = [];
  #times: Buffer[] = [];
  #lastTime = NO_TIMESTAMP;
  #bytesSince = 0;
  #maxTimestamp = NO_TIMESTAMP;
  #offsetOfMax = -1;

  constructor(base: number, indexIntervalBytes: number, segmentIndexBytes: number) {
    this.#base = base;
    this.#interval = indexIntervalBytes;
    this.#maxOffsetEntries = Math.max(1, Math.floor(segmentIndexBytes / OFFSET_ENTRY_SIZE));
    this.#maxTimeEntries = Math.max(1, Math.floor(segmentIndexBytes / TIME_ENTRY_SIZE));
  }

  add(batch: Buffer, position: number): void {
    const lastOffset = readInt64Number(batch, BASE_OFFSET) + batch.readInt32BE(LAST_OFFSET_DELTA);
    const maxTimestamp = readInt64Number(batch, MAX_TIMESTAMP);
    if (maxTimestamp > this.#maxTimestamp) {
      this.#maxTimestamp = maxTimestamp;
      this.#offsetOfMax = lastOffset;
    }
    if (this.#bytesSince > this.#interval) {
      if (this.#offsets.length < this.#maxOffsetEntries) {
        const e = Buffer.allocUnsafe(OFFSET_ENTRY_SIZE);
        e.writeInt32BE(lastOffset - this.#base, 0);
        e.writeInt32BE(position, 4);
        this.#offsets.push(e);
      }
      if (this.#times.length < this.#maxTimeEntries) this.#time();
      this.#bytesSince = 0;
    }
    this.#bytesSince += batch.length;
  }

  #time(): void {
    if (this.#maxTimestamp <= this.#lastTime || this.#maxTimestamp === NO_TIMESTAMP) return;
    const e = Buffer.allocUnsafe(TIME_ENTRY_SIZE);
    writeInt64Number(e, 0, this.#maxTimestamp);
    e.writeInt32BE(this.#offsetOfMax - this.#base, 8);
    this.#times.push(e);
    this.#lastTime = this.#maxTimestamp;
  }

  /** Writes both files (fsynced), the final time entry included, as on a segment's roll. */
  write(fs: FileSystem, offsetPath: string, timePath: string): { offsetIndex: string; timeIndex: string } {
    this.#time();
    for (const [path, entries] of [
      [offsetPath, this.#offsets],
      [timePath, this.#times],
    ] as const) {
      const fd = fs.open(path, 'truncate');
      try {
        fs.write(fd, Buffer.concat(entries), 0);
        fs.fsync(fd);
      } finally {
        fs.close(fd);
      }
    }
    return { offsetIndex: offsetPath, timeIndex: timePath };
  }
}

interface BatchCleaning {
  /** The latest offset of each key (the offset map). */
  latest: ReadonlyMap<string, number>;
  txns: CleanedTransactions;
  now: number;
  /** The delete horizon given to a batch that needs one on this pass. */
  horizonFor: number;
  /** The group's last batch: kept (empty if need be) so the segment keeps its end offset. */
  last: boolean;
  decode: { verifyCrc: boolean; maxDecompressedBytes: number };
}

/**
 * One batch through the cleaner: the same buffer if it stays as it is, a re-encoded one, or
 * null if nothing of it stays.
 */
function cleanBatch(bytes: Buffer, c: BatchCleaning, stats: CleanResult): Buffer | null {
  const { latest, now, last } = c;
  const batch = decodeRecordBatch(bytes, 0, c.decode);
  const horizon = batch.hasDeleteHorizon ? batch.baseTimestamp : null;
  if (batch.isControl || (batch.attributes & CONTROL_FLAG) !== 0) {
    // A marker with nothing of its transaction left: first a delete horizon, then gone.
    if (!c.txns.onMarker(batch)) return bytes;
    if (horizon === null) return reencode(batch, batch.records, c.horizonFor);
    if (now < horizon) return bytes;
    stats.recordsRemoved += batch.records.length;
    return last ? (batch.records.length === 0 ? bytes : reencode(batch, [], horizon)) : null;
  }
  const abortedTxn = c.txns.onDataBatch(batch);
  const kept = batch.records.filter((r) => {
    if (abortedTxn) return false;
    if (r.key === null) return false;
    const newest = latest.get(r.key.toString('latin1'));
    if (newest !== undefined && r.offset < newest) return false;
    if (r.value === null && horizon !== null && now >= horizon) return false; // Kafka: retained while now < horizon
    return true;
  });
  stats.recordsRemoved += batch.records.length - kept.length;
  const hasTombstone = kept.some((r) => r.value === null);
  if (kept.length === batch.records.length && (!hasTombstone || horizon !== null)) return bytes;
  if (kept.length === 0 && !last) return null;
  return reencode(batch, kept, hasTombstone ? (horizon ?? c.horizonFor) : undefined);
}

function reencode(batch: RecordBatch, kept: RecordBatch['records'], deleteHorizonMs: number | undefined): Buffer {
  const logAppendTime = (batch.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const baseTimestamp = batch.hasDeleteHorizon ? (kept[0]?.timestamp ?? batch.maxTimestamp) : batch.baseTimestamp;
  return encodeRecordBatch(
    kept.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offsetDelta, attributes: r.attributes })),
    {
      compression: batch.compression,
      baseOffset: batch.baseOffset,
      partitionLeaderEpoch: batch.partitionLeaderEpoch,
      ...(deleteHorizonMs === undefined ? { baseTimestamp } : { deleteHorizonMs }),
      maxTimestamp: batch.maxTimestamp,
      logAppendTime,
      timestamp: batch.maxTimestamp,
      isTransactional: batch.isTransactional,
      isControl: batch.isControl,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      lastOffsetDelta: batch.lastOffsetDelta,
    },
  );
}

