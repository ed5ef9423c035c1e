// What the cleaner knows of transactions as it walks a log from its start (Kafka's
// CleanedTransactionMetadata): which batches belong to an aborted transaction (their records
// go), and which transaction markers may go.
//
// A marker stays as long as a batch of its transaction is still in the log: an ABORT marker
// while batches of the aborted transaction were met on this pass (they are removed on it, so
// the marker and its .txnindex entry go on a later pass), a COMMIT marker while batches of
// the committed transaction were met (its kept records need it: without the marker a reader,
// or the producer state rebuilt from the log, would take the transaction as still open).
// A marker whose transaction has nothing left is not removed at once either: like a
// tombstone, it first gets a delete horizon (now + delete.retention.ms, KIP-534), so that a
// consumer part way through the log still sees it, and goes on the first pass after it.

import { CONTROL_RECORD_TYPE, decodeControlRecordKey } from '../../protocol/records/control-record.ts';
import type { RecordBatch } from '../../protocol/records/record-batch.ts';
import type { AbortedTxn } from './txn-index.ts';

export class CleanedTransactions {
  /** Aborted transactions not yet reached, by ascending first offset. */
  readonly #pending: AbortedTxn[];
  #next = 0;
  /** Aborted transactions reached, by producer: whether a batch of theirs was met. */
  readonly #ongoingAborted = new Map<bigint, { txn: AbortedTxn; batchMet: boolean }>();
  /** Producers with a batch met in a transaction that is not aborted (committed, or open). */
  readonly #ongoingCommitted = new Set<bigint>();
  /** The .txnindex entries of the ABORT markers kept since the last take (one per cleaned segment). */
  #kept: AbortedTxn[] = [];

  /** `aborted`: the aborted transactions overlapping the range cleaned. */
  constructor(aborted: readonly AbortedTxn[]) {
    this.#pending = [...aborted].sort((x, y) => x.firstOffset - y.firstOffset);
  }

  #reach(offset: number): void {
    while (this.#next < this.#pending.length && this.#pending[this.#next]!.firstOffset <= offset) {
      const txn = this.#pending[this.#next++]!;
      const current = this.#ongoingAborted.get(txn.producerId);
      if (!current || current.txn.lastOffset < txn.firstOffset) this.#ongoingAborted.set(txn.producerId, { txn, batchMet: false });
    }
  }

  /** A data batch, in log order: true if it belongs to an aborted transaction (its records go). */
  onDataBatch(batch: RecordBatch): boolean {
    this.#reach(batch.baseOffset + batch.lastOffsetDelta);
    if (!batch.isTransactional) return false;
    const producerId = BigInt(batch.producerId);
    const aborted = this.#ongoingAborted.get(producerId);
    // Only inside the aborted transaction's offsets: the producer's later transactions are its own.
    if (aborted && batch.baseOffset <= aborted.txn.lastOffset) {
      aborted.batchMet = true;
      return true;
    }
    this.#ongoingCommitted.add(producerId);
    return false;
  }

  /** A control batch, in log order: true if nothing of its transaction is left (it may go). */
  onMarker(batch: RecordBatch): boolean {
    this.#reach(batch.baseOffset + batch.lastOffsetDelta);
    const producerId = BigInt(batch.producerId);
    // The producer's aborted transaction ends here at the latest (its marker's offset).
    const aborted = this.#ongoingAborted.get(producerId);
    if (aborted && aborted.txn.lastOffset <= batch.baseOffset) this.#ongoingAborted.delete(producerId);
    const record = batch.records[0];
    if (!record) return true; // emptied by an earlier pass
    let type: number;
    try {
      type = decodeControlRecordKey(record.key).type;
    } catch {
      return false; // not a marker we know: keep it
    }
    if (type === CONTROL_RECORD_TYPE.ABORT) {
      if (aborted?.txn.lastOffset === batch.baseOffset && aborted.batchMet) {
        this.#kept.push(aborted.txn);
        return false;
      }
      return true;
    }
    if (type === CONTROL_RECORD_TYPE.COMMIT) return !this.#ongoingCommitted.delete(producerId);
    return false;
  }

  /** The index entries of the ABORT markers kept since the last call. */
  takeKeptEntries(): AbortedTxn[] {
    const kept = this.#kept;
    this.#kept = [];
    return kept;
  }
}
