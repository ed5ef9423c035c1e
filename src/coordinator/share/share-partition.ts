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
// Not persisted (Kafka keeps this in __share_group_state): a restart starts again from the
// log end, per share.auto.offset.reset=latest.

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

/** The log a share partition reads: batch boundaries and the high watermark. */
export interface ShareLog {
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** [baseOffset, lastOffset] of the batch holding `offset`, or null past the end. */
  batchAt(offset: number): { baseOffset: number; lastOffset: number } | null;
}

export class SharePartition {
  startOffset: number;
  nextOffset: number;
  readonly #records = new Map<number, InFlight>();
  readonly #limits: SharePartitionLimits;
  readonly #locks = new Set<Lock>();
  #closed = false;

  constructor(startOffset: number, limits: SharePartitionLimits) {
    this.startOffset = startOffset;
    this.nextOffset = startOffset;
    this.#limits = limits;
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
   * first, then new ones from the log, whole batches at a time (Kafka may exceed maxRecords
   * to end on a batch boundary).
   */
  acquire(member: string, maxRecords: number, log: ShareLog): AcquiredRange[] {
    if (this.#closed) return [];
    if (this.startOffset < log.logStartOffset) this.#skipTo(log.logStartOffset);
    const acquired: number[] = [];
    for (const [offset, r] of [...this.#records].sort((a, b) => a[0] - b[0])) {
      if (acquired.length >= maxRecords) break;
      if (r.state !== 'AVAILABLE') continue;
      r.state = 'ACQUIRED';
      r.owner = member;
      r.deliveryCount++;
      acquired.push(offset);
    }
    while (acquired.length < maxRecords && this.nextOffset < log.highWatermark && this.#records.size < this.#limits.maxInFlight()) {
      const batch = log.batchAt(this.nextOffset);
      if (!batch) break;
      const last = Math.min(batch.lastOffset, log.highWatermark - 1);
      for (let o = Math.max(batch.baseOffset, this.nextOffset); o <= last; o++) {
        this.#records.set(o, { state: 'ACQUIRED', deliveryCount: 1, owner: member, lock: null });
        acquired.push(o);
      }
      this.nextOffset = last + 1;
    }
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
    for (const o of lock.offsets) {
      const r = this.#records.get(o);
      if (!r || r.lock !== lock || r.state !== 'ACQUIRED') continue;
      this.#makeAvailable(r);
    }
    this.#advance();
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
    }
    if (renewed.length > 0) this.#lock(renewed);
    this.#advance();
    return 0;
  }

  /** Releases everything a member holds (it left, or closed its share session). */
  releaseMember(member: string): void {
    for (const r of this.#records.values()) {
      if (r.state === 'ACQUIRED' && r.owner === member) {
        this.#makeAvailable(r);
      }
    }
    this.#advance();
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
