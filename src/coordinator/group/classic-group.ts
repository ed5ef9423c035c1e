// One classic group (JoinGroup/SyncGroup protocol): its members, generation, selected
// protocol and Kafka's state machine (see DESIGN.md beside this file):
//
//   Empty ──join──► PreparingRebalance ──all joined / timeout──► CompletingRebalance
//     ▲                    ▲      │                                  │ leader's SyncGroup
//     └── last member gone ┘      └──── no member left ──► Empty     ▼
//                          ◄───────── join / leave / expiry ──── Stable
//   Dead: deleted (DeleteGroups, expiry); never left.
//
// Every method runs synchronously to completion on the event loop; requests that must wait
// (JoinGroup until the rebalance completes, SyncGroup until the leader's assignment) park
// a resolver on their member and are answered by a later state change. Persistence goes
// through the host (a synchronous append to __consumer_offsets).
//
// Behaviour follows Kafka's classic group coordinator: MEMBER_ID_REQUIRED for dynamic
// members from JoinGroup v4 (KIP-394), static membership (KIP-345) with FENCED_INSTANCE_ID,
// group.initial.rebalance.delay.ms for a group rebalancing out of Empty, the rebalance
// timeout (members that did not rejoin are removed), a sync timeout for members that never
// send SyncGroup, session timeouts, group.max.size, and KIP-814's skipAssignment for a
// static leader that rejoins a stable group.

import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/index.ts';
import type { GroupMetadataValue, OffsetCommitValue } from './records.ts';

