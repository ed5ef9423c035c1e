// Aborted transactions of one partition and their `.txnindex` files (Kafka's
// TransactionIndex): an entry per aborted transaction, written to the index of the segment
// where its ABORT marker landed. Entry layout (34 bytes, Kafka's): version int16 (0),
// producerId int64, firstOffset int64, lastOffset int64 (the marker's offset),
// lastStableOffset int64. Read committed fetches list the aborted transactions that overlap
// the range they return, so that consumers drop those records.

import type { FileSystem } from '../fs.ts';
import { join } from 'node:path';

export const TXN_INDEX_ENTRY_SIZE = 34;

export interface AbortedTxn {
  producerId: bigint;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export function txnIndexFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.txnindex`;
}

export function encodeAbortedTxn(a: AbortedTxn): Buffer {
  const b = Buffer.alloc(TXN_INDEX_ENTRY_SIZE);
  b.writeInt16BE(0, 0);
  b.writeBigInt64BE(a.producerId, 2);
  b.writeBigInt64BE(BigInt(a.firstOffset), 10);
  b.writeBigInt64BE(BigInt(a.lastOffset), 18);
  b.writeBigInt64BE(BigInt(a.lastStableOffset), 26);
  return b;
}

/** Appends an entry to `<dir>/<base>.txnindex`. */
export function appendAbortedTxn(fs: FileSystem, dir: string, segmentBase: number, a: AbortedTxn): void {
  const fd = fs.open(join(dir, txnIndexFileName(segmentBase)), 'write');
  try {
    fs.write(fd, encodeAbortedTxn(a), fs.fsize(fd));
  } finally {
    fs.close(fd);
  }
}

/** The whole entries of `<dir>/<base>.txnindex` (none if missing; a torn last entry is ignored). */
export function readTxnIndex(fs: FileSystem, dir: string, segmentBase: number): AbortedTxn[] {
  const path = join(dir, txnIndexFileName(segmentBase));
  if (!fs.stat(path)) return [];
  const buf = fs.readFile(path);
  const out: AbortedTxn[] = [];
  for (let at = 0; at + TXN_INDEX_ENTRY_SIZE <= buf.length; at += TXN_INDEX_ENTRY_SIZE) {
    if (buf.readInt16BE(at) !== 0) break;
    out.push({
      producerId: buf.readBigInt64BE(at + 2),
      firstOffset: Number(buf.readBigInt64BE(at + 10)),
      lastOffset: Number(buf.readBigInt64BE(at + 18)),
      lastStableOffset: Number(buf.readBigInt64BE(at + 26)),
    });
  }
  return out;
}

/** Writes `entries` as a whole index file at `path` (fsynced): a cleaned segment's index. */
export function writeTxnIndex(fs: FileSystem, path: string, entries: readonly AbortedTxn[]): void {
  const fd = fs.open(path, 'truncate');
  try {
    fs.write(fd, Buffer.concat(entries.map(encodeAbortedTxn)), 0);
    fs.fsync(fd);
  } finally {
    fs.close(fd);
  }
}
