// The consumer: a set of assigned partitions, each with a fetch position, read with Fetch
// requests (long polling: the broker holds a request up to `maxWaitMs` until `minBytes`
// arrive), one request per leader for all its partitions. Records come out through
// `poll()`, the async iterator (`for await (const record of consumer)`) or `run({ eachBatch })`.
//
// Positions: records fetched but not yet handed out stay in a buffer, so breaking out of a
// `for await` loop, seeking or pausing loses nothing: the next read starts at the first
// record not handed out. `position()` is the offset of the next record to hand out, which is
// what a group commits.
//
// Start points: an explicit offset, 'earliest', 'latest' or a timestamp (ListOffsets);
// Fetch sessions (KIP-227, Fetch v7+): per broker, the first fetch asks for a session;
// later ones name only the partitions whose fetch offset changed and list the ones no
// longer fetched (paused, unassigned) as forgotten, and the broker answers only for
// partitions with news. A session error (FETCH_SESSION_ID_NOT_FOUND,
// INVALID_FETCH_SESSION_EPOCH) or a failed request starts over with a full fetch.
//
// OFFSET_OUT_OF_RANGE resets per `autoOffsetReset`. With read_committed, records of aborted
// transactions are dropped using the response's aborted-transaction list, and control
// batches are stepped over. Group membership (subscribe, commits) lives in group.ts and
// drives assign()/position() of this class.

import {
  API,
  ErrorCode,
  ZERO_UUID,
  decodeRecordBatches,
  type FetchRequest,
  type RecordBatch,
} from '../../protocol/index.ts';
import { ClientCore, type ClientOptions } from '../client.ts';
import { KafkaError } from '../errors.ts';
import { listOffsets, type OffsetSpec } from '../offsets.ts';
import { GroupMember, type CommitOffset, type GroupOptions } from './group.ts';
import type { ConsumerGroupMetadata } from '../producer/transactions.ts';

/** Client, fetch and group options; the group ones (session, assignors, commits, protocol) as group.ts documents them. */
export interface ConsumerOptions extends ClientOptions, Omit<GroupOptions, 'groupId'> {
  /** Where to start when there is no position (no commit, or out of range). Default 'latest'. */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** How long the broker may hold a fetch waiting for data. Default 500. */
  maxWaitMs?: number;
  /** Default 1. */
  minBytes?: number;
  /** Per response. Default 52428800. */
  maxBytes?: number;
  /** Per partition. Default 1048576. */
  maxPartitionBytes?: number;
  /** Default 'read_uncommitted'. */
  isolationLevel?: 'read_uncommitted' | 'read_committed';
  /** A consumer group to join on subscribe(). */
  groupId?: string;
}

const GROUP_OPTION_KEYS = ['groupId', 'sessionTimeoutMs', 'rebalanceTimeoutMs', 'heartbeatIntervalMs', 'assignors', 'autoCommit', 'autoCommitIntervalMs', 'groupInstanceId', 'groupProtocol', 'groupRemoteAssignor'] as const;

export interface TopicPartition {
  topic: string;
  partition: number;
}

export type StartOffset = number | OffsetSpec;

export interface Assignment {
  topic: string;
  /** Omitted: every partition of the topic. */
  partition?: number;
  /** Default: `autoOffsetReset`. */
  offset?: StartOffset;
}

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
  leaderEpoch: number;
}

export interface RecordBatchInfo {
  topic: string;
  partition: number;
  records: ConsumerRecord[];
  highWatermark: number;
}

interface PartitionState {
  topic: string;
  partition: number;
  /** Next offset to fetch; null until resolved from `start`. */
  fetchOffset: number | null;
  start: StartOffset;
  paused: boolean;
  highWatermark: number;
  /** Next offset to hand out (after what the buffer holds back). */
  position: number | null;
}

const key = (topic: string, partition: number): string => `${topic}\0${partition}`;

/** A broker's fetch session: its id, the next epoch, and the fetch offset it holds per partition. */
interface FetchSession {
  id: number;
  epoch: number;
  partitions: Map<string, { topic: string; partition: number; fetchOffset: number }>;
}