export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: Protocol[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  clientId: string;
  clientHost: string;
  apiVersion: number;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncRequest {
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  assignment: Buffer;
  awaitingJoin: ((r: JoinResult) => void) | null;
  joinVersion: number;
  awaitingSync: ((r: SyncResult) => void) | null;
  sessionTimer: NodeJS.Timeout | null;
}

/** What a group needs from its coordinator. */
export interface GroupHost {
  now(): number;
  initialRebalanceDelayMs(): number;
  maxSize(): number;
  /** Writes the group's metadata record; returns 0 or an error code. */
  storeGroup(group: ClassicGroup): number;
  log(message: string, fields?: Record<string, unknown>): void;
}

export interface CommittedOffset extends OffsetCommitValue {
  /**
   * The __consumer_offsets offset of the record it comes from (-1 until written). When a
   * transaction's offsets are made visible, one replaces the partition's current offset only
   * if its record is later in the log (Kafka's replayEndTransactionMarker): a transactional
   * offset takes the place of its record, not of its marker. Commit timestamps would not do:
   * two commits in the same millisecond tie, and a clock may step back.
   */
  recordOffset: number;
}

const EMPTY = Buffer.alloc(0);

export class ClassicGroup {
  readonly type = 'classic';
  readonly groupId: string;
  readonly #host: GroupHost;
  state: ClassicGroupState = 'Empty';
  stateTimestamp: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Members told MEMBER_ID_REQUIRED that have not rejoined yet, with their expiry timers. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** Committed offsets: topic → partition → offset. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  /** Whether a GroupMetadata record has been written (a tombstone is due on delete). */
  hasStoredMetadata = false;
  #joinTimer: NodeJS.Timeout | null = null;
  #syncTimer: NodeJS.Timeout | null = null;
  readonly #pendingSync = new Set<string>();
  #initialDelayNewMember = false;
  #initialDelayRemainingMs = 0;

  constructor(groupId: string, host: GroupHost) {
    this.groupId = groupId;
    this.#host = host;
    this.stateTimestamp = host.now();
  }

  #transition(state: ClassicGroupState): void {
    this.state = state;
    this.stateTimestamp = this.#host.now();
  }

  /** No members and none pending: the group holds only offsets (and may be converted or deleted). */
  isEmpty(): boolean {
    return this.state === 'Empty' && this.members.size === 0 && this.pendingMembers.size === 0;
  }

  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  // -- protocols --------------------------------------------------------------------

  /** Protocols every member supports. */
  #candidateProtocols(): Set<string> {
    let candidates: Set<string> | null = null;
    for (const m of this.members.values()) {
      const next = new Set<string>();
      for (const p of m.protocols) if (candidates === null || candidates.has(p.name)) next.add(p.name);
      candidates = next;
    }
    return candidates ?? new Set<string>();
  }

  supportsProtocols(protocolType: string, protocols: Protocol[]): boolean {
    if (protocolType === '' || protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.#candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /**
   * Each member votes for its most preferred protocol among those all support; the most
   * votes win. Kafka leaves ties to map order; here the earliest member's preference wins.
   */
  selectProtocol(): string {
    const candidates = this.#candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const vote = m.protocols.find((p) => candidates.has(p.name))!.name;
      votes.set(vote, (votes.get(vote) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    return best;
  }

  #metadataFor(member: Member, protocol: string | null): Buffer {
    if (protocol === null) return EMPTY;
    return member.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
  }

  static #sameProtocols(a: Protocol[], b: Protocol[]): boolean {
    return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
  }

  // -- JoinGroup ----------------------------------------------------------------------

  join(req: JoinRequest): Promise<JoinResult> | JoinResult {
    if (this.state === 'Dead') return this.#joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!this.supportsProtocols(req.protocolType, req.protocols)) return this.#joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    if (req.memberId === '') {
      const newMemberId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
      if (req.groupInstanceId !== null) {
        const existing = this.staticMembers.get(req.groupInstanceId);
        if (existing !== undefined) return this.#rejoinStaticMember(existing, newMemberId, req);
        if (this.#full()) return this.#joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED);
        return this.#addMemberAndRebalance(newMemberId, req);
      }
      if (this.#full()) return this.#joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED);
      if (req.apiVersion >= 4) {
        // KIP-394: the member must come back with this id; it is pending until then.
        const timer = setTimeout(() => this.#expirePending(newMemberId), req.sessionTimeoutMs);
        timer.unref();
        this.pendingMembers.set(newMemberId, timer);
        return this.#joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED);
      }
      return this.#addMemberAndRebalance(newMemberId, req);
    }

    const pending = this.pendingMembers.get(req.memberId);
    if (pending !== undefined) {
      clearTimeout(pending);
      this.pendingMembers.delete(req.memberId);
      if (this.#full()) return this.#joinError(req.memberId, ErrorCode.GROUP_MAX_SIZE_REACHED);
      return this.#addMemberAndRebalance(req.memberId, req);
    }
    const memberError = this.#validateMember(req.memberId, req.groupInstanceId);
    if (memberError !== 0) return this.#joinError(req.memberId, memberError);
    const member = this.members.get(req.memberId)!;
    switch (this.state) {
      case 'PreparingRebalance':
        return this.#updateMemberAndRebalance(member, req);
      case 'CompletingRebalance':
        if (ClassicGroup.#sameProtocols(member.protocols, req.protocols)) {
          // A retried JoinGroup: answer it as the join was answered.
          return this.#currentJoinResult(member, this.isLeader(member.memberId), false);
        }
        return this.#updateMemberAndRebalance(member, req);
      case 'Stable':
        if (this.isLeader(member.memberId) || !ClassicGroup.#sameProtocols(member.protocols, req.protocols)) {
          return this.#updateMemberAndRebalance(member, req);
        }
        return this.#currentJoinResult(member, false, false);
      default:
        return this.#joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  #full(): boolean {
    return this.members.size >= this.#host.maxSize();
  }

  /** UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID when the member (and instance) do not match. */
  #validateMember(memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = this.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return this.members.has(memberId) ? 0 : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  #joinError(memberId: string, errorCode: number): JoinResult {
    return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
  }

  #currentJoinResult(member: Member, withMembers: boolean, skipAssignment: boolean): JoinResult {
    return {
      errorCode: 0,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      skipAssignment,
      memberId: member.memberId,
      members: withMembers ? this.#memberList() : [],
    };
  }

  #memberList(): JoinResult['members'] {
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: this.#metadataFor(m, this.protocolName) }));
  }

  #addMemberAndRebalance(memberId: string, req: JoinRequest): Promise<JoinResult> {
    const member: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: EMPTY,
      awaitingJoin: null,
      joinVersion: req.apiVersion,
      awaitingSync: null,
      sessionTimer: null,
    };
    if (this.members.size === 0) this.protocolType = req.protocolType;
    this.members.set(memberId, member);
    if (req.groupInstanceId !== null) this.staticMembers.set(req.groupInstanceId, memberId);
    this.leaderId ??= memberId;
    this.#initialDelayNewMember = true;
    const result = this.#park(member, req.apiVersion);
    this.#scheduleSession(member);
    this.#maybeRebalance(`member ${memberId} joined`);
    return result;
  }

  #updateMemberAndRebalance(member: Member, req: JoinRequest): Promise<JoinResult> {
    member.protocols = req.protocols;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    const result = this.#park(member, req.apiVersion);
    this.#maybeRebalance(`member ${member.memberId} rejoined`);
    return result;
  }

  #park(member: Member, apiVersion: number): Promise<JoinResult> {
    // A second JoinGroup from the same member replaces the first, which is answered now.
    member.awaitingJoin?.(this.#joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    member.joinVersion = apiVersion;
    return new Promise((resolve) => {
      member.awaitingJoin = resolve;
    });
  }

  #maybeRebalance(reason: string): void {
    if (this.state === 'PreparingRebalance') this.#tryCompleteJoin();
    else if (this.state !== 'Dead') this.#prepareRebalance(reason);
  }

  /** KIP-345: a known static member rejoined with an unknown member id (a restart). */
  #rejoinStaticMember(oldMemberId: string, newMemberId: string, req: JoinRequest): Promise<JoinResult> | JoinResult {
    const member = this.members.get(oldMemberId)!;
    const oldProtocols = member.protocols;
    this.#replaceMemberId(member, newMemberId);
    if (this.state === 'Stable') {
      member.protocols = req.protocols;
      if (this.selectProtocol() === this.protocolName) {
        // Nothing changes for the group: persist the new member id and hand back the
        // current generation; the member gets its old assignment from SyncGroup.
        member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
        member.sessionTimeoutMs = req.sessionTimeoutMs;
        member.clientId = req.clientId;
        member.clientHost = req.clientHost;
        const error = this.#host.storeGroup(this);
        if (error !== 0) {
          member.protocols = oldProtocols;
          this.#replaceMemberId(member, oldMemberId);
          return this.#joinError('', error);
        }
        this.#scheduleSession(member);
        const leader = this.isLeader(newMemberId);
        const skip = leader && req.apiVersion >= 9;
        return this.#currentJoinResult(member, skip, skip);
      }
      member.protocols = oldProtocols;
    }
    return this.#updateMemberAndRebalance(member, req);
  }

  #replaceMemberId(member: Member, newMemberId: string): void {
    const oldMemberId = member.memberId;
    member.awaitingJoin?.(this.#joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    member.awaitingJoin = null;
    member.awaitingSync?.({ errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    member.awaitingSync = null;
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.#pendingSync.delete(oldMemberId)) this.#pendingSync.add(newMemberId);
  }

  #prepareRebalance(reason: string): void {
    if (this.state === 'CompletingRebalance') this.#resetAssignments(ErrorCode.REBALANCE_IN_PROGRESS);
    this.#clearSyncTimer();
    const initial = this.state === 'Empty';
    this.#transition('PreparingRebalance');
    this.#host.log(`preparing to rebalance group ${this.groupId} (generation ${this.generationId}): ${reason}`);
    if (this.#joinTimer) clearTimeout(this.#joinTimer);
    if (initial) {
      const delay = this.#host.initialRebalanceDelayMs();
      this.#initialDelayNewMember = false;
      this.#initialDelayRemainingMs = Math.max(this.rebalanceTimeoutMs - delay, 0);
      this.#initialPhase = true;
      this.#armJoinTimer(delay, () => this.#onInitialDelay(delay));
    } else {
      this.#initialPhase = false;
      this.#armJoinTimer(this.rebalanceTimeoutMs, () => this.#completeJoin());
      this.#tryCompleteJoin();
    }
  }

  /** Starts a rebalance from outside (a consumer group turned back into this classic group). */
  rebalance(reason: string): void {
    if (this.members.size > 0 && this.state !== 'PreparingRebalance') this.#prepareRebalance(reason);
  }

  /** Kafka's InitialDelayedJoin: wait again while members keep arriving, up to the rebalance timeout. */
  #onInitialDelay(delay: number): void {
    if (this.#initialDelayNewMember && this.#initialDelayRemainingMs > 0) {
      const next = Math.min(delay, this.#initialDelayRemainingMs);
      this.#initialDelayRemainingMs -= next;
      this.#initialDelayNewMember = false;
      this.#armJoinTimer(next, () => this.#onInitialDelay(delay));
      return;
    }
    this.#completeJoin();
  }

  #armJoinTimer(ms: number, fire: () => void): void {
    if (this.#joinTimer) clearTimeout(this.#joinTimer);
    this.#joinTimer = setTimeout(() => {
      this.#joinTimer = null;
      fire();
    }, ms);
    this.#joinTimer.unref();
  }

  #tryCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance' || this.#initialPhase) return;
    if (this.pendingMembers.size > 0) return;
    for (const m of this.members.values()) if (!m.awaitingJoin) return;
    this.#completeJoin();
  }

  /** During the initial delay the join completes only when the delay ends (Kafka's InitialDelayedJoin). */
  #initialPhase = false;

  #completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    if (this.#joinTimer) clearTimeout(this.#joinTimer);
    this.#joinTimer = null;
    this.#initialPhase = false;
    // Dynamic members that did not rejoin in time are gone; static ones keep their place.
    for (const m of [...this.members.values()]) {
      if (!m.awaitingJoin && m.groupInstanceId === null) this.#removeMember(m, 'did not rejoin before the rebalance timeout', false);
    }
    if (this.leaderId === null || !this.members.get(this.leaderId)?.awaitingJoin) {
      const joined = [...this.members.values()].find((m) => m.awaitingJoin);
      if (joined) this.leaderId = joined.memberId;
    }
    this.generationId++;
    if (this.members.size === 0) {
      this.protocolName = null;
      this.leaderId = null;
      this.#transition('Empty');
      this.#host.storeGroup(this);
      this.#host.log(`group ${this.groupId} is empty at generation ${this.generationId}`);
      return;
    }
    this.protocolName = this.selectProtocol();
    for (const m of this.members.values()) m.assignment = EMPTY;
    // Stored once the leader's assignment arrives (SyncGroup), as Kafka does.
    this.#transition('CompletingRebalance');
    this.#host.log(`group ${this.groupId} generation ${this.generationId}`, { protocol: this.protocolName, members: this.members.size });
    this.#pendingSync.clear();
    for (const m of this.members.values()) {
      const resolve = m.awaitingJoin;
      if (!resolve) continue;
      m.awaitingJoin = null;
      this.#pendingSync.add(m.memberId);
      this.#scheduleSession(m);
      resolve(this.#currentJoinResult(m, this.isLeader(m.memberId), false));
    }
    // Members that never send SyncGroup are removed after the rebalance timeout.
    this.#syncTimer = setTimeout(() => this.#onSyncTimeout(this.generationId), this.rebalanceTimeoutMs);
    this.#syncTimer.unref();
  }

  #onSyncTimeout(generationId: number): void {
    this.#syncTimer = null;
    if (generationId !== this.generationId || (this.state !== 'CompletingRebalance' && this.state !== 'Stable')) return;
    const late = [...this.#pendingSync].map((id) => this.members.get(id)).filter((m): m is Member => m !== undefined);
    this.#pendingSync.clear();
    if (late.length === 0) return;
    for (const m of late) this.#removeMember(m, 'did not sync before the rebalance timeout', false);
    this.#maybeRebalance('members failed to sync');
  }

  #clearSyncTimer(): void {
    if (this.#syncTimer) clearTimeout(this.#syncTimer);
    this.#syncTimer = null;
    this.#pendingSync.clear();
  }

  /** Answers every parked SyncGroup with an error and forgets the assignments. */
  #resetAssignments(errorCode: number): void {
    for (const m of this.members.values()) {
      m.assignment = EMPTY;
      const resolve = m.awaitingSync;
      m.awaitingSync = null;
      resolve?.({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    }
  }

  // -- SyncGroup ------------------------------------------------------------------------

  sync(req: SyncRequest): Promise<SyncResult> | SyncResult {
    const fail = (errorCode: number): SyncResult => ({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    if (this.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const memberError = this.#validateMember(req.memberId, req.groupInstanceId);
    if (memberError !== 0) return fail(memberError);
    if (req.generationId !== this.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if ((req.protocolType !== null && req.protocolType !== this.protocolType) || (req.protocolName !== null && req.protocolName !== this.protocolName)) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const member = this.members.get(req.memberId)!;
    switch (this.state) {
      case 'Empty':
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.#pendingSync.delete(member.memberId);
        this.#scheduleSession(member);
        return { errorCode: 0, protocolType: this.protocolType, protocolName: this.protocolName, assignment: member.assignment };
      case 'CompletingRebalance': {
        this.#pendingSync.delete(member.memberId);
        this.#scheduleSession(member);
        member.awaitingSync?.(fail(ErrorCode.REBALANCE_IN_PROGRESS));
        const result = new Promise<SyncResult>((resolve) => {
          member.awaitingSync = resolve;
        });
        if (this.isLeader(member.memberId)) {
          const byMember = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
          for (const m of this.members.values()) m.assignment = byMember.get(m.memberId) ?? EMPTY;
          const error = this.#host.storeGroup(this);
          if (error !== 0) {
            this.#resetAssignments(error);
            this.#prepareRebalance('storing the assignment failed');
            return result;
          }
          this.#transition('Stable');
          for (const m of this.members.values()) {
            const resolve = m.awaitingSync;
            m.awaitingSync = null;
            resolve?.({ errorCode: 0, protocolType: this.protocolType, protocolName: this.protocolName, assignment: m.assignment });
          }
        }
        return result;
      }
    }
    return fail(ErrorCode.UNKNOWN_MEMBER_ID);
  }

  // -- Heartbeat and LeaveGroup ------------------------------------------------------------

  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.#validateMember(memberId, groupInstanceId);
    if (memberError !== 0) return memberError;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (this.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        this.#scheduleSession(this.members.get(memberId)!);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        this.#scheduleSession(this.members.get(memberId)!);
        return 0;
    }
  }

  /** One member of a LeaveGroup request: by member id, or by group.instance.id (v3+). */
  leave(memberId: string, groupInstanceId: string | null, reason: string | null): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (groupInstanceId !== null) {
      const current = this.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== '' && memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
      memberId = current;
    }
    const pending = this.pendingMembers.get(memberId);
    if (pending !== undefined) {
      clearTimeout(pending);
      this.pendingMembers.delete(memberId);
      if (this.state === 'PreparingRebalance') this.#tryCompleteJoin();
      return 0;
    }
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.#removeMember(member, `left the group${reason ? `: ${reason}` : ''}`, true);
    return 0;
  }

  // -- offsets ---------------------------------------------------------------------------------

  /**
   * Whether a member may commit: anyone while the group is Empty with generation < 0 (a
   * "simple" consumer that assigns partitions itself); otherwise a current member of the
   * current generation, and not while the group waits for the leader's assignment.
   */
  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && this.state === 'Empty') return 0;
    const memberError = this.#validateMember(memberId, groupInstanceId);
    if (memberError !== 0) return memberError;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (this.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    // A commit counts as a sign of life, as in Kafka.
    this.#scheduleSession(this.members.get(memberId)!);
    return 0;
  }

  // -- sessions and removal ------------------------------------------------------------------

  #scheduleSession(member: Member): void {
    if (member.sessionTimer) {
      member.sessionTimer.refresh();
      return;
    }
    member.sessionTimer = setTimeout(() => this.#onSessionExpired(member), member.sessionTimeoutMs);
    member.sessionTimer.unref();
  }

  #onSessionExpired(member: Member): void {
    if (this.members.get(member.memberId) !== member) return;
    // A member parked in JoinGroup or SyncGroup is alive: it is waiting for us.
    if (member.awaitingJoin || member.awaitingSync) {
      member.sessionTimer?.refresh();
      return;
    }
    this.#removeMember(member, `session timeout (${member.sessionTimeoutMs} ms) expired`, true);
  }

  #expirePending(memberId: string): void {
    if (!this.pendingMembers.delete(memberId)) return;
    if (this.state === 'PreparingRebalance') this.#tryCompleteJoin();
  }

  #removeMember(member: Member, reason: string, rebalance: boolean): void {
    this.#host.log(`removing member ${member.memberId} from group ${this.groupId}: ${reason}`);
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    member.sessionTimer = null;
    member.awaitingJoin?.(this.#joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingJoin = null;
    member.awaitingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    member.awaitingSync = null;
    this.members.delete(member.memberId);
    this.#pendingSync.delete(member.memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === member.memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === member.memberId) {
      const next = [...this.members.values()];
      this.leaderId = (next.find((m) => m.awaitingJoin) ?? next[0])?.memberId ?? null;
    }
    if (!rebalance) return;
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.#prepareRebalance(`member ${member.memberId} ${reason}`);
    else if (this.state === 'PreparingRebalance') this.#tryCompleteJoin();
  }

  // -- loading, description, deletion ---------------------------------------------------------

  /** The GroupMetadataValue to persist. */
  toRecord(): GroupMetadataValue {
    return {
      protocolType: this.protocolType ?? '',
      generation: this.generationId,
      protocol: this.protocolName,
      leader: this.leaderId,
      currentStateTimestamp: this.stateTimestamp,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: this.#metadataFor(m, this.protocolName),
        assignment: m.assignment,
      })),
    };
  }

  /** The last GroupMetadataValue seen while loading; applied by startLoaded(). */
  pendingRecord: GroupMetadataValue | null = null;

  startLoaded(): void {
    if (this.pendingRecord) this.loadRecord(this.pendingRecord);
    this.pendingRecord = null;
  }

  /**
   * Restores a loaded group: Stable with its members (whose sessions start now, so members
   * that do not come back expire and the group rebalances), or Empty.
   */
  loadRecord(v: GroupMetadataValue): void {
    this.protocolType = v.protocolType === '' && v.members.length === 0 ? null : v.protocolType;
    this.generationId = v.generation;
    this.protocolName = v.protocol;
    this.leaderId = v.leader;
    this.hasStoredMetadata = true;
    if (v.currentStateTimestamp >= 0) this.stateTimestamp = v.currentStateTimestamp;
    for (const m of v.members) {
      const member: Member = {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeout >= 0 ? m.rebalanceTimeout : m.sessionTimeout,
        sessionTimeoutMs: m.sessionTimeout,
        protocolType: v.protocolType,
        protocols: [{ name: v.protocol ?? '', metadata: m.subscription }],
        assignment: m.assignment,
        awaitingJoin: null,
        joinVersion: 0,
        awaitingSync: null,
        sessionTimer: null,
      };
      this.members.set(m.memberId, member);
      if (m.groupInstanceId !== null) this.staticMembers.set(m.groupInstanceId, m.memberId);
    }
    this.state = this.members.size > 0 ? 'Stable' : 'Empty';
    for (const m of this.members.values()) this.#scheduleSession(m);
  }

  /** Marks the group deleted and stops its timers. */
  markDead(): void {
    this.close(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    this.#transition('Dead');
  }

  /** Stops every timer and answers parked requests (broker stop, deletion). */
  close(errorCode: number = ErrorCode.COORDINATOR_NOT_AVAILABLE): void {
    if (this.#joinTimer) clearTimeout(this.#joinTimer);
    this.#joinTimer = null;
    this.#clearSyncTimer();
    for (const t of this.pendingMembers.values()) clearTimeout(t);
    this.pendingMembers.clear();
    for (const m of this.members.values()) {
      if (m.sessionTimer) clearTimeout(m.sessionTimer);
      m.sessionTimer = null;
      m.awaitingJoin?.(this.#joinError(m.memberId, errorCode));
      m.awaitingJoin = null;
      m.awaitingSync?.({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
      m.awaitingSync = null;
    }
  }

  /** DescribeGroups: metadata and assignments only in Stable, as Kafka's group summary. */
  describe() {
    const stable = this.state === 'Stable';
    return {
      groupState: this.state,
      protocolType: this.protocolType ?? '',
      protocolData: stable ? (this.protocolName ?? '') : '',
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? this.#metadataFor(m, this.protocolName) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  /** Topics the members subscribe to, when the protocol type is "consumer" (for OffsetDelete). */
  subscribedTopics(): Set<string> | null {
    if (this.protocolType !== 'consumer' || this.members.size === 0) return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      for (const t of decodeSubscriptionTopics(this.#metadataFor(m, this.protocolName))) topics.add(t);
    }
    return topics;
  }
}

/** The topics of a ConsumerProtocolSubscription (int16 version, then an array of strings). */
export function decodeSubscriptionTopics(metadata: Buffer): string[] {
  try {
    if (metadata.length < 6) return [];
    let pos = 2;
    const n = metadata.readInt32BE(pos);
    pos += 4;
    const topics: string[] = [];
    for (let i = 0; i < n && pos + 2 <= metadata.length; i++) {
      const len = metadata.readInt16BE(pos);
      pos += 2;
      if (len < 0 || pos + len > metadata.length) break;
      topics.push(metadata.toString('utf8', pos, pos + len));
      pos += len;
    }
    return topics;
  } catch {
    return [];
  }
}
