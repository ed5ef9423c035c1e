// The group coordinator of one broker: owns every group (a ClassicGroup each) and their
// committed offsets, persists both as records in the compacted internal topic
// __consumer_offsets (created on first need, as Kafka does), loads them back when the broker
// starts, and expires offsets per offsets.retention.minutes (KIP-211).
//
// Ordering: each group has one owner, this object, and a serial queue per group id
// (`run`) through which every request touching the group passes. Group methods are
// synchronous, and so are appends, so a state change never interleaves with another; the
// queue keeps that true when an operation awaits (loading, and later replicated appends).
// Requests that wait for a rebalance park inside the group and do not hold the queue.

import { encodeRecordBatch, ErrorCode, type RecordInput } from '../../protocol/index.ts';
import { replayInternalTopic } from '../internal-topic.ts';
import type { LogManager, PartitionLog } from '../../storage/index.ts';
import { ClassicGroup, type CommittedOffset, type GroupHost } from './classic-group.ts';
import { ConsumerGroup, type ClassicMembership, type ConsumerGroupHost, type LoadedConsumerGroup } from './consumer-group.ts';
import {
  RECORD_TYPE_CONSUMER_CURRENT_MEMBER_ASSIGNMENT,
  RECORD_TYPE_CONSUMER_GROUP_METADATA,
  RECORD_TYPE_CONSUMER_MEMBER_METADATA,
  RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_MEMBER,
  RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_METADATA,
  RECORD_TYPE_CONSUMER_REGULAR_EXPRESSION,
  decodeConsumerGroupMetadataValue,
  decodeConsumerMemberMetadataValue,
  decodeCurrentAssignmentValue,
  decodeGroupMetadataValue,
  decodeKey,
  decodeTargetAssignmentMemberValue,
  decodeTargetAssignmentMetadataValue,
  decodeOffsetCommitValue,
  decodeRegularExpressionValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitRecords,
  partitionForGroup,
} from './records.ts';

export const GROUP_METADATA_TOPIC = '__consumer_offsets';

export interface CoordinatorOptions {
  logs: LogManager;
  /** A broker config as a number (group.*, offsets.*, message.max.bytes). */
  config(name: string): number;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** A group config (consumer.session.timeout.ms, ...): the group's override, else the broker's default. */
  groupConfig?: (groupId: string, name: string) => string;
  /** group.consumer.assignors (default uniform, range). */
  assignors?: () => string[];
  /** group.consumer.migration.policy: disabled, upgrade, downgrade or bidirectional (the default). */
  migrationPolicy?: () => string;
  /** Called after an append to __consumer_offsets (wakes long-polling fetches). */
  appended?: (log: PartitionLog) => void;
  /** The share groups (KIP-932), whose records are in __consumer_offsets too. */
  shareGroups?: ShareGroupRecords;
}

/** What the share-group coordinator does with its records here. */
export interface ShareGroupRecords {
  /** A share group record (types 10-15) read while loading. */
  replay(recordType: number, groupId: string, memberId: string | null, value: Buffer | null): void;
  /** Every record was read. */
  loaded(): void;
  /** DeleteGroups for an id that is not a classic or consumer group: 0 or an error code. */
  deleteGroup(groupId: string): number;
}

/** A group of either protocol: classic (JoinGroup/SyncGroup) or consumer (KIP-848). */
export type Group = ClassicGroup | ConsumerGroup;

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
}

/** A transactional offset commit written to __consumer_offsets, visible once its transaction commits. */
interface PendingTxnOffset {
  topic: string;
  partition: number;
  value: CommittedOffset;
}

export class GroupCoordinator {
  readonly #options: CoordinatorOptions;
  readonly #now: () => number;
  readonly #groups = new Map<string, Group>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #host: GroupHost;
  readonly #consumerHost: ConsumerGroupHost;
  #expiryTimer: NodeJS.Timeout | null = null;
  /** KIP-848 groups seen while loading, built once every record was read. */
  readonly #loadingConsumer = new Map<string, LoadedConsumerGroup>();
  /** Transactional offset commits awaiting their marker: producer id → group id → `topic\0partition`. */
  readonly #pendingTxnOffsets = new Map<bigint, Map<string, Map<string, PendingTxnOffset>>>();
  #stopped = false;

