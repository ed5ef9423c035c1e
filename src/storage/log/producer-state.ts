// Producer state of one partition (Kafka's ProducerStateManager, for idempotent producers):
// per producer id, its epoch and the metadata of its last five batches, so that a retried
// batch is answered with its original offsets and a batch that skips sequences is refused.
//
// The checks follow Kafka 4's ProducerAppendInfo for client appends:
// - an epoch below the producer's current one: INVALID_PRODUCER_EPOCH;
// - a batch that is not transactional while the producer's transaction is open here:
//   INVALID_TXN_STATE ("Expected transactional write");
// - a batch equal (epoch, first and last sequence) to one of the last five: a duplicate,
//   answered with that batch's offsets and not written again;
// - a new epoch must start at sequence 0, unless the producer is unknown here;
// - the same epoch must continue at last sequence + 1 (wrapping after Int32 max), unless
//   the producer is unknown (its state expired or was deleted with its segments): then any
//   sequence is accepted, as Kafka 4 does since UNKNOWN_PRODUCER_ID went away (KIP-360).
//
// Snapshots: `<offset>.snapshot` in the partition directory holds the state as of that
// offset, in Kafka's producer snapshot layout (version 1: version int16, crc32c int32 of
// what follows, then an int32 count of entries: producerId int64, epoch int16,
// lastSequence int32, lastOffset int64, offsetDelta int32, timestamp int64,
// coordinatorEpoch int32, currentTxnFirstOffset int64). Kafka writes one entry per
// producer, its last batch; we write one entry per retained batch, oldest first, so that
// after a clean restart all five in-flight batches a client may retry are still
// recognised (Kafka's reader would keep the last entry of each producer, so the file stays
// readable by its rules). A snapshot is taken when a segment rolls (at the new base
// offset) and on close (at the log end); loading takes the newest snapshot at or below the
// log end and replays the batches after it from the log.

import { crc32c } from '../../protocol/primitives/crc32c.ts';
import type { FileSystem } from '../fs.ts';
import { join } from 'node:path';

export const BATCHES_TO_RETAIN = 5;
export const NO_PRODUCER_EPOCH = -1;
const SNAPSHOT_VERSION = 1;
const ENTRY_SIZE = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
const SNAPSHOT_FILE = /^(\d{20})\.snapshot$/;

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  timestamp: number;
}

export interface ProducerEntry {
  producerId: bigint;
  producerEpoch: number;
  /** Oldest first, at most BATCHES_TO_RETAIN. */
  batches: BatchMetadata[];
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction, or -1. */
  currentTxnFirstOffset: number;
}

/** The producer fields of a batch being appended (or replayed from the log). */
export interface ProducerBatch {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  /** lastOffsetDelta: the batch's last sequence is baseSequence + this, wrapping. */
  lastOffsetDelta: number;
  maxTimestamp: number;
  isTransactional: boolean;
  isControl: boolean;
}

export type ProducerCheck =
  | { kind: 'ok' }
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number }
  | { kind: 'error'; error: 'INVALID_PRODUCER_EPOCH' | 'OUT_OF_ORDER_SEQUENCE_NUMBER' | 'INVALID_TXN_STATE'; message: string };

export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  const s = baseSequence + lastOffsetDelta;
  return s > 0x7fffffff ? s - 0x80000000 : s;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === 0x7fffffff);
}

export function snapshotFileName(offset: number): string {
  return `${String(offset).padStart(20, '0')}.snapshot`;
}

export class ProducerStateManager {
  readonly #producers = new Map<bigint, ProducerEntry>();
  readonly #fs: FileSystem;
  readonly #dir: string;
  readonly #name: string;
  /** The offset the state on disk is as of: the newest snapshot's, else the log start's (Kafka's lastSnapOffset). */
  #lastSnapshotOffset = 0;
  /**
   * firstUnstableOffset() as last computed; undefined once anything changed. Every fetch asks
   * it of every partition it reads (the last stable offset), and the answer only changes when
   * this state does.
   */
  #firstUnstable: number | undefined;

