// The records of __transaction_state, in Kafka's layout (transaction-coordinator-records):
// key = version int16 (0) + TransactionLogKey v0 (transactionalId string); value = version
// int16 + TransactionLogValue (producerId int64, producerEpoch int16, transactionTimeoutMs
// int32, transactionStatus int8, transactionPartitions nullable array of {topic,
// partitionIds []int32}, lastUpdateTimestampMs int64, startTimestampMs int64). A null
// value is a tombstone.
//
// Version 1 is the flexible form (compact strings and arrays, tagged fields): tag 0
// PreviousProducerId, 1 NextProducerId, 2 ClientTransactionVersion, 3 NextProducerEpoch.
// Kafka writes it once transaction.version >= 1 is finalized; Runnel finalizes
// transaction.version 2, so it writes version 1, and reads both (the previous one for logs
// written before transactions v2).

import { Reader, Writer } from '../../protocol/index.ts';

export const TXN_STATUS = { Empty: 0, Ongoing: 1, PrepareCommit: 2, PrepareAbort: 3, CompleteCommit: 4, CompleteAbort: 5, Dead: 6, PrepareEpochFence: 7 } as const;
export type TxnStatusName = keyof typeof TXN_STATUS;

export interface TransactionLogValue {
  producerId: bigint;
  producerEpoch: number;
  transactionTimeoutMs: number;
  status: TxnStatusName;
  partitions: { topic: string; partitionIds: number[] }[];
  lastUpdateTimestampMs: number;
  startTimestampMs: number;
  /** Version 1 tagged fields (defaults when read from version 0). */
  previousProducerId?: bigint;
  nextProducerId?: bigint;
  nextProducerEpoch?: number;
  clientTransactionVersion?: number;
}

const TAG_PREVIOUS_PRODUCER_ID = 0;
const TAG_NEXT_PRODUCER_ID = 1;
const TAG_CLIENT_TRANSACTION_VERSION = 2;
const TAG_NEXT_PRODUCER_EPOCH = 3;

export function encodeTransactionLogKey(transactionalId: string): Buffer {
  const id = Buffer.from(transactionalId, 'utf8');
  const b = Buffer.alloc(4 + id.length);
  b.writeInt16BE(0, 0);
  b.writeInt16BE(id.length, 2);
  id.copy(b, 4);
  return b;
}

/** The transactional id of a key, or null for another version (ignored, as Kafka does). */
export function decodeTransactionLogKey(b: Buffer): string | null {
  if (b.length < 4 || b.readInt16BE(0) !== 0) return null;
  const n = b.readInt16BE(2);
  return b.subarray(4, 4 + n).toString('utf8');
}

/** Version 1 (flexible) unless `version` 0 is asked for. */
export function encodeTransactionLogValue(v: TransactionLogValue, version = 1): Buffer {
  const w = new Writer();
  w.int16(version).int64(v.producerId).int16(v.producerEpoch).int32(v.transactionTimeoutMs).int8(TXN_STATUS[v.status]);
  if (version === 0) {
    w.int32(v.partitions.length);
    for (const p of v.partitions) {
      w.string(p.topic).int32(p.partitionIds.length);
      for (const id of p.partitionIds) w.int32(id);
    }
  } else {
    w.uvarint(v.partitions.length + 1);
    for (const p of v.partitions) {
      w.compactString(p.topic).uvarint(p.partitionIds.length + 1);
      for (const id of p.partitionIds) w.int32(id);
      w.uvarint(0);
    }
  }
  w.int64(BigInt(v.lastUpdateTimestampMs)).int64(BigInt(v.startTimestampMs));
  if (version === 0) return w.toBuffer();
  // Tagged fields, ascending, each only when it differs from its default.
  const tags: [number, Buffer][] = [];
  const int64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(n);
    return b;
  };
  const int16 = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    return b;
  };
  if ((v.previousProducerId ?? -1n) !== -1n) tags.push([TAG_PREVIOUS_PRODUCER_ID, int64(v.previousProducerId!)]);
  if ((v.nextProducerId ?? -1n) !== -1n) tags.push([TAG_NEXT_PRODUCER_ID, int64(v.nextProducerId!)]);
  if ((v.clientTransactionVersion ?? 0) !== 0) tags.push([TAG_CLIENT_TRANSACTION_VERSION, int16(v.clientTransactionVersion!)]);
  if ((v.nextProducerEpoch ?? -1) !== -1) tags.push([TAG_NEXT_PRODUCER_EPOCH, int16(v.nextProducerEpoch!)]);
  w.uvarint(tags.length);
  for (const [tag, data] of tags) w.uvarint(tag).uvarint(data.length).raw(data);
  return w.toBuffer();
}

/** Versions 0 and 1; null for any other version (a newer Kafka's record, skipped). */
export function decodeTransactionLogValue(b: Buffer): TransactionLogValue | null {
  const r = new Reader(b);
  const version = r.int16();
  if (version !== 0 && version !== 1) return null;
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const transactionTimeoutMs = r.int32();
  const statusId = r.int8();
  const status = (Object.keys(TXN_STATUS) as TxnStatusName[]).find((k) => TXN_STATUS[k] === statusId) ?? 'Dead';
  const partitions: { topic: string; partitionIds: number[] }[] = [];
  const count = version === 0 ? r.int32() : r.uvarint() - 1;
  for (let i = 0; i < count; i++) {
    const topic = version === 0 ? r.string() : r.compactString();
    const k = version === 0 ? r.int32() : r.uvarint() - 1;
    const partitionIds: number[] = [];
    for (let j = 0; j < k; j++) partitionIds.push(r.int32());
    if (version === 1) skipTags(r);
    partitions.push({ topic, partitionIds });
  }
  const value: TransactionLogValue = {
    producerId,
    producerEpoch,
    transactionTimeoutMs,
    status,
    partitions,
    lastUpdateTimestampMs: Number(r.int64()),
    startTimestampMs: Number(r.int64()),
    previousProducerId: -1n,
    nextProducerId: -1n,
    nextProducerEpoch: -1,
    clientTransactionVersion: 0,
  };
  if (version === 1) {
    const n = r.uvarint();
    for (let i = 0; i < n; i++) {
      const tag = r.uvarint();
      const data = new Reader(r.raw(r.uvarint()));
      if (tag === TAG_PREVIOUS_PRODUCER_ID) value.previousProducerId = data.int64();
      else if (tag === TAG_NEXT_PRODUCER_ID) value.nextProducerId = data.int64();
      else if (tag === TAG_CLIENT_TRANSACTION_VERSION) value.clientTransactionVersion = data.int16();
      else if (tag === TAG_NEXT_PRODUCER_EPOCH) value.nextProducerEpoch = data.int16();
    }
  }
  return value;
}

function skipTags(r: Reader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.raw(r.uvarint());
  }
}

/** Kafka's partitionFor: abs(String.hashCode) modulo the partition count. */
export function partitionForTransactionalId(transactionalId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < transactionalId.length; i++) h = (Math.imul(31, h) + transactionalId.charCodeAt(i)) | 0;
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}