  constructor(options: CoordinatorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#host = {
      now: this.#now,
      initialRebalanceDelayMs: () => options.config('group.initial.rebalance.delay.ms'),
      maxSize: () => options.config('group.max.size'),
      storeGroup: (group) => this.#storeGroup(group),
      log: (message, fields) => options.log?.('info', message, fields),
    };
    this.#consumerHost = {
      now: this.#now,
      sessionTimeoutMs: (groupId) => Number(options.groupConfig?.(groupId, 'consumer.session.timeout.ms') ?? options.config('group.consumer.session.timeout.ms')),
      maxSize: () => options.config('group.consumer.max.size'),
      assignors: () => options.assignors?.() ?? ['uniform', 'range'],
      topics: () => options.logs.topics().filter((t) => !t.name.startsWith('__')).map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.partitions })),
      log: (message) => options.log?.('info', message),
      persist: (groupId, records) => this.#append(groupId, records),
      membersRemoved: (group) => this.#maybeDowngrade(group),
    };
  }

  // -- lifecycle ------------------------------------------------------------------------

  /** Loads groups and offsets from __consumer_offsets and starts the expiry schedule. */
  start(): void {
    this.#load();
    const every = this.#options.config('offsets.retention.check.interval.ms');
    this.#expiryTimer = setInterval(() => {
      try {
        this.expireOffsets();
      } catch (err) {
        this.#options.log?.('warn', 'offset expiry failed', { cause: err });
      }
    }, every);
    this.#expiryTimer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#expiryTimer) clearInterval(this.#expiryTimer);
    for (const group of this.#groups.values()) group.close();
  }

  /** Runs `fn` after every earlier operation on the same group. */
  run<T>(groupId: string, fn: () => T | Promise<T>): Promise<T> {
    const previous = this.#queues.get(groupId) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(groupId, settled);
    void settled.then(() => {
      if (this.#queues.get(groupId) === settled) this.#queues.delete(groupId);
    });
    return next;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  // -- groups ----------------------------------------------------------------------------

  group(groupId: string): Group | undefined {
    return this.#groups.get(groupId);
  }

  /** The group if it is a live classic group. */
  classicGroup(groupId: string): ClassicGroup | undefined {
    const group = this.#groups.get(groupId);
    return group instanceof ClassicGroup ? group : undefined;
  }

  /**
   * Who answers SyncGroup, Heartbeat and LeaveGroup for the group: a live classic group, or
   * the classic members of a consumer group (KIP-848 online migration).
   */
  classicMembership(groupId: string): ClassicMembership | undefined {
    const group = this.#groups.get(groupId);
    if (group instanceof ConsumerGroup) return group.state === 'Dead' ? undefined : group.classicMembers;
    return group;
  }

  /** Who answers a JoinGroup: the classic group (created if missing), or a consumer group with members, which hosts classic members. */
  joinableGroup(groupId: string): ClassicMembership {
    const existing = this.#groups.get(groupId);
    if (existing instanceof ConsumerGroup && !existing.isEmpty()) return existing.classicMembers;
    return this.getOrCreate(groupId)!;
  }

  groups(): Group[] {
    return [...this.#groups.values()];
  }

  /**
   * The classic group, created if missing. An empty consumer group becomes a classic one
   * (keeping its offsets), as Kafka converts it; a consumer group with members gives null.
   */
  getOrCreate(groupId: string): ClassicGroup | null {
    const existing = this.#groups.get(groupId);
    if (existing instanceof ClassicGroup && existing.state !== 'Dead') return existing;
    if (existing instanceof ConsumerGroup && !existing.isEmpty()) return null;
    const group = new ClassicGroup(groupId, this.#host);
    if (existing) this.#adopt(group, existing);
    this.#groups.set(groupId, group);
    return group;
  }

  /**
   * The consumer (KIP-848) group, created if missing; an empty classic group is converted. A
   * classic group with members is converted too (KIP-848 online upgrade) when
   * group.consumer.migration.policy allows it, it uses the consumer protocol and one more
   * member fits in group.consumer.max.size; otherwise null (GROUP_ID_NOT_FOUND for the caller).
   */
  getOrCreateConsumerGroup(groupId: string): ConsumerGroup | null {
    const existing = this.#groups.get(groupId);
    if (existing instanceof ConsumerGroup && existing.state !== 'Dead') return existing;
    if (existing instanceof ClassicGroup && !existing.isEmpty() && existing.state !== 'Dead') return this.#upgrade(existing);
    const group = new ConsumerGroup(groupId, this.#consumerHost);
    if (existing) this.#adopt(group, existing);
    this.#groups.set(groupId, group);
    return group;
  }

  #migrationAllowed(direction: 'upgrade' | 'downgrade'): boolean {
    const policy = (this.#options.migrationPolicy?.() ?? 'bidirectional').toLowerCase();
    return policy === 'bidirectional' || policy === direction;
  }

  /** Kafka's convertToConsumerGroup: the classic members carry on inside a consumer group, at their generation. */
  #upgrade(classic: ClassicGroup): ConsumerGroup | null {
    if (!this.#migrationAllowed('upgrade') || classic.protocolType !== 'consumer' || classic.members.size + 1 > this.#options.config('group.consumer.max.size')) {
      this.#options.log?.('info', `group ${classic.groupId}: a consumer-protocol member cannot join the classic group (online upgrade not possible)`);
      return null;
    }
    const group = new ConsumerGroup(classic.groupId, this.#consumerHost);
    group.adoptClassicMembers(classic.toRecord());
    this.#adopt(group, classic);
    const error = group.persistAll();
    if (error !== 0) this.#options.log?.('warn', `group ${classic.groupId}: storing the upgrade to a consumer group failed with error ${error}`);
    this.#groups.set(classic.groupId, group);
    this.#options.log?.('info', `group ${classic.groupId}: upgraded from a classic group with ${group.members.size} members`);
    return group;
  }

  /**
   * Kafka's convertToClassicGroup: when the last member using the consumer protocol has gone
   * and group.consumer.migration.policy allows it, a consumer group whose members all use the
   * classic protocol becomes a classic group (at generation = group epoch, with each member's
   * assignment) and rebalances.
   */
  #maybeDowngrade(group: ConsumerGroup): void {
    if (this.#groups.get(group.groupId) !== group || !group.allMembersClassic() || !this.#migrationAllowed('downgrade')) return;
    if (group.members.size > this.#options.config('group.max.size')) return;
    const record = group.toClassicRecord(this.#now());
    const error = this.#append(group.groupId, [...group.allTombstones(), { key: encodeGroupMetadataKey(group.groupId), value: encodeGroupMetadataValue(record) }]);
    if (error !== 0) {
      this.#options.log?.('warn', `group ${group.groupId}: storing the downgrade to a classic group failed with error ${error}`);
      return;
    }
    group.close();
    const classic = new ClassicGroup(group.groupId, this.#host);
    for (const [t, m] of group.offsets) classic.offsets.set(t, m);
    classic.loadRecord(record);
    this.#groups.set(group.groupId, classic);
    this.#options.log?.('info', `group ${group.groupId}: downgraded to a classic group with ${classic.members.size} members`);
    classic.rebalance('the consumer group was downgraded to a classic group');
  }

  #adopt(group: Group, from: Group): void {
    for (const [t, m] of from.offsets) group.offsets.set(t, m);
    if (from instanceof ClassicGroup) from.close(ErrorCode.REBALANCE_IN_PROGRESS);
    else from.close();
    // The records of the group's previous type go, as Kafka writes them on conversion.
    if (from.hasStoredMetadata) this.#append(from.groupId, this.#groupTombstones(from));
  }

  #groupTombstones(group: Group): RecordInput[] {
    return group instanceof ConsumerGroup ? group.tombstones() : [{ key: encodeGroupMetadataKey(group.groupId), value: null }];
  }

  /** Ensures __consumer_offsets exists (FindCoordinator creates it, as Kafka does). */
  ensureOffsetsTopic(): boolean {
    const { logs } = this.#options;
    if (logs.topic(GROUP_METADATA_TOPIC)) return true;
    try {
      logs.createTopic(GROUP_METADATA_TOPIC, {
        partitions: this.#options.config('offsets.topic.num.partitions'),
        configs: {
          'cleanup.policy': 'compact',
          'compression.type': 'producer',
          'segment.bytes': String(this.#options.config('offsets.topic.segment.bytes')),
        },
      });
      this.#options.log?.('info', `created internal topic ${GROUP_METADATA_TOPIC}`);
      return true;
    } catch (err) {
      this.#options.log?.('error', `creating ${GROUP_METADATA_TOPIC} failed`, { cause: err });
      return false;
    }
  }

  /** DeleteGroups for one group: Kafka's error codes, tombstones for its offsets and metadata. */
  deleteGroup(groupId: string): number {
    const group = this.#groups.get(groupId);
    if (!group || group.state === 'Dead') return this.#options.shareGroups?.deleteGroup(groupId) ?? ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.isEmpty()) return ErrorCode.NON_EMPTY_GROUP;
    const committed: { topic: string; partition: number }[] = [];
    for (const [topic, partitions] of group.offsets) for (const partition of partitions.keys()) committed.push({ topic, partition });
    const records = encodeOffsetCommitRecords(groupId, committed, null);
    records.push(...this.#groupTombstones(group));
    const error = this.#append(groupId, records);
    if (error !== 0) return error;
    group.markDead();
    this.#groups.delete(groupId);
    return 0;
  }

  // -- offsets ----------------------------------------------------------------------------

  /** Appends the commits and applies them; returns 0 or an error code for all of them. */
  commitOffsets(group: Group, entries: OffsetCommitEntry[], retentionTimeMs: number): number {
    if (entries.length === 0) return 0;
    const now = this.#now();
    const expireTimestamp = retentionTimeMs >= 0 ? now + retentionTimeMs : -1;
    const values = entries.map((e): CommittedOffset => ({ offset: e.offset, leaderEpoch: e.leaderEpoch, metadata: e.metadata, commitTimestamp: now, expireTimestamp, recordOffset: -1 }));
    const records = encodeOffsetCommitRecords(group.groupId, entries, values);
    const error = this.#append(group.groupId, records, undefined, (base) => values.forEach((v, i) => (v.recordOffset = base + i)));
    if (error !== 0) return error;
    entries.forEach((e, i) => {
      let partitions = group.offsets.get(e.topic);
      if (!partitions) group.offsets.set(e.topic, (partitions = new Map()));
      partitions.set(e.partition, values[i]!);
    });
    return 0;
  }

  /** Removes the offsets of some partitions (OffsetDelete); returns 0 or an error code. */
  deleteOffsets(group: Group, partitions: { topic: string; partition: number }[]): number {
    const existing = partitions.filter((p) => group.offsets.get(p.topic)?.has(p.partition));
    if (existing.length === 0) return 0;
    const error = this.#append(group.groupId, encodeOffsetCommitRecords(group.groupId, existing, null));
    if (error !== 0) return error;
    for (const p of existing) {
      const map = group.offsets.get(p.topic)!;
      map.delete(p.partition);
      if (map.size === 0) group.offsets.delete(p.topic);
    }
    return 0;
  }

  /**
   * A topic was deleted: tombstones for its offsets in every group at once, as Kafka's
   * onPartitionsDeleted writes them, so that OffsetFetch no longer returns them (not even when
   * a topic of the same name is created again) and a restart does not bring them back.
   */
  onTopicDeleted(topic: string): void {
    for (const group of this.#groups.values()) {
      const partitions = group.offsets.get(topic);
      if (!partitions) continue;
      const error = this.deleteOffsets(group, [...partitions.keys()].map((partition) => ({ topic, partition })));
      if (error !== 0) this.#options.log?.('warn', `deleting the offsets of deleted topic ${topic} in group ${group.groupId} failed with error ${error}`);
    }
  }

  // -- transactional offsets (issue 5) ---------------------------------------------------

  /**
   * TxnOffsetCommit: the offsets are written to the group's __consumer_offsets partition in
   * a transactional batch with the producer's id and epoch, and held as pending until the
   * transaction's marker reaches that partition (completeTransaction), as Kafka's
   * OffsetMetadataManager does; so they survive a crash before EndTxn, and vanish if the
   * transaction aborts. Returns 0 or an error code for all of them.
   */
  commitTransactionalOffsets(groupId: string, producerId: bigint, producerEpoch: number, entries: OffsetCommitEntry[]): number {
    if (entries.length === 0) return 0;
    const now = this.#now();
    const pending = entries.map((e): PendingTxnOffset => ({
      topic: e.topic,
      partition: e.partition,
      value: { offset: e.offset, leaderEpoch: e.leaderEpoch, metadata: e.metadata, commitTimestamp: now, expireTimestamp: -1, recordOffset: -1 },
    }));
    const records = encodeOffsetCommitRecords(groupId, pending, pending.map((p) => p.value));
    const error = this.#append(groupId, records, { producerId, producerEpoch }, (base) => pending.forEach((p, i) => (p.value.recordOffset = base + i)));
    if (error !== 0) return error;
    for (const p of pending) this.#holdTxnOffset(producerId, groupId, p);
    return 0;
  }

  /** A transaction marker reached __consumer_offsets-`partition`: its pending offsets become committed, or go. */
  completeTransaction(producerId: bigint, commit: boolean, partition: number): void {
    const byGroup = this.#pendingTxnOffsets.get(producerId);
    if (!byGroup) return;
    const partitions = this.#options.logs.topic(GROUP_METADATA_TOPIC)?.partitions ?? 0;
    for (const [groupId, offsets] of byGroup) {
      if (partitions > 0 && partitionForGroup(groupId, partitions) !== partition) continue;
      byGroup.delete(groupId);
      if (!commit) continue;
      const group = this.#groups.get(groupId) ?? this.getOrCreate(groupId);
      if (!group) continue;
      for (const p of offsets.values()) {
        let map = group.offsets.get(p.topic);
        if (!map) group.offsets.set(p.topic, (map = new Map()));
        // The later record wins: a plain commit written after the transactional record (even
        // before its marker) stays; one written before it is replaced.
        const existing = map.get(p.partition);
        if (!existing || p.value.recordOffset > existing.recordOffset) map.set(p.partition, p.value);
      }
    }
    if (byGroup.size === 0) this.#pendingTxnOffsets.delete(producerId);
  }

  /** KIP-447 (OffsetFetch requireStable): whether a transaction holds an offset of this partition. */
  hasPendingTransactionalOffset(groupId: string, topic: string, partition: number): boolean {
    for (const byGroup of this.#pendingTxnOffsets.values()) if (byGroup.get(groupId)?.has(`${topic}\0${partition}`)) return true;
    return false;
  }

  #holdTxnOffset(producerId: bigint, groupId: string, p: PendingTxnOffset): void {
    let byGroup = this.#pendingTxnOffsets.get(producerId);
    if (!byGroup) this.#pendingTxnOffsets.set(producerId, (byGroup = new Map()));
    let offsets = byGroup.get(groupId);
    if (!offsets) byGroup.set(groupId, (offsets = new Map()));
    offsets.set(`${p.topic}\0${p.partition}`, p);
  }

  /**
   * KIP-211: offsets of a group with no members expire offsets.retention.minutes after the
   * group became empty (or, for a group without a protocol, after the commit); KIP-496:
   * those of topics that no member of a consumer group subscribes to, after the commit; an explicit
   * retention from OffsetCommit v2-4 expires at its own time. A group left with no offsets
   * and no members is deleted. Offsets of deleted topics are removed here too.
   */
  expireOffsets(): void {
    if (this.#stopped) return;
    const now = this.#now();
    const retentionMs = this.#options.config('offsets.retention.minutes') * 60_000;
    for (const group of [...this.#groups.values()]) {
      // A safety net: offsets of topics that no longer exist (onTopicDeleted removes them when
      // the topic is deleted; this catches a tombstone write that failed then).
      const orphaned: { topic: string; partition: number }[] = [];
      for (const [topic, partitions] of group.offsets) {
        if (this.#options.logs.topic(topic)) continue;
        for (const partition of partitions.keys()) orphaned.push({ topic, partition });
      }
      if (orphaned.length > 0) this.deleteOffsets(group, orphaned);
      // KIP-496: while a consumer group has members, offsets of topics none of them
      // subscribes to expire (counted from their commit); other offsets of a group with
      // members never do.
      let unsubscribed: ((topic: string) => boolean) | null = null;
      if (!group.isEmpty()) {
        const subscribed = group instanceof ClassicGroup ? (group.state === 'Stable' ? group.subscribedTopics() : null) : group.subscribedTopicNames();
        if (subscribed === null) continue;
        unsubscribed = (topic) => !subscribed.has(topic);
      }
      const expired: { topic: string; partition: number }[] = [];
      for (const [topic, partitions] of group.offsets) {
        if (unsubscribed && !unsubscribed(topic)) continue;
        for (const [partition, o] of partitions) {
          const base = unsubscribed === null && group.protocolType !== null ? Math.max(group.stateTimestamp, 0) : o.commitTimestamp;
          const due = o.expireTimestamp >= 0 ? now >= o.expireTimestamp : now - base >= retentionMs;
          if (due) expired.push({ topic, partition });
        }
      }
      if (expired.length > 0) {
        if (this.deleteOffsets(group, expired) !== 0) continue;
        this.#options.log?.('info', `expired ${expired.length} offsets of group ${group.groupId}`);
      }
      if (group.offsets.size === 0 && group.isEmpty()) {
        if (group.hasStoredMetadata && this.#append(group.groupId, this.#groupTombstones(group)) !== 0) continue;
        group.markDead();
        this.#groups.delete(group.groupId);
      }
    }
  }

  // -- persistence --------------------------------------------------------------------------

  /** Appends records of a group kept elsewhere (share groups) to its __consumer_offsets partition; 0 or an error code. */
  appendGroupRecords(groupId: string, records: RecordInput[]): number {
    return this.#append(groupId, records);
  }

  #storeGroup(group: ClassicGroup): number {
    if (this.#groups.get(group.groupId) !== group) return 0; // converted or deleted meanwhile
    const error = this.#append(group.groupId, [{ key: encodeGroupMetadataKey(group.groupId), value: encodeGroupMetadataValue(group.toRecord()) }]);
    if (error === 0) group.hasStoredMetadata = true;
    return error;
  }

  /** `appended` gets the base offset of the batch written. */
  #append(groupId: string, records: RecordInput[], txn?: { producerId: bigint; producerEpoch: number }, appended?: (baseOffset: number) => void): number {
    if (this.#stopped) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!this.ensureOffsetsTopic()) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const { logs } = this.#options;
    const topic = logs.topic(GROUP_METADATA_TOPIC)!;
    const log = logs.partition(GROUP_METADATA_TOPIC, partitionForGroup(groupId, topic.partitions));
    if (!log) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const batch = encodeRecordBatch(records, txn ? { timestamp: this.#now(), isTransactional: true, producerId: txn.producerId, producerEpoch: txn.producerEpoch } : { timestamp: this.#now() });
    const max = Number(topic.configs['max.message.bytes'] ?? this.#options.config('message.max.bytes'));
    if (batch.length > max) {
      this.#options.log?.('warn', `group ${groupId}: a ${batch.length}-byte record batch exceeds ${max} bytes`);
      // Kafka maps MESSAGE_TOO_LARGE/RECORD_LIST_TOO_LARGE from the offsets topic to these.
      return records.some((r) => decodeKey(r.key as Buffer).type === 'group') ? ErrorCode.UNKNOWN_SERVER_ERROR : ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    }
    try {
      const { baseOffset } = log.append(batch);
      appended?.(baseOffset);
    } catch (err) {
      this.#options.log?.('error', `append to ${log.topic}-${log.partition} failed`, { cause: err });
      return ErrorCode.NOT_COORDINATOR;
    }
    this.#options.appended?.(log);
    return 0;
  }

  /** Replays every partition of __consumer_offsets: the last record of each key wins. */
  #load(): void {
    const started = this.#now();
    const records = replayInternalTopic(
      this.#options.logs,
      GROUP_METADATA_TOPIC,
      (record, batch) => {
        if (!record.key) return;
        if (batch.isTransactional) this.#replayTxnOffset(BigInt(batch.producerId), record.key, record.value, record.offset);
        else this.#replay(record.key, record.value, record.offset);
      },
      (partition, producerId, commit) => this.completeTransaction(BigInt(producerId), commit, partition),
    );
    for (const [groupId, loaded] of this.#loadingConsumer) {
      const classic = this.#groups.get(groupId);
      if (classic instanceof ClassicGroup && classic.pendingRecord !== null && classic.pendingRecord.members.length > 0) continue;
      const group = new ConsumerGroup(groupId, this.#consumerHost);
      if (classic) for (const [t, m] of classic.offsets) group.offsets.set(t, m);
      group.load(loaded);
      this.#groups.set(groupId, group);
    }
    this.#loadingConsumer.clear();
    this.#options.shareGroups?.loaded();
    for (const [groupId, group] of this.#groups) {
      if (!(group instanceof ClassicGroup)) continue;
      // Offsets all deleted and no metadata record: the group is gone.
      if (group.pendingRecord === null && group.offsets.size === 0) this.#groups.delete(groupId);
      else group.startLoaded();
    }
    if (records > 0) this.#options.log?.('info', `loaded ${this.#groups.size} groups from ${records} records of ${GROUP_METADATA_TOPIC}`, { ms: this.#now() - started });
  }

  /** A record of a transactional batch: an offset commit held until its marker (replayed later, or written by recovery). */
  #replayTxnOffset(producerId: bigint, keyBytes: Buffer, value: Buffer | null, recordOffset: number): void {
    try {
      const key = decodeKey(keyBytes);
      if (key.type !== 'offset' || value === null) return;
      const committed: CommittedOffset = { ...decodeOffsetCommitValue(value), recordOffset };
      this.#holdTxnOffset(producerId, key.group, { topic: key.topic, partition: key.partition, value: committed });
    } catch (err) {
      this.#options.log?.('warn', `skipping an undecodable transactional ${GROUP_METADATA_TOPIC} record`, { cause: err });
    }
  }

  #replay(keyBytes: Buffer, value: Buffer | null, recordOffset: number): void {
    let key;
    try {
      key = decodeKey(keyBytes);
    } catch (err) {
      this.#options.log?.('warn', `skipping an undecodable ${GROUP_METADATA_TOPIC} record key`, { cause: err });
      return;
    }
    if (key.type === 'other') return;
    if (key.type === 'share') {
      try {
        this.#options.shareGroups?.replay(key.recordType, key.group, key.memberId, value);
      } catch (err) {
        this.#options.log?.('warn', `skipping an undecodable ${GROUP_METADATA_TOPIC} record of share group ${key.group}`, { cause: err });
      }
      return;
    }
    if (key.type === 'consumer') {
      try {
        this.#replayConsumer(key.recordType, key.group, key.memberId, value);
      } catch (err) {
        this.#options.log?.('warn', `skipping an undecodable ${GROUP_METADATA_TOPIC} record of group ${key.group}`, { cause: err });
      }
      return;
    }
    try {
      if (key.type === 'offset') {
        const group = value === null ? this.#groups.get(key.group) : this.#loadedGroup(key.group);
        if (!group) return;
        if (value === null) {
          const map = group.offsets.get(key.topic);
          map?.delete(key.partition);
          if (map?.size === 0) group.offsets.delete(key.topic);
          return;
        }
        let map = group.offsets.get(key.topic);
        if (!map) group.offsets.set(key.topic, (map = new Map()));
        map.set(key.partition, { ...decodeOffsetCommitValue(value), recordOffset });
        return;
      }
      if (value === null) {
        // A tombstone for the group: its members and metadata are gone (offsets have their own).
        const group = this.#groups.get(key.group);
        if (group) {
          const fresh = new ClassicGroup(key.group, this.#host);
          for (const [t, m] of group.offsets) fresh.offsets.set(t, m);
          if (fresh.offsets.size > 0) this.#groups.set(key.group, fresh);
          else this.#groups.delete(key.group);
        }
        return;
      }
      const fresh = new ClassicGroup(key.group, this.#host);
      const previous = this.#groups.get(key.group);
      if (previous) for (const [t, m] of previous.offsets) fresh.offsets.set(t, m);
      fresh.pendingRecord = decodeGroupMetadataValue(value);
      this.#groups.set(key.group, fresh);
    } catch (err) {
      this.#options.log?.('warn', `skipping an undecodable ${GROUP_METADATA_TOPIC} record of group ${key.group}`, { cause: err });
    }
  }

  #replayConsumer(recordType: number, groupId: string, memberId: string | null, value: Buffer | null): void {
    if (recordType === RECORD_TYPE_CONSUMER_GROUP_METADATA) {
      if (value === null) this.#loadingConsumer.delete(groupId);
      else {
        const staged = this.#loadingConsumer.get(groupId);
        const epoch = decodeConsumerGroupMetadataValue(value).epoch;
        if (staged) staged.epoch = epoch;
        else this.#loadingConsumer.set(groupId, { epoch, assignmentEpoch: 0, members: new Map() });
      }
      return;
    }
    let staged = this.#loadingConsumer.get(groupId);
    if (!staged) {
      if (value === null) return;
      this.#loadingConsumer.set(groupId, (staged = { epoch: 0, assignmentEpoch: 0, members: new Map() }));
    }
    if (recordType === RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_METADATA) {
      staged.assignmentEpoch = value === null ? 0 : decodeTargetAssignmentMetadataValue(value).assignmentEpoch;
      return;
    }
    if (recordType === RECORD_TYPE_CONSUMER_REGULAR_EXPRESSION) {
      // The key's second string is the regular expression.
      staged.regexes ??= new Map();
      if (memberId === null || value === null) staged.regexes.delete(memberId ?? '');
      else staged.regexes.set(memberId, decodeRegularExpressionValue(value).topics);
      return;
    }
    if (memberId === null) return;
    let member = staged.members.get(memberId);
    if (!member) {
      if (value === null) return;
      staged.members.set(memberId, (member = {}));
    }
    if (recordType === RECORD_TYPE_CONSUMER_MEMBER_METADATA) {
      if (value === null) delete member.metadata;
      else member.metadata = decodeConsumerMemberMetadataValue(value);
    } else if (recordType === RECORD_TYPE_CONSUMER_TARGET_ASSIGNMENT_MEMBER) {
      if (value === null) delete member.target;
      else member.target = decodeTargetAssignmentMemberValue(value);
    } else if (recordType === RECORD_TYPE_CONSUMER_CURRENT_MEMBER_ASSIGNMENT) {
      if (value === null) delete member.current;
      else member.current = decodeCurrentAssignmentValue(value);
    }
    if (!member.metadata && !member.target && !member.current) staged.members.delete(memberId);
  }

  #loadedGroup(groupId: string): ClassicGroup {
    let group = this.#groups.get(groupId);
    if (!(group instanceof ClassicGroup)) this.#groups.set(groupId, (group = new ClassicGroup(groupId, this.#host)));
    return group;
  }
}
