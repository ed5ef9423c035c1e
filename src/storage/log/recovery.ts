// Opening a partition directory: Kafka's LogLoader, for one broker.
//
// - A cleaner swap left half done is finished first (Kafka's rule): a `<base>.log.swap`
//   replaces every segment whose base offset falls inside its offset range, and is renamed
//   to `<base>.log` (its indexes are rebuilt below). Then leftovers are removed: temporary
//   files (.tmp, .cleaned, .deleted) and index files whose .log is gone.
// - Every segment's indexes get a sanity check of their last entries. A missing or
//   inconsistent index is rebuilt from its .log (which also validates that segment).
// - After an unclean shutdown, every segment from the one holding the recovery point on
//   is scanned batch by batch (framing, CRC32C, ascending offsets). At the first bad batch
//   the segment is truncated and every later segment deleted: a torn or corrupt tail. A
//   scanned segment that ends below the next segment's base offset (its unsynced tail lost,
//   the next segment's bytes not) is a hole: the later segments are deleted too.
// - After a clean shutdown the checkpoints are trusted and nothing is scanned; the log end
//   offset comes from hopping headers after the last index entry of the last segment. If
//   that hop finds anything wrong, the last segment is recovered after all.

import type { FileSystem } from '../fs.ts';
import type { LogConfig } from './config.ts';
import { LogSegment, segmentFileName } from './segment.ts';
import { scanBatches } from './scan.ts';
import type { StorageLogger } from '../logger.ts';
import { join } from 'node:path';

export interface RecoveryStats {
  cleanShutdown: boolean;
  /** Segments read batch by batch with CRC checks (recovered or index-rebuilt). */
  scannedSegments: number;
  scannedBytes: number;
  /** Bytes cut from the end of the log (torn or corrupt tail, including deleted segments). */
  truncatedBytes: number;
  deletedSegments: number;
  rebuiltIndexes: number;
}

export interface LoadLogOptions {
  fs: FileSystem;
  dir: string;
  /** `<topic>-<partition>`, for messages. */
  name: string;
  config: LogConfig;
  nowMs: number;
  logger: StorageLogger;
  cleanShutdown: boolean;
  recoveryPoint: number | undefined;
  logStartOffset: number | undefined;
}

export interface LoadedLog {
  segments: LogSegment[];
  /**
   * The directory held no segment and got its first one. Neither it nor the directory is
   * fsynced yet: the log makes them durable at its first flush, with the first data.
   */
  created: boolean;
  /** The directory did not exist: made here, it holds nothing else either. */
  newDirectory: boolean;
  logEndOffset: number;
  logStartOffset: number;
  recoveryPoint: number;
  stats: RecoveryStats;
}

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex|txnindex)$/;
const TEMPORARY = /\.(tmp|cleaned|swap|deleted)$/;
const SWAP_FILE = /^(\d{20})\.log\.swap$/;

/** Completes the cleaner swaps found in `dir` (see cleaner.ts). */
export function completeSwaps(fs: FileSystem, dir: string, logger: StorageLogger, name: string): number {
  let done = 0;
  for (const file of fs.readdir(dir).sort()) {
    const m = SWAP_FILE.exec(file);
    if (!m) continue;
    const base = Number(m[1]);
    const swapPath = join(dir, file);
    const fd = fs.open(swapPath, 'read');
    let next = base;
    try {
      scanBatches(fs, fd, 0, fs.fsize(fd), 'headers', (b) => {
        next = b.lastOffset + 1;
      });
    } finally {
      fs.close(fd);
    }
    for (const other of fs.readdir(dir)) {
      const o = SEGMENT_FILE.exec(other);
      if (o && Number(o[1]) >= base && Number(o[1]) < Math.max(next, base + 1)) fs.unlink(join(dir, other));
    }
    fs.rename(swapPath, join(dir, segmentFileName(base, '.log')));
    fs.fsyncDir(dir);
    logger.warn(`${name}: completed the cleaner's swap of segment ${base} (offsets ${base} to ${next - 1})`);
    done++;
  }
  return done;
}

