// ListOffsets, grouped by partition leader: the admin's listOffsets and the consumer's
// "start from the beginning / end / a timestamp" both come here. Leaders that moved
// (NOT_LEADER_OR_FOLLOWER and friends) are retried after a metadata refresh.

import { API, ErrorCode, type ListOffsetsRequest } from '../protocol/index.ts';
import { unknownTopic, type ClientCore } from './client.ts';
import { KafkaError } from './errors.ts';

/** Kafka's special ListOffsets timestamps. */
export const OFFSET_SPEC = { latest: -1n, earliest: -2n, maxTimestamp: -3n } as const;

export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | { timestamp: number };

export interface OffsetQuery {
  topic: string;
  partition: number;
  spec: OffsetSpec;
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  /** -1 when no record answers the query (a timestamp past every record's). */
  offset: number;
  /** The record's timestamp for timestamp queries, else -1. */
  timestamp: number;
  leaderEpoch: number;
}

export function specTimestamp(spec: OffsetSpec): bigint {
  if (spec === 'earliest') return OFFSET_SPEC.earliest;
  if (spec === 'latest') return OFFSET_SPEC.latest;
  if (spec === 'max-timestamp') return OFFSET_SPEC.maxTimestamp;
  return BigInt(spec.timestamp);
}

export async function listOffsets(core: ClientCore, queries: readonly OffsetQuery[], isolationLevel = 0, finalTopic = false): Promise<PartitionOffset[]> {
  const results = new Map<string, PartitionOffset>();
  let todo = [...queries];
  await core.retry('listOffsets', async () => {
    const byLeader = new Map<number, OffsetQuery[]>();
    for (const q of todo) {
      const leader = await core.metadata.leaderFor(q.topic, q.partition);
      let list = byLeader.get(leader.nodeId);
      if (list === undefined) byLeader.set(leader.nodeId, (list = []));
      list.push(q);
    }
    const errors: KafkaError[] = [];
    const failed: OffsetQuery[] = [];
    await Promise.all(
      [...byLeader].map(async ([nodeId, list]) => {
        const connection = await core.metadata.connection(nodeId);
        const body: ListOffsetsRequest = API.ListOffsets.createRequest();
        body.isolationLevel = isolationLevel;
        const byTopic = new Map<string, OffsetQuery[]>();
        for (const q of list) {
          let l = byTopic.get(q.topic);
          if (l === undefined) byTopic.set(q.topic, (l = []));
          l.push(q);
        }
        body.topics = [...byTopic].map(([name, qs]) => ({
          name,
          partitions: qs.map((q) => ({ partitionIndex: q.partition, currentLeaderEpoch: -1, timestamp: specTimestamp(q.spec), maxNumOffsets: 1 })),
        }));
        const response = await connection.request(API.ListOffsets, body);
        for (const t of response.topics) {
          for (const p of t.partitions) {
            const error = KafkaError.fromCode(p.errorCode, { topic: t.name, partition: p.partitionIndex });
            if (error !== null) {
              errors.push(error);
              failed.push(list.find((q) => q.topic === t.name && q.partition === p.partitionIndex)!);
              continue;
            }
            const offset = p.oldStyleOffsets.length > 0 && p.offset === -1n ? p.oldStyleOffsets[0]! : p.offset;
            results.set(`${t.name}\0${p.partitionIndex}`, {
              topic: t.name,
              partition: p.partitionIndex,
              offset: Number(offset),
              timestamp: Number(p.timestamp),
              leaderEpoch: p.leaderEpoch,
            });
          }
        }
      }),
    );
    todo = failed;
    if (errors.length > 0) throw KafkaError.collect(errors, 'ListOffsets failed');
  }, finalTopic ? { final: unknownTopic } : {});
  return queries.map((q) => {
    const r = results.get(`${q.topic}\0${q.partition}`);
    if (r === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `no ListOffsets answer for ${q.topic}-${q.partition}`);
    return r;
  });
}
