// One group of the consumer group protocol (KIP-848): members heartbeat with
// ConsumerGroupHeartbeat and the coordinator computes their assignment with a server-side
// assignor (uniform or range). State (as Kafka names it):
//
//   Empty ── member joins ──► Assigning ── target computed ──► Reconciling ── all members at
//     ▲                        (group epoch > assignment epoch)            the target epoch ──► Stable
//     └───── last member leaves / is fenced ◄──── any change bumps the group epoch ◄──────────┘
//
// Epochs: the group epoch rises with every change of membership, subscriptions or subscribed
// topics' partitions; the target assignment is recomputed when it is behind. Each member
// moves to the target epoch through Kafka's reconciliation: partitions it must give up are
// first removed from its assignment (UNREVOKED_PARTITIONS, its epoch unchanged) until it
// reports, in a heartbeat, that it no longer owns them; only then does it get the new epoch
// and those of its new partitions that no other member still owns (UNRELEASED_PARTITIONS
// until the rest are released). A member that does not revoke within its rebalance timeout,
// or stops heartbeating for group.consumer.session.timeout.ms, is fenced (removed).
//
// Persistence: every change is written to __consumer_offsets as Kafka's records (types 3, 5,
// 6, 7, 8) at the end of the heartbeat or timer that made it, and load() rebuilds the group.
// Static members (group.instance.id): a leave with epoch -2 keeps the member and its
// partitions until its session expires; a new member id joining with the same instance id
// then takes its place, epoch and partitions without a rebalance (UNRELEASED_INSTANCE_ID
// while the previous one is still active, FENCED_INSTANCE_ID for a replaced one).
// Omitted for now: classic members inside a consumer group (upgrade path).

import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/index.ts';
import { ASSIGNORS, type Assignment, type AssignorTopic } from './assignors.ts';
import type { CommittedOffset, JoinRequest, JoinResult, SyncRequest, SyncResult } from './classic-group.ts';
import { decodeConsumerAssignment, decodeConsumerSubscription, encodeConsumerAssignment } from './consumer-protocol.ts';
import {
  RECORD_TYPE_CONSUMER_CURRENT_MEMBER_ASSIGNMENT,
  RECORD_TYPE_CONSUMER_REGULAR_EXPRESSION,
  RECORD_TYPE_CONSUMER_GROUP_METADATA,
  RECORD_TYPE_CONSUMER_MEMBER_METADATA,
  RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_MEMBER,
  RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_METADATA,
  encodeConsumerGroupMetadataValue,
  encodeRegularExpressionValue,
  encodeConsumerKey,
  encodeConsumerMemberMetadataValue,
  encodeCurrentAssignmentValue,
  encodeTargetAssignmentMemberValue,
  encodeTargetAssignmentMetadataValue,
  type ClassicMemberMetadata,
  type ConsumerCurrentAssignmentValue,
  type ConsumerMemberMetadataValue,
  type GroupMetadataValue,
  type TopicPartitionsValue,
} from './records.ts';

/** Kafka's MemberState codes in ConsumerGroupCurrentMemberAssignmentValue. */
const STATE_CODES = { UNREVOKED_PARTITIONS: 0, UNRELEASED_PARTITIONS: 1, STABLE: 2 } as const;

/** What loading __consumer_offsets found for one consumer group. */
export interface LoadedConsumerGroup {
  epoch: number;
  assignmentEpoch: number;
  members: Map<string, { metadata?: ConsumerMemberMetadataValue; target?: TopicPartitionsValue[]; current?: ConsumerCurrentAssignmentValue }>;
  /** Regular expressions with a stored resolution (type 16): regex → topic names. */
  regexes?: Map<string, string[]>;
}

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead';
type MemberState = 'STABLE' | 'UNREVOKED_PARTITIONS' | 'UNRELEASED_PARTITIONS';

export interface ConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberState;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  rebalanceTimeoutMs: number;
  assigned: Assignment;
  pendingRevocation: Assignment;
  sessionTimer: NodeJS.Timeout | null;
  revocationTimer: NodeJS.Timeout | null;
  /** Set for a member that uses the classic protocol (JoinGroup/SyncGroup/Heartbeat) in this group. */
  classic: ClassicMemberMetadata | null;
}

/** A member as it joins (epoch 0, nothing subscribed or assigned yet), whichever protocol it speaks. */
function newMember(who: Pick<ConsumerMember, 'memberId' | 'instanceId' | 'rackId' | 'clientId' | 'clientHost' | 'rebalanceTimeoutMs'>): ConsumerMember {
  return {
    ...who,
    memberEpoch: 0,
    previousMemberEpoch: -1,
    state: 'STABLE',
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    serverAssignor: null,
    assigned: new Map(),
    pendingRevocation: new Map(),
    sessionTimer: null,
    revocationTimer: null,
    classic: null,
  };
}

/** The classic-protocol requests a group answers (a ClassicGroup, or the classic members of a ConsumerGroup). */
export interface ClassicMembership {
  join(req: JoinRequest): Promise<JoinResult> | JoinResult;
  sync(req: SyncRequest): Promise<SyncResult> | SyncResult;
  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number): number;
  leave(memberId: string, groupInstanceId: string | null, reason: string | null): number;
}

export interface HeartbeatRequest {
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: { topicId: string; partitions: number[] }[] | null;
  clientId: string;
  clientHost: string;
}

