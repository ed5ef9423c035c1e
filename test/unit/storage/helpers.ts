// Test helpers for the storage layer: minimal valid magic-2 record batches built by hand
// (CRC32C over attributes..end), temp data directories, and both file systems.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { crc32c } from '../../../src/protocol/primitives/crc32c.ts';
import { MemoryFileSystem, nodeFileSystem, type FileSystem } from '../../../src/storage/fs.ts';
import { DEFAULT_LOG_DEFAULTS, type LogDefaults } from '../../../src/storage/log/config.ts';
import { LogManager, type LogManagerOptions } from '../../../src/storage/log-manager.ts';
import type { StorageLogger } from '../../../src/storage/logger.ts';

function zigzag(n: bigint): bigint {
  return n >= 0n ? n << 1n : (-n << 1n) - 1n;
}

function varint(n: number | bigint): number[] {
  let v = zigzag(BigInt(n));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

export interface BatchSpec {
  /** Number of records (default 1). */
  records?: number;
  /** Timestamp of each record; default baseTimestamp + i. */
  timestamps?: number[];
  baseTimestamp?: number;
  /** Bytes per record value (default 10); the value bytes spell the record index. */
  valueSize?: number;
  /** Extra attribute bits (e.g. 0x08 LogAppendTime, 1 gzip: the records then are not really compressed). */
  attributes?: number;
  /** Written into the baseOffset field (the log overwrites it). */
  baseOffset?: number;
  /** Used as a tag inside the values, to tell batches apart. */
  tag?: number;
}

/** A minimal valid magic-2 batch with N uncompressed records. */
export function buildBatch(spec: BatchSpec = {}): Buffer {
  const n = spec.records ?? 1;
  const base = spec.baseTimestamp ?? 1_700_000_000_000;
  const timestamps = spec.timestamps ?? Array.from({ length: n }, (_, i) => base + i);
  const baseTimestamp = timestamps[0] ?? base;
  const maxTimestamp = Math.max(...timestamps);
  const valueSize = spec.valueSize ?? 10;
  const records: number[] = [];
  for (let i = 0; i < n; i++) {
    const value = Buffer.alloc(valueSize, (spec.tag ?? 0) + i);
    const body = [0, ...varint(timestamps[i]! - baseTimestamp), ...varint(i), ...varint(-1), ...varint(valueSize), ...value, ...varint(0)];
    records.push(...varint(body.length), ...body);
  }
  const size = 61 + records.length;
  const buf = Buffer.alloc(size);
  buf.writeBigInt64BE(BigInt(spec.baseOffset ?? 0), 0);
  buf.writeInt32BE(size - 12, 8);
  buf.writeInt32BE(0, 12); // partitionLeaderEpoch
  buf.writeInt8(2, 16);
  buf.writeInt16BE(spec.attributes ?? 0, 21);
  buf.writeInt32BE(n - 1, 23);
  buf.writeBigInt64BE(BigInt(baseTimestamp), 27);
  buf.writeBigInt64BE(BigInt(maxTimestamp), 35);
  buf.writeBigInt64BE(-1n, 43);
  buf.writeInt16BE(-1, 51);
  buf.writeInt32BE(-1, 53);
  buf.writeInt32BE(n, 57);
  Buffer.from(records).copy(buf, 61);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}

/** The batches in `data`, as { baseOffset, lastOffset, size } (header fields only). */
export function batchesIn(chunks: Buffer | Buffer[]): { baseOffset: number; lastOffset: number; size: number }[] {
  const data = Buffer.isBuffer(chunks) ? chunks : Buffer.concat(chunks);
  const out = [];
  for (let at = 0; at < data.length; ) {
    const size = 12 + data.readInt32BE(at + 8);
    const baseOffset = Number(data.readBigInt64BE(at));
    out.push({ baseOffset, lastOffset: baseOffset + data.readInt32BE(at + 23), size });
    at += size;
  }
  return out;
}

export const quietLogger: StorageLogger & { warnings: string[] } = {
  warnings: [],
  info() {},
  warn(message: string) {
    quietLogger.warnings.push(message);
  },
};

export function recordingLogger(): StorageLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, warn: (m: string) => void warnings.push(m) };
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under os.tmpdir(), removed when the process exits (after every t.after hook). */
export function tempDir(_t?: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-storage-'));
  tempDirs.push(dir);
  return dir;
}

export interface FsKind {
  name: 'node' | 'memory';
  /** A fresh file system and a data directory on it. */
  make(t: TestContext): { fs: FileSystem; dir: string };
}

export const FS_KINDS: FsKind[] = [
  { name: 'node', make: (t) => ({ fs: nodeFileSystem, dir: tempDir(t) }) },
  { name: 'memory', make: () => ({ fs: new MemoryFileSystem(), dir: '/data' }) },
];

export function defaults(overrides: Partial<LogDefaults> = {}): LogDefaults & { flushOffsetCheckpointIntervalMs: number } {
  return { ...DEFAULT_LOG_DEFAULTS, flushOffsetCheckpointIntervalMs: 60000, ...overrides };
}

export function openManager(fs: FileSystem, dir: string, extra: Partial<LogManagerOptions> = {}): LogManager {
  return LogManager.open({ dataDir: dir, nodeId: 1, defaults: defaults(), fs, logger: recordingLogger(), ...extra });
}

/**
 * The same file system, recording each fsync ("fsync fd") and directory fsync ("fsyncDir
 * <dir>") that goes through it: what a change costs in calls that reach the disk.
 */
export function countingSyncs(fs: FileSystem): { counting: FileSystem; syncs: string[] } {
  const syncs: string[] = [];
  const counting = new Proxy(fs, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (key === 'fsync' || key === 'fsyncDir') {
        return (arg: number | string) => {
          syncs.push(`${String(key)} ${typeof arg === 'string' ? arg : 'fd'}`);
          return (value as (a: number | string) => void).call(target, arg);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { counting, syncs };
}
