// The local metadata log: an append-only file of checksummed records, replayed on start,
// rewritten as a compact snapshot when it grows (STYLE.md, section 5).
//
//   length int32 (bytes after it) | crc uint32 (CRC32C of the rest) | version int8 |
//   type int8 | payload (UTF-8 JSON)
//
// Every append is fsynced before it returns. A crash can therefore only tear the last
// record: a record that runs past the end of the file, or a bad CRC on the very last
// record, is cut off with a warning. A bad record with valid data after it is corruption
// and stops the broker (CorruptLogError) rather than silently losing topics. The reader
// accepts format version 0, the only one so far.

import { CorruptLogError, StorageError } from '../../errors.ts';
import { crc32c } from '../../protocol/primitives/crc32c.ts';
import type { FileSystem } from '../fs.ts';
import { writeFileAtomically } from '../log/checkpoint.ts';
import type { StorageLogger } from '../logger.ts';
import { dirname } from 'node:path';

export const METADATA_LOG = 'runnel-metadata.log';
export const METADATA_FORMAT_VERSION = 0;
const HEADER = 4 + 4 + 1 + 1;

export interface MetadataRecord {
  type: number;
  payload: unknown;
}

export function encodeMetadataRecord(r: MetadataRecord): Buffer {
  const payload = Buffer.from(JSON.stringify(r.payload), 'utf8');
  const buf = Buffer.allocUnsafe(HEADER + payload.length);
  buf.writeInt32BE(buf.length - 4, 0);
  buf.writeInt8(METADATA_FORMAT_VERSION, 8);
  buf.writeInt8(r.type, 9);
  payload.copy(buf, HEADER);
  buf.writeUInt32BE(crc32c(buf.subarray(8)), 4);
  return buf;
}

export class MetadataLog {
  readonly path: string;
  #fs: FileSystem;
  #fd: number;
  #size: number;
  #count: number;

  private constructor(fs: FileSystem, path: string, fd: number, size: number, count: number) {
    this.#fs = fs;
    this.path = path;
    this.#fd = fd;
    this.#size = size;
    this.#count = count;
  }

  /** Opens (or creates) the log and returns it with its records, a torn tail cut off. */
  static open(fs: FileSystem, path: string, logger: StorageLogger): { log: MetadataLog; records: MetadataRecord[] } {
    const exists = fs.stat(path) !== undefined;
    const data = exists ? fs.readFile(path) : Buffer.alloc(0);
    const records: MetadataRecord[] = [];
    let pos = 0;
    while (pos < data.length) {
      const length = data.length - pos >= 4 ? data.readInt32BE(pos) : -1;
      const end = pos + 4 + length;
      if (length < HEADER - 4 || end > data.length) break; // torn tail
      const record = data.subarray(pos, end);
      if (crc32c(record.subarray(8)) !== record.readUInt32BE(4)) {
        if (end === data.length) break; // the last record, torn
        throw new CorruptLogError(`${path}: bad checksum in the metadata record at byte ${pos}, with ${data.length - end} bytes after it`);
      }
      const version = record.readInt8(8);
      if (version !== METADATA_FORMAT_VERSION) {
        throw new StorageError(`${path}: metadata record format ${version} at byte ${pos} is newer than this broker reads (${METADATA_FORMAT_VERSION})`);
      }
      let payload: unknown;
      try {
        payload = JSON.parse(record.subarray(HEADER).toString('utf8'));
      } catch (err) {
        throw new CorruptLogError(`${path}: unreadable metadata record at byte ${pos}`, { cause: err });
      }
      records.push({ type: record.readInt8(9), payload });
      pos = end;
    }
    const fd = fs.open(path, 'write');
    if (!exists) fs.fsyncDir(dirname(path));
    if (pos < data.length) {
      logger.warn(`${path}: cut a torn record of ${data.length - pos} bytes at the end of the metadata log`);
      fs.ftruncate(fd, pos);
      fs.fsync(fd);
    }
    return { log: new MetadataLog(fs, path, fd, pos, records.length), records };
  }

  /** Records in the file (for the compaction trigger). */
  get recordCount(): number {
    return this.#count;
  }

  get size(): number {
    return this.#size;
  }

  /** Appends and fsyncs one record. */
  append(record: MetadataRecord): void {
    const buf = encodeMetadataRecord(record);
    this.#fs.write(this.#fd, buf, this.#size);
    this.#fs.fsync(this.#fd);
    this.#size += buf.length;
    this.#count++;
  }

  /** Replaces the whole log by `records` (a snapshot of the current state), atomically. */
  rewrite(records: readonly MetadataRecord[]): void {
    const bufs = records.map(encodeMetadataRecord);
    const data = Buffer.concat(bufs);
    this.#fs.close(this.#fd);
    writeFileAtomically(this.#fs, this.path, data);
    this.#fd = this.#fs.open(this.path, 'write');
    this.#size = data.length;
    this.#count = records.length;
  }

  close(): void {
    if (this.#fd >= 0) this.#fs.close(this.#fd);
    this.#fd = -1;
  }
}