export interface HeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  assignment: { topicId: string; partitions: number[] }[] | null;
}

export interface ConsumerGroupHost {
  now(): number;
  /** The group's session timeout (its consumer.session.timeout.ms, else the broker's). */
  sessionTimeoutMs(groupId: string): number;
  maxSize(): number;
  assignors(): string[];
  /** Existing topics by name (for subscriptions). */
  topics(): { name: string; topicId: string; partitions: number }[];
  log(message: string): void;
  /** Appends records (key, value or null) to the group's __consumer_offsets partition; 0 or an error code. */
  persist(groupId: string, records: { key: Buffer; value: Buffer | null }[]): number;
  /** Called after members were removed: the coordinator may turn the group back into a classic one. */
  membersRemoved?(group: ConsumerGroup): void;
}

function clone(a: Assignment): Assignment {
  return new Map([...a].map(([t, s]) => [t, new Set(s)]));
}

function size(a: Assignment): number {
  let n = 0;
  for (const s of a.values()) n += s.size;
  return n;
}

function minus(a: Assignment, b: Assignment): Assignment {
  const out: Assignment = new Map();
  for (const [t, s] of a) {
    const left = [...s].filter((p) => !b.get(t)?.has(p));
    if (left.length > 0) out.set(t, new Set(left));
  }
  return out;
}

function intersect(a: Assignment, b: Assignment): Assignment {
  const out: Assignment = new Map();
  for (const [t, s] of a) {
    const both = [...s].filter((p) => b.get(t)?.has(p));
    if (both.length > 0) out.set(t, new Set(both));
  }
  return out;
}

function equal(a: Assignment, b: Assignment): boolean {
  return size(a) === size(b) && size(intersect(a, b)) === size(a);
}

export function toWire(a: Assignment): { topicId: string; partitions: number[] }[] {
  return [...a].filter(([, s]) => s.size > 0).map(([topicId, s]) => ({ topicId, partitions: [...s].sort((x, y) => x - y) }));
}

function fromWire(list: { topicId: string; partitions: number[] }[]): Assignment {
  const out: Assignment = new Map();
  for (const { topicId, partitions } of list) if (partitions.length > 0) out.set(topicId, new Set(partitions));
  return out;
}

export class ConsumerGroup {
  readonly type = 'consumer';
  readonly groupId: string;
  readonly #host: ConsumerGroupHost;
  readonly members = new Map<string, ConsumerMember>();
  /** group.instance.id → member id (static members, KIP-345 in KIP-848 groups). */
  readonly staticMembers = new Map<string, string>();
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  readonly protocolType = 'consumer';
  hasStoredMetadata = false;
  stateTimestamp: number;
  groupEpoch = 0;
  assignmentEpoch = 0;
  target = new Map<string, Assignment>();
  #dead = false;
  #topicsSignature = '';
  /** The member a static rejoin just created (handled by the rest of the heartbeat). */
  #replaced: ConsumerMember | null = null;
  #wasReplaced = false;
  // What changed since the last flush to __consumer_offsets.
  #dirtyGroup = false;
  /** The regex resolutions last written (type 16). */
  #regexes = new Map<string, string[]>();
  #dirtyTarget = false;
  readonly #dirtyMembers = new Set<string>();
  readonly #dirtyCurrent = new Set<string>();
  readonly #removed = new Set<string>();

  constructor(groupId: string, host: ConsumerGroupHost) {
    this.groupId = groupId;
    this.#host = host;
    this.stateTimestamp = host.now();
  }

