// The records of __consumer_offsets that classic groups and committed offsets use, in
// Kafka's layouts (../shared/kafka-protocol/group-coordinator-records): a key is an int16
// record type and the key struct at version 0; a value is an int16 version and the value
// struct; a null value is a tombstone. Written here by hand from those schemas (four small
// structs) rather than generated.
//
//   type 0 LegacyOffsetCommitKey/Value (read only)   type 1 OffsetCommitKey/Value
//   type 2 GroupMetadataKey/Value
//   types 3, 5, 6, 7, 8, 16: the KIP-848 consumer group records (group epoch, member
//   metadata, target assignment epoch, target assignment per member, current member
//   assignment, a subscribed regular expression's resolution)
//   types 10-15: the KIP-932 share group records (member metadata, group epoch, target
//   assignment epoch, target assignment per member, current member assignment, the
//   share partitions whose state was initialized)
//
// Kafka 4 writes GroupMetadataValue v3 and OffsetCommitValue v3 (v1 when the commit carries
// an explicit expiry); v4 is the flexible form, read here but not written, as Kafka does
// to keep downgrades possible (KIP-915).

import { Reader, Writer, type RecordInput } from '../../protocol/index.ts';

export const RECORD_TYPE_LEGACY_OFFSET_COMMIT = 0;
export const RECORD_TYPE_OFFSET_COMMIT = 1;
export const RECORD_TYPE_GROUP_METADATA = 2;
export const RECORD_TYPE_CONSUMER_GROUP_METADATA = 3;
export const RECORD_TYPE_CONSUMER_MEMBER_METADATA = 5;
export const RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_METADATA = 6;
export const RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_MEMBER = 7;
export const RECORD_TYPE_CONSUMER_CURRENT_MEMBER_ASSIGNMENT = 8;
export const RECORD_TYPE_CONSUMER_REGULAR_EXPRESSION = 16;
export const RECORD_TYPE_SHARE_MEMBER_METADATA = 10;
export const RECORD_TYPE_SHARE_GROUP_METADATA = 11;
export const RECORD_TYPE_SHARE_TARGET_ASSIGNMENT_METADATA = 12;
export const RECORD_TYPE_SHARE_TARGET_ASSIGNMENT_MEMBER = 13;
export const RECORD_TYPE_SHARE_CURRENT_MEMBER_ASSIGNMENT = 14;
export const RECORD_TYPE_SHARE_STATE_PARTITION_METADATA = 15;

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

/** A key of a KIP-848 consumer group record: types 3 and 6 name the group, 5, 7 and 8 a member too. */
export interface ConsumerGroupKey {
  type: 'consumer';
  recordType: number;
  group: string;
  memberId: string | null;
}

/** A key of a KIP-932 share group record: types 11, 12 and 15 name the group, 10, 13 and 14 a member too. */
export interface ShareGroupKey {
  type: 'share';
  recordType: number;
  group: string;
  memberId: string | null;
}

/** A key of a record type this coordinator does not use (streams groups). */
export interface OtherKey {
  type: 'other';
  recordType: number;
}

export type CoordinatorKey = OffsetCommitKey | GroupMetadataKey | ConsumerGroupKey | ShareGroupKey | OtherKey;

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
  return offsetCommitKeyPrefix(group, topic).int32(partition).toBuffer();
}

/** An OffsetCommitKey up to its partition: the record type, the group and the topic. */
function offsetCommitKeyPrefix(group: string, topic: string): Writer {
  return new Writer(16 + group.length + topic.length).int16(RECORD_TYPE_OFFSET_COMMIT).string(group).string(topic);
}

/**
 * The OffsetCommit records of one group's partitions: `values[i]` is the offset of
 * `partitions[i]`, or null (or `values` null) for a tombstone. Keys and values are written
 * into one buffer and handed out as views of it, and each topic's key prefix (type, group,
 * topic) is encoded once: a commit of 10,000 partitions would otherwise make 20,000 small
 * buffers and encode the same two names 10,000 times.
 */
