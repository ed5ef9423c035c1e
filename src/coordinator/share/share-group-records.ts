// A share group's records in __consumer_offsets (KIP-932, Kafka 4.2's layouts, types 10-15
// in group/records.ts): which records each change of the group writes, in Kafka's order, and
// how replayed records come back together into groups when the broker starts.
//
//   a member joins or changes:  member metadata (10), group epoch (11), its target
//                               assignment (13) and the assignment epoch (12), its current
//                               assignment (14), each only when it changed
//   a member leaves or expires: tombstones for 14, 13 and 10, then the new group epoch (11)
//   a share partition's state is initialized or deleted: the initialized topics (15)
//   the group is deleted:       tombstones for 15, 12 and 11
//
// The metadata hash of record 11 (KIP-1101, a hash of the subscribed topics' metadata that
// Kafka uses to notice topic changes) is written as 0: this coordinator recomputes
// assignments from the topics themselves.

import type { RecordInput } from '../../protocol/index.ts';
import {
  RECORD_TYPE_SHARE_CURRENT_MEMBER_ASSIGNMENT,
  RECORD_TYPE_SHARE_GROUP_METADATA,
  RECORD_TYPE_SHARE_MEMBER_METADATA,
  RECORD_TYPE_SHARE_STATE_PARTITION_METADATA,
  RECORD_TYPE_SHARE_TARGET_ASSIGNMENT_MEMBER,
  RECORD_TYPE_SHARE_TARGET_ASSIGNMENT_METADATA,
  decodeShareCurrentAssignmentValue,
  decodeShareGroupMetadataValue,
  decodeShareMemberMetadataValue,
  decodeShareStatePartitionMetadataValue,
  encodeConsumerKey,
  encodeShareCurrentAssignmentValue,
  encodeShareGroupMetadataValue,
  encodeShareMemberMetadataValue,
  encodeShareStatePartitionMetadataValue,
  encodeShareTargetAssignmentMemberValue,
  encodeShareTargetAssignmentMetadataValue,
  type ShareCurrentAssignmentValue,
  type ShareMemberMetadataValue,
  type ShareTopicPartitionsInfo,
} from '../group/records.ts';

/** Kafka's MemberState.STABLE: a share member owns nothing exclusively, so it is always stable. */
const MEMBER_STATE_STABLE = 2;

const toList = (assignment: Map<string, number[]>) => [...assignment].map(([topicId, partitions]) => ({ topicId, partitions }));

export interface MemberChange {
  groupId: string;
  memberId: string;
  metadata: ShareMemberMetadataValue | null;
  groupEpoch: number | null;
  assignment: Map<string, number[]> | null;
  current: { memberEpoch: number; previousMemberEpoch: number; assignment: Map<string, number[]> } | null;
  now: number;
}

/** The records of a heartbeat that changed a member (null parts did not change). */
export function memberChangeRecords(c: MemberChange): RecordInput[] {
  const out: RecordInput[] = [];
  if (c.metadata) out.push({ key: encodeConsumerKey(RECORD_TYPE_SHARE_MEMBER_METADATA, c.groupId, c.memberId), value: encodeShareMemberMetadataValue(c.metadata) });
  if (c.groupEpoch !== null) out.push({ key: encodeConsumerKey(RECORD_TYPE_SHARE_GROUP_METADATA, c.groupId), value: encodeShareGroupMetadataValue(c.groupEpoch, 0n) });
  if (c.assignment) {
    out.push({ key: encodeConsumerKey(RECORD_TYPE_SHARE_TARGET_ASSIGNMENT_MEMBER, c.groupId, c.memberId), value: encodeShareTargetAssignmentMemberValue(toList(c.assignment)) });
    out.push({ key: encodeConsumerKey(RECORD_TYPE_SHARE_TARGET_ASSIGNMENT_METADATA, c.groupId), value: encodeShareTargetAssignmentMetadataValue(c.groupEpoch ?? c.current?.memberEpoch ?? 0, c.now) });
  }
  if (c.current) {
    const value: ShareCurrentAssignmentValue = { memberEpoch: c.current.memberEpoch, previousMemberEpoch: c.current.previousMemberEpoch, state: MEMBER_STATE_STABLE, assignedPartitions: toList(c.current.assignment) };
    out.push({ key: encodeConsumerKey(RECORD_TYPE_SHARE_CURRENT_MEMBER_ASSIGNMENT, c.groupId, c.memberId), value: encodeShareCurrentAssignmentValue(value) });
  }
  return out;
}

