// The records of __share_group_state (KIP-932), in Kafka's layouts
// (../shared/kafka-protocol/share-coordinator-records): a key is an int16 record type and
// the key struct at version 0 (group id, topic id, partition); a value is an int16 version
// and the flexible value struct; a null value is a tombstone.
//
//   type 0 ShareSnapshotKey/Value: the whole state of one share partition
//   type 1 ShareUpdateKey/Value:   the state batches that changed since the last record
//
// DeliveryCompleteCount is tagged field 0 of both values, written only when known (Kafka's
// default is -1, which is not written).

import { Reader, Writer } from '../../protocol/index.ts';

export const RECORD_TYPE_SHARE_SNAPSHOT = 0;
export const RECORD_TYPE_SHARE_UPDATE = 1;

/** DeliveryState of a state batch, as Kafka numbers it (1, acquired, is never persisted). */
export const DELIVERY_STATE_AVAILABLE = 0;
export const DELIVERY_STATE_ACKNOWLEDGED = 2;
export const DELIVERY_STATE_ARCHIVED = 4;

export interface StateBatch {
  firstOffset: number;
  lastOffset: number;
  deliveryState: number;
  deliveryCount: number;
}

export interface ShareStateKey {
  recordType: number;
  groupId: string;
  topicId: string;
  partition: number;
}

export interface ShareSnapshotValue {
  snapshotEpoch: number;
  stateEpoch: number;
  leaderEpoch: number;
  startOffset: number;
  deliveryCompleteCount: number;
  createTimestamp: number;
  writeTimestamp: number;
  stateBatches: StateBatch[];
}

export interface ShareUpdateValue {
  snapshotEpoch: number;
  leaderEpoch: number;
  /** -1 when the update does not move the start offset. */
  startOffset: number;
  deliveryCompleteCount: number;
  stateBatches: StateBatch[];
}

export function encodeShareStateKey(recordType: number, groupId: string, topicId: string, partition: number): Buffer {
  return new Writer(32 + groupId.length).int16(recordType).string(groupId).uuid(topicId).int32(partition).toBuffer();
}

/** The key, or null for a record type this coordinator does not know. */
export function decodeShareStateKey(buf: Buffer): ShareStateKey | null {
  const r = new Reader(buf);
  const recordType = r.int16();
  if (recordType !== RECORD_TYPE_SHARE_SNAPSHOT && recordType !== RECORD_TYPE_SHARE_UPDATE) return null;
  return { recordType, groupId: r.string(), topicId: r.uuid(), partition: r.int32() };
}

function writeBatches(w: Writer, batches: StateBatch[]): void {
  w.uvarint(batches.length + 1);
  for (const b of batches) w.int64Number(b.firstOffset).int64Number(b.lastOffset).int8(b.deliveryState).int16(b.deliveryCount).uvarint(0);
}

function readBatches(r: Reader): StateBatch[] {
  const n = r.compactArrayLength(19);
  const out: StateBatch[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ firstOffset: r.int64Number(), lastOffset: r.int64Number(), deliveryState: r.int8(), deliveryCount: r.int16() });
    skipTaggedFields(r);
  }
  return out;
}

function writeDeliveryCompleteCount(w: Writer, count: number): void {
  if (count === -1) w.uvarint(0);
  else w.uvarint(1).uvarint(0).uvarint(4).int32(count);
}

/** Reads the value's tagged fields; returns DeliveryCompleteCount (tag 0) or -1. */
function readDeliveryCompleteCount(r: Reader): number {
  let count = -1;
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    if (tag === 0 && size === 4) count = r.int32();
    else r.raw(size);
  }
  return count;
}

function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.raw(r.uvarint());
  }
}

export function encodeShareSnapshotValue(v: ShareSnapshotValue): Buffer {
  const w = new Writer(64 + v.stateBatches.length * 20).int16(0);
  w.int32(v.snapshotEpoch).int32(v.stateEpoch).int32(v.leaderEpoch).int64Number(v.startOffset).int64Number(v.createTimestamp).int64Number(v.writeTimestamp);
  writeBatches(w, v.stateBatches);
  writeDeliveryCompleteCount(w, v.deliveryCompleteCount);
  return w.toBuffer();
}

export function decodeShareSnapshotValue(buf: Buffer): ShareSnapshotValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version !== 0) throw new Error(`unknown ShareSnapshotValue version ${version}`);
  const snapshotEpoch = r.int32();
  const stateEpoch = r.int32();
  const leaderEpoch = r.int32();
  const startOffset = r.int64Number();
  const createTimestamp = r.int64Number();
  const writeTimestamp = r.int64Number();
  const stateBatches = readBatches(r);
  const deliveryCompleteCount = readDeliveryCompleteCount(r);
  return { snapshotEpoch, stateEpoch, leaderEpoch, startOffset, deliveryCompleteCount, createTimestamp, writeTimestamp, stateBatches };
}

export function encodeShareUpdateValue(v: ShareUpdateValue): Buffer {
  const w = new Writer(40 + v.stateBatches.length * 20).int16(0);
  w.int32(v.snapshotEpoch).int32(v.leaderEpoch).int64Number(v.startOffset);
  writeBatches(w, v.stateBatches);
  writeDeliveryCompleteCount(w, v.deliveryCompleteCount);
  return w.toBuffer();
}

export function decodeShareUpdateValue(buf: Buffer): ShareUpdateValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version !== 0) throw new Error(`unknown ShareUpdateValue version ${version}`);
  const snapshotEpoch = r.int32();
  const leaderEpoch = r.int32();
  const startOffset = r.int64Number();
  const stateBatches = readBatches(r);
  const deliveryCompleteCount = readDeliveryCompleteCount(r);
  return { snapshotEpoch, leaderEpoch, startOffset, deliveryCompleteCount, stateBatches };
}

/**
 * Lays `updates` over `base` (later batches win where they overlap, as Kafka combines state
 * batches), drops what lies below `startOffset`, and merges neighbours with equal state and
 * count. Both lists may be unsorted; the result is sorted and non-overlapping.
 */
export function combineStateBatches(base: StateBatch[], updates: StateBatch[], startOffset: number): StateBatch[] {
  let out = base.map((b) => ({ ...b }));
  for (const u of updates) {
    if (u.lastOffset < u.firstOffset) continue;
    const next: StateBatch[] = [];
    for (const b of out) {
      if (b.lastOffset < u.firstOffset || b.firstOffset > u.lastOffset) {
        next.push(b);
        continue;
      }
      if (b.firstOffset < u.firstOffset) next.push({ ...b, lastOffset: u.firstOffset - 1 });
      if (b.lastOffset > u.lastOffset) next.push({ ...b, firstOffset: u.lastOffset + 1 });
    }
    next.push({ ...u });
    out = next;
  }
  out = out
    .filter((b) => b.lastOffset >= startOffset)
    .map((b) => (b.firstOffset < startOffset ? { ...b, firstOffset: startOffset } : b))
    .sort((a, b) => a.firstOffset - b.firstOffset);
  const merged: StateBatch[] = [];
  for (const b of out) {
    const last = merged[merged.length - 1];
    if (last && last.lastOffset + 1 === b.firstOffset && last.deliveryState === b.deliveryState && last.deliveryCount === b.deliveryCount) last.lastOffset = b.lastOffset;
    else merged.push(b);
  }
  return merged;
}