export function encodeOffsetCommitRecords(
  group: string,
  partitions: readonly { topic: string; partition: number }[],
  values: readonly (OffsetCommitValue | null)[] | null,
): RecordInput[] {
  const w = new Writer(partitions.length * (48 + group.length) + 256);
  const prefixes = new Map<string, Buffer>();
  const bounds = new Array<number>(partitions.length * 3);
  for (let i = 0; i < partitions.length; i++) {
    const { topic, partition } = partitions[i]!;
    let prefix = prefixes.get(topic);
    if (prefix === undefined) {
      prefix = offsetCommitKeyPrefix(group, topic).toBuffer();
      prefixes.set(topic, prefix);
    }
    bounds[i * 3] = w.length;
    w.raw(prefix).int32(partition);
    bounds[i * 3 + 1] = w.length;
    const value = values?.[i] ?? null;
    if (value !== null) writeOffsetCommitValue(w, value);
    bounds[i * 3 + 2] = value === null ? -1 : w.length;
  }
  const bytes = w.toBuffer();
  const records = new Array<RecordInput>(partitions.length);
  for (let i = 0; i < partitions.length; i++) {
    const keyEnd = bounds[i * 3 + 1]!;
    const valueEnd = bounds[i * 3 + 2]!;
    records[i] = { key: bytes.subarray(bounds[i * 3]!, keyEnd), value: valueEnd < 0 ? null : bytes.subarray(keyEnd, valueEnd) };
  }
  return records;
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
  if (recordType === RECORD_TYPE_CONSUMER_GROUP_METADATA || recordType === RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_METADATA) {
    return { type: 'consumer', recordType, group: r.string(), memberId: null };
  }
  // Type 16 names a regular expression where the others name a member.
  if (recordType === RECORD_TYPE_CONSUMER_MEMBER_METADATA || recordType === RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_MEMBER || recordType === RECORD_TYPE_CONSUMER_CURRENT_MEMBER_ASSIGNMENT || recordType === RECORD_TYPE_CONSUMER_REGULAR_EXPRESSION) {
    return { type: 'consumer', recordType, group: r.string(), memberId: r.string() };
  }
  if (recordType === RECORD_TYPE_SHARE_GROUP_METADATA || recordType === RECORD_TYPE_SHARE_TARGET_ASSIGNMENT_METADATA || recordType === RECORD_TYPE_SHARE_STATE_PARTITION_METADATA) {
    return { type: 'share', recordType, group: r.string(), memberId: null };
  }
  if (recordType === RECORD_TYPE_SHARE_MEMBER_METADATA || recordType === RECORD_TYPE_SHARE_TARGET_ASSIGNMENT_MEMBER || recordType === RECORD_TYPE_SHARE_CURRENT_MEMBER_ASSIGNMENT) {
    return { type: 'share', recordType, group: r.string(), memberId: r.string() };
  }
  return { type: 'other', recordType };
}

// -- KIP-848 consumer group records (all values flexible, version 0) ------------------------

/** Keys of the KIP-848 and KIP-932 group records: the group, and for member records the member, at key version 0. */
export function encodeConsumerKey(recordType: number, group: string, memberId: string | null = null): Buffer {
  const w = new Writer(16 + group.length).int16(recordType).string(group);
  if (memberId !== null) w.string(memberId);
  return w.toBuffer();
}

export interface TopicPartitionsValue {
  topicId: string;
  partitions: number[];
}

export interface ConsumerMemberMetadataValue {
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  rebalanceTimeoutMs: number;
  serverAssignor: string | null;
  /** Tagged field 0: set for a member that uses the classic protocol (KIP-848 online migration). */
  classicMemberMetadata?: ClassicMemberMetadata | null;
}

export interface ClassicMemberMetadata {
  sessionTimeoutMs: number;
  supportedProtocols: { name: string; metadata: Buffer }[];
}

export interface ConsumerCurrentAssignmentValue {
  memberEpoch: number;
  previousMemberEpoch: number;
  /** Kafka's MemberState: 0 UNREVOKED_PARTITIONS, 1 UNRELEASED_PARTITIONS, 2 STABLE. */
  state: number;
  assignedPartitions: TopicPartitionsValue[];
  partitionsPendingRevocation: TopicPartitionsValue[];
}

/** ConsumerGroupMetadataValue (type 3): the group epoch. */
export function encodeConsumerGroupMetadataValue(epoch: number): Buffer {
  return new Writer(8).int16(0).int32(epoch).uvarint(0).toBuffer();
}

export function decodeConsumerGroupMetadataValue(buf: Buffer): { epoch: number } {
  const r = new Reader(buf);
  r.int16();
  return { epoch: r.int32() };
}

