// Share groups (KIP-932, "queues for Kafka"): membership through ShareGroupHeartbeat, share
// sessions and record acquisition through ShareFetch and ShareAcknowledge. One
// ShareCoordinator per broker owns every share group, its members, the members' share
// sessions and the state of every partition the group consumes (share-partition.ts).
//
// Assignment: every member gets every partition of the topics it subscribes to; records are
// shared out by acquisition, so several members on one partition each get distinct records
// (KIP-932 lets the assignor give a partition to several members; Kafka's SimpleAssignor
// spreads partitions when there are more of them than members — a choice documented in
// docs/groups.md). Member epochs follow the group epoch; there is no revocation step,
// because a share member owns no partition exclusively.
// Share sessions (KIP-932): epoch 0 opens one (with the request's partitions), each later
// request carries the next epoch (INVALID_SHARE_SESSION_EPOCH otherwise,
// SHARE_SESSION_NOT_FOUND without a session), -1 closes it and releases what the member
// had acquired. A member that leaves or expires releases its records too.
// Share-partition state is durable: each SharePartition starts from what the share
// coordinator (state-coordinator.ts, __share_group_state) kept for it, or, the first time,
// is initialized where the group's share.auto.offset.reset says (latest: the log end, by
// default), and writes every change back. Session timeouts and lock durations are the
// group's configs (share.session.timeout.ms, share.record.lock.duration.ms) when set.

import { ErrorCode, type RecordInput } from '../../protocol/index.ts';
import type { LogManager } from '../../storage/index.ts';
import type { HeartbeatResult } from '../group/consumer-group.ts';
import { SharePartition, type AcquiredRange, type ShareLog } from './share-partition.ts';
import type { ShareStateCoordinator } from './state-coordinator.ts';
import { groupDeletionRecords, memberChangeRecords, memberRemovalRecords, ShareGroupLoader, statePartitionRecord } from './share-group-records.ts';

/** The leader epoch of every partition on a single broker. */
const LEADER_EPOCH = 0;

export interface ShareCoordinatorOptions {
  logs: LogManager;
  config(name: string): number;
  /** A group config (share.session.timeout.ms, ...): the group's override, else the broker's default. */
  groupConfig?: (groupId: string, name: string) => string;
  log?: (message: string) => void;
  /** Whether a group of another type (classic, consumer) holds this id. */
  otherGroupExists(groupId: string): boolean;
  /** Appends the group's records to __consumer_offsets; 0 or an error code. */
  persist(groupId: string, records: RecordInput[]): number;
  /** Where share-partition state is kept. */
  state: ShareStateCoordinator;
}

export interface ShareMember {
  memberId: string;
  memberEpoch: number;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  /** topicId → partitions. */
  assignment: Map<string, number[]>;
  sessionTimer: NodeJS.Timeout | null;
}

export interface ShareHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  rackId: string | null;
  subscribedTopicNames: string[] | null;
  clientId: string;
  clientHost: string;
}

/** A share member's heartbeat answer: the same fields as a consumer group member's. */
export type ShareHeartbeatResult = HeartbeatResult;

export class ShareGroup {
  readonly type = 'share';
  readonly protocolType = 'share';
  readonly groupId: string;
  readonly members = new Map<string, ShareMember>();
  /** "topicId:partition" → state. */
  readonly partitions = new Map<string, SharePartition>();
  /** The share partitions whose state was initialized, by topic id (record type 15). */
  readonly initialized = new Map<string, { topicName: string; partitions: Set<number> }>();
  groupEpoch = 0;

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  get state(): 'Empty' | 'Stable' {
    return this.members.size === 0 ? 'Empty' : 'Stable';
  }
}

interface ShareSession {
  /** The epoch the next request must carry. */
  epoch: number;
  partitions: Set<string>;
}

export interface PartitionAcks {
  topicId: string;
  partition: number;
  batches: { firstOffset: number; lastOffset: number; acknowledgeTypes: number[] }[];
}

