// Membership of a consumer group, classic protocol: find the coordinator, JoinGroup (a
// second time with the member id the broker hands out, KIP-394), the leader computes the
// assignment with the assignor the group chose, SyncGroup hands it out, and Heartbeat keeps
// the membership alive. The consumer calls `ensureActive()` before each fetch round: that is
// where a rebalance the heartbeat learned about is carried out, and where auto-commit runs.
//
// Eager assignors (range, roundrobin): before rejoining the member commits and gives up all
// its partitions. Cooperative (cooperative-sticky, KIP-429): it keeps them, gives up only
// those the new assignment leaves out, and rejoins once more when it gave some up so that
// their new owners receive them.
//
// The consumer protocol (KIP-848, `groupProtocol: 'consumer'`): no JoinGroup or SyncGroup;
// the member sends ConsumerGroupHeartbeat with its subscription and the partitions it owns,
// and the coordinator's assignor (`groupRemoteAssignor`, else the broker's default) answers
// with a target assignment and a member epoch. The member gives up partitions not in the
// target (committing them first), takes the new ones, and heartbeats at once to acknowledge;
// the coordinator hands out partitions another member still owns once that member has
// acknowledged giving them up. FENCED_MEMBER_EPOCH and UNKNOWN_MEMBER_ID: the partitions
// are lost and the member joins again at epoch 0. Leaving is a heartbeat at epoch -1 (-2 for
// a static member). Commits carry the member epoch where classic ones carry the generation.
//
// Committed offsets are where reading resumes: a newly assigned partition starts at its
// committed offset (OffsetFetch), else at `autoOffsetReset`.

import { randomUUID } from 'node:crypto';
import { API, ErrorCode, ZERO_UUID, type OffsetCommitRequest, type OffsetFetchRequest } from '../../protocol/index.ts';
import type { ClientCore } from '../client.ts';
import type { Connection } from '../connection.ts';
import { COORDINATOR_GROUP, findCoordinator } from '../coordinator.ts';
import { KafkaError } from '../errors.ts';
import {
  builtInAssignor,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type Assignor,
  type TopicPartitions,
} from './assignors.ts';
import type { Consumer, TopicPartition } from './consumer.ts';

export interface GroupOptions {
  groupId: string;
  /** Default 45000 (Kafka's). */
  sessionTimeoutMs?: number;
  /** How long the coordinator waits for members to rejoin. Default 60000. */
  rebalanceTimeoutMs?: number;
  /** Default 3000. */
  heartbeatIntervalMs?: number;
  /** In order of preference. Default ['range', 'cooperative-sticky'], as the Java client. */
  assignors?: (string | Assignor)[];
  /** Default true. */
  autoCommit?: boolean;
  /** Default 5000. */
  autoCommitIntervalMs?: number;
  /** Static membership (KIP-345). */
  groupInstanceId?: string;
  /** 'classic' (JoinGroup/SyncGroup, default) or 'consumer' (KIP-848, ConsumerGroupHeartbeat), as Java's group.protocol. */
  groupProtocol?: 'classic' | 'consumer';
  /** The consumer protocol's server-side assignor ('uniform', 'range'); default: the broker's first (group.remote.assignor). */
  groupRemoteAssignor?: string;
}

export interface CommitOffset extends TopicPartition {
  offset: number;
  metadata?: string | null;
}

export class GroupMember {
  readonly groupId: string;
  readonly #core: ClientCore;
  readonly #consumer: Consumer;
  readonly #assignors: Assignor[];
  readonly #sessionTimeoutMs: number;
  readonly #rebalanceTimeoutMs: number;
  readonly #heartbeatIntervalMs: number;
  readonly #autoCommit: boolean;
  readonly #autoCommitIntervalMs: number;
  readonly #groupInstanceId: string | null;
  #topics: string[] = [];
  memberId = '';
  generationId = -1;
  #protocol: Assignor | undefined;
  #coordinator: Connection | undefined;
  #needsJoin = true;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastCommit = performance.now();
  #joining: Promise<void> | undefined;
  #closed = false;
  #lost = false;
  readonly #groupProtocol: 'classic' | 'consumer';
  readonly #remoteAssignor: string | null;
  /** Consumer protocol: a target assignment a background heartbeat received, applied by the read loop. */
  #pendingAssignment: TopicPartitions[] | undefined;
  /** Consumer protocol: the coordinator's heartbeat interval. */
  #consumerHeartbeatMs = 5000;

