// Partition assignors of the classic group protocol, run by the group leader: range and
// round-robin (eager: every member gives up everything at each rebalance) and
// cooperative-sticky (KIP-429: members keep what they own; a partition that moves is first
// revoked by its owner, then handed over in a follow-up rebalance). Names are the Java
// client's, so a group can mix our consumers with Java, librdkafka and kafkajs members that
// offer the same assignor name; `roundRobinAssignor('RoundRobinAssigner')` matches kafkajs.
//
// Subscription and assignment bytes are Kafka's ConsumerProtocolSubscription (written as v1,
// with owned partitions) and ConsumerProtocolAssignment (v0/v1 layout: version, topics with
// partitions, user data).

import { ErrorCode } from '../../protocol/index.ts';
import { KafkaError } from '../errors.ts';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface GroupSubscriber {
  memberId: string;
  topics: string[];
  ownedPartitions: TopicPartitions[];
  userData: Buffer | null;
}

/** Member id → topic → partitions. */
export type GroupAssignment = Map<string, Map<string, number[]>>;

export interface Assignor {
  readonly name: string;
  /** True for assignors that keep owned partitions across rebalances (KIP-429). */
  readonly cooperative: boolean;
  assign(members: readonly GroupSubscriber[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment;
}

function emptyAssignment(members: readonly GroupSubscriber[]): GroupAssignment {
  return new Map(members.map((m) => [m.memberId, new Map<string, number[]>()]));
}

function add(assignment: GroupAssignment, memberId: string, topic: string, partition: number): void {
  const topics = assignment.get(memberId)!;
  let list = topics.get(topic);
  if (list === undefined) topics.set(topic, (list = []));
  list.push(partition);
}

const byId = (a: GroupSubscriber, b: GroupSubscriber) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

/** Java's RangeAssignor: per topic, consecutive ranges; the first members get one extra. */
export function rangeAssignor(name = 'range'): Assignor {
  return {
    name,
    cooperative: false,
    assign(members, partitionsPerTopic) {
      const out = emptyAssignment(members);
      for (const [topic, count] of [...partitionsPerTopic].sort()) {
        const subscribed = members.filter((m) => m.topics.includes(topic)).sort(byId);
        if (subscribed.length === 0) continue;
        const each = Math.floor(count / subscribed.length);
        const extra = count % subscribed.length;
        let next = 0;
        subscribed.forEach((m, i) => {
          const n = each + (i < extra ? 1 : 0);
          for (let k = 0; k < n; k++) add(out, m.memberId, topic, next++);
        });
      }
      return out;
    },
  };
}

/** Java's RoundRobinAssignor: all partitions in (topic, partition) order, dealt out in turn. */
export function roundRobinAssignor(name = 'roundrobin'): Assignor {
  return {
    name,
    cooperative: false,
    assign(members, partitionsPerTopic) {
      const out = emptyAssignment(members);
      const sorted = [...members].sort(byId);
      let turn = 0;
      for (const [topic, count] of [...partitionsPerTopic].sort()) {
        for (let p = 0; p < count; p++) {
          for (let tries = 0; tries < sorted.length; tries++) {
            const m = sorted[turn++ % sorted.length]!;
            if (m.topics.includes(topic)) {
              add(out, m.memberId, topic, p);
              break;
            }
          }
        }
      }
      return out;
    },
  };
}

/**
 * A cooperative sticky assignor: members keep owned partitions up to a fair share, the rest
 * go to the least loaded subscribers, and a partition taken from one member is left out of
 * its new owner's assignment until the old owner has revoked it (the follow-up rebalance).
 */
export function cooperativeStickyAssignor(name = 'cooperative-sticky'): Assignor {
  return {
    name,
    cooperative: true,
    assign(members, partitionsPerTopic) {
      const out = emptyAssignment(members);
      const all: [string, number][] = [];
      for (const [topic, count] of [...partitionsPerTopic].sort()) for (let p = 0; p < count; p++) all.push([topic, p]);
      const load = new Map(members.map((m) => [m.memberId, 0]));
      const owner = new Map<string, string>();
      const subscribers = (topic: string) => members.filter((m) => m.topics.includes(topic));
      // Fair share: partitions over the members subscribed to anything.
      const active = members.filter((m) => m.topics.length > 0);
      const quota = active.length === 0 ? 0 : Math.ceil(all.length / active.length);
      const previous = new Map<string, string>();
      for (const m of [...members].sort(byId)) {
        for (const tp of m.ownedPartitions) {
          for (const p of tp.partitions) {
            const k = `${tp.topic}\0${p}`;
            if (previous.has(k)) continue; // claimed twice: the first claim wins
            previous.set(k, m.memberId);
            const count = partitionsPerTopic.get(tp.topic);
            if (count === undefined || p >= count || !m.topics.includes(tp.topic) || load.get(m.memberId)! >= quota) continue;
            owner.set(k, m.memberId);
            load.set(m.memberId, load.get(m.memberId)! + 1);
          }
        }
      }
      for (const [topic, p] of all) {
        const k = `${topic}\0${p}`;
        if (owner.has(k)) continue;
        const candidates = subscribers(topic).sort((a, b) => load.get(a.memberId)! - load.get(b.memberId)! || byId(a, b));
        const chosen = candidates[0];
        if (chosen === undefined) continue;
        owner.set(k, chosen.memberId);
        load.set(chosen.memberId, load.get(chosen.memberId)! + 1);
      }
      for (const [k, memberId] of owner) {
        const was = previous.get(k);
        // Moving from another member: its owner revokes it first; assigned next round.
        if (was !== undefined && was !== memberId) continue;
        const [topic, p] = k.split('\0') as [string, string];
        add(out, memberId, topic, Number(p));
      }
      for (const topics of out.values()) for (const list of topics.values()) list.sort((a, b) => a - b);
      return out;
    },
  };
}

export function builtInAssignor(name: string): Assignor {
  if (name === 'range') return rangeAssignor();
  if (name === 'roundrobin') return roundRobinAssignor();
  if (name === 'cooperative-sticky') return cooperativeStickyAssignor();
  throw new TypeError(`unknown assignor '${name}': range, roundrobin or cooperative-sticky`);
}

// ---------------------------------------------------------------------------------------
// ConsumerProtocolSubscription / ConsumerProtocolAssignment bytes

function writeString(parts: Buffer[], s: string): void {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeInt16BE(b.length);
  parts.push(len, b);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function writeTopicPartitions(parts: Buffer[], list: readonly TopicPartitions[]): void {
  parts.push(int32(list.length));
  for (const tp of list) {
    writeString(parts, tp.topic);
    parts.push(int32(tp.partitions.length));
    for (const p of tp.partitions) parts.push(int32(p));
  }
}

function writeBytes(parts: Buffer[], b: Buffer | null): void {
  if (b === null) parts.push(int32(-1));
  else parts.push(int32(b.length), b);
}

/** ConsumerProtocolSubscription v1: version, topics, user data, owned partitions. */
export function encodeSubscription(topics: readonly string[], owned: readonly TopicPartitions[], userData: Buffer | null = null): Buffer {
  const parts: Buffer[] = [int16(1), int32(topics.length)];
  for (const t of topics) writeString(parts, t);
  writeBytes(parts, userData);
  writeTopicPartitions(parts, owned);
  return Buffer.concat(parts);
}

class ByteReader {
  at = 0;
  readonly b: Buffer;
  constructor(b: Buffer) {
    this.b = b;
  }
  get done(): boolean {
    return this.at >= this.b.length;
  }
  int16(): number {
    const v = this.b.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int32(): number {
    const v = this.b.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  string(): string {
    const n = this.int16();
    const s = this.b.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
  bytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  topicPartitions(): TopicPartitions[] {
    const n = this.int32();
    const out: TopicPartitions[] = [];
    for (let i = 0; i < n; i++) {
      const topic = this.string();
      const count = this.int32();
      const partitions: number[] = [];
      for (let j = 0; j < count; j++) partitions.push(this.int32());
      out.push({ topic, partitions });
    }
    return out;
  }
}

/** Reads any version of ConsumerProtocolSubscription (fields past the ones we know are skipped). */
export function decodeSubscription(memberId: string, bytes: Buffer): GroupSubscriber {
  try {
    const r = new ByteReader(bytes);
    const version = r.int16();
    const n = r.int32();
    const topics: string[] = [];
    for (let i = 0; i < n; i++) topics.push(r.string());
    const userData = r.done ? null : r.bytes();
    const ownedPartitions = version >= 1 && !r.done ? r.topicPartitions() : [];
    return { memberId, topics, ownedPartitions, userData };
  } catch (err) {
    throw new KafkaError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `member ${memberId} sent a subscription that cannot be read`, { cause: err });
  }
}

/** ConsumerProtocolAssignment (v0 layout; v1+ readers accept it). */
export function encodeAssignment(topics: ReadonlyMap<string, number[]>, userData: Buffer | null = null): Buffer {
  const parts: Buffer[] = [int16(0)];
  writeTopicPartitions(parts, [...topics].map(([topic, partitions]) => ({ topic, partitions })));
  writeBytes(parts, userData);
  return Buffer.concat(parts);
}

export function decodeAssignment(bytes: Buffer): TopicPartitions[] {
  if (bytes.length < 6) return [];
  const r = new ByteReader(bytes);
  r.int16();
  return r.topicPartitions();
}
