// A segment's two sparse indexes, in Kafka's file formats (big-endian):
//   .index      8-byte entries: relativeOffset int32, position int32
//   .timeindex 12-byte entries: timestamp int64, relativeOffset int32
//
// Choice: the files are appended to, entry by entry, rather than preallocated to
// segment.index.bytes and trimmed on roll as Kafka does. An appended file needs no trim
// and has no zero-filled tail to tell apart from entries after a crash; segment.index.bytes
// still caps the entry count, and a full index still rolls the segment.
//
// Entries are mirrored in memory. An inactive segment's index is read on first lookup.
//
// New entries reach the file in groups (every PENDING_ENTRIES, and on flush and close), not
// one pwrite each: with small produce requests, each of which adds an entry to both indexes,
// those two syscalls were a sixth of the broker's time per request. Nothing reads the file
// of an open index, and what a crash loses is rebuilt: after an unclean shutdown, recovery
// rebuilds the indexes of every segment past the recovery point, and a segment is flushed
// (its entries written and fsynced) before the recovery point passes it.

import { readInt64Number, writeInt64Number } from '../../protocol/records/batch-header.ts';
import type { FileSystem } from '../fs.ts';

export const OFFSET_ENTRY_SIZE = 8;
export const TIME_ENTRY_SIZE = 12;
export const NO_TIMESTAMP = -1;
/** Entries held before they are written to the file together. */
const PENDING_ENTRIES = 64;

class IndexFile {
  readonly path: string;
  readonly baseOffset: number;
  readonly maxEntries: number;
  protected fs: FileSystem;
  protected buf: Buffer = Buffer.alloc(0);
  #count = 0;
  /** Entries already in the file; those after it are pending. */
  #written = 0;
  #fd: number | null = null;
  #loaded = false;
  #dirty = false;
  #rebuilding = false;
  readonly entrySize: number;

