// The embedded consumer protocol of classic groups (protocol type "consumer"), as far as the
// coordinator reads and writes it: ConsumerProtocolSubscription (any version: topics, user
// data, owned partitions from v1, generation from v2, rack from v3) and
// ConsumerProtocolAssignment (written at v0: topics with partitions, null user data). Needed
// when a consumer group hosts classic members or converts to or from a classic group
// (KIP-848 online migration): the coordinator then computes the assignment itself.

import { Reader, Writer } from '../../protocol/index.ts';

export interface ConsumerSubscription {
  topics: string[];
  ownedPartitions: { topic: string; partitions: number[] }[];
  rackId: string | null;
}

/** Reads a subscription; null for bytes that are not one. */
export function decodeConsumerSubscription(metadata: Buffer): ConsumerSubscription | null {
  try {
    const r = new Reader(metadata);
    const version = r.int16();
    if (version < 0) return null;
    const n = r.arrayLength(2);
    const topics: string[] = [];
    for (let i = 0; i < n; i++) topics.push(r.string());
    const ownedPartitions: ConsumerSubscription['ownedPartitions'] = [];
    let rackId: string | null = null;
    if (r.remaining > 0) r.nullableBytes(); // user data
    if (version >= 1 && r.remaining > 0) {
      const count = r.arrayLength(6);
      for (let i = 0; i < count; i++) {
        const topic = r.string();
        const k = r.arrayLength(4);
        const partitions: number[] = [];
        for (let j = 0; j < k; j++) partitions.push(r.int32());
        ownedPartitions.push({ topic, partitions });
      }
    }
    if (version >= 2 && r.remaining >= 4) r.int32(); // generation
    if (version >= 3 && r.remaining >= 2) rackId = r.nullableString();
    return { topics, ownedPartitions, rackId };
  } catch {
    return null;
  }
}

/** ConsumerProtocolAssignment v0 for partitions by topic name. */
export function encodeConsumerAssignment(partitions: Map<string, number[]>): Buffer {
  const w = new Writer(64).int16(0).int32(partitions.size);
  for (const [topic, list] of partitions) {
    w.string(topic).int32(list.length);
    for (const p of list) w.int32(p);
  }
  return w.int32(-1).toBuffer();
}

/** The partitions of an assignment by topic name (empty for bytes that are not one). */
export function decodeConsumerAssignment(bytes: Buffer): Map<string, number[]> {
  const out = new Map<string, number[]>();
  try {
    if (bytes.length < 6) return out;
    const r = new Reader(bytes);
    r.int16();
    const n = r.arrayLength(6);
    for (let i = 0; i < n; i++) {
      const topic = r.string();
      const k = r.arrayLength(4);
      const partitions: number[] = [];
      for (let j = 0; j < k; j++) partitions.push(r.int32());
      out.set(topic, partitions);
    }
  } catch {
    return new Map();
  }
  return out;
}