/** ConsumerGroupTargetAssignmentMetadataValue (type 6): the assignment epoch. */
export function encodeTargetAssignmentMetadataValue(assignmentEpoch: number): Buffer {
  return new Writer(8).int16(0).int32(assignmentEpoch).uvarint(0).toBuffer();
}

export function decodeTargetAssignmentMetadataValue(buf: Buffer): { assignmentEpoch: number } {
  const r = new Reader(buf);
  r.int16();
  return { assignmentEpoch: r.int32() };
}

function writeTopicPartitions(w: Writer, list: TopicPartitionsValue[]): void {
  w.uvarint(list.length + 1);
  for (const tp of list) {
    w.uuid(tp.topicId);
    w.uvarint(tp.partitions.length + 1);
    for (const p of tp.partitions) w.int32(p);
    w.uvarint(0);
  }
}

function readTopicPartitions(r: Reader): TopicPartitionsValue[] {
  const n = r.compactArrayLength();
  const out: TopicPartitionsValue[] = [];
  for (let i = 0; i < n; i++) {
    const topicId = r.uuid();
    const count = r.compactArrayLength(4);
    const partitions: number[] = [];
    for (let k = 0; k < count; k++) partitions.push(r.int32());
    skipTaggedFields(r);
    out.push({ topicId, partitions });
  }
  return out;
}

/** ConsumerGroupTargetAssignmentMemberValue (type 7). */
export function encodeTargetAssignmentMemberValue(topicPartitions: TopicPartitionsValue[]): Buffer {
  const w = new Writer(64).int16(0);
  writeTopicPartitions(w, topicPartitions);
  return w.uvarint(0).toBuffer();
}

export function decodeTargetAssignmentMemberValue(buf: Buffer): TopicPartitionsValue[] {
  const r = new Reader(buf);
  r.int16();
  return readTopicPartitions(r);
}

/** ConsumerGroupMemberMetadataValue (type 5). */
export function encodeConsumerMemberMetadataValue(v: ConsumerMemberMetadataValue): Buffer {
  const w = new Writer(128).int16(0);
  w.compactNullableString(v.instanceId).compactNullableString(v.rackId).compactString(v.clientId).compactString(v.clientHost);
  w.uvarint(v.subscribedTopicNames.length + 1);
  for (const t of v.subscribedTopicNames) w.compactString(t);
  w.compactNullableString(v.subscribedTopicRegex).int32(v.rebalanceTimeoutMs).compactNullableString(v.serverAssignor);
  const classic = v.classicMemberMetadata;
  if (!classic) return w.uvarint(0).toBuffer();
  const t = new Writer(64).int32(classic.sessionTimeoutMs).uvarint(classic.supportedProtocols.length + 1);
  for (const p of classic.supportedProtocols) t.compactString(p.name).compactBytes(p.metadata).uvarint(0);
  const tagged = t.uvarint(0).toBuffer();
  return w.uvarint(1).uvarint(0).uvarint(tagged.length).raw(tagged).toBuffer();
}

export function decodeConsumerMemberMetadataValue(buf: Buffer): ConsumerMemberMetadataValue {
  const r = new Reader(buf);
  r.int16();
  const instanceId = r.compactNullableString();
  const rackId = r.compactNullableString();
  const clientId = r.compactString();
  const clientHost = r.compactString();
  const n = r.compactArrayLength();
  const subscribedTopicNames: string[] = [];
  for (let i = 0; i < n; i++) subscribedTopicNames.push(r.compactString());
  const subscribedTopicRegex = r.compactNullableString();
  const rebalanceTimeoutMs = r.int32();
  const serverAssignor = r.compactNullableString();
  let classicMemberMetadata: ClassicMemberMetadata | null = null;
  const tags = r.remaining > 0 ? r.uvarint() : 0;
  for (let i = 0; i < tags; i++) {
    const tag = r.uvarint();
    const end = r.uvarint() + r.offset;
    if (tag === 0) {
      const sessionTimeoutMs = r.int32();
      const n = r.compactArrayLength(2);
      const supportedProtocols: ClassicMemberMetadata['supportedProtocols'] = [];
      for (let k = 0; k < n; k++) {
        supportedProtocols.push({ name: r.compactString(), metadata: Buffer.from(r.compactBytes()) });
        skipTaggedFields(r);
      }
      classicMemberMetadata = { sessionTimeoutMs, supportedProtocols };
    }
    r.offset = end;
  }
  return { instanceId, rackId, clientId, clientHost, subscribedTopicNames, subscribedTopicRegex, rebalanceTimeoutMs, serverAssignor, classicMemberMetadata };
}

