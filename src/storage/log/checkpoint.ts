// Kafka's text checkpoint files (CheckpointFile.java): line 1 the format version (0), line 2
// the entry count, then one entry per line with space-separated fields. Written to
// `<name>.tmp`, fsynced, renamed over the old file, and the directory fsynced.
//
// Used for recovery-point-offset-checkpoint and log-start-offset-checkpoint, whose entries
// are `topic partition offset`.

import { CorruptLogError } from '../../errors.ts';
import type { FileSystem } from '../fs.ts';
import { dirname } from 'node:path';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
const VERSION = 0;

/** Writes `lines` as a checkpoint file, atomically. */
export function writeCheckpointLines(fs: FileSystem, path: string, lines: readonly string[]): void {
  const text = `${VERSION}\n${lines.length}\n${lines.map((l) => l + '\n').join('')}`;
  writeFileAtomically(fs, path, Buffer.from(text, 'utf8'));
}

/** The entry lines of a checkpoint file; undefined if it does not exist. Throws CorruptLogError if malformed. */
export function readCheckpointLines(fs: FileSystem, path: string): string[] | undefined {
  if (!fs.stat(path)) return undefined;
  const lines = fs.readFile(path).toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const version = lines[0];
  if (version !== String(VERSION)) throw new CorruptLogError(`${path}: unsupported checkpoint version ${JSON.stringify(version)}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0 || lines.length !== count + 2) {
    throw new CorruptLogError(`${path}: expected ${lines[1]} entries, found ${lines.length - 2}`);
  }
  return lines.slice(2);
}

export interface OffsetEntry {
  topic: string;
  partition: number;
  offset: number;
}

export function writeOffsetCheckpoint(fs: FileSystem, path: string, entries: readonly OffsetEntry[]): void {
  writeCheckpointLines(
    fs,
    path,
    entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`),
  );
}

/** Entries keyed by `topic-partition`; an empty map if the file does not exist. */
export function readOffsetCheckpoint(fs: FileSystem, path: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of readCheckpointLines(fs, path) ?? []) {
    const parts = line.split(' ');
    const partition = Number(parts[1]);
    const offset = Number(parts[2]);
    if (parts.length !== 3 || !Number.isInteger(partition) || !Number.isSafeInteger(offset)) {
      throw new CorruptLogError(`${path}: malformed entry ${JSON.stringify(line)}`);
    }
    map.set(`${parts[0]}-${partition}`, offset);
  }
  return map;
}

/** Write to `<path>.tmp`, fsync, rename over `path`, fsync the directory. */
export function writeFileAtomically(fs: FileSystem, path: string, data: Uint8Array): void {
  const tmp = path + '.tmp';
  const fd = fs.open(tmp, 'truncate');
  try {
    fs.write(fd, data, 0);
    fs.fsync(fd);
  } finally {
    fs.close(fd);
  }
  fs.rename(tmp, path);
  fs.fsyncDir(dirname(path));
}