const MAX_SESSION_EPOCH = 0x7fffffff;

export class Consumer {
  readonly #core: ClientCore;
  readonly #options: Required<Omit<ConsumerOptions, keyof ClientOptions | (typeof GROUP_OPTION_KEYS)[number]>>;
  readonly #group: GroupMember | undefined;
  #partitions = new Map<string, PartitionState>();
  #buffer: ConsumerRecord[] = [];
  #bufferAt = 0;
  #closed = false;
  #retriableErrors = 0;
  /** Fetch sessions by broker node id. */
  #sessions = new Map<number, FetchSession>();
  /** The group's hook, run before each fetch round (joins, rebalances, auto-commits). */
  #beforeFetch: (() => Promise<void>) | undefined;

  constructor(options: ConsumerOptions = {}) {
    this.#core = new ClientCore(options);
    this.#options = {
      autoOffsetReset: options.autoOffsetReset ?? 'latest',
      maxWaitMs: options.maxWaitMs ?? 500,
      minBytes: options.minBytes ?? 1,
      maxBytes: options.maxBytes ?? 52_428_800,
      maxPartitionBytes: options.maxPartitionBytes ?? 1_048_576,
      isolationLevel: options.isolationLevel ?? 'read_uncommitted',
    };
    if (options.groupId !== undefined) {
      this.#group = new GroupMember(this.#core, this, {
        groupId: options.groupId,
        ...Object.fromEntries(GROUP_OPTION_KEYS.filter((k) => k !== 'groupId' && options[k] !== undefined).map((k) => [k, options[k]])),
      });
      this.#beforeFetch = () => this.#group!.ensureActive();
    }
  }

  /**
   * Joins the consumer group (the `groupId` option) for these topics; the group's assignor
   * decides which partitions this consumer reads. Reading starts at the committed offsets.
   */
  subscribe(topics: readonly string[]): void {
    if (this.#group === undefined) throw new TypeError('subscribe() needs the groupId option; use assign() without a group');
    this.#group.subscribe(topics);
  }

  /** The group's member id and generation, and the assignor it chose (undefined without a group). */
  groupState(): { memberId: string; generationId: number; protocol: string | undefined } | undefined {
    const g = this.#group;
    return g === undefined ? undefined : { memberId: g.memberId, generationId: g.generationId, protocol: g.protocol };
  }

  /**
   * What a transactional producer's sendOffsetsToTransaction() needs to commit offsets for
   * this member's group, fenced by its generation (KIP-447).
   */
  groupMetadata(): ConsumerGroupMetadata {
    const g = this.#group;
    if (g === undefined) throw new TypeError('groupMetadata() needs the groupId option');
    return { groupId: g.groupId, generationId: g.generationId, memberId: g.memberId, groupInstanceId: g.groupInstanceId };
  }

  /** Commits offsets for the group: the given ones, or the position of every assigned partition. */
  async commit(offsets?: readonly CommitOffset[]): Promise<void> {
    if (this.#group === undefined) throw new TypeError('commit() needs the groupId option');
    await this.#group.commit(offsets);
  }

  /** The group's committed offsets for partitions (-1 where there is none). */
  async committed(partitions: readonly TopicPartition[]): Promise<number[]> {
    if (this.#group === undefined) throw new TypeError('committed() needs the groupId option');
    return this.#group.committed(partitions);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Connects and reads cluster metadata (optional: the first read does it). */
  async connect(): Promise<void> {
    await this.#core.retry('connect', () => this.#core.metadata.refresh([]));
  }

  /**
   * Reads these partitions (replacing the current assignment). A topic without a partition
   * means all its partitions; UNKNOWN_TOPIC_OR_PARTITION if it does not exist.
   */
  async assign(assignments: readonly Assignment[]): Promise<void> {
    const next = new Map<string, PartitionState>();
    for (const a of assignments) {
      let partitions: number[];
      if (a.partition !== undefined) partitions = [a.partition];
      else {
        const info = await this.#core.retry('metadata', () => this.#core.metadata.topic(a.topic), { final: (e) => e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        partitions = info.partitions.map((p) => p.partition);
      }
      for (const partition of partitions) {
        const k = key(a.topic, partition);
        const existing = this.#partitions.get(k);
        if (existing !== undefined && a.offset === undefined) next.set(k, existing);
        else {
          const start = a.offset ?? this.#defaultStart();
          const offset = typeof start === 'number' ? start : null;
          next.set(k, { topic: a.topic, partition, fetchOffset: offset, position: offset, start, paused: false, highWatermark: -1 });
        }
      }
    }
    this.#partitions = next;
    this.#dropBuffered((r) => !next.has(key(r.topic, r.partition)) || next.get(key(r.topic, r.partition))!.fetchOffset === null);
  }

  /** Adds partitions to the assignment (cooperative rebalancing), keeping the others as they are. */
  async addPartitions(assignments: readonly Assignment[]): Promise<void> {
    await this.assign([...this.assignment(), ...assignments]);
  }

  /** Stops reading partitions. */
  removePartitions(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#partitions.delete(key(tp.topic, tp.partition));
    this.#dropBuffered((r) => !this.#partitions.has(key(r.topic, r.partition)));
  }

  assignment(): TopicPartition[] {
    return [...this.#partitions.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  #defaultStart(): StartOffset {
    return this.#options.autoOffsetReset === 'earliest' ? 'earliest' : 'latest';
  }

  /** The next read of a partition starts at `offset` (a number, 'earliest', 'latest' or { timestamp }). */
  seek(tp: TopicPartition, offset: StartOffset): void {
    const state = this.#state(tp);
    state.start = offset;
    state.fetchOffset = typeof offset === 'number' ? offset : null;
    state.position = state.fetchOffset;
    this.#dropBuffered((r) => r.topic === tp.topic && r.partition === tp.partition);
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const state = this.#state(tp);
      state.paused = true;
      // Records already fetched are given back: the next read after resume starts at them.
      if (state.position !== null) state.fetchOffset = state.position;
      this.#dropBuffered((r) => r.topic === tp.topic && r.partition === tp.partition);
    }
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#state(tp).paused = false;
  }

  paused(): TopicPartition[] {
    return [...this.#partitions.values()].filter((p) => p.paused).map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  /** The offset of the next record this consumer will hand out for a partition (null: not started). */
  position(tp: TopicPartition): number | null {
    return this.#state(tp).position;
  }

  /** The partition's high watermark as of the last fetch (-1 before one). */
  highWatermark(tp: TopicPartition): number {
    return this.#state(tp).highWatermark;
  }

  #state(tp: TopicPartition): PartitionState {
    const state = this.#partitions.get(key(tp.topic, tp.partition));
    if (state === undefined) throw new Error(`${tp.topic}-${tp.partition} is not assigned to this consumer`);
    return state;
  }

  #dropBuffered(drop: (r: ConsumerRecord) => boolean): void {
    const rest: ConsumerRecord[] = [];
    for (let i = this.#bufferAt; i < this.#buffer.length; i++) {
      const r = this.#buffer[i]!;
      if (!drop(r)) rest.push(r);
    }
    this.#buffer = rest;
    this.#bufferAt = 0;
  }

  /**
   * The records fetched so far, or, when none are waiting, one fetch round (which may wait up
   * to maxWaitMs and return nothing). Positions move past what is returned.
   */
  async poll(): Promise<ConsumerRecord[]> {
    if (this.#bufferAt >= this.#buffer.length) await this.#fill();
    const out = this.#bufferAt === 0 ? this.#buffer : this.#buffer.slice(this.#bufferAt);
    this.#buffer = [];
    this.#bufferAt = 0;
    for (const r of out) this.#handedOut(r);
    return out;
  }

  #handedOut(r: ConsumerRecord): void {
    const state = this.#partitions.get(key(r.topic, r.partition));
    if (state !== undefined) state.position = this.#nextAfter.get(r) ?? r.offset + 1;
  }

  /**
   * For the last record a fetch buffered per partition: where that fetch ended. Control
   * batches and aborted transactions after it are stepped over, so the position (what a
   * group commits) moves past them once the record is handed out, as in Java.
   */
  #nextAfter = new WeakMap<ConsumerRecord, number>();

  /** Records one by one until close(); a `break` leaves the rest for the next read. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord, void, undefined> {
    while (!this.#closed) {
      if (this.#bufferAt >= this.#buffer.length) {
        try {
          await this.#fill();
        } catch (err) {
          if (this.#closed) return;
          throw err;
        }
        continue;
      }
      const r = this.#buffer[this.#bufferAt++]!;
      this.#handedOut(r);
      yield r;
    }
  }

  /**
   * Calls `eachBatch` with the records of each partition as they arrive, until close() or
   * until the callback throws (run() then rejects with that error). Positions move once the
   * callback's promise resolves.
   */
  async run(handlers: { eachBatch: (batch: RecordBatchInfo) => Promise<void> | void }): Promise<void> {
    while (!this.#closed) {
      try {
        if (this.#bufferAt >= this.#buffer.length) await this.#fill();
      } catch (err) {
        if (this.#closed) return;
        throw err;
      }
      const records = this.#buffer.slice(this.#bufferAt);
      this.#buffer = [];
      this.#bufferAt = 0;
      const groups = new Map<string, ConsumerRecord[]>();
      for (const r of records) {
        const k = key(r.topic, r.partition);
        let l = groups.get(k);
        if (l === undefined) groups.set(k, (l = []));
        l.push(r);
      }
      for (const [k, list] of groups) {
        const state = this.#partitions.get(k);
        if (state === undefined) continue;
        await handlers.eachBatch({ topic: state.topic, partition: state.partition, records: list, highWatermark: state.highWatermark });
        for (const r of list) this.#handedOut(r);
        if (this.#closed) return;
      }
    }
  }

  /** One fetch round into the buffer. */
  async #fill(): Promise<void> {
    if (this.#beforeFetch !== undefined) await this.#beforeFetch();
    if (this.#closed) return;
    await this.#resolveStarts();
    const active = [...this.#partitions.values()].filter((p) => !p.paused && p.fetchOffset !== null);
    if (active.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, this.#options.maxWaitMs)));
      return;
    }
    const byLeader = new Map<number, PartitionState[]>();
    for (const p of active) {
      let leader: number;
      try {
        leader = (await this.#core.metadata.leaderFor(p.topic, p.partition)).nodeId;
      } catch (err) {
        if (err instanceof KafkaError && err.retriable) continue;
        throw err;
      }
      let l = byLeader.get(leader);
      if (l === undefined) byLeader.set(leader, (l = []));
      l.push(p);
    }
    if (byLeader.size === 0) {
      this.#core.metadata.markStale();
      await new Promise((resolve) => setTimeout(resolve, this.#core.backoff(1)));
      return;
    }
    const results = await Promise.allSettled([...byLeader].map(([nodeId, list]) => this.#fetchFrom(nodeId, list)));
    let fatal: unknown;
    for (const r of results) {
      if (r.status === 'rejected') {
        if (r.reason instanceof KafkaError && r.reason.retriable) {
          if (r.reason.staleMetadata) this.#core.metadata.markStale();
          continue;
        }
        fatal ??= r.reason;
      }
    }
    if (fatal !== undefined) throw fatal;
    // Partitions refused with retriable errors (a leader moving, a topic being deleted): back
    // off instead of asking again at once.
    const refused = this.#retriableErrors > 0;
    this.#retriableErrors = 0;
    if ((refused || results.some((r) => r.status === 'rejected')) && this.#buffer.length === 0 && !this.#closed) {
      await new Promise((resolve) => setTimeout(resolve, this.#core.backoff(1)));
    }
  }

  /** Turns 'earliest' / 'latest' / timestamps into offsets. */
  async #resolveStarts(): Promise<void> {
    const pending = [...this.#partitions.values()].filter((p) => p.fetchOffset === null);
    if (pending.length === 0) return;
    const specs = pending.map((p) => ({ topic: p.topic, partition: p.partition, spec: typeof p.start === 'number' ? ('latest' as const) : p.start }));
    const offsets = await listOffsets(this.#core, specs, this.#isolation());
    pending.forEach((p, i) => {
      let offset = offsets[i]!.offset;
      if (offset < 0) offset = -1; // a timestamp past every record: resolved to the end below
      p.fetchOffset = offset;
      p.position = offset;
    });
    // A timestamp past every record means "the end".
    const unresolved = pending.filter((p) => p.fetchOffset! < 0);
    if (unresolved.length > 0) {
      const ends = await listOffsets(this.#core, unresolved.map((p) => ({ topic: p.topic, partition: p.partition, spec: 'latest' as const })), this.#isolation());
      unresolved.forEach((p, i) => {
        p.fetchOffset = ends[i]!.offset;
        p.position = ends[i]!.offset;
      });
    }
  }

  #isolation(): number {
    return this.#options.isolationLevel === 'read_committed' ? 1 : 0;
  }

  async #fetchFrom(nodeId: number, list: PartitionState[]): Promise<void> {
    const connection = await this.#core.metadata.connection(nodeId);
    const version = connection.versionFor(API.Fetch);
    const body: FetchRequest = API.Fetch.createRequest();
    body.replicaId = -1;
    body.maxWaitMs = this.#options.maxWaitMs;
    body.minBytes = this.#options.minBytes;
    body.maxBytes = this.#options.maxBytes;
    body.isolationLevel = this.#isolation();
    // What each partition is fetched from, whether or not this request names it.
    const requested = new Map(list.map((p) => [key(p.topic, p.partition), p.fetchOffset!]));
    const session = version >= 7 ? this.#sessions.get(nodeId) : undefined;
    const incremental = session !== undefined && session.id !== 0;
    body.sessionId = incremental ? session.id : 0;
    // Epoch 0 asks for a new session; -1 (or a broker before v7) means no session at all.
    body.sessionEpoch = incremental ? session.epoch : version >= 7 ? 0 : -1;
    const send = incremental ? list.filter((p) => session.partitions.get(key(p.topic, p.partition))?.fetchOffset !== p.fetchOffset) : list;
    const forgotten = incremental ? [...session.partitions].filter(([k]) => !requested.has(k)).map(([, v]) => v) : [];
    const byTopic = new Map<string, PartitionState[]>();
    for (const p of send) {
      let l = byTopic.get(p.topic);
      if (l === undefined) byTopic.set(p.topic, (l = []));
      l.push(p);
    }
    const topicId = (topic: string): string => {
      const id = this.#core.metadata.topics.get(topic)?.topicId ?? ZERO_UUID;
      if (version >= 13 && id === ZERO_UUID) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, `no topic id known for '${topic}'`, { topic });
      return id;
    };
    for (const [topic, ps] of byTopic) {
      body.topics.push({
        topic,
        topicId: topicId(topic),
        partitions: ps.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: -1,
          fetchOffset: BigInt(p.fetchOffset!),
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: this.#options.maxPartitionBytes,
          replicaDirectoryId: ZERO_UUID,
          highWatermark: -1n,
        })),
      });
    }
    const forgottenByTopic = new Map<string, number[]>();
    for (const f of forgotten) forgottenByTopic.set(f.topic, [...(forgottenByTopic.get(f.topic) ?? []), f.partition]);
    body.forgottenTopicsData = [...forgottenByTopic].map(([topic, partitions]) => ({ topic, topicId: this.#core.metadata.topics.get(topic)?.topicId ?? ZERO_UUID, partitions }));
    let response;
    try {
      response = await connection.request(API.Fetch, body, { timeoutMs: this.#core.options.requestTimeoutMs + this.#options.maxWaitMs });
    } catch (err) {
      this.#sessions.delete(nodeId);
      throw err;
    }
    if (response.errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || response.errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH) {
      this.#sessions.delete(nodeId); // the next round is a full fetch
      this.#retriableErrors++;
      return;
    }
    const topLevel = KafkaError.fromCode(response.errorCode);
    if (topLevel !== null) {
      this.#sessions.delete(nodeId);
      throw topLevel;
    }
    if (version >= 7) {
      if (!incremental) {
        this.#sessions.set(nodeId, { id: response.sessionId, epoch: 1, partitions: new Map(list.map((p) => [key(p.topic, p.partition), { topic: p.topic, partition: p.partition, fetchOffset: p.fetchOffset! }])) });
      } else {
        session.epoch = session.epoch >= MAX_SESSION_EPOCH ? 1 : session.epoch + 1;
        for (const f of forgotten) session.partitions.delete(key(f.topic, f.partition));
        for (const p of send) session.partitions.set(key(p.topic, p.partition), { topic: p.topic, partition: p.partition, fetchOffset: p.fetchOffset! });
      }
    }
    const errors: KafkaError[] = [];
    for (const t of response.responses) {
      const topic = version >= 13 ? (this.#core.metadata.topicName(t.topicId) ?? t.topic) : t.topic;
      for (const pd of t.partitions) {
        const k = key(topic, pd.partitionIndex);
        const state = this.#partitions.get(k);
        // Skip answers for partitions unassigned or moved meanwhile.
        if (state === undefined || state.paused || state.fetchOffset === null) continue;
        if (!list.includes(state)) continue;
        if (state.fetchOffset !== requested.get(k)) continue; // seeked while the fetch was out
        if (pd.errorCode !== ErrorCode.NONE) this.#sessions.get(nodeId)?.partitions.delete(k); // sent again in full next time
        if (pd.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE && this.#options.autoOffsetReset !== 'none') {
          state.start = this.#defaultStart();
          state.fetchOffset = null;
          state.position = null;
          continue;
        }
        const error = KafkaError.fromCode(pd.errorCode, { topic, partition: pd.partitionIndex });
        if (error !== null) {
          if (error.staleMetadata) this.#core.metadata.markStale();
          if (!error.retriable) errors.push(error);
          else this.#retriableErrors++;
          continue;
        }
        state.highWatermark = Number(pd.highWatermark);
        if (pd.records === null || pd.records.length === 0) continue;
        const batches = decodeRecordBatches(pd.records);
        this.#take(state, batches, pd.abortedTransactions);
      }
    }
    if (errors.length > 0) throw KafkaError.collect(errors, 'Fetch failed');
  }

  #take(state: PartitionState, batches: RecordBatch[], aborted: { producerId: bigint; firstOffset: bigint }[] | null): void {
    const readCommitted = this.#options.isolationLevel === 'read_committed';
    const abortedList = readCommitted && aborted !== null ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1)) : [];
    const activeAborted = new Set<number>();
    let next = state.fetchOffset!;
    const before = this.#buffer.length;
    for (const batch of batches) {
      const lastOffset = batch.baseOffset + batch.lastOffsetDelta;
      if (lastOffset < next) continue;
      while (abortedList.length > 0 && Number(abortedList[0]!.firstOffset) <= lastOffset) {
        activeAborted.add(Number(abortedList.shift()!.producerId));
      }
      if (batch.isControl) {
        if (readCommitted) activeAborted.delete(batch.producerId);
        next = lastOffset + 1;
        continue;
      }
      if (readCommitted && batch.isTransactional && activeAborted.has(batch.producerId)) {
        next = lastOffset + 1;
        continue;
      }
      for (const r of batch.records) {
        if (r.offset < next) continue;
        this.#buffer.push({
          topic: state.topic,
          partition: state.partition,
          offset: r.offset,
          timestamp: r.timestamp,
          key: r.key,
          value: r.value,
          headers: r.headers,
          leaderEpoch: batch.partitionLeaderEpoch,
        });
      }
      next = lastOffset + 1;
    }
    state.fetchOffset = next;
    if (this.#buffer.length === before) state.position = next;
    else this.#nextAfter.set(this.#buffer[this.#buffer.length - 1]!, next);
  }

  /** Stops reading (a fetch in flight is abandoned); a group member commits and leaves the group. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#group !== undefined) await this.#group.leave().catch(() => {});
    await this.#core.close();
  }
}