/** ConsumerGroupRegularExpressionValue (type 16): the topics a regex resolved to, the version and time of the resolution. */
export function encodeRegularExpressionValue(topics: string[], version: bigint, timestamp: number): Buffer {
  const w = new Writer(64).int16(0).uvarint(topics.length + 1);
  for (const t of topics) w.compactString(t);
  return w.int64(version).int64Number(timestamp).uvarint(0).toBuffer();
}

export function decodeRegularExpressionValue(buf: Buffer): { topics: string[]; version: bigint; timestamp: number } {
  const r = new Reader(buf);
  r.int16();
  const n = r.compactArrayLength();
  const topics: string[] = [];
  for (let i = 0; i < n; i++) topics.push(r.compactString());
  return { topics, version: r.int64(), timestamp: r.int64Number() };
}

/** ConsumerGroupCurrentMemberAssignmentValue (type 8). */
export function encodeCurrentAssignmentValue(v: ConsumerCurrentAssignmentValue): Buffer {
  const w = new Writer(64).int16(0).int32(v.memberEpoch).int32(v.previousMemberEpoch).int8(v.state);
  writeTopicPartitions(w, v.assignedPartitions);
  writeTopicPartitions(w, v.partitionsPendingRevocation);
  return w.uvarint(0).toBuffer();
}

export function decodeCurrentAssignmentValue(buf: Buffer): ConsumerCurrentAssignmentValue {
  const r = new Reader(buf);
  r.int16();
  const memberEpoch = r.int32();
  const previousMemberEpoch = r.int32();
  const state = r.int8();
  const assignedPartitions = readTopicPartitions(r);
  const partitionsPendingRevocation = readTopicPartitions(r);
  return { memberEpoch, previousMemberEpoch, state, assignedPartitions, partitionsPendingRevocation };
}

// -- KIP-932 share group records (all values flexible, version 0) ---------------------------

export interface ShareMemberMetadataValue {
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
}

export interface ShareCurrentAssignmentValue {
  memberEpoch: number;
  previousMemberEpoch: number;
  /** Kafka's MemberState; share members are always 2 (STABLE). */
  state: number;
  assignedPartitions: TopicPartitionsValue[];
}

export interface ShareTopicPartitionsInfo {
  topicId: string;
  topicName: string;
  partitions: number[];
}

export interface ShareStatePartitionMetadataValue {
  initializingTopics: ShareTopicPartitionsInfo[];
  initializedTopics: ShareTopicPartitionsInfo[];
  deletingTopics: { topicId: string; topicName: string }[];
}

/** ShareGroupMemberMetadataValue (type 10). */
export function encodeShareMemberMetadataValue(v: ShareMemberMetadataValue): Buffer {
  const w = new Writer(64).int16(0).compactNullableString(v.rackId).compactString(v.clientId).compactString(v.clientHost);
  w.uvarint(v.subscribedTopicNames.length + 1);
  for (const t of v.subscribedTopicNames) w.compactString(t);
  return w.uvarint(0).toBuffer();
}

export function decodeShareMemberMetadataValue(buf: Buffer): ShareMemberMetadataValue {
  const r = new Reader(buf);
  r.int16();
  const rackId = r.compactNullableString();
  const clientId = r.compactString();
  const clientHost = r.compactString();
  const n = r.compactArrayLength();
  const subscribedTopicNames: string[] = [];
  for (let i = 0; i < n; i++) subscribedTopicNames.push(r.compactString());
  return { rackId, clientId, clientHost, subscribedTopicNames };
}

/** ShareGroupMetadataValue (type 11): the group epoch and the subscribed topics' metadata hash. */
export function encodeShareGroupMetadataValue(epoch: number, metadataHash: bigint): Buffer {
  return new Writer(16).int16(0).int32(epoch).int64(metadataHash).uvarint(0).toBuffer();
}

export function decodeShareGroupMetadataValue(buf: Buffer): { epoch: number; metadataHash: bigint } {
  const r = new Reader(buf);
  r.int16();
  return { epoch: r.int32(), metadataHash: r.int64() };
}

