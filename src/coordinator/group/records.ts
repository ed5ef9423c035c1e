// The records of __consumer_offsets that classic groups and committed offsets use, in
// Kafka's layouts (../shared/kafka-protocol/group-coordinator-records): a key is an int16
// record type and the key struct at version 0; a value is an int16 version and the value
// struct; a null value is a tombstone. Written here by hand from those schemas (four small
// structs) rather than generated.
//
//   type 0 LegacyOffsetCommitKey/Value (read only)   type 1 OffsetCommitKey/Value
//   type 2 GroupMetadataKey/Value
//
// Kafka 4 writes GroupMetadataValue v3 and OffsetCommitValue v3 (v1 when the commit carries
// an explicit expiry); v4 is the flexible form, read here but not written, as Kafka does
// to keep downgrades possible (KIP-915).

import { Reader, Writer } from '../../protocol/index.ts';

export const RECORD_TYPE_LEGACY_OFFSET_COMMIT = 0;
export const RECORD_TYPE_OFFSET_COMMIT = 1;
export const RECORD_TYPE_GROUP_METADATA = 2;

export interface OffsetCommitKey {
  type: 'offset';
  group: string;
  topic: string;
  partition: number;
}

export interface GroupMetadataKey {
  type: 'group';
  group: string;
}

/** A key of a record type this coordinator does not use (KIP-848, share, streams groups). */
export interface OtherKey {
  type: 'other';
  recordType: number;
}

export type CoordinatorKey = OffsetCommitKey | GroupMetadataKey | OtherKey;

export interface OffsetCommitValue {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1 unless the commit set a retention time (written as value version 1). */
  expireTimestamp: number;
}

export interface GroupMemberValue {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: GroupMemberValue[];
}

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new Writer(16 + group.length + topic.length).int16(RECORD_TYPE_OFFSET_COMMIT).string(group).string(topic).int32(partition).toBuffer();
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return new Writer(8 + group.length).int16(RECORD_TYPE_GROUP_METADATA).string(group).toBuffer();
}

export function decodeKey(buf: Buffer): CoordinatorKey {
  const r = new Reader(buf);
  const recordType = r.int16();
  if (recordType === RECORD_TYPE_OFFSET_COMMIT || recordType === RECORD_TYPE_LEGACY_OFFSET_COMMIT) {
    return { type: 'offset', group: r.string(), topic: r.string(), partition: r.int32() };
  }
  if (recordType === RECORD_TYPE_GROUP_METADATA) return { type: 'group', group: r.string() };
  return { type: 'other', recordType };
}

export function encodeOffsetCommitValue(v: OffsetCommitValue): Buffer {
  const w = new Writer(64 + v.metadata.length);
  if (v.expireTimestamp >= 0) {
    w.int16(1).int64(v.offset).string(v.metadata).int64Number(v.commitTimestamp).int64Number(v.expireTimestamp);
  } else {
    w.int16(3).int64(v.offset).int32(v.leaderEpoch).string(v.metadata).int64Number(v.commitTimestamp);
  }
  return w.toBuffer();
}

export function decodeOffsetCommitValue(buf: Buffer): OffsetCommitValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 4) throw new Error(`unknown OffsetCommitValue version ${version}`);
  const flexible = version >= 4;
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = flexible ? r.compactString() : r.string();
  const commitTimestamp = r.int64Number();
  const expireTimestamp = version === 1 ? r.int64Number() : -1;
  if (flexible) skipTaggedFields(r);
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function encodeGroupMetadataValue(v: GroupMetadataValue): Buffer {
  const w = new Writer(256);
  w.int16(3).string(v.protocolType).int32(v.generation).nullableString(v.protocol).nullableString(v.leader).int64Number(v.currentStateTimestamp);
  w.int32(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId).nullableString(m.groupInstanceId).string(m.clientId).string(m.clientHost);
    w.int32(m.rebalanceTimeout).int32(m.sessionTimeout).bytes(m.subscription).bytes(m.assignment);
  }
  return w.toBuffer();
}

export function decodeGroupMetadataValue(buf: Buffer): GroupMetadataValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 4) throw new Error(`unknown GroupMetadataValue version ${version}`);
  const flex = version >= 4;
  const str = () => (flex ? r.compactString() : r.string());
  const nstr = () => (flex ? r.compactNullableString() : r.nullableString());
  const bytes = () => Buffer.from(flex ? r.compactBytes() : r.bytes());
  const protocolType = str();
  const generation = r.int32();
  const protocol = nstr();
  const leader = nstr();
  const currentStateTimestamp = version >= 2 ? r.int64Number() : -1;
  const count = flex ? r.compactArrayLength() : r.arrayLength();
  const members: GroupMemberValue[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = str();
    const groupInstanceId = version >= 3 ? nstr() : null;
    const clientId = str();
    const clientHost = str();
    const rebalanceTimeout = version >= 1 ? r.int32() : -1;
    const sessionTimeout = r.int32();
    const subscription = bytes();
    const assignment = bytes();
    if (flex) skipTaggedFields(r);
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeout, sessionTimeout, subscription, assignment });
  }
  if (flex) skipTaggedFields(r);
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}

function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.raw(r.uvarint());
  }
}

/** Java's String.hashCode over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The __consumer_offsets partition of a group: Kafka's Utils.abs(groupId.hashCode) %
 * partitions, where Utils.abs maps Integer.MIN_VALUE to 0.
 */
export function partitionForGroup(groupId: string, partitions: number): number {
  const h = javaStringHashCode(groupId);
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}