  get state(): ConsumerGroupState {
    if (this.#dead) return 'Dead';
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) if (m.memberEpoch !== this.assignmentEpoch || m.state !== 'STABLE') return 'Reconciling';
    return 'Stable';
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  /** The assignor the group uses: the one most members ask for, else the first configured. */
  get assignorName(): string {
    const votes = new Map<string, number>();
    for (const m of this.members.values()) if (m.serverAssignor) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best = this.#host.assignors()[0] ?? 'uniform';
    let most = 0;
    for (const [name, n] of votes) if (n > most) [best, most] = [name, n];
    return best;
  }

  // -- ConsumerGroupHeartbeat ---------------------------------------------------------

  heartbeat(req: HeartbeatRequest): HeartbeatResult {
    const fail = (errorCode: number, errorMessage: string | null = null): HeartbeatResult => ({ errorCode, errorMessage, memberId: req.memberId || null, memberEpoch: req.memberEpoch, assignment: null });
    if (req.serverAssignor !== null && !this.#host.assignors().includes(req.serverAssignor)) {
      return fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${this.#host.assignors().join(', ')}.`);
    }
    if (req.memberEpoch === -1 || req.memberEpoch === -2) {
      const member = this.members.get(req.memberId);
      if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${this.groupId}.`);
      if (req.memberEpoch === -2 && member.instanceId !== null) {
        // A static member leaving for a while (a restart): it keeps its place and partitions
        // until its session times out or its next incarnation joins.
        if (member.memberEpoch !== -2) member.previousMemberEpoch = member.memberEpoch;
        member.memberEpoch = -2;
        this.#dirtyCurrent.add(member.memberId);
        this.#flush();
        return { errorCode: 0, errorMessage: null, memberId: req.memberId, memberEpoch: -2, assignment: null };
      }
      this.#remove(member, 'left the group');
      this.#flush();
      this.#host.membersRemoved?.(this);
      return { errorCode: 0, errorMessage: null, memberId: req.memberId, memberEpoch: -1, assignment: null };
    }
    if (req.instanceId !== null) {
      const holder = this.staticMembers.get(req.instanceId);
      if (holder !== undefined && holder !== req.memberId) {
        const previous = this.members.get(holder);
        if (req.memberEpoch !== 0) return fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by ${holder}.`);
        if (previous && previous.memberEpoch !== -2) {
          return fail(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${holder} with instance id ${req.instanceId} is not released yet.`);
        }
        if (previous) this.#replaceStatic(previous, req.memberId);
      }
    }

    let member = this.members.get(req.memberId);
    let joined = false;
    if (req.memberEpoch === 0 && member && req.instanceId !== null && member.instanceId === req.instanceId && member.memberEpoch > 0 && this.#replaced === member) {
      // The new incarnation of a static member: it carries on with the old one's assignment.
      this.#replaced = null;
    } else if (req.memberEpoch === 0) {
      if (member) {
        this.#remove(member, 'rejoined with epoch 0');
        this.#removed.delete(member.memberId);
      }
      if (this.members.size >= this.#host.maxSize()) return fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.#host.maxSize()} members.`);
      member = newMember({ memberId: req.memberId, instanceId: req.instanceId, rackId: req.rackId, clientId: req.clientId, clientHost: req.clientHost, rebalanceTimeoutMs: req.rebalanceTimeoutMs });
      this.members.set(member.memberId, member);
      if (req.instanceId !== null) this.staticMembers.set(req.instanceId, member.memberId);
      joined = true;
    } else {
      if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${this.groupId}.`);
      if (req.memberEpoch !== member.memberEpoch) {
        // A lost response: the member is one epoch behind and owns nothing it should not.
        const owned = req.topicPartitions ? fromWire(req.topicPartitions) : null;
        const benign = req.memberEpoch === member.previousMemberEpoch && owned !== null && size(minus(owned, member.assigned)) === 0;
        if (!benign) return fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${req.memberEpoch}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
      }
    }

    if (req.memberEpoch === 0) joined = true;
    const before = { epoch: member.memberEpoch, assigned: clone(member.assigned) };
    let changed = joined && !this.#wasReplaced;
    this.#wasReplaced = false;
    const names = req.subscribedTopicNames === null ? null : [...new Set(req.subscribedTopicNames)].sort();
    if (names !== null && names.join('\0') !== member.subscribedTopicNames.join('\0')) {
      member.subscribedTopicNames = names;
      changed = true;
    }
    if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== member.subscribedTopicRegex) {
      member.subscribedTopicRegex = req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex;
      changed = true;
    }
    if (req.serverAssignor !== null && req.serverAssignor !== member.serverAssignor) {
      member.serverAssignor = req.serverAssignor;
      changed = true;
    }
    if (req.rebalanceTimeoutMs > 0) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    if (req.rackId !== null) member.rackId = req.rackId;
    if (req.instanceId !== null) member.instanceId = req.instanceId;
    const metadataChanged = changed || member.clientId !== req.clientId || member.clientHost !== req.clientHost;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    if (metadataChanged || joined) this.#dirtyMembers.add(member.memberId);

    const signature = this.#subscribedTopicsSignature();
    if (signature !== this.#topicsSignature) {
      this.#topicsSignature = signature;
      changed = true;
    }
    if (changed) this.#bumpEpoch();
    if (this.groupEpoch > this.assignmentEpoch) this.#computeTargetAssignment();
    this.#reconcile(member, req.topicPartitions ? fromWire(req.topicPartitions) : null);
    this.#scheduleSession(member);

    const send = joined || req.topicPartitions !== null || member.memberEpoch !== before.epoch || !equal(member.assigned, before.assigned);
    const error = this.#flush();
    if (error !== 0) return fail(error, 'The coordinator could not store the change.');
    return { errorCode: 0, errorMessage: null, memberId: member.memberId, memberEpoch: member.memberEpoch, assignment: send ? toWire(member.assigned) : null };
  }

  #bumpEpoch(): void {
    this.groupEpoch = Math.max(this.groupEpoch, this.assignmentEpoch) + 1;
    this.stateTimestamp = this.#host.now();
    this.#dirtyGroup = true;
  }

  /** Topic ids (with partition counts) of what the members subscribe to, by name or regex. */
  #subscribedTopics(member: ConsumerMember, byName: Map<string, { name: string; topicId: string; partitions: number }>): Set<string> {
    const ids = new Set<string>();
    for (const name of member.subscribedTopicNames) {
      const t = byName.get(name);
      if (t) ids.add(t.topicId);
    }
    if (member.subscribedTopicRegex) {
      let re: RegExp | null = null;
      try {
        re = new RegExp(`^(?:${member.subscribedTopicRegex})$`);
      } catch {
        re = null;
      }
      if (re) for (const t of byName.values()) if (!t.name.startsWith('__') && re.test(t.name)) ids.add(t.topicId);
    }
    return ids;
  }

  #subscribedTopicsSignature(): string {
    const byName = new Map(this.#host.topics().map((t) => [t.name, t]));
    const ids = new Set<string>();
    for (const m of this.members.values()) for (const id of this.#subscribedTopics(m, byName)) ids.add(id);
    const byId = new Map([...byName.values()].map((t) => [t.topicId, t]));
    return [...ids].sort().map((id) => `${id}:${byId.get(id)!.partitions}`).join(',');
  }

  #computeTargetAssignment(): void {
    const all = this.#host.topics();
    const byName = new Map(all.map((t) => [t.name, t]));
    const topics = new Map<string, AssignorTopic>(all.map((t) => [t.topicId, t]));
    const assignor = ASSIGNORS.get(this.assignorName) ?? ASSIGNORS.get('uniform')!;
    const members = [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      topics: this.#subscribedTopics(m, byName),
      current: this.target.get(m.memberId) ?? m.assigned,
    }));
    this.target = assignor(members, topics);
    this.assignmentEpoch = this.groupEpoch;
    this.#dirtyTarget = true;
    this.#host.log(`group ${this.groupId}: target assignment at epoch ${this.assignmentEpoch} (${this.assignorName}, ${members.length} members)`);
  }

  /** Whether another member still holds a partition (assigned or pending revocation). */
  #ownedByOther(member: ConsumerMember, topicId: string, partition: number): boolean {
    for (const m of this.members.values()) {
      if (m === member) continue;
      if (m.assigned.get(topicId)?.has(partition) || m.pendingRevocation.get(topicId)?.has(partition)) return true;
    }
    return false;
  }

  /** Kafka's CurrentAssignmentBuilder: one step of the member towards its target. */
  #reconcile(member: ConsumerMember, owned: Assignment | null): void {
    if (member.state === 'UNREVOKED_PARTITIONS') {
      const stillOwned = owned === null ? member.pendingRevocation : intersect(owned, member.pendingRevocation);
      if (size(stillOwned) > 0) return;
      member.pendingRevocation = new Map();
      if (member.revocationTimer) clearTimeout(member.revocationTimer);
      member.revocationTimer = null;
      this.#dirtyCurrent.add(member.memberId);
    } else if (member.state === 'STABLE' && member.memberEpoch === this.assignmentEpoch) {
      return;
    }
    this.#dirtyCurrent.add(member.memberId);
    const target = this.target.get(member.memberId) ?? new Map();
    const keep = intersect(member.assigned, target);
    const revoke = minus(member.assigned, target);
    if (size(revoke) > 0) {
      member.assigned = keep;
      member.pendingRevocation = revoke;
      member.state = 'UNREVOKED_PARTITIONS';
      const generation = this.assignmentEpoch;
      member.revocationTimer = setTimeout(() => {
        if (this.members.get(member.memberId) === member && member.state === 'UNREVOKED_PARTITIONS' && this.assignmentEpoch >= generation) {
          this.#remove(member, `did not revoke its partitions within ${member.rebalanceTimeoutMs} ms`);
          this.#flush();
          this.#host.membersRemoved?.(this);
        }
      }, Math.max(member.rebalanceTimeoutMs, 1));
      member.revocationTimer.unref();
      return;
    }
    const wanted = minus(target, keep);
    let unreleased = 0;
    const next = clone(keep);
    for (const [t, set] of wanted) {
      for (const p of set) {
        if (this.#ownedByOther(member, t, p)) unreleased++;
        else {
          let s = next.get(t);
          if (!s) next.set(t, (s = new Set()));
          s.add(p);
        }
      }
    }
    member.assigned = next;
    if (member.memberEpoch !== this.assignmentEpoch) {
      member.previousMemberEpoch = member.memberEpoch;
      member.memberEpoch = this.assignmentEpoch;
    }
    member.state = unreleased > 0 ? 'UNRELEASED_PARTITIONS' : 'STABLE';
  }

  // -- sessions and removal -------------------------------------------------------------

  #scheduleSession(member: ConsumerMember): void {
    if (member.sessionTimer) {
      member.sessionTimer.refresh();
      return;
    }
    member.sessionTimer = setTimeout(() => {
      if (this.members.get(member.memberId) === member) {
        this.#remove(member, 'session timeout expired');
        this.#flush();
        this.#host.membersRemoved?.(this);
      }
    }, member.classic?.sessionTimeoutMs ?? this.#host.sessionTimeoutMs(this.groupId));
    member.sessionTimer.unref();
  }

  #remove(member: ConsumerMember, reason: string): void {
    this.#host.log(`fencing member ${member.memberId} of consumer group ${this.groupId}: ${reason}`);
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    if (member.revocationTimer) clearTimeout(member.revocationTimer);
    this.members.delete(member.memberId);
    this.target.delete(member.memberId);
    if (member.instanceId !== null && this.staticMembers.get(member.instanceId) === member.memberId) this.staticMembers.delete(member.instanceId);
    this.#removed.add(member.memberId);
    this.#dirtyMembers.delete(member.memberId);
    this.#dirtyCurrent.delete(member.memberId);
    this.#bumpEpoch();
  }

  /**
   * KIP-848 static membership: a new member id for a known group.instance.id whose previous
   * incarnation left with epoch -2 takes its place, epoch and partitions, with no change to
   * the group epoch (so no rebalance).
   */
  #replaceStatic(previous: ConsumerMember, memberId: string): void {
    this.#host.log(`static member ${previous.instanceId} of group ${this.groupId} rejoined as ${memberId} (was ${previous.memberId})`);
    if (previous.sessionTimer) clearTimeout(previous.sessionTimer);
    if (previous.revocationTimer) clearTimeout(previous.revocationTimer);
    this.members.delete(previous.memberId);
    this.#removed.add(previous.memberId);
    this.#dirtyMembers.delete(previous.memberId);
    this.#dirtyCurrent.delete(previous.memberId);
    const member: ConsumerMember = {
      ...previous,
      memberId,
      memberEpoch: previous.memberEpoch === -2 ? previous.previousMemberEpoch : previous.memberEpoch,
      previousMemberEpoch: -1,
      sessionTimer: null,
      revocationTimer: null,
    };
    this.members.set(member.memberId, member);
    this.staticMembers.set(member.instanceId!, member.memberId);
    const target = this.target.get(previous.memberId);
    this.target.delete(previous.memberId);
    if (target) this.target.set(member.memberId, target);
    this.#dirtyTarget = true;
    this.#dirtyMembers.add(member.memberId);
    this.#dirtyCurrent.add(member.memberId);
    this.#replaced = member;
    this.#wasReplaced = true;
  }

  // -- classic members (KIP-848 online migration) --------------------------------------------
  //
  // A consumer group hosts members that use the classic protocol after an upgrade from a
  // classic group, or when they join a consumer group that has members, as Kafka's
  // classicGroupJoinToConsumerGroup does: their JoinGroup is a heartbeat with the
  // subscription (and owned partitions) of their first protocol, answered at once with their
  // member epoch as the generation, no leader and no member list; SyncGroup hands them their
  // assignment in the consumer protocol's layout; Heartbeat asks them to rejoin
  // (REBALANCE_IN_PROGRESS) until they are stable at the current assignment epoch.

  readonly classicMembers: ClassicMembership = {
    join: (req) => this.#classicJoin(req),
    sync: (req) => this.#classicSync(req),
    heartbeat: (memberId, groupInstanceId, generationId) => this.#classicHeartbeat(memberId, groupInstanceId, generationId),
    leave: (memberId, groupInstanceId, reason) => this.#classicLeave(memberId, groupInstanceId, reason),
  };

  #classicJoin(req: JoinRequest): JoinResult {
    const fail = (errorCode: number, memberId = req.memberId): JoinResult => ({ errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] });
    if (req.protocolType !== 'consumer' || req.protocols.length === 0) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const unknown = req.memberId === '';
    const memberId = unknown ? `${req.clientId}-${randomUUID()}` : req.memberId;
    let member = this.members.get(memberId);
    if (!member && this.members.size >= this.#host.maxSize()) return fail(ErrorCode.GROUP_MAX_SIZE_REACHED);
    if (unknown && req.apiVersion >= 4 && req.groupInstanceId === null) return fail(ErrorCode.MEMBER_ID_REQUIRED, memberId);
    // A member id the group does not know is taken as given (the one MEMBER_ID_REQUIRED handed
    // out); a member of the consumer protocol cannot use JoinGroup.
    if (member && member.classic === null) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.groupInstanceId !== null) {
      const holder = this.staticMembers.get(req.groupInstanceId);
      if (holder !== undefined && holder !== memberId) {
        if (!unknown) return fail(ErrorCode.FENCED_INSTANCE_ID);
        // A static member's new incarnation takes its place, epoch and partitions (no
        // rebalance), as Kafka hands a static member over; the old member id is fenced.
        const previous = this.members.get(holder);
        if (previous) {
          this.#replaceStatic(previous, memberId);
          this.#replaced = null;
          this.#wasReplaced = false;
          member = this.members.get(memberId);
        }
      }
    }
    const subscription = decodeConsumerSubscription(req.protocols[0]!.metadata) ?? { topics: [], ownedPartitions: [], rackId: null };
    const names = [...new Set(subscription.topics)].sort();
    let changed = false;
    if (!member) {
      member = newMember({ memberId, instanceId: req.groupInstanceId, rackId: null, clientId: req.clientId, clientHost: req.clientHost, rebalanceTimeoutMs: req.rebalanceTimeoutMs });
      this.members.set(memberId, member);
      if (req.groupInstanceId !== null) this.staticMembers.set(req.groupInstanceId, memberId);
      changed = true;
    }
    if (names.join('\0') !== member.subscribedTopicNames.join('\0')) {
      member.subscribedTopicNames = names;
      changed = true;
    }
    if (subscription.rackId !== null) member.rackId = subscription.rackId;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    member.classic = { sessionTimeoutMs: req.sessionTimeoutMs, supportedProtocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })) };
    this.#dirtyMembers.add(memberId);
    const signature = this.#subscribedTopicsSignature();
    if (signature !== this.#topicsSignature) {
      this.#topicsSignature = signature;
      changed = true;
    }
    if (changed) this.#bumpEpoch();
    if (this.groupEpoch > this.assignmentEpoch) this.#computeTargetAssignment();
    // A cooperative member lists what it still owns; an eager one gave everything up before
    // joining, so a revocation asked of it is already done and it moves on in the same join.
    const owned = this.#idsOf(subscription.ownedPartitions);
    this.#reconcile(member, owned);
    if (member.state === 'UNREVOKED_PARTITIONS') this.#reconcile(member, owned);
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    member.sessionTimer = null;
    this.#scheduleSession(member);
    const error = this.#flush();
    if (error !== 0) return fail(error);
    return { errorCode: 0, generationId: member.memberEpoch, protocolType: 'consumer', protocolName: req.protocols[0]!.name, leader: '', skipAssignment: false, memberId, members: [] };
  }

  #classicSync(req: SyncRequest): SyncResult {
    const fail = (errorCode: number): SyncResult => ({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    if (this.#fencedInstance(req.memberId, req.groupInstanceId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    const member = this.members.get(req.memberId);
    if (!member || member.classic === null) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.groupInstanceId !== null && member.instanceId !== req.groupInstanceId) return fail(ErrorCode.FENCED_INSTANCE_ID);
    if (req.generationId !== member.memberEpoch) return fail(ErrorCode.ILLEGAL_GENERATION);
    const protocols = member.classic.supportedProtocols;
    if ((req.protocolType !== null && req.protocolType !== 'consumer') || (req.protocolName !== null && !protocols.some((p) => p.name === req.protocolName))) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    this.#scheduleSession(member);
    return { errorCode: 0, protocolType: 'consumer', protocolName: req.protocolName ?? protocols[0]!.name, assignment: encodeConsumerAssignment(this.#namesOf(member.assigned)) };
  }

  #classicHeartbeat(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.#fencedInstance(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = this.members.get(memberId);
    if (!member || member.classic === null) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (groupInstanceId !== null && member.instanceId !== groupInstanceId) return ErrorCode.FENCED_INSTANCE_ID;
    if (generationId !== member.memberEpoch) return ErrorCode.ILLEGAL_GENERATION;
    this.#scheduleSession(member);
    return member.state !== 'STABLE' || member.memberEpoch !== this.assignmentEpoch ? ErrorCode.REBALANCE_IN_PROGRESS : 0;
  }

  #classicLeave(memberId: string, groupInstanceId: string | null, reason: string | null): number {
    const id = memberId !== '' ? memberId : groupInstanceId !== null ? this.staticMembers.get(groupInstanceId) : undefined;
    const member = id === undefined ? undefined : this.members.get(id);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (groupInstanceId !== null && member.instanceId !== groupInstanceId) return ErrorCode.FENCED_INSTANCE_ID;
    this.#remove(member, reason ? `left the group: ${reason}` : 'left the group');
    const error = this.#flush();
    this.#host.membersRemoved?.(this);
    return error;
  }

  /** Whether the group.instance.id now belongs to another member id (a replaced static member). */
  #fencedInstance(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const holder = this.staticMembers.get(groupInstanceId);
    return holder !== undefined && holder !== memberId;
  }

  /** Partitions by topic name → by topic id (unknown topics dropped). */
  #idsOf(list: { topic: string; partitions: number[] }[]): Assignment {
    const byName = new Map(this.#host.topics().map((t) => [t.name, t.topicId]));
    const out: Assignment = new Map();
    for (const { topic, partitions } of list) {
      const id = byName.get(topic);
      if (id !== undefined && partitions.length > 0) out.set(id, new Set(partitions));
    }
    return out;
  }

  /** Partitions by topic id → by topic name, sorted (unknown topics dropped). */
  #namesOf(a: Assignment): Map<string, number[]> {
    const byId = new Map(this.#host.topics().map((t) => [t.topicId, t.name]));
    const out = new Map<string, number[]>();
    for (const [id, set] of a) {
      const name = byId.get(id);
      if (name !== undefined && set.size > 0) out.set(name, [...set].sort((x, y) => x - y));
    }
    return out;
  }

  /** Whether every member uses the classic protocol (then the group may become classic again). */
  allMembersClassic(): boolean {
    for (const m of this.members.values()) if (m.classic === null) return false;
    return this.members.size > 0;
  }

  /**
   * The classic group this one becomes (Kafka's convertToClassicGroup): generation = the
   * assignment epoch (the group epoch before the leaving member's removal bumped it, which
   * the remaining members are at), a protocol every member supports (the first member's first such), each member's
   * current assignment in the consumer protocol's layout. Only for allMembersClassic().
   */
  toClassicRecord(now: number): GroupMetadataValue {
    const members = [...this.members.values()];
    const first = members[0]!.classic!.supportedProtocols;
    const protocol = first.find((p) => members.every((m) => m.classic!.supportedProtocols.some((q) => q.name === p.name)))?.name ?? first[0]!.name;
    return {
      protocolType: 'consumer',
      generation: this.assignmentEpoch,
      protocol,
      leader: members[0]!.memberId,
      currentStateTimestamp: now,
      members: members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.classic!.sessionTimeoutMs,
        subscription: m.classic!.supportedProtocols.find((p) => p.name === protocol)?.metadata ?? Buffer.alloc(0),
        assignment: encodeConsumerAssignment(this.#namesOf(m.assigned)),
      })),
    };
  }

  /**
   * The group a classic group becomes (Kafka's ConsumerGroup.fromClassicGroup): each member
   * keeps its generation as member epoch, its subscription and its assignment (which is also
   * the target), and becomes a classic member of this group.
   */
  adoptClassicMembers(classic: GroupMetadataValue): void {
    const byName = new Map(this.#host.topics().map((t) => [t.name, t.topicId]));
    this.groupEpoch = classic.generation;
    this.assignmentEpoch = classic.generation;
    for (const m of classic.members) {
      const subscription = decodeConsumerSubscription(m.subscription) ?? { topics: [], ownedPartitions: [], rackId: null };
      const assigned: Assignment = new Map();
      for (const [topic, partitions] of decodeConsumerAssignment(m.assignment)) {
        const id = byName.get(topic);
        if (id !== undefined && partitions.length > 0) assigned.set(id, new Set(partitions));
      }
      const member: ConsumerMember = {
        memberId: m.memberId,
        instanceId: m.groupInstanceId,
        rackId: subscription.rackId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberEpoch: classic.generation,
        previousMemberEpoch: -1,
        state: 'STABLE',
        subscribedTopicNames: [...new Set(subscription.topics)].sort(),
        subscribedTopicRegex: null,
        serverAssignor: null,
        rebalanceTimeoutMs: m.rebalanceTimeout,
        assigned,
        pendingRevocation: new Map(),
        sessionTimer: null,
        revocationTimer: null,
        classic: { sessionTimeoutMs: m.sessionTimeout, supportedProtocols: [{ name: classic.protocol ?? '', metadata: m.subscription }] },
      };
      this.members.set(member.memberId, member);
      if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
      this.target.set(member.memberId, clone(assigned));
      this.#dirtyMembers.add(member.memberId);
      this.#dirtyCurrent.add(member.memberId);
      this.#scheduleSession(member);
    }
    this.#topicsSignature = this.#subscribedTopicsSignature();
    this.#dirtyGroup = true;
    this.#dirtyTarget = true;
  }

  /** Writes what adoptClassicMembers() set up; 0 or an error code. */
  persistAll(): number {
    return this.#flush();
  }

  /** Tombstones for every record of the group: members' records, then the group-level ones. */
  allTombstones(): { key: Buffer; value: null }[] {
    const out: { key: Buffer; value: null }[] = [];
    for (const id of this.members.keys()) {
      out.push({ key: encodeConsumerKey(RECORD_TYPE_CONSUMER_CURRENT_MEMBER_ASSIGNMENT, this.groupId, id), value: null });
      out.push({ key: encodeConsumerKey(RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_MEMBER, this.groupId, id), value: null });
      out.push({ key: encodeConsumerKey(RECORD_TYPE_CONSUMER_MEMBER_METADATA, this.groupId, id), value: null });
    }
    return [...out, ...this.tombstones()];
  }

  // -- persistence (record types 3, 5, 6, 7, 8, in the order Kafka writes them) ----------------

  #flush(): number {
    if (this.#dead) return 0;
    const records: { key: Buffer; value: Buffer | null }[] = [];
    const key = (type: number, memberId: string | null = null) => encodeConsumerKey(type, this.groupId, memberId);
    for (const id of this.#removed) {
      records.push({ key: key(RECORD_TYPE_CONSUMER_CURRENT_MEMBER_ASSIGNMENT, id), value: null });
      records.push({ key: key(RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_MEMBER, id), value: null });
      records.push({ key: key(RECORD_TYPE_CONSUMER_MEMBER_METADATA, id), value: null });
    }
    for (const id of this.#dirtyMembers) {
      const m = this.members.get(id);
      if (!m) continue;
      records.push({
        key: key(RECORD_TYPE_CONSUMER_MEMBER_METADATA, id),
        value: encodeConsumerMemberMetadataValue({
          instanceId: m.instanceId,
          rackId: m.rackId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: m.subscribedTopicNames,
          subscribedTopicRegex: m.subscribedTopicRegex,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          serverAssignor: m.serverAssignor,
          classicMemberMetadata: m.classic,
        }),
      });
    }
    records.push(...this.#regexRecords());
    if (this.#dirtyGroup) records.push({ key: key(RECORD_TYPE_CONSUMER_GROUP_METADATA), value: encodeConsumerGroupMetadataValue(this.groupEpoch) });
    if (this.#dirtyTarget) {
      for (const [id, a] of this.target) records.push({ key: key(RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_MEMBER, id), value: encodeTargetAssignmentMemberValue(toWire(a)) });
      records.push({ key: key(RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_METADATA), value: encodeTargetAssignmentMetadataValue(this.assignmentEpoch) });
    }
    for (const id of this.#dirtyCurrent) {
      const m = this.members.get(id);
      if (!m) continue;
      records.push({
        key: key(RECORD_TYPE_CONSUMER_CURRENT_MEMBER_ASSIGNMENT, id),
        value: encodeCurrentAssignmentValue({
          memberEpoch: m.memberEpoch,
          previousMemberEpoch: m.previousMemberEpoch,
          state: STATE_CODES[m.state],
          assignedPartitions: toWire(m.assigned),
          partitionsPendingRevocation: toWire(m.pendingRevocation),
        }),
      });
    }
    this.#removed.clear();
    this.#dirtyMembers.clear();
    this.#dirtyCurrent.clear();
    this.#dirtyGroup = false;
    this.#dirtyTarget = false;
    if (records.length === 0) return 0;
    this.hasStoredMetadata = true;
    return this.#host.persist(this.groupId, records);
  }

  /**
   * ConsumerGroupRegularExpression records (type 16), as Kafka keeps them: a subscribed regex
   * whose resolution (the matching topic names) changed gets a record, one no member uses any
   * more a tombstone. Version is the group epoch of the resolution (Kafka: the metadata image
   * offset). Resolutions are recomputed from the topics, so loading only needs what was written.
   */
  #regexRecords(): { key: Buffer; value: Buffer | null }[] {
    const out: { key: Buffer; value: Buffer | null }[] = [];
    const byName = new Map(this.#host.topics().map((t) => [t.name, t]));
    const byId = new Map([...byName.values()].map((t) => [t.topicId, t.name]));
    const now = new Map<string, string[]>();
    for (const m of this.members.values()) {
      if (!m.subscribedTopicRegex || now.has(m.subscribedTopicRegex)) continue;
      const probe: ConsumerMember = { ...m, subscribedTopicNames: [] };
      now.set(m.subscribedTopicRegex, [...this.#subscribedTopics(probe, byName)].map((id) => byId.get(id)!).sort());
    }
    for (const [regex, topics] of now) {
      if (this.#regexes.get(regex)?.join('\0') === topics.join('\0')) continue;
      out.push({ key: encodeConsumerKey(RECORD_TYPE_CONSUMER_REGULAR_EXPRESSION, this.groupId, regex), value: encodeRegularExpressionValue(topics, BigInt(this.groupEpoch), this.#host.now()) });
    }
    for (const regex of this.#regexes.keys()) {
      if (!now.has(regex)) out.push({ key: encodeConsumerKey(RECORD_TYPE_CONSUMER_REGULAR_EXPRESSION, this.groupId, regex), value: null });
    }
    this.#regexes = now;
    return out;
  }

  /** Tombstones for the group-level records (deletion). */
  tombstones(): { key: Buffer; value: null }[] {
    return [
      ...[...this.#regexes.keys()].map((regex) => ({ key: encodeConsumerKey(RECORD_TYPE_CONSUMER_REGULAR_EXPRESSION, this.groupId, regex), value: null })),
      { key: encodeConsumerKey(RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_METADATA, this.groupId), value: null },
      { key: encodeConsumerKey(RECORD_TYPE_CONSUMER_GROUP_METADATA, this.groupId), value: null },
    ];
  }

  /** Restores the group from its records; members' sessions start now. */
  load(loaded: LoadedConsumerGroup): void {
    this.groupEpoch = loaded.epoch;
    this.assignmentEpoch = loaded.assignmentEpoch;
    if (loaded.regexes) this.#regexes = new Map(loaded.regexes);
    this.hasStoredMetadata = true;
    const states = ['UNREVOKED_PARTITIONS', 'UNRELEASED_PARTITIONS', 'STABLE'] as const;
    for (const [memberId, r] of loaded.members) {
      if (r.target) this.target.set(memberId, fromWire(r.target));
      if (!r.metadata) continue;
      const member: ConsumerMember = {
        memberId,
        instanceId: r.metadata.instanceId,
        rackId: r.metadata.rackId,
        clientId: r.metadata.clientId,
        clientHost: r.metadata.clientHost,
        memberEpoch: r.current?.memberEpoch ?? 0,
        previousMemberEpoch: r.current?.previousMemberEpoch ?? -1,
        state: states[r.current?.state ?? 2] ?? 'STABLE',
        subscribedTopicNames: r.metadata.subscribedTopicNames,
        subscribedTopicRegex: r.metadata.subscribedTopicRegex,
        serverAssignor: r.metadata.serverAssignor,
        rebalanceTimeoutMs: r.metadata.rebalanceTimeoutMs,
        assigned: fromWire(r.current?.assignedPartitions ?? []),
        pendingRevocation: fromWire(r.current?.partitionsPendingRevocation ?? []),
        sessionTimer: null,
        revocationTimer: null,
        classic: r.metadata.classicMemberMetadata ?? null,
      };
      this.members.set(memberId, member);
      if (member.instanceId !== null) this.staticMembers.set(member.instanceId, memberId);
    }
    for (const id of [...this.target.keys()]) if (!this.members.has(id)) this.target.delete(id);
    this.#topicsSignature = this.#subscribedTopicsSignature();
    for (const m of this.members.values()) this.#scheduleSession(m);
  }

  /** OffsetCommit: a member at its current epoch, or anyone while the group is empty. */
  validateOffsetCommit(memberId: string, memberEpoch: number, apiVersion: number): number {
    if (this.#dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (memberEpoch < 0 && this.members.size === 0) return 0;
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch !== member.memberEpoch) return apiVersion >= 9 ? ErrorCode.STALE_MEMBER_EPOCH : ErrorCode.ILLEGAL_GENERATION;
    return 0;
  }

  /** OffsetFetch v9+ by a member (an admin client sends no member id and epoch -1). */
  validateOffsetFetch(memberId: string | null, memberEpoch: number): number {
    if (memberId === null && memberEpoch < 0) return 0;
    const member = memberId === null ? undefined : this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch !== member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return 0;
  }

  subscribedTopicNames(): Set<string> {
    const byName = new Map(this.#host.topics().map((t) => [t.name, t]));
    const byId = new Map([...byName.values()].map((t) => [t.topicId, t.name]));
    const names = new Set<string>();
    for (const m of this.members.values()) for (const id of this.#subscribedTopics(m, byName)) names.add(byId.get(id)!);
    return names;
  }

  markDead(): void {
    this.close();
    this.#dead = true;
  }

  close(): void {
    for (const m of this.members.values()) {
      if (m.sessionTimer) clearTimeout(m.sessionTimer);
      if (m.revocationTimer) clearTimeout(m.revocationTimer);
      m.sessionTimer = null;
      m.revocationTimer = null;
    }
  }
}