export class ShareCoordinator {
  readonly #options: ShareCoordinatorOptions;
  readonly #groups = new Map<string, ShareGroup>();
  readonly #sessions = new Map<string, ShareSession>();

  constructor(options: ShareCoordinatorOptions) {
    this.#options = options;
  }

  group(groupId: string): ShareGroup | undefined {
    return this.#groups.get(groupId);
  }

  groups(): ShareGroup[] {
    return [...this.#groups.values()];
  }

  stop(): void {
    for (const g of this.#groups.values()) {
      for (const m of g.members.values()) if (m.sessionTimer) clearTimeout(m.sessionTimer);
      for (const p of g.partitions.values()) p.close();
    }
  }

  // -- persistence: loading and deleting groups ---------------------------------------------

  readonly #loader = new ShareGroupLoader();

  /** A share group record (types 10-15) read from __consumer_offsets while the broker starts. */
  replay(recordType: number, groupId: string, memberId: string | null, value: Buffer | null): void {
    this.#loader.replay(recordType, groupId, memberId, value);
  }

  /**
   * Every record was read: the groups come back with their epochs, members, assignments and
   * initialized partitions; members' session timers start now, so those that do not return
   * expire (and their records go), as a restarted Kafka coordinator does.
   */
  loaded(): void {
    for (const loaded of this.#loader.groups()) {
      const group = new ShareGroup(loaded.groupId);
      group.groupEpoch = loaded.epoch;
      for (const [id, t] of loaded.initialized) group.initialized.set(id, t);
      for (const [memberId, m] of loaded.members) {
        if (!m.metadata || !m.current) continue;
        const member: ShareMember = {
          memberId,
          memberEpoch: m.current.memberEpoch,
          rackId: m.metadata.rackId,
          clientId: m.metadata.clientId,
          clientHost: m.metadata.clientHost,
          subscribedTopicNames: m.metadata.subscribedTopicNames,
          assignment: new Map(m.current.assignedPartitions.map((tp) => [tp.topicId, tp.partitions])),
          sessionTimer: null,
        };
        group.members.set(memberId, member);
        this.#scheduleSession(group, member);
      }
      this.#groups.set(group.groupId, group);
    }
  }

  /**
   * DeleteGroups for a share group: GROUP_ID_NOT_FOUND unless it exists, NON_EMPTY_GROUP
   * while it has members; its records get tombstones and its share-partition state goes.
   */
  deleteGroup(groupId: string): number {
    const group = this.#groups.get(groupId);
    if (!this.knows(groupId)) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group && group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    for (const p of this.#options.state.partitionsOf(groupId)) {
      const error = this.#options.state.delete({ groupId, topicId: p.topicId, partition: p.partition });
      if (error !== 0) return error;
    }
    if (group) {
      const error = this.#options.persist(groupId, groupDeletionRecords(groupId));
      if (error !== 0) return error;
      for (const sp of group.partitions.values()) sp.close();
      this.#groups.delete(groupId);
    }
    return 0;
  }

  // -- membership ----------------------------------------------------------------------

  heartbeat(req: ShareHeartbeatRequest): ShareHeartbeatResult {
    const fail = (errorCode: number, errorMessage: string | null): ShareHeartbeatResult => ({ errorCode, errorMessage, memberId: req.memberId || null, memberEpoch: req.memberEpoch, assignment: null });
    if (req.groupId === '') return fail(ErrorCode.INVALID_REQUEST, 'GroupId can\'t be empty.');
    if (req.memberId === '') return fail(ErrorCode.INVALID_REQUEST, 'MemberId can\'t be empty.');
    if (req.memberEpoch < -1) return fail(ErrorCode.INVALID_REQUEST, `MemberEpoch is ${req.memberEpoch}, but must be greater than or equal to -1.`);
    if (req.memberEpoch === 0 && (req.subscribedTopicNames === null || req.subscribedTopicNames.length === 0)) {
      return fail(ErrorCode.INVALID_REQUEST, 'SubscribedTopicNames must be set in first request.');
    }
    if (this.#options.otherGroupExists(req.groupId)) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a share group.`);
    let group = this.#groups.get(req.groupId);
    if (req.memberEpoch === -1) {
      const member = group?.members.get(req.memberId);
      if (!group || !member) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`);
      this.#remove(group, member, 'left the group');
      return { errorCode: 0, errorMessage: null, memberId: req.memberId, memberEpoch: -1, assignment: null };
    }
    const existing = group?.members.get(req.memberId);
    if (req.memberEpoch === 0) {
      if (!existing && (group?.members.size ?? 0) >= this.#options.config('group.share.max.size')) {
        return fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The share group has reached its maximum capacity of ${this.#options.config('group.share.max.size')} members.`);
      }
    } else {
      if (!existing) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`);
      if (req.memberEpoch !== existing.memberEpoch) {
        return fail(ErrorCode.FENCED_MEMBER_EPOCH, `The share group member has a smaller member epoch (${req.memberEpoch}) than the one known by the group coordinator (${existing.memberEpoch}). The member must abandon all its partitions and rejoin.`);
      }
    }
    // What changes, computed first: it is written to __consumer_offsets before it is applied.
    const names = req.subscribedTopicNames === null ? (existing?.subscribedTopicNames ?? []) : [...new Set(req.subscribedTopicNames)].sort();
    const subscriptionChanged = !existing || names.join('\0') !== existing.subscribedTopicNames.join('\0');
    const rackId = req.rackId ?? existing?.rackId ?? null;
    const metadataChanged = subscriptionChanged || rackId !== existing!.rackId || req.clientId !== existing!.clientId || req.clientHost !== existing!.clientHost;
    const assignment = this.#assignmentFor(names);
    const assignmentChanged = !existing || !sameAssignment(assignment, existing.assignment);
    const groupEpoch = (group?.groupEpoch ?? 0) + (subscriptionChanged || assignmentChanged ? 1 : 0);
    const previousMemberEpoch = existing?.memberEpoch ?? 0;
    const epochChanged = !existing || previousMemberEpoch !== groupEpoch;
    const records = memberChangeRecords({
      groupId: req.groupId,
      memberId: req.memberId,
      metadata: metadataChanged ? { rackId, clientId: req.clientId, clientHost: req.clientHost, subscribedTopicNames: names } : null,
      groupEpoch: groupEpoch !== group?.groupEpoch ? groupEpoch : null,
      assignment: assignmentChanged ? assignment : null,
      current: epochChanged || assignmentChanged ? { memberEpoch: groupEpoch, previousMemberEpoch, assignment } : null,
      now: Date.now(),
    });
    if (records.length > 0) {
      const error = this.#options.persist(req.groupId, records);
      if (error !== 0) return fail(error, null);
    }
    if (!group) this.#groups.set(req.groupId, (group = new ShareGroup(req.groupId)));
    let member = existing;
    if (!member) {
      member = { memberId: req.memberId, memberEpoch: 0, rackId, clientId: req.clientId, clientHost: req.clientHost, subscribedTopicNames: names, assignment: new Map(), sessionTimer: null };
      group.members.set(member.memberId, member);
    }
    member.subscribedTopicNames = names;
    member.rackId = rackId;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    group.groupEpoch = groupEpoch;
    member.memberEpoch = groupEpoch;
    member.assignment = assignment;
    this.#scheduleSession(group, member);
    const send = req.memberEpoch === 0 || epochChanged || assignmentChanged;
    return {
      errorCode: 0,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      assignment: send ? [...assignment].map(([topicId, partitions]) => ({ topicId, partitions })) : null,
    };
  }

  #assignmentFor(subscribedTopicNames: readonly string[]): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const name of subscribedTopicNames) {
      const t = this.#options.logs.topic(name);
      if (t) out.set(t.topicId, Array.from({ length: t.partitions }, (_, i) => i));
    }
    return out;
  }

  #scheduleSession(group: ShareGroup, member: ShareMember): void {
    if (member.sessionTimer) {
      member.sessionTimer.refresh();
      return;
    }
    member.sessionTimer = setTimeout(() => {
      if (group.members.get(member.memberId) === member) this.#remove(group, member, 'session timeout expired');
    }, this.#groupNumber(group.groupId, 'share.session.timeout.ms', 'group.share.session.timeout.ms'));
    member.sessionTimer.unref();
  }

  /** A numeric group config of `groupId`, else the broker config `brokerName`. */
  #groupNumber(groupId: string, name: string, brokerName: string): number {
    const value = this.#options.groupConfig?.(groupId, name);
    return value === undefined ? this.#options.config(brokerName) : Number(value);
  }

  #remove(group: ShareGroup, member: ShareMember, reason: string): void {
    this.#options.log?.(`removing member ${member.memberId} of share group ${group.groupId}: ${reason}`);
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    // The member goes even if its tombstones cannot be written: after a restart it would come
    // back and expire again.
    const error = this.#options.persist(group.groupId, memberRemovalRecords(group.groupId, member.memberId, group.groupEpoch + 1));
    if (error !== 0) this.#options.log?.(`writing the removal of member ${member.memberId} of share group ${group.groupId} failed with error ${error}`);
    group.members.delete(member.memberId);
    group.groupEpoch++;
    this.#sessions.delete(`${group.groupId}\0${member.memberId}`);
    for (const p of group.partitions.values()) p.releaseMember(member.memberId);
  }

  // -- share sessions, acquisition, acknowledgement ----------------------------------------

  /**
   * Checks a ShareFetch/ShareAcknowledge against the member and its share session, opening
   * or closing the session as the epoch says. Returns 0 or the top-level error code.
   */
  session(groupId: string, memberId: string, epoch: number, add: { topicId: string; partition: number }[], forget: { topicId: string; partition: number }[], opening: boolean): number {
    const group = this.#groups.get(groupId);
    if (!group || !group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    const key = `${groupId}\0${memberId}`;
    if (epoch === 0) {
      if (!opening) return ErrorCode.INVALID_SHARE_SESSION_EPOCH;
      const old = this.#sessions.get(key);
      if (old) for (const p of group.partitions.values()) p.releaseMember(memberId);
      this.#sessions.set(key, { epoch: 1, partitions: new Set(add.map((p) => `${p.topicId}:${p.partition}`)) });
      return 0;
    }
    const session = this.#sessions.get(key);
    if (!session) return ErrorCode.SHARE_SESSION_NOT_FOUND;
    if (epoch === -1) return 0;
    if (epoch !== session.epoch) return ErrorCode.INVALID_SHARE_SESSION_EPOCH;
    session.epoch = session.epoch === 2147483647 ? 1 : session.epoch + 1;
    for (const p of add) session.partitions.add(`${p.topicId}:${p.partition}`);
    for (const p of forget) session.partitions.delete(`${p.topicId}:${p.partition}`);
    return 0;
  }

  /** Closes a share session (epoch -1), releasing what the member still holds. */
  closeSession(groupId: string, memberId: string): void {
    this.#sessions.delete(`${groupId}\0${memberId}`);
    const group = this.#groups.get(groupId);
    if (group) for (const p of group.partitions.values()) p.releaseMember(memberId);
  }

  sessionPartitions(groupId: string, memberId: string): { topicId: string; partition: number }[] {
    const session = this.#sessions.get(`${groupId}\0${memberId}`);
    if (!session) return [];
    return [...session.partitions].map((k) => {
      const i = k.lastIndexOf(':');
      return { topicId: k.slice(0, i), partition: Number(k.slice(i + 1)) };
    });
  }

  /**
   * The share partition: from its stored state, or, the first time the group fetches it,
   * initialized at `initialOffset()` (the group's share.auto.offset.reset; the log end,
   * latest, when not given). Undefined for an unknown group or when the state cannot be read
   * or written.
   */
  partition(groupId: string, topicId: string, partition: number, logEnd: number, initialOffset: () => number = () => logEnd): SharePartition | undefined {
    const group = this.#groups.get(groupId);
    if (!group) return undefined;
    const key = `${topicId}:${partition}`;
    let sp = group.partitions.get(key);
    if (sp) return sp;
    const { state } = this.#options;
    const id = { groupId, topicId, partition };
    const read = state.read(id, LEADER_EPOCH);
    if (read.errorCode !== 0) return undefined;
    let stored = read.state;
    if (!stored || stored.startOffset < 0) {
      if (state.initialize(id, (stored?.stateEpoch ?? -1) + 1, initialOffset()) !== 0) return undefined;
      stored = state.state(groupId, topicId, partition)!;
    }
    this.#markInitialized(group, topicId, partition);
    const stateEpoch = stored.stateEpoch;
    sp = new SharePartition(
      stored.startOffset,
      {
        lockDurationMs: () => this.#groupNumber(groupId, 'share.record.lock.duration.ms', 'group.share.record.lock.duration.ms'),
        deliveryCountLimit: () => this.#options.config('group.share.delivery.count.limit'),
        maxInFlight: () => this.#options.config('group.share.partition.max.record.locks'),
      },
      (change) => {
        const error = state.write(id, { stateEpoch, leaderEpoch: LEADER_EPOCH, ...change });
        if (error !== 0) this.#options.log?.(`writing the state of share partition ${groupId}/${topicId}-${partition} failed with error ${error}`);
      },
    );
    sp.restore(stored.stateBatches, logEnd);
    group.partitions.set(key, sp);
    return sp;
  }

  /** Records (type 15) that the group has state for this partition, if not yet recorded. */
  #markInitialized(group: ShareGroup, topicId: string, partition: number): void {
    if (group.initialized.get(topicId)?.partitions.has(partition)) return;
    const next = new Map([...group.initialized].map(([id, t]) => [id, { topicName: t.topicName, partitions: new Set(t.partitions) }]));
    const entry = next.get(topicId) ?? { topicName: this.#options.logs.topicById(topicId)?.name ?? '', partitions: new Set<number>() };
    entry.partitions.add(partition);
    next.set(topicId, entry);
    this.#writeInitialized(group, next);
  }

  #writeInitialized(group: ShareGroup, next: Map<string, { topicName: string; partitions: Set<number> }>): void {
    const error = this.#options.persist(group.groupId, [statePartitionRecord(group.groupId, next)]);
    if (error !== 0) {
      this.#options.log?.(`writing the initialized partitions of share group ${group.groupId} failed with error ${error}`);
      return;
    }
    group.initialized.clear();
    for (const [id, t] of next) group.initialized.set(id, t);
  }

  /** The start offset and finished-record count of a share partition, in memory or stored; null when it has no state. */
  startOffset(groupId: string, topicId: string, partition: number): { startOffset: number; deliveryCompleteCount: number } | null {
    const sp = this.#groups.get(groupId)?.partitions.get(`${topicId}:${partition}`);
    if (sp) return { startOffset: sp.startOffset, deliveryCompleteCount: sp.deliveryCompleteCount };
    const stored = this.#options.state.state(groupId, topicId, partition);
    if (!stored || stored.startOffset < 0) return null;
    return { startOffset: stored.startOffset, deliveryCompleteCount: Math.max(stored.deliveryCompleteCount, 0) };
  }

  /** The share partitions of a group with state (in memory or stored), as "topicId:partition". */
  partitionsWithState(groupId: string): Set<string> {
    const out = new Set(this.#groups.get(groupId)?.partitions.keys() ?? []);
    for (const p of this.#options.state.partitionsOf(groupId)) out.add(`${p.topicId}:${p.partition}`);
    return out;
  }

  /** Whether the id is a share group: one with members in memory, or stored share-partition state. */
  knows(groupId: string): boolean {
    return this.#groups.has(groupId) || this.#options.state.partitionsOf(groupId).length > 0;
  }

  acknowledge(groupId: string, memberId: string, acks: PartitionAcks): number {
    const sp = this.#groups.get(groupId)?.partitions.get(`${acks.topicId}:${acks.partition}`);
    if (!sp) return ErrorCode.INVALID_RECORD_STATE;
    let error = 0;
    for (const b of acks.batches) {
      const e = sp.acknowledge(memberId, b.firstOffset, b.lastOffset, b.acknowledgeTypes, ErrorCode.INVALID_RECORD_STATE);
      if (e !== 0) error = e;
    }
    return error;
  }

  // -- share-group offsets (DescribeShareGroupOffsets, AlterShareGroupOffsets, DeleteShareGroupOffsets)

  /** Sets a partition's start offset (the group must have no members; checked by the caller). */
  /**
   * Sets a partition's start offset (the group must have no members; checked by the caller):
   * a new state epoch, initialized at that offset, as Kafka's AlterShareGroupOffsets does.
   * Returns 0 or an error code.
   */
  alterStartOffset(groupId: string, topicId: string, partition: number, startOffset: number): number {
    let group = this.#groups.get(groupId);
    if (!group) this.#groups.set(groupId, (group = new ShareGroup(groupId)));
    const key = `${topicId}:${partition}`;
    group.partitions.get(key)?.close();
    group.partitions.delete(key);
    const { state } = this.#options;
    const error = state.initialize({ groupId, topicId, partition }, (state.state(groupId, topicId, partition)?.stateEpoch ?? -1) + 1, startOffset);
    if (error === 0) this.#markInitialized(group, topicId, partition);
    return error;
  }

  /** Deletes a topic's share-partition state (DeleteShareGroupState); the next fetch starts it afresh. Returns 0 or an error code. */
  deleteTopicState(groupId: string, topicId: string): number {
    const group = this.#groups.get(groupId);
    for (const [key, sp] of group?.partitions ?? []) {
      if (key.startsWith(`${topicId}:`)) {
        sp.close();
        group!.partitions.delete(key);
      }
    }
    let error = 0;
    for (const p of this.#options.state.partitionsOf(groupId)) {
      if (p.topicId !== topicId) continue;
      const e = this.#options.state.delete({ groupId, topicId, partition: p.partition });
      if (e !== 0) error = e;
    }
    if (group?.initialized.has(topicId)) {
      const next = new Map(group.initialized);
      next.delete(topicId);
      this.#writeInitialized(group, next);
    }
    return error;
  }

  /** A topic was deleted: every share group's state of its partitions goes, in memory and stored. */
  onTopicDeleted(topicId: string): void {
    const groupIds = new Set([...this.#groups.keys(), ...this.#options.state.groupIds()]);
    for (const groupId of groupIds) {
      const error = this.deleteTopicState(groupId, topicId);
      if (error !== 0) this.#options.log?.(`deleting the share state of deleted topic ${topicId} in group ${groupId} failed with error ${error}`);
    }
  }

  /** ShareFetch's acquisition; `recordLimit` is ShareAcquireMode 1 (v2): never more than maxRecords. */
  acquire(sp: SharePartition, memberId: string, maxRecords: number, log: ShareLog, recordLimit = false): AcquiredRange[] {
    return sp.acquire(memberId, maxRecords, log, recordLimit);
  }
}

function sameAssignment(a: Map<string, number[]>, b: Map<string, number[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [t, ps] of a) if (b.get(t)?.join(',') !== ps.join(',')) return false;
  return true;
}
