// The state of one partition as a share group consumes it (KIP-932, Kafka 4.2): the
// share-partition start offset (SPSO), the next offset to hand out (end of the in-flight
// window), and the state of every in-flight record between them:
//
//   AVAILABLE ──acquire──► ACQUIRED ──accept──► ACKNOWLEDGED
//       ▲                    │ release / lock timeout (delivery count < limit)
//       └────────────────────┘ reject, gap, or the delivery limit reached ──► ARCHIVED
//
// Records are acquired by one member at a time under a lock of
// group.share.record.lock.duration.ms; when it expires they become AVAILABLE again (or
// ARCHIVED once group.share.delivery.count.limit deliveries were made). The SPSO moves past
// records that are ACKNOWLEDGED or ARCHIVED, and the window holds at most
// group.share.partition.max.record.locks records, which bounds memory.
// Persisted as Kafka's share-partition leader persists it: every change of the SPSO or of a
// record's state to AVAILABLE, ACKNOWLEDGED or ARCHIVED goes to the share coordinator
// (state-coordinator.ts, __share_group_state) as the state batches that changed, before the
// request that caused it is answered. Acquisition is not written (Kafka neither): after a
// restart an acquired record is AVAILABLE again with the delivery count last written, and
// offsets inside the restored window that no batch covers are AVAILABLE, never delivered.

import { DELIVERY_STATE_ACKNOWLEDGED, DELIVERY_STATE_ARCHIVED, DELIVERY_STATE_AVAILABLE, type StateBatch } from './state-records.ts';

export type RecordState = 'AVAILABLE' | 'ACQUIRED' | 'ACKNOWLEDGED' | 'ARCHIVED';

/** Acknowledge types of ShareFetch/ShareAcknowledge. */
export const ACK_GAP = 0;
export const ACK_ACCEPT = 1;
export const ACK_RELEASE = 2;
export const ACK_REJECT = 3;
export const ACK_RENEW = 4;

interface InFlight {
  state: RecordState;
  deliveryCount: number;
  owner: string | null;
  lock: Lock | null;
}

interface Lock {
  timer: NodeJS.Timeout | null;
  offsets: number[];
}

export interface SharePartitionLimits {
  lockDurationMs(): number;
  deliveryCountLimit(): number;
  maxInFlight(): number;
}

export interface AcquiredRange {
  firstOffset: number;
  lastOffset: number;
  deliveryCount: number;
}

/** A change of a share partition's durable state, for the share coordinator. */
export interface SharePartitionChange {
  startOffset: number;
  deliveryCompleteCount: number;
  stateBatches: StateBatch[];
}

/** The log a share partition reads: batch boundaries and the high watermark. */
export interface ShareLog {
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /**
   * [baseOffset, lastOffset] of the batch holding `offset`, or null past the end. `archive`:
   * records the group must never deliver (an aborted transaction's, under
   * share.isolation.level=read_committed), archived as they are reached, as Kafka does.
   */
  batchAt(offset: number): { baseOffset: number; lastOffset: number; archive?: boolean } | null;
}

export class SharePartition {
  startOffset: number;
  nextOffset: number;
  readonly #records = new Map<number, InFlight>();
  readonly #limits: SharePartitionLimits;
  readonly #locks = new Set<Lock>();
  readonly #persist: (change: SharePartitionChange) => void;
  #closed = false;

  /** `persist` receives every change of the durable state (nothing is written when omitted). */
  constructor(startOffset: number, limits: SharePartitionLimits, persist: (change: SharePartitionChange) => void = () => {}) {
    this.startOffset = startOffset;
    this.nextOffset = startOffset;
    this.#limits = limits;
    this.#persist = persist;
  }