/** A member left or expired: its records go, and the group epoch moves on. */
export function memberRemovalRecords(groupId: string, memberId: string, groupEpoch: number): RecordInput[] {
  return [
    { key: encodeConsumerKey(RECORD_TYPE_SHARE_CURRENT_MEMBER_ASSIGNMENT, groupId, memberId), value: null },
    { key: encodeConsumerKey(RECORD_TYPE_SHARE_TARGET_ASSIGNMENT_MEMBER, groupId, memberId), value: null },
    { key: encodeConsumerKey(RECORD_TYPE_SHARE_MEMBER_METADATA, groupId, memberId), value: null },
    { key: encodeConsumerKey(RECORD_TYPE_SHARE_GROUP_METADATA, groupId), value: encodeShareGroupMetadataValue(groupEpoch, 0n) },
  ];
}

/** The share partitions whose state is initialized, by topic. */
export function statePartitionRecord(groupId: string, initialized: Map<string, { topicName: string; partitions: Set<number> }>): RecordInput {
  const initializedTopics: ShareTopicPartitionsInfo[] = [...initialized].map(([topicId, t]) => ({ topicId, topicName: t.topicName, partitions: [...t.partitions].sort((a, b) => a - b) }));
  return { key: encodeConsumerKey(RECORD_TYPE_SHARE_STATE_PARTITION_METADATA, groupId), value: encodeShareStatePartitionMetadataValue({ initializingTopics: [], initializedTopics, deletingTopics: [] }) };
}

export function groupDeletionRecords(groupId: string): RecordInput[] {
  return [
    { key: encodeConsumerKey(RECORD_TYPE_SHARE_STATE_PARTITION_METADATA, groupId), value: null },
    { key: encodeConsumerKey(RECORD_TYPE_SHARE_TARGET_ASSIGNMENT_METADATA, groupId), value: null },
    { key: encodeConsumerKey(RECORD_TYPE_SHARE_GROUP_METADATA, groupId), value: null },
  ];
}

export interface LoadedShareMember {
  metadata?: ShareMemberMetadataValue;
  current?: ShareCurrentAssignmentValue;
}

export interface LoadedShareGroup {
  groupId: string;
  epoch: number;
  members: Map<string, LoadedShareMember>;
  initialized: Map<string, { topicName: string; partitions: Set<number> }>;
}

/** Gathers replayed share group records; the last record per key wins, tombstones included. */
export class ShareGroupLoader {
  readonly #groups = new Map<string, LoadedShareGroup & { hasEpoch: boolean }>();

  replay(recordType: number, groupId: string, memberId: string | null, value: Buffer | null): void {
    let g = this.#groups.get(groupId);
    if (recordType === RECORD_TYPE_SHARE_GROUP_METADATA && value === null) {
      this.#groups.delete(groupId);
      return;
    }
    if (!g) {
      if (value === null) return;
      this.#groups.set(groupId, (g = { groupId, epoch: 0, members: new Map(), initialized: new Map(), hasEpoch: false }));
    }
    if (recordType === RECORD_TYPE_SHARE_GROUP_METADATA) {
      g.epoch = decodeShareGroupMetadataValue(value!).epoch;
      g.hasEpoch = true;
      return;
    }
    if (recordType === RECORD_TYPE_SHARE_STATE_PARTITION_METADATA) {
      g.initialized.clear();
      if (value) for (const t of decodeShareStatePartitionMetadataValue(value).initializedTopics) g.initialized.set(t.topicId, { topicName: t.topicName, partitions: new Set(t.partitions) });
      return;
    }
    if (memberId === null) return; // type 12: the assignment epoch follows the group epoch here
    let m = g.members.get(memberId);
    if (!m) {
      if (value === null) return;
      g.members.set(memberId, (m = {}));
    }
    if (recordType === RECORD_TYPE_SHARE_MEMBER_METADATA) {
      if (value === null) delete m.metadata;
      else m.metadata = decodeShareMemberMetadataValue(value);
    } else if (recordType === RECORD_TYPE_SHARE_CURRENT_MEMBER_ASSIGNMENT) {
      if (value === null) delete m.current;
      else m.current = decodeShareCurrentAssignmentValue(value);
    }
    if (!m.metadata && !m.current) g.members.delete(memberId);
  }

  /** The groups whose epoch record is there (the others were deleted or are incomplete). */
  groups(): LoadedShareGroup[] {
    return [...this.#groups.values()].filter((g) => g.hasEpoch);
  }
}
