// A partition directory's partition.metadata (Kafka's PartitionMetadataFile): the id of the
// topic the directory belongs to, so that a directory left by a deleted topic is never
// mistaken for a new topic of the same name.

import { join } from 'node:path';
import type { FileSystem } from '../fs.ts';
import { writeFileAtomically } from './checkpoint.ts';

export const PARTITION_METADATA = 'partition.metadata';

/** The topic id in `dir`'s partition.metadata; undefined if missing or unreadable (torn by a crash). */
export function readPartitionMetadata(fs: FileSystem, dir: string): string | undefined {
  const path = join(dir, PARTITION_METADATA);
  if (!fs.stat(path)) return undefined;
  const m = /^topic_id:\s*(\S+)\s*$/m.exec(fs.readFile(path).toString('utf8'));
  return m?.[1];
}

/**
 * Writes `dir`'s partition.metadata. Over an existing file, atomically and durably. In a
 * directory just created (`fresh`), plainly and without an fsync: the caller makes it
 * durable with the directory, at the partition's first flush. Until then a crash can lose
 * or tear it, and the next start writes it again.
 */
export function writePartitionMetadata(fs: FileSystem, dir: string, topicId: string, fresh: boolean): void {
  const path = join(dir, PARTITION_METADATA);
  const data = Buffer.from(`version: 0\ntopic_id: ${topicId}\n`, 'utf8');
  if (!fresh) return writeFileAtomically(fs, path, data);
  const fd = fs.open(path, 'truncate');
  try {
    fs.write(fd, data, 0);
  } finally {
    fs.close(fd);
  }
}

/** Fsyncs `dir`'s partition.metadata (written by writePartitionMetadata with `fresh`), if present. */
export function syncPartitionMetadata(fs: FileSystem, dir: string): void {
  const path = join(dir, PARTITION_METADATA);
  if (!fs.stat(path)) return;
  const fd = fs.open(path, 'read');
  try {
    fs.fsync(fd);
  } finally {
    fs.close(fd);
  }
}