  constructor(fs: FileSystem, path: string, baseOffset: number, maxIndexBytes: number, entrySize: number) {
    this.fs = fs;
    this.entrySize = entrySize;
    this.path = path;
    this.baseOffset = baseOffset;
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entrySize));
  }

  get entries(): number {
    this.load();
    return this.#count;
  }

  isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** Reads the file into memory once; a partial trailing entry is ignored. */
  load(): void {
    if (this.#loaded) return;
    this.#loaded = true;
    const st = this.fs.stat(this.path);
    if (!st) {
      this.buf = Buffer.alloc(0);
      this.#count = this.#written = 0;
      return;
    }
    const data = this.fs.readFile(this.path);
    this.#count = this.#written = Math.floor(data.length / this.entrySize);
    this.buf = data;
  }

  /** Starts over with no entries; appends stay in memory until endRebuild() writes the file. */
  beginRebuild(): void {
    this.closeFd();
    this.#loaded = true;
    this.#count = this.#written = 0;
    this.#rebuilding = true;
  }

  /** Writes the rebuilt entries as the whole file; `sync` fsyncs it (not needed for a new, empty index). */
  endRebuild(sync = true): void {
    this.#rebuilding = false;
    const fd = this.fs.open(this.path, 'truncate');
    try {
      this.fs.write(fd, this.buf.subarray(0, this.#count * this.entrySize), 0);
      if (sync) this.fs.fsync(fd);
    } finally {
      this.fs.close(fd);
    }
    this.#written = this.#count;
    this.#dirty = false;
  }

  protected appendEntry(entry: Buffer): void {
    this.load();
    const at = this.#count * this.entrySize;
    if (this.buf.length < at + this.entrySize) {
      const next = Buffer.alloc(Math.max(at + this.entrySize, this.buf.length * 2, 64 * this.entrySize));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    entry.copy(this.buf, at);
    this.#count++;
    if (this.#rebuilding) return;
    this.#dirty = true;
    if (this.#count - this.#written >= PENDING_ENTRIES) this.#writePending();
  }

  /** Writes the pending entries to the file, in one write. */
  #writePending(): void {
    if (this.#written === this.#count) return;
    this.#fd ??= this.fs.open(this.path, 'write');
    const from = this.#written * this.entrySize;
    this.fs.write(this.#fd, this.buf.subarray(from, this.#count * this.entrySize), from);
    this.#written = this.#count;
  }

  /** Index of the last entry whose key is <= target (keys ascend), or -1. */
  protected floor(target: number, keyAt: (i: number) => number): number {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (keyAt(mid) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  flush(): void {
    if (!this.#rebuilding) this.#writePending();
    if (this.#dirty && this.#fd !== null) this.fs.fsync(this.#fd);
    this.#dirty = false;
  }

  /** Writes what is pending and closes the file handle; entries stay readable (reopened on the next append). */
  closeFd(): void {
    if (!this.#rebuilding) this.#writePending();
    if (this.#fd !== null) this.fs.close(this.#fd);
    this.#fd = null;
  }

  /** Drops the in-memory copy of an inactive index (re-read on next use). */
  unload(): void {
    if (this.#fd !== null || this.#dirty) return;
    this.#loaded = false;
    this.buf = Buffer.alloc(0);
    this.#count = 0;
  }
}

export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex extends IndexFile {
  constructor(fs: FileSystem, path: string, baseOffset: number, maxIndexBytes: number) {
    super(fs, path, baseOffset, maxIndexBytes, OFFSET_ENTRY_SIZE);
  }

  entry(i: number): OffsetPosition {
    const at = i * OFFSET_ENTRY_SIZE;
    return { offset: this.baseOffset + this.buf.readInt32BE(at), position: this.buf.readInt32BE(at + 4) };
  }

  lastEntry(): OffsetPosition | undefined {
    const n = this.entries;
    return n === 0 ? undefined : this.entry(n - 1);
  }

  append(offset: number, position: number): void {
    const e = Buffer.allocUnsafe(OFFSET_ENTRY_SIZE);
    e.writeInt32BE(offset - this.baseOffset, 0);
    e.writeInt32BE(position, 4);
    this.appendEntry(e);
  }

  /** The last entry at or below `offset`, or the segment start. */
  lookup(offset: number): OffsetPosition {
    const i = this.floor(offset - this.baseOffset, (k) => this.buf.readInt32BE(k * OFFSET_ENTRY_SIZE));
    return i < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(i);
  }
}

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export class TimeIndex extends IndexFile {
  constructor(fs: FileSystem, path: string, baseOffset: number, maxIndexBytes: number) {
    super(fs, path, baseOffset, maxIndexBytes, TIME_ENTRY_SIZE);
  }

  entry(i: number): TimestampOffset {
    const at = i * TIME_ENTRY_SIZE;
    return { timestamp: readInt64Number(this.buf, at), offset: this.baseOffset + this.buf.readInt32BE(at + 8) };
  }

  lastEntry(): TimestampOffset | undefined {
    const n = this.entries;
    return n === 0 ? undefined : this.entry(n - 1);
  }

  /**
   * Adds (timestamp, offset) if the timestamp is larger than the last entry's: timestamps in
   * the file only increase. `skipFullCheck` lets the entry written on roll or close go in.
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    if (!skipFullCheck && this.isFull()) return;
    const last = this.lastEntry();
    if (last !== undefined && timestamp <= last.timestamp) return;
    if (last === undefined && timestamp === NO_TIMESTAMP) return;
    const e = Buffer.allocUnsafe(TIME_ENTRY_SIZE);
    writeInt64Number(e, 0, timestamp);
    e.writeInt32BE(offset - this.baseOffset, 8);
    this.appendEntry(e);
  }

  /** The last entry whose timestamp is <= `timestamp`, or (no timestamp, segment start). */
  lookup(timestamp: number): TimestampOffset {
    const i = this.floor(timestamp, (k) => readInt64Number(this.buf, k * TIME_ENTRY_SIZE));
    return i < 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(i);
  }
}