export function loadLog(o: LoadLogOptions): LoadedLog {
  const { fs, dir, config, logger } = o;
  const stats: RecoveryStats = { cleanShutdown: o.cleanShutdown, scannedSegments: 0, scannedBytes: 0, truncatedBytes: 0, deletedSegments: 0, rebuiltIndexes: 0 };
  // A directory made here has nothing to finish, sweep or read (a new topic's partitions).
  const existed = fs.stat(dir) !== undefined;
  fs.mkdir(dir);
  if (existed) completeSwaps(fs, dir, logger, o.name);

  const bases = new Set<number>();
  const indexFiles: { name: string; base: number }[] = [];
  for (const name of existed ? fs.readdir(dir) : []) {
    if (TEMPORARY.test(name)) {
      fs.rm(join(dir, name));
      continue;
    }
    const m = SEGMENT_FILE.exec(name);
    if (!m) continue;
    const base = Number(m[1]);
    if (m[2] === 'log') bases.add(base);
    else indexFiles.push({ name, base });
  }
  for (const f of indexFiles) {
    if (!bases.has(f.base)) fs.unlink(join(dir, f.name));
  }

  const sorted = [...bases].sort((a, b) => a - b);
  if (sorted.length === 0) {
    const start = o.logStartOffset ?? 0;
    const seg = LogSegment.create(fs, dir, start, config, o.nowMs);
    return { segments: [seg], created: true, newDirectory: !existed, logEndOffset: start, logStartOffset: start, recoveryPoint: start, stats };
  }

  let segments = sorted.map((base) => LogSegment.open(fs, dir, base, config, o.nowMs));

  // Which segments to scan: unclean, everything from the recovery point's segment on; either
  // way, any segment whose indexes fail the sanity check.
  const toRecover = new Set<number>();
  if (!o.cleanShutdown) {
    const rp = o.recoveryPoint ?? 0;
    let from = 0;
    for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= rp) from = i;
    for (let i = from; i < segments.length; i++) toRecover.add(i);
  }
  const rebuild = new Set<number>();
  for (let i = 0; i < segments.length; i++) {
    if (toRecover.has(i)) continue;
    const problem = segments[i]!.sanityCheck(segments[i + 1]?.baseOffset);
    if (problem) {
      logger.warn(`${o.name}: rebuilding the indexes of segment ${segments[i]!.baseOffset}: ${problem}`);
      rebuild.add(i);
    }
  }

  let logEndOffset = -1;
  const recoverAt = (i: number): boolean => {
    const seg = segments[i]!;
    const next = segments[i + 1]?.baseOffset;
    const sizeBefore = seg.size;
    const r = seg.recover(next);
    stats.scannedSegments++;
    stats.scannedBytes += r.validBytes;
    if (rebuild.has(i)) stats.rebuiltIndexes++;
    if (i === segments.length - 1) logEndOffset = r.nextOffset;
    // A scanned segment that stops short of the next one's base offset lost its unsynced
    // tail while the next one's bytes survived: the log from the hole on goes too.
    const gap = r.defect === null && next !== undefined && r.nextOffset !== next;
    if (r.defect === null && !gap) return true;
    stats.truncatedBytes += r.truncatedBytes;
    logger.warn(
      gap
        ? `${o.name}: segment ${segmentFileName(seg.baseOffset, '.log')} ends at offset ${r.nextOffset}, before the next segment's ${next}; ` +
            `deleted ${segments.length - 1 - i} later segment(s)`
        : `${o.name}: ${r.defect} batch at position ${r.validBytes} of segment ${segmentFileName(seg.baseOffset, '.log')}; ` +
            `truncated ${sizeBefore - r.validBytes} bytes and ${segments.length - 1 - i} later segment(s)`,
    );
    for (const later of segments.slice(i + 1)) {
      stats.truncatedBytes += later.size;
      stats.deletedSegments++;
      later.delete();
    }
    segments = segments.slice(0, i + 1);
    logEndOffset = r.nextOffset;
    return false;
  };
  for (let i = 0; i < segments.length; i++) {
    if ((toRecover.has(i) || rebuild.has(i)) && !recoverAt(i)) break;
  }

  const last = segments[segments.length - 1]!;
  if (logEndOffset < 0) {
    const next = last.findNextOffset();
    const problem = next === null ? 'its tail does not parse' : last.sanityCheck(next);
    if (next === null || problem !== null) {
      logger.warn(`${o.name}: recovering segment ${last.baseOffset} after a clean shutdown: ${problem}`);
      recoverAt(segments.length - 1);
    } else {
      logEndOffset = next;
    }
  }
  if (stats.deletedSegments > 0 || stats.truncatedBytes > 0) fs.fsyncDir(dir);

  for (const seg of segments.slice(0, -1)) seg.releaseIndexHandles();
  const first = segments[0]!;
  const logStartOffset = Math.min(Math.max(o.logStartOffset ?? first.baseOffset, first.baseOffset), logEndOffset);
  const recoveryPoint = Math.min(o.cleanShutdown ? (o.recoveryPoint ?? logEndOffset) : (o.recoveryPoint ?? 0), logEndOffset);
  return { segments, created: false, newDirectory: false, logEndOffset, logStartOffset, recoveryPoint, stats };
}