/** ShareGroupTargetAssignmentMetadataValue (type 12): the assignment epoch, and its time as tagged field 0. */
export function encodeShareTargetAssignmentMetadataValue(assignmentEpoch: number, assignmentTimestamp: number): Buffer {
  return new Writer(24).int16(0).int32(assignmentEpoch).uvarint(1).uvarint(0).uvarint(8).int64Number(assignmentTimestamp).toBuffer();
}

/** The assignment epoch of a type 12 value (the same layout as type 6, whose tagged fields are not read). */
export const decodeShareTargetAssignmentMetadataValue = decodeTargetAssignmentMetadataValue;

/** ShareGroupTargetAssignmentMemberValue (type 13): the same layout as type 7. */
export const encodeShareTargetAssignmentMemberValue = encodeTargetAssignmentMemberValue;
export const decodeShareTargetAssignmentMemberValue = decodeTargetAssignmentMemberValue;

/** ShareGroupCurrentMemberAssignmentValue (type 14). */
export function encodeShareCurrentAssignmentValue(v: ShareCurrentAssignmentValue): Buffer {
  const w = new Writer(64).int16(0).int32(v.memberEpoch).int32(v.previousMemberEpoch).int8(v.state);
  writeTopicPartitions(w, v.assignedPartitions);
  return w.uvarint(0).toBuffer();
}

export function decodeShareCurrentAssignmentValue(buf: Buffer): ShareCurrentAssignmentValue {
  const r = new Reader(buf);
  r.int16();
  const memberEpoch = r.int32();
  const previousMemberEpoch = r.int32();
  const state = r.int8();
  return { memberEpoch, previousMemberEpoch, state, assignedPartitions: readTopicPartitions(r) };
}

function writeTopicPartitionsInfo(w: Writer, list: ShareTopicPartitionsInfo[]): void {
  w.uvarint(list.length + 1);
  for (const t of list) {
    w.uuid(t.topicId).compactString(t.topicName).uvarint(t.partitions.length + 1);
    for (const p of t.partitions) w.int32(p);
    w.uvarint(0);
  }
}

function readTopicPartitionsInfo(r: Reader): ShareTopicPartitionsInfo[] {
  const n = r.compactArrayLength();
  const out: ShareTopicPartitionsInfo[] = [];
  for (let i = 0; i < n; i++) {
    const topicId = r.uuid();
    const topicName = r.compactString();
    const count = r.compactArrayLength(4);
    const partitions: number[] = [];
    for (let k = 0; k < count; k++) partitions.push(r.int32());
    skipTaggedFields(r);
    out.push({ topicId, topicName, partitions });
  }
  return out;
}

/** ShareGroupStatePartitionMetadataValue (type 15). */
export function encodeShareStatePartitionMetadataValue(v: ShareStatePartitionMetadataValue): Buffer {
  const w = new Writer(64).int16(0);
  writeTopicPartitionsInfo(w, v.initializingTopics);
  writeTopicPartitionsInfo(w, v.initializedTopics);
  w.uvarint(v.deletingTopics.length + 1);
  for (const t of v.deletingTopics) w.uuid(t.topicId).compactString(t.topicName).uvarint(0);
  return w.uvarint(0).toBuffer();
}

export function decodeShareStatePartitionMetadataValue(buf: Buffer): ShareStatePartitionMetadataValue {
  const r = new Reader(buf);
  r.int16();
  const initializingTopics = readTopicPartitionsInfo(r);
  const initializedTopics = readTopicPartitionsInfo(r);
  const n = r.compactArrayLength();
  const deletingTopics: { topicId: string; topicName: string }[] = [];
  for (let i = 0; i < n; i++) {
    const topicId = r.uuid();
    const topicName = r.compactString();
    skipTaggedFields(r);
    deletingTopics.push({ topicId, topicName });
  }
  return { initializingTopics, initializedTopics, deletingTopics };
}

export function encodeOffsetCommitValue(v: OffsetCommitValue): Buffer {
  const w = new Writer(64 + v.metadata.length);
  writeOffsetCommitValue(w, v);
  return w.toBuffer();
}

function writeOffsetCommitValue(w: Writer, v: OffsetCommitValue): void {
  if (v.expireTimestamp >= 0) {
    w.int16(1).int64(v.offset).string(v.metadata).int64Number(v.commitTimestamp).int64Number(v.expireTimestamp);
  } else {
    w.int16(3).int64(v.offset).int32(v.leaderEpoch).string(v.metadata).int64Number(v.commitTimestamp);
  }
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
