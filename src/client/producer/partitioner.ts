// Choosing a partition. Keyed records go where the Java client's default partitioner and
// librdkafka's murmur2 / murmur2_random partitioners put them: murmur2 of the key bytes
// (Kafka's Utils.murmur2, seed 0x9747b28c), made positive by masking the sign bit, modulo the
// partition count. Records without a key stick to one partition until its batch is sent,
// then move to another (KIP-480 sticky partitioning), so that batches fill up.
// 'consistent_random' is librdkafka's default instead: CRC-32 of the key modulo the count,
// with empty and null keys spread (here: sticky), for placing keys beside librdkafka
// producers that kept their default.

import { crc32 } from 'node:zlib';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): a signed 32-bit hash. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3; // Java's switch falls through from 3 to 1
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition the Java client and librdkafka's murmur2 partitioners choose for a key. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}

/** librdkafka's consistent / consistent_random partitioner for a non-empty key: CRC-32 modulo the count. */
export function consistentPartitionForKey(key: Uint8Array, partitionCount: number): number {
  return (crc32(key) >>> 0) % partitionCount;
}

/** The built-in partitioners by librdkafka's names ('murmur2_random' is the Java default). */
export type PartitionerName = 'murmur2_random' | 'consistent_random';

export interface PartitionerContext {
  topic: string;
  key: Buffer | null;
  partitionCount: number;
}

/** A custom partitioner returns a partition in [0, partitionCount). */
export type Partitioner = (context: PartitionerContext) => number;

/** Sticky choice for records without a key: one partition per topic until told to move on. */
export class StickyPartitions {
  #current = new Map<string, number>();

  partition(topic: string, partitionCount: number): number {
    let p = this.#current.get(topic);
    if (p === undefined || p >= partitionCount) {
      p = Math.floor(Math.random() * partitionCount);
      this.#current.set(topic, p);
    }
    return p;
  }

  /** A batch for `partition` was closed: the next keyless records go elsewhere. */
  batchClosed(topic: string, partition: number, partitionCount: number): void {
    if (this.#current.get(topic) !== partition) return;
    if (partitionCount <= 1) return;
    let next = Math.floor(Math.random() * (partitionCount - 1));
    if (next >= partition) next++;
    this.#current.set(topic, next);
  }
}
