// Incremental fetch sessions (KIP-227). A client that opens a session (SessionEpoch 0)
// sends, afterwards, only the partitions whose fetch state changed and those it no longer
// wants; the broker remembers the rest, and answers with only the partitions that have
// something new (records, an error, or a moved high watermark, last stable offset or log
// start offset). This saves both sides from repeating every partition on every poll.
//
// Sessions are not tied to connections, as in Kafka. The cache holds at most
// max.incremental.fetch.session.cache.slots sessions (Kafka's default, 1000); when full, a
// new session may take the place of the least recently used one only if that one has been
// idle for min.incremental.fetch.session.eviction.ms (Kafka's default, 120 s). Otherwise
// the client gets SessionId 0 and keeps sending full fetch requests, as with Kafka.

import { randomInt } from 'node:crypto';
import { defineComponent } from './component.ts';

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
const DEFAULT_SLOTS = 1000;
const EVICTION_IDLE_MS = 120_000;

/** What the session remembers of one partition: the client's fetch state and what it was last told. */
export interface SessionPartition {
  /** Topic id (v13+) or name, as the client names the topic in this session. */
  readonly topicKey: string;
  readonly partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** Last values sent in a response, to tell whether the partition has news. */
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
}

export class FetchSession {
  readonly id: number;
  /** Whether the session names topics by id (Fetch v13+) or by name. */
  readonly usesTopicIds: boolean;
  /** The epoch the next request must carry. */
  epoch = 1;
  lastUsedMs: number;
  /** In fetch order; partitions that return data move to the back, for fairness. */
  readonly partitions = new Map<string, SessionPartition>();

  constructor(id: number, usesTopicIds: boolean, now: number) {
    this.id = id;
    this.usesTopicIds = usesTopicIds;
    this.lastUsedMs = now;
  }

  static key(topicKey: string, partition: number): string {
    return `${partition}:${topicKey}`;
  }

  upsert(topicKey: string, partition: number, state: Pick<SessionPartition, 'fetchOffset' | 'partitionMaxBytes' | 'currentLeaderEpoch'>): void {
    const key = FetchSession.key(topicKey, partition);
    const existing = this.partitions.get(key);
    if (existing) {
      existing.fetchOffset = state.fetchOffset;
      existing.partitionMaxBytes = state.partitionMaxBytes;
      existing.currentLeaderEpoch = state.currentLeaderEpoch;
      return;
    }
    this.partitions.set(key, { topicKey, partition, ...state, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n });
  }

  forget(topicKey: string, partition: number): void {
    this.partitions.delete(FetchSession.key(topicKey, partition));
  }

  /** Moves a partition to the back of the fetch order. */
  rotate(p: SessionPartition): void {
    const key = FetchSession.key(p.topicKey, p.partition);
    this.partitions.delete(key);
    this.partitions.set(key, p);
  }

  advanceEpoch(): void {
    this.epoch = this.epoch === 0x7fffffff ? 1 : this.epoch + 1;
  }
}

export class FetchSessionCache {
  readonly #sessions = new Map<number, FetchSession>(); // in least-recently-used order
  readonly #slots: number;
  readonly #clock: () => number;

  constructor(slots = DEFAULT_SLOTS, clock: () => number = Date.now) {
    this.#slots = slots;
    this.#clock = clock;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** A new session, or undefined when the cache is full of sessions still in use. */
  create(usesTopicIds: boolean): FetchSession | undefined {
    const now = this.#clock();
    if (this.#sessions.size >= this.#slots) {
      const [oldestId, oldest] = this.#sessions.entries().next().value!;
      if (now - oldest.lastUsedMs < EVICTION_IDLE_MS) return undefined;
      this.#sessions.delete(oldestId);
    }
    let id: number;
    do id = randomInt(1, 0x7fffffff);
    while (this.#sessions.has(id));
    const session = new FetchSession(id, usesTopicIds, now);
    this.#sessions.set(id, session);
    return session;
  }

  /** The session with this id, marked as just used. */
  use(id: number): FetchSession | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    this.#sessions.delete(id);
    this.#sessions.set(id, session);
    session.lastUsedMs = this.#clock();
    return session;
  }

  remove(id: number): void {
    this.#sessions.delete(id);
  }

  stop(): void {
    this.#sessions.clear();
  }
}

export const FETCH_SESSIONS = defineComponent('fetch sessions', (broker) => {
  const slots = broker.config.get('max.incremental.fetch.session.cache.slots');
  return new FetchSessionCache(slots === null ? DEFAULT_SLOTS : Number(slots));
});