  constructor(core: ClientCore, consumer: Consumer, options: GroupOptions) {
    this.groupId = options.groupId;
    this.#core = core;
    this.#consumer = consumer;
    this.#assignors = (options.assignors ?? ['range', 'cooperative-sticky']).map((a) => (typeof a === 'string' ? builtInAssignor(a) : a));
    if (this.#assignors.length === 0) throw new TypeError('a group member needs at least one assignor');
    this.#sessionTimeoutMs = options.sessionTimeoutMs ?? 45_000;
    this.#rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 60_000;
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3000;
    this.#autoCommit = options.autoCommit ?? true;
    this.#autoCommitIntervalMs = options.autoCommitIntervalMs ?? 5000;
    this.#groupInstanceId = options.groupInstanceId ?? null;
    this.#groupProtocol = options.groupProtocol ?? 'classic';
    if (this.#groupProtocol !== 'classic' && this.#groupProtocol !== 'consumer') throw new TypeError(`groupProtocol must be 'classic' or 'consumer', not '${String(this.#groupProtocol)}'`);
    this.#remoteAssignor = options.groupRemoteAssignor ?? null;
  }

  subscribe(topics: readonly string[]): void {
    this.#topics = [...new Set(topics)].sort();
    this.#needsJoin = true;
  }

  get groupInstanceId(): string | null {
    return this.#groupInstanceId;
  }

  get topics(): readonly string[] {
    return this.#topics;
  }

  /** The assignor the group chose at the last join (classic protocol). */
  get protocol(): string | undefined {
    return this.#groupProtocol === 'consumer' ? (this.#remoteAssignor ?? undefined) : this.#protocol?.name;
  }

  /** Joins or rejoins if needed, and auto-commits when due. */
  async ensureActive(): Promise<void> {
    if (this.#closed) return;
    if (this.#needsJoin) {
      this.#joining ??= this.#joinLoop().finally(() => (this.#joining = undefined));
      await this.#joining;
    }
    if (this.#pendingAssignment !== undefined && !this.#needsJoin) await this.#reconcile();
    if (this.#autoCommit && performance.now() - this.#lastCommit >= this.#autoCommitIntervalMs) {
      await this.commit().catch((err) => {
        if (err instanceof KafkaError && (err.needsRejoin || err.retriable)) this.#needsJoin = true;
        else throw err;
      });
    }
  }

  /** Joins until a generation is reached; rejoin errors (a rebalance meanwhile, an expired member id) start over. */
  async #joinLoop(): Promise<void> {
    for (let attempt = 1; this.#needsJoin && !this.#closed; attempt++) {
      try {
        await this.#core.retry('joinGroup', () => this.#join(), { retries: 10 });
      } catch (err) {
        if (err instanceof KafkaError && err.needsRejoin && attempt < 20) {
          this.#needsJoin = true;
          continue;
        }
        throw err;
      }
    }
  }

  async #coordinatorConnection(): Promise<Connection> {
    if (this.#coordinator !== undefined && !this.#coordinator.closed) return this.#coordinator;
    this.#coordinator = await findCoordinator(this.#core, this.groupId, COORDINATOR_GROUP);
    return this.#coordinator;
  }

  /** A coordinator error: forget the coordinator when it moved, rejoin when told to. */
  #check(code: number, brokerMessage: string | null = null): void {
    const error = KafkaError.fromCode(code, { brokerMessage });
    if (error === null) return;
    if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.#coordinator = undefined;
    // A consumer-protocol member keeps the id it made up (v1) and joins again at epoch 0.
    if ((code === ErrorCode.UNKNOWN_MEMBER_ID && this.#groupProtocol === 'classic') || code === ErrorCode.FENCED_INSTANCE_ID) this.memberId = '';
    // Out of the group: what this member owned may already be someone else's (partitions lost).
    if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION || code === ErrorCode.FENCED_INSTANCE_ID || code === ErrorCode.FENCED_MEMBER_EPOCH) {
      this.#lost = true;
      this.#pendingAssignment = undefined;
      if (this.#groupProtocol === 'consumer') this.generationId = -1;
    }
    if (error.needsRejoin) this.#needsJoin = true;
    throw error;
  }

  async #join(): Promise<void> {
    if (this.#groupProtocol === 'consumer') return this.#joinConsumer();
    if (this.#lost) {
      this.#consumer.removePartitions(this.#consumer.assignment());
      this.generationId = -1;
      this.#lost = false;
    }
    const owned = this.#owned();
    const eager = this.#assignors.every((a) => !a.cooperative);
    // Eager protocols give up everything before rejoining; cooperative ones keep what they own.
    if (eager && owned.length > 0) {
      await this.#commitQuietly();
      this.#consumer.removePartitions(this.#consumer.assignment());
    }
    const connection = await this.#coordinatorConnection();
    const body = API.JoinGroup.createRequest();
    body.groupId = this.groupId;
    body.sessionTimeoutMs = this.#sessionTimeoutMs;
    body.rebalanceTimeoutMs = this.#rebalanceTimeoutMs;
    body.memberId = this.memberId;
    body.groupInstanceId = this.#groupInstanceId;
    body.protocolType = 'consumer';
    const ownedNow = this.#owned();
    body.protocols = this.#assignors.map((a) => ({ name: a.name, metadata: encodeSubscription(this.#topics, a.cooperative ? ownedNow : []) }));
    const timeoutMs = this.#rebalanceTimeoutMs + this.#core.options.requestTimeoutMs;
    let response = await connection.request(API.JoinGroup, body, { timeoutMs });
    if (response.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = response.memberId;
      body.memberId = response.memberId;
      response = await connection.request(API.JoinGroup, body, { timeoutMs });
    }
    this.#check(response.errorCode);
    this.memberId = response.memberId;
    this.generationId = response.generationId;
    const protocol = this.#assignors.find((a) => a.name === response.protocolName);
    if (protocol === undefined) throw new KafkaError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the group chose assignor '${response.protocolName}', which this member does not offer`);
    this.#protocol = protocol;

    const sync = API.SyncGroup.createRequest();
    sync.groupId = this.groupId;
    sync.generationId = this.generationId;
    sync.memberId = this.memberId;
    sync.groupInstanceId = this.#groupInstanceId;
    sync.protocolType = 'consumer';
    sync.protocolName = protocol.name;
    if (response.leader === this.memberId && !response.skipAssignment) {
      const members = response.members.map((m) => decodeSubscription(m.memberId, m.metadata));
      const topics = [...new Set(members.flatMap((m) => m.topics))];
      await this.#core.metadata.refresh(topics);
      const counts = new Map<string, number>();
      for (const t of topics) {
        const info = this.#core.metadata.topics.get(t);
        if (info !== undefined) counts.set(t, info.partitions.length);
      }
      const assignment = protocol.assign(members, counts);
      sync.assignments = members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(assignment.get(m.memberId) ?? new Map()) }));
    }
    const synced = await connection.request(API.SyncGroup, sync, { timeoutMs });
    this.#check(synced.errorCode);
    this.#needsJoin = false;
    await this.#apply(decodeAssignment(synced.assignment));
    this.#startHeartbeat();
  }

  #owned(): TopicPartitions[] {
    const byTopic = new Map<string, number[]>();
    for (const tp of this.#consumer.assignment()) {
      let l = byTopic.get(tp.topic);
      if (l === undefined) byTopic.set(tp.topic, (l = []));
      l.push(tp.partition);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
  }

  async #apply(assigned: TopicPartitions[]): Promise<void> {
    const next = new Set(assigned.flatMap((tp) => tp.partitions.map((p) => `${tp.topic}\0${p}`)));
    const current = this.#consumer.assignment();
    const revoked = current.filter((tp) => !next.has(`${tp.topic}\0${tp.partition}`));
    if (revoked.length > 0) {
      await this.#commitQuietly(revoked);
      this.#consumer.removePartitions(revoked);
      // KIP-429: partitions given up go to their new owners in one more round.
      if (this.#groupProtocol === 'classic' && this.#protocol?.cooperative) this.#needsJoin = true;
    }
    const have = new Set(current.map((tp) => `${tp.topic}\0${tp.partition}`));
    const added = assigned.flatMap((tp) => tp.partitions.filter((p) => !have.has(`${tp.topic}\0${p}`)).map((partition) => ({ topic: tp.topic, partition })));
    if (added.length === 0) return;
    const committed = await this.committed(added);
    await this.#consumer.addPartitions(
      added.map((tp, i) => (committed[i]! >= 0 ? { ...tp, offset: committed[i]! } : { ...tp })),
    );
  }

  /** Consumer protocol: the first heartbeat (epoch 0), or the one after being fenced. */
  async #joinConsumer(): Promise<void> {
    if (this.#lost) {
      this.#consumer.removePartitions(this.#consumer.assignment());
      this.#lost = false;
    }
    if (this.memberId === '') this.memberId = randomUUID();
    const assignment = await this.#heartbeatConsumer();
    this.#needsJoin = false;
    if (assignment !== null) this.#pendingAssignment = assignment;
    if (this.#pendingAssignment !== undefined) await this.#reconcile();
    this.#scheduleConsumerHeartbeat();
  }

  /** Moves to the target assignment, then acknowledges it with a heartbeat at once. */
  async #reconcile(): Promise<void> {
    const target = this.#pendingAssignment!;
    this.#pendingAssignment = undefined;
    await this.#apply(target);
    try {
      const next = await this.#heartbeatConsumer();
      if (next !== null) this.#pendingAssignment = next;
    } catch (err) {
      if (!(err instanceof KafkaError && (err.needsRejoin || err.retriable))) throw err;
    }
  }

  /**
   * One ConsumerGroupHeartbeat: the subscription and the partitions owned now (full each
   * time, which the protocol allows). Returns the new target assignment, or null when the
   * coordinator has none to give.
   */
  async #heartbeatConsumer(memberEpoch?: number): Promise<TopicPartitions[] | null> {
    const connection = await this.#coordinatorConnection();
    const body = API.ConsumerGroupHeartbeat.createRequest();
    body.groupId = this.groupId;
    // v0: the coordinator makes up the member id; v1+: the member does (KIP-1082).
    body.memberId = connection.versionFor(API.ConsumerGroupHeartbeat) === 0 && this.generationId <= 0 ? '' : this.memberId;
    body.memberEpoch = memberEpoch ?? Math.max(0, this.generationId);
    body.instanceId = this.#groupInstanceId;
    body.rebalanceTimeoutMs = this.#rebalanceTimeoutMs;
    body.subscribedTopicNames = [...this.#topics];
    body.serverAssignor = this.#remoteAssignor;
    const owned = [];
    if (body.memberEpoch > 0) {
      for (const tp of this.#owned()) owned.push({ topicId: (await this.#core.metadata.topic(tp.topic)).topicId, partitions: tp.partitions });
    }
    body.topicPartitions = owned;
    const response = await connection.request(API.ConsumerGroupHeartbeat, body);
    this.#check(response.errorCode, response.errorMessage);
    if (response.memberId !== null && response.memberId !== '') this.memberId = response.memberId;
    this.generationId = response.memberEpoch;
    if (response.heartbeatIntervalMs > 0) this.#consumerHeartbeatMs = response.heartbeatIntervalMs;
    if (response.assignment === null) return null;
    const assigned: TopicPartitions[] = [];
    for (const t of response.assignment.topicPartitions) {
      let topic = this.#core.metadata.topicName(t.topicId);
      if (topic === undefined) {
        await this.#core.metadata.refresh(this.#topics);
        topic = this.#core.metadata.topicName(t.topicId);
      }
      if (topic === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, `the assignment names topic id ${t.topicId}, which the metadata does not know`);
      assigned.push({ topic, partitions: [...t.partitions].sort((a, b) => a - b) });
    }
    return assigned;
  }

  #scheduleConsumerHeartbeat(): void {
    clearTimeout(this.#heartbeat);
    this.#heartbeat = setTimeout(() => {
      if (this.#closed) return;
      if (this.#needsJoin) return; // the read loop joins again
      void this.#heartbeatConsumer()
        .then((assignment) => {
          if (assignment !== null) this.#pendingAssignment = assignment;
        })
        .catch(() => {})
        .finally(() => {
          if (!this.#closed && !this.#needsJoin) this.#scheduleConsumerHeartbeat();
        });
    }, this.#consumerHeartbeatMs);
    this.#heartbeat.unref();
  }

  #startHeartbeat(): void {
    clearInterval(this.#heartbeat);
    const generation = this.generationId;
    this.#heartbeat = setInterval(() => {
      if (this.#closed || this.#needsJoin || this.generationId !== generation) return;
      void this.#sendHeartbeat().catch(() => {});
    }, this.#heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  async #sendHeartbeat(): Promise<void> {
    const connection = await this.#coordinatorConnection();
    const body = API.Heartbeat.createRequest();
    body.groupId = this.groupId;
    body.generationId = this.generationId;
    body.memberId = this.memberId;
    body.groupInstanceId = this.#groupInstanceId;
    const response = await connection.request(API.Heartbeat, body);
    this.#check(response.errorCode);
  }

  /** Committed offsets of partitions for this group (-1: none). */
  async committed(partitions: readonly TopicPartition[]): Promise<number[]> {
    return this.#core.retry('offsetFetch', async () => {
      const connection = await this.#coordinatorConnection();
      const version = connection.versionFor(API.OffsetFetch);
      const byTopic = new Map<string, number[]>();
      for (const tp of partitions) {
        let l = byTopic.get(tp.topic);
        if (l === undefined) byTopic.set(tp.topic, (l = []));
        l.push(tp.partition);
      }
      if (version >= 10) for (const t of byTopic.keys()) await this.#core.metadata.topic(t);
      const body: OffsetFetchRequest = API.OffsetFetch.createRequest();
      body.requireStable = true;
      if (version >= 8) {
        body.groups = [
          {
            groupId: this.groupId,
            memberId: null,
            memberEpoch: -1,
            topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, topicId: this.#core.metadata.topics.get(name)?.topicId ?? ZERO_UUID, partitionIndexes })),
          },
        ];
      } else {
        body.groupId = this.groupId;
        body.topics = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
      }
      const response = await connection.request(API.OffsetFetch, body);
      const found = new Map<string, number>();
      const topics = version >= 8 ? (response.groups[0]?.topics ?? []) : response.topics;
      this.#check(version >= 8 ? (response.groups[0]?.errorCode ?? 0) : response.errorCode);
      for (const t of topics) {
        const name = t.name !== '' ? t.name : (this.#core.metadata.topicName((t as { topicId?: string }).topicId ?? '') ?? '');
        for (const p of t.partitions) {
          this.#check(p.errorCode);
          found.set(`${name}\0${p.partitionIndex}`, Number(p.committedOffset));
        }
      }
      return partitions.map((tp) => found.get(`${tp.topic}\0${tp.partition}`) ?? -1);
    });
  }

  /** Commits offsets (default: the consumer's positions of every assigned partition). */
  async commit(offsets?: readonly CommitOffset[]): Promise<void> {
    const list =
      offsets ??
      this.#consumer
        .assignment()
        .map((tp) => ({ ...tp, offset: this.#consumer.position(tp) }))
        .filter((o): o is CommitOffset => o.offset !== null && o.offset >= 0);
    this.#lastCommit = performance.now();
    if (list.length === 0) return;
    const connection = await this.#coordinatorConnection();
    const version = connection.versionFor(API.OffsetCommit);
    const byTopic = new Map<string, CommitOffset[]>();
    for (const o of list) {
      let l = byTopic.get(o.topic);
      if (l === undefined) byTopic.set(o.topic, (l = []));
      l.push(o);
    }
    const body: OffsetCommitRequest = API.OffsetCommit.createRequest();
    body.groupId = this.groupId;
    body.generationIdOrMemberEpoch = this.generationId;
    body.memberId = this.memberId;
    body.groupInstanceId = this.#groupInstanceId;
    body.topics = [...byTopic].map(([name, os]) => ({
      name,
      topicId: this.#core.metadata.topics.get(name)?.topicId ?? ZERO_UUID,
      partitions: os.map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), commitTimestamp: -1n, committedLeaderEpoch: -1, committedMetadata: o.metadata ?? null })),
    }));
    if (version >= 10) {
      for (const t of body.topics) t.topicId = (await this.#core.metadata.topic(t.name)).topicId;
    }
    const response = await connection.request(API.OffsetCommit, body);
    const errors: KafkaError[] = [];
    for (const t of response.topics) {
      for (const p of t.partitions) {
        const e = KafkaError.fromCode(p.errorCode, { topic: t.name, partition: p.partitionIndex });
        if (e === null) continue;
        if (e.needsRejoin) this.#needsJoin = true;
        if (p.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        if (p.errorCode === ErrorCode.NOT_COORDINATOR || p.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.#coordinator = undefined;
        errors.push(e);
      }
    }
    if (errors.length > 0) throw KafkaError.collect(errors, 'OffsetCommit failed');
  }

  async #commitQuietly(partitions?: readonly TopicPartition[]): Promise<void> {
    if (!this.#autoCommit || this.generationId < 0) return;
    const offsets = (partitions ?? this.#consumer.assignment())
      .map((tp) => ({ ...tp, offset: this.#consumer.position(tp) }))
      .filter((o): o is CommitOffset => o.offset !== null && o.offset >= 0);
    await this.commit(offsets).catch(() => {});
  }

  /** Commits (with auto-commit) and leaves the group so that others take over at once. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    if (this.memberId === '' || this.generationId < 0) return;
    await this.#commitQuietly();
    if (this.#groupProtocol === 'consumer') {
      clearTimeout(this.#heartbeat);
      // Epoch -1 leaves; -2 keeps a static member's place until its session times out.
      await this.#heartbeatConsumer(this.#groupInstanceId === null ? -1 : -2).catch(() => {});
      return;
    }
    try {
      const connection = await this.#coordinatorConnection();
      const body = API.LeaveGroup.createRequest();
      body.groupId = this.groupId;
      body.memberId = this.memberId;
      body.members = [{ memberId: this.memberId, groupInstanceId: this.#groupInstanceId, reason: 'the consumer is closing' }];
      await connection.request(API.LeaveGroup, body);
    } catch {
      // The session timeout removes us anyway.
    }
  }
}
