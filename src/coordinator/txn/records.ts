// The records of __transaction_state, in Kafka's layout (transaction-coordinator-records):
// key = version int16 (0) + TransactionLogKey v0 (transactionalId string); value = version
// int16 (0) + TransactionLogValue v0 (producerId int64, producerEpoch int16,
// transactionTimeoutMs int32, transactionStatus int8, transactionPartitions nullable array
// of {topic string, partitionIds []int32}, lastUpdateTimestampMs int64,
// startTimestampMs int64). A null value is a tombstone. Written at version 0 (the
// non-flexible one every Kafka reads); version 1 values (flexible) are not read yet.

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
}

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

export function encodeTransactionLogValue(v: TransactionLogValue): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(2 + 8 + 2 + 4 + 1 + 4);
  head.writeInt16BE(0, 0);
  head.writeBigInt64BE(v.producerId, 2);
  head.writeInt16BE(v.producerEpoch, 10);
  head.writeInt32BE(v.transactionTimeoutMs, 12);
  head.writeInt8(TXN_STATUS[v.status], 16);
  head.writeInt32BE(v.partitions.length, 17);
  parts.push(head);
  for (const p of v.partitions) {
    const topic = Buffer.from(p.topic, 'utf8');
    const b = Buffer.alloc(2 + topic.length + 4 + 4 * p.partitionIds.length);
    b.writeInt16BE(topic.length, 0);
    topic.copy(b, 2);
    b.writeInt32BE(p.partitionIds.length, 2 + topic.length);
    p.partitionIds.forEach((id, i) => b.writeInt32BE(id, 6 + topic.length + 4 * i));
    parts.push(b);
  }
  const tail = Buffer.alloc(16);
  tail.writeBigInt64BE(BigInt(v.lastUpdateTimestampMs), 0);
  tail.writeBigInt64BE(BigInt(v.startTimestampMs), 8);
  parts.push(tail);
  return Buffer.concat(parts);
}

export function decodeTransactionLogValue(b: Buffer): TransactionLogValue | null {
  if (b.readInt16BE(0) !== 0) return null;
  const statusId = b.readInt8(16);
  const status = (Object.keys(TXN_STATUS) as TxnStatusName[]).find((k) => TXN_STATUS[k] === statusId) ?? 'Dead';
  const count = b.readInt32BE(17);
  let at = 21;
  const partitions: { topic: string; partitionIds: number[] }[] = [];
  for (let i = 0; i < count; i++) {
    const n = b.readInt16BE(at);
    const topic = b.subarray(at + 2, at + 2 + n).toString('utf8');
    at += 2 + n;
    const k = b.readInt32BE(at);
    at += 4;
    const partitionIds: number[] = [];
    for (let j = 0; j < k; j++, at += 4) partitionIds.push(b.readInt32BE(at));
    partitions.push({ topic, partitionIds });
  }
  return {
    producerId: b.readBigInt64BE(2),
    producerEpoch: b.readInt16BE(10),
    transactionTimeoutMs: b.readInt32BE(12),
    status,
    partitions,
    lastUpdateTimestampMs: Number(b.readBigInt64BE(at)),
    startTimestampMs: Number(b.readBigInt64BE(at + 8)),
  };
}

/** Kafka's partitionFor: abs(String.hashCode) modulo the partition count. */
export function partitionForTransactionalId(transactionalId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < transactionalId.length; i++) h = (Math.imul(31, h) + transactionalId.charCodeAt(i)) | 0;
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}