  /**
   * Takes back the state the share coordinator kept: each batch at or after the start offset
   * in its state and delivery count; the in-flight window ends after the last batch. What
   * lies beyond group.share.partition.max.record.locks records or the log's end (only a
   * state written by someone else can hold that) is left to be read from the log again.
   */
  restore(stateBatches: readonly StateBatch[], logEnd: number): void {
    const limit = Math.min(this.startOffset + this.#limits.maxInFlight(), Math.max(logEnd, this.startOffset));
    let end = this.startOffset;
    for (const b of stateBatches) {
      const state: RecordState = b.deliveryState === DELIVERY_STATE_ACKNOWLEDGED ? 'ACKNOWLEDGED' : b.deliveryState === DELIVERY_STATE_ARCHIVED ? 'ARCHIVED' : 'AVAILABLE';
      const last = Math.min(b.lastOffset, limit - 1);
      for (let o = Math.max(b.firstOffset, this.startOffset); o <= last; o++) this.#records.set(o, { state, deliveryCount: b.deliveryCount, owner: null, lock: null });
      end = Math.max(end, last + 1);
    }
    for (let o = this.startOffset; o < end; o++) {
      if (!this.#records.has(o)) this.#records.set(o, { state: 'AVAILABLE', deliveryCount: 0, owner: null, lock: null });
    }
    this.nextOffset = end;
    this.#advance();
  }

  get inFlight(): number {
    return this.#records.size;
  }

  /** In-flight records already finished (ACKNOWLEDGED or ARCHIVED), for the share-partition lag. */
  get deliveryCompleteCount(): number {
    let n = 0;
    for (const r of this.#records.values()) if (r.state === 'ACKNOWLEDGED' || r.state === 'ARCHIVED') n++;
    return n;
  }

  state(offset: number): RecordState | undefined {
    return this.#records.get(offset)?.state;
  }

  deliveryCount(offset: number): number {
    return this.#records.get(offset)?.deliveryCount ?? 0;
  }

  /**
   * Acquires up to about maxRecords records for a member: records made AVAILABLE again
   * first, then new ones from the log, whole batches at a time (Kafka's batch-optimized mode
   * may exceed maxRecords to end on a batch boundary), or with `recordLimit` (ShareAcquireMode
   * record-limit) exactly up to maxRecords, splitting a batch.
   */
  acquire(member: string, maxRecords: number, log: ShareLog, recordLimit = false): AcquiredRange[] {
    if (this.#closed) return [];
    if (this.startOffset < log.logStartOffset) {
      this.#skipTo(log.logStartOffset);
      this.#advanceAndPersist([], true);
    }
    const acquired: number[] = [];
    for (const [offset, r] of [...this.#records].sort((a, b) => a[0] - b[0])) {
      if (acquired.length >= maxRecords) break;
      if (r.state !== 'AVAILABLE') continue;
      r.state = 'ACQUIRED';
      r.owner = member;
      r.deliveryCount++;
      acquired.push(offset);
    }
    const archived: number[] = [];
    while (acquired.length < maxRecords && this.nextOffset < log.highWatermark && this.#records.size < this.#limits.maxInFlight()) {
      const batch = log.batchAt(this.nextOffset);
      if (!batch) break;
      const first = Math.max(batch.baseOffset, this.nextOffset);
      if (batch.archive) {
        const end = Math.min(batch.lastOffset, log.highWatermark - 1);
        for (let o = first; o <= end; o++) {
          this.#records.set(o, { state: 'ARCHIVED', deliveryCount: 0, owner: null, lock: null });
          archived.push(o);
        }
        this.nextOffset = end + 1;
        continue;
      }
      const last = Math.min(batch.lastOffset, log.highWatermark - 1, recordLimit ? first + (maxRecords - acquired.length) - 1 : Infinity);
      for (let o = first; o <= last; o++) {
        this.#records.set(o, { state: 'ACQUIRED', deliveryCount: 1, owner: member, lock: null });
        acquired.push(o);
      }
      this.nextOffset = last + 1;
    }
    if (archived.length > 0) this.#advanceAndPersist(archived);
    if (acquired.length === 0) return [];
    this.#lock(acquired);
    return this.#ranges(acquired);
  }

  #lock(offsets: number[]): void {
    const lock: Lock = { timer: null, offsets };
    for (const o of offsets) this.#records.get(o)!.lock = lock;
    lock.timer = setTimeout(() => this.#expire(lock), this.#limits.lockDurationMs());
    lock.timer.unref();
    this.#locks.add(lock);
  }

  #expire(lock: Lock): void {
    lock.timer = null;
    this.#locks.delete(lock);
    const changed: number[] = [];
    for (const o of lock.offsets) {
      const r = this.#records.get(o);
      if (!r || r.lock !== lock || r.state !== 'ACQUIRED') continue;
      this.#makeAvailable(r);
      changed.push(o);
    }
    this.#advanceAndPersist(changed);
  }

  #makeAvailable(r: InFlight): void {
    r.owner = null;
    r.lock = null;
    r.state = r.deliveryCount >= this.#limits.deliveryCountLimit() ? 'ARCHIVED' : 'AVAILABLE';
  }

  #ranges(offsets: number[]): AcquiredRange[] {
    const sorted = [...offsets].sort((a, b) => a - b);
    const out: AcquiredRange[] = [];
    for (const o of sorted) {
      const count = this.#records.get(o)!.deliveryCount;
      const last = out[out.length - 1];
      if (last && last.lastOffset === o - 1 && last.deliveryCount === count) last.lastOffset = o;
      else out.push({ firstOffset: o, lastOffset: o, deliveryCount: count });
    }
    return out;
  }

  /**
   * Applies one acknowledgement batch from a member: one type for the whole range, or one
   * per offset. Returns 0 or INVALID_RECORD_STATE's code when a record is not acquired by
   * this member (then nothing of the batch is applied).
   */
  acknowledge(member: string, firstOffset: number, lastOffset: number, types: number[], invalidState: number): number {
    if (lastOffset < firstOffset || (types.length !== 1 && types.length !== lastOffset - firstOffset + 1)) return invalidState;
    for (let o = firstOffset; o <= lastOffset; o++) {
      const type = types.length === 1 ? types[0]! : types[o - firstOffset]!;
      if (type < ACK_GAP || type > ACK_RENEW) return invalidState;
      const r = this.#records.get(o);
      if (type === ACK_GAP && !r) continue;
      if (!r || r.state !== 'ACQUIRED' || r.owner !== member) return invalidState;
    }
    const renewed: number[] = [];
    const changed: number[] = [];
    for (let o = firstOffset; o <= lastOffset; o++) {
      const type = types.length === 1 ? types[0]! : types[o - firstOffset]!;
      const r = this.#records.get(o);
      if (!r) continue;
      if (type === ACK_RENEW) {
        renewed.push(o);
        continue;
      }
      r.lock = null;
      r.owner = null;
      if (type === ACK_ACCEPT) r.state = 'ACKNOWLEDGED';
      else if (type === ACK_RELEASE) this.#makeAvailable(r);
      else r.state = 'ARCHIVED'; // reject, gap
      changed.push(o);
    }
    if (renewed.length > 0) this.#lock(renewed);
    this.#advanceAndPersist(changed);
    return 0;
  }

  /** Releases everything a member holds (it left, or closed its share session). */
  releaseMember(member: string): void {
    const changed: number[] = [];
    for (const [o, r] of this.#records) {
      if (r.state === 'ACQUIRED' && r.owner === member) {
        this.#makeAvailable(r);
        changed.push(o);
      }
    }
    this.#advanceAndPersist(changed);
  }

  /** Moves the SPSO and hands the change (if any) to the share coordinator. */
  #advanceAndPersist(changed: number[], moved = false): void {
    const before = this.startOffset;
    this.#advance();
    if (this.#closed || (changed.length === 0 && this.startOffset === before && !moved)) return;
    this.#persist({ startOffset: this.startOffset, deliveryCompleteCount: this.deliveryCompleteCount, stateBatches: this.#stateBatches(changed) });
  }

  /** The changed offsets still in flight as state batches (runs of equal state and count). */
  #stateBatches(offsets: number[]): StateBatch[] {
    const out: StateBatch[] = [];
    for (const o of [...offsets].sort((a, b) => a - b)) {
      const r = this.#records.get(o);
      if (!r || r.state === 'ACQUIRED') continue;
      const deliveryState = r.state === 'ACKNOWLEDGED' ? DELIVERY_STATE_ACKNOWLEDGED : r.state === 'ARCHIVED' ? DELIVERY_STATE_ARCHIVED : DELIVERY_STATE_AVAILABLE;
      const last = out[out.length - 1];
      if (last && last.lastOffset === o - 1 && last.deliveryState === deliveryState && last.deliveryCount === r.deliveryCount) last.lastOffset = o;
      else out.push({ firstOffset: o, lastOffset: o, deliveryState, deliveryCount: r.deliveryCount });
    }
    return out;
  }

  /** Moves the SPSO past finished records, dropping their state. */
  #advance(): void {
    while (this.startOffset < this.nextOffset) {
      const r = this.#records.get(this.startOffset);
      if (r && r.state !== 'ACKNOWLEDGED' && r.state !== 'ARCHIVED') break;
      this.#records.delete(this.startOffset);
      this.startOffset++;
    }
  }

  #skipTo(offset: number): void {
    for (const [o, r] of this.#records) {
      if (o < offset) {
        r.lock = null;
        this.#records.delete(o);
      }
    }
    this.startOffset = Math.max(this.startOffset, offset);
    this.nextOffset = Math.max(this.nextOffset, offset);
  }

  close(): void {
    this.#closed = true;
    for (const lock of this.#locks) if (lock.timer) clearTimeout(lock.timer);
    this.#locks.clear();
  }
}