  constructor(fs: FileSystem, dir: string, name: string) {
    this.#fs = fs;
    this.#dir = dir;
    this.#name = name;
  }

  get size(): number {
    return this.#producers.size;
  }

  entry(producerId: bigint): ProducerEntry | undefined {
    return this.#producers.get(producerId);
  }

  entries(): ProducerEntry[] {
    return [...this.#producers.values()];
  }

  /** Kafka's checks for a client's batch, before it is written (see the file header). */
  check(b: ProducerBatch, partitionName: string = this.#name): ProducerCheck {
    const e = this.#producers.get(b.producerId);
    if (!e) return { kind: 'ok' };
    if (b.producerEpoch < e.producerEpoch) {
      return {
        kind: 'error',
        error: 'INVALID_PRODUCER_EPOCH',
        message: `Epoch of producer ${b.producerId} at offset in ${partitionName} is ${b.producerEpoch}, which is smaller than the last seen epoch ${e.producerEpoch}`,
      };
    }
    const lastSeq = lastSequenceOf(b.baseSequence, b.lastOffsetDelta);
    if (b.producerEpoch === e.producerEpoch) {
      const dup = e.batches.find((m) => m.firstSeq === b.baseSequence && m.lastSeq === lastSeq);
      if (dup) return { kind: 'duplicate', firstOffset: dup.firstOffset, lastOffset: dup.lastOffset };
    }
    if (b.producerEpoch !== e.producerEpoch) {
      if (b.baseSequence !== 0 && e.producerEpoch !== NO_PRODUCER_EPOCH) {
        return {
          kind: 'error',
          error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
          message: `Invalid sequence number for new epoch of producer ${b.producerId} in partition ${partitionName}: ${b.producerEpoch} (request epoch), ${b.baseSequence} (seq. number), ${e.producerEpoch} (current producer epoch)`,
        };
      }
      return this.#checkTransactional(e, b, partitionName);
    }
    const current = e.batches.length > 0 ? e.batches[e.batches.length - 1]!.lastSeq : -1;
    if (e.batches.length > 0 && !inSequence(current, b.baseSequence)) {
      return {
        kind: 'error',
        error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
        message: `Out of order sequence number for producer ${b.producerId} at offset in partition ${partitionName}: ${b.baseSequence} (incoming seq. number), ${current} (current end sequence number)`,
      };
    }
    return this.#checkTransactional(e, b, partitionName);
  }

  /** Kafka: a plain batch from a producer whose transaction is open here is INVALID_TXN_STATE. */
  #checkTransactional(e: ProducerEntry, b: ProducerBatch, partitionName: string): ProducerCheck {
    if (b.isTransactional || e.currentTxnFirstOffset < 0) return { kind: 'ok' };
    return { kind: 'error', error: 'INVALID_TXN_STATE', message: `Expected transactional write from producer ${b.producerId} at offset ${e.currentTxnFirstOffset} in partition ${partitionName}` };
  }

  /** Records a written batch (appends, and replays from the log on load). */
  update(b: ProducerBatch, firstOffset: number, lastOffset: number): void {
    this.#firstUnstable = undefined;
    let e = this.#producers.get(b.producerId);
    if (!e) {
      e = { producerId: b.producerId, producerEpoch: b.producerEpoch, batches: [], lastTimestamp: b.maxTimestamp, coordinatorEpoch: -1, currentTxnFirstOffset: -1 };
      this.#producers.set(b.producerId, e);
    }
    if (b.producerEpoch > e.producerEpoch) {
      e.producerEpoch = b.producerEpoch;
      e.batches = [];
    }
    e.lastTimestamp = b.maxTimestamp;
    if (b.isControl) {
      // A transaction marker ends the producer's open transaction (the coordinator's part).
      e.currentTxnFirstOffset = -1;
      return;
    }
    if (b.isTransactional && e.currentTxnFirstOffset < 0) e.currentTxnFirstOffset = firstOffset;
    if (b.baseSequence >= 0) {
      e.batches.push({ firstSeq: b.baseSequence, lastSeq: lastSequenceOf(b.baseSequence, b.lastOffsetDelta), firstOffset, lastOffset, timestamp: b.maxTimestamp });
      if (e.batches.length > BATCHES_TO_RETAIN) e.batches.shift();
    }
  }

  /** The first offset of the oldest open transaction, or -1 (the last stable offset's bound). */
  firstUnstableOffset(): number {
    if (this.#firstUnstable !== undefined) return this.#firstUnstable;
    let first = -1;
    for (const e of this.#producers.values()) {
      if (e.currentTxnFirstOffset >= 0 && (first < 0 || e.currentTxnFirstOffset < first)) first = e.currentTxnFirstOffset;
    }
    return (this.#firstUnstable = first);
  }

  /** producer.id.expiration.ms: forgets producers idle that long, without an open transaction. */
  removeExpired(now: number, expirationMs: number): number {
    let removed = 0;
    for (const [id, e] of this.#producers) {
      if (e.currentTxnFirstOffset < 0 && now - e.lastTimestamp >= expirationMs) {
        this.#producers.delete(id);
        this.#firstUnstable = undefined;
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.#producers.clear();
    this.#firstUnstable = undefined;
  }

  // -- snapshots ---------------------------------------------------------------------

  /** Offsets of the snapshot files in the directory, ascending. */
  snapshotOffsets(): number[] {
    const out: number[] = [];
    for (const f of this.#fs.readdir(this.#dir)) {
      const m = SNAPSHOT_FILE.exec(f);
      if (m) out.push(Number(m[1]));
    }
    return out.sort((a, b) => a - b);
  }

  encodeSnapshot(): Buffer {
    const rows: { e: ProducerEntry; m: BatchMetadata | null }[] = [];
    for (const e of this.#producers.values()) {
      if (e.batches.length === 0) rows.push({ e, m: null });
      for (const m of e.batches) rows.push({ e, m });
    }
    const buf = Buffer.alloc(2 + 4 + 4 + rows.length * ENTRY_SIZE);
    buf.writeInt16BE(SNAPSHOT_VERSION, 0);
    buf.writeInt32BE(rows.length, 6);
    let at = 10;
    for (const { e, m } of rows) {
      buf.writeBigInt64BE(e.producerId, at);
      buf.writeInt16BE(e.producerEpoch, at + 8);
      buf.writeInt32BE(m ? m.lastSeq : -1, at + 10);
      buf.writeBigInt64BE(BigInt(m ? m.lastOffset : -1), at + 14);
      buf.writeInt32BE(m ? m.lastOffset - m.firstOffset : 0, at + 22);
      buf.writeBigInt64BE(BigInt(m ? m.timestamp : e.lastTimestamp), at + 26);
      buf.writeInt32BE(e.coordinatorEpoch, at + 34);
      buf.writeBigInt64BE(BigInt(e.currentTxnFirstOffset), at + 38);
      at += ENTRY_SIZE;
    }
    buf.writeUInt32BE(crc32c(buf.subarray(6)) >>> 0, 2);
    return buf;
  }

  /** Replaces the state with a snapshot's; throws on a bad file. */
  decodeSnapshot(buf: Buffer): void {
    if (buf.length < 10 || buf.readInt16BE(0) !== SNAPSHOT_VERSION) throw new Error('unknown snapshot version');
    if ((crc32c(buf.subarray(6)) >>> 0) !== buf.readUInt32BE(2)) throw new Error('snapshot CRC mismatch');
    const count = buf.readInt32BE(6);
    if (buf.length !== 10 + count * ENTRY_SIZE) throw new Error('snapshot size mismatch');
    this.#producers.clear();
    this.#firstUnstable = undefined;
    let at = 10;
    for (let i = 0; i < count; i++, at += ENTRY_SIZE) {
      const producerId = buf.readBigInt64BE(at);
      const producerEpoch = buf.readInt16BE(at + 8);
      const lastSeq = buf.readInt32BE(at + 10);
      const lastOffset = Number(buf.readBigInt64BE(at + 14));
      const offsetDelta = buf.readInt32BE(at + 22);
      const timestamp = Number(buf.readBigInt64BE(at + 26));
      let e = this.#producers.get(producerId);
      if (!e) {
        e = { producerId, producerEpoch, batches: [], lastTimestamp: timestamp, coordinatorEpoch: 0, currentTxnFirstOffset: -1 };
        this.#producers.set(producerId, e);
      }
      e.producerEpoch = producerEpoch;
      e.lastTimestamp = timestamp;
      e.coordinatorEpoch = buf.readInt32BE(at + 34);
      e.currentTxnFirstOffset = Number(buf.readBigInt64BE(at + 38));
      if (lastSeq >= 0 && lastOffset >= 0) {
        const firstSeq = lastSeq - offsetDelta < 0 ? lastSeq - offsetDelta + 0x80000000 : lastSeq - offsetDelta;
        e.batches.push({ firstSeq, lastSeq, firstOffset: lastOffset - offsetDelta, lastOffset, timestamp });
        if (e.batches.length > BATCHES_TO_RETAIN) e.batches.shift();
      }
    }
  }

  /** Writes `<offset>.snapshot` (tmp, fsync, rename) and keeps only the two newest snapshots. */
  takeSnapshot(offset: number): void {
    // As Kafka: no new offset, nothing worth another snapshot. An empty log's close thus
    // writes none (two fsyncs each; 10,000 idle partitions took seconds to shut down).
    if (offset <= this.#lastSnapshotOffset) return;
    const fs = this.#fs;
    const path = join(this.#dir, snapshotFileName(offset));
    const tmp = `${path}.tmp`;
    const fd = fs.open(tmp, 'truncate');
    try {
      const data = this.encodeSnapshot();
      fs.write(fd, data, 0);
      fs.fsync(fd);
    } finally {
      fs.close(fd);
    }
    fs.rename(tmp, path);
    this.#lastSnapshotOffset = offset;
    const offsets = this.snapshotOffsets();
    for (const o of offsets.slice(0, Math.max(0, offsets.length - 2))) fs.unlink(join(this.#dir, snapshotFileName(o)));
    fs.fsyncDir(this.#dir);
  }

  /** A log in a directory just made: no snapshot to look for, no producer yet. */
  startEmpty(logStartOffset: number): void {
    this.#producers.clear();
    this.#firstUnstable = undefined;
    this.#lastSnapshotOffset = logStartOffset;
  }

  /**
   * Loads the newest readable snapshot at or below `logEndOffset`, deleting any above it (a
   * truncated log) and any that fails to parse. Returns the offset to replay the log from,
   * or `logStartOffset` if there is none.
   */
  loadSnapshot(logStartOffset: number, logEndOffset: number): number {
    const fs = this.#fs;
    const offsets = this.snapshotOffsets();
    for (let i = offsets.length - 1; i >= 0; i--) {
      const o = offsets[i]!;
      const path = join(this.#dir, snapshotFileName(o));
      if (o > logEndOffset) {
        fs.unlink(path);
        continue;
      }
      if (o < logStartOffset) break;
      try {
        this.decodeSnapshot(fs.readFile(path));
        return (this.#lastSnapshotOffset = o);
      } catch {
        fs.unlink(path);
      }
    }
    this.#producers.clear();
    this.#firstUnstable = undefined;
    return (this.#lastSnapshotOffset = logStartOffset);
  }
}
