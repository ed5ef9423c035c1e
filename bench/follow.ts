// A consumer following every partition of a many-partition broker while light traffic
// arrives (bench/follow.py): what the broker spends to keep one librdkafka consumer group
// member up to date. librdkafka names every partition it follows in each fetch and fetches
// again as soon as an answer brings records, so the broker's cost per partition of a fetch,
// not the traffic, sets this figure. Before the traffic, the member commits its position in
// every partition a few times: what one OffsetCommit of them all costs the broker.

import { fileURLToPath } from 'node:url';

import { cpuSeconds } from './proc.ts';
import { runScript } from './script.ts';

const script = fileURLToPath(new URL('./follow.py', import.meta.url));

export interface FollowOptions {
  bootstrap: string;
  brokerPid: number;
  topics: string[];
  /** Per topic. */
  partitions: number;
  /** Records already in the topics, which the consumer reads first. */
  already: number;
  /** Records per second, each to a random partition. */
  rate: number;
  recordBytes: number;
  seconds: number;
  /** Commits of every partition's position before the traffic. */
  commits: number;
}

export interface FollowResult {
  partitions: number;
  rate: number;
  records: number;
  seconds: number;
  /** The broker's CPU time over the traffic, as a percentage of one core. */
  brokerCpuPercent: number;
  /** Fetch requests per second the consumer sent meanwhile; null if it could not tell. */
  fetchesPerSecond: number | null;
  /** Broker CPU microseconds per fetch, and per partition of a fetch (each names them all). */
  cpuUsPerFetch: number | null;
  cpuNsPerPartitionFetched: number | null;
  /** One OffsetCommit of every partition: broker CPU and round trip, milliseconds. */
  commitCpuMs: number;
  commitMs: number;
}

export async function measureFollow(o: FollowOptions): Promise<FollowResult> {
  const input = { bootstrap: o.bootstrap, topics: o.topics, partitions: o.partitions, rate: o.rate, size: o.recordBytes, seconds: o.seconds, group: 'bench-follow', already: o.already, commits: o.commits, broker_pid: o.brokerPid };
  const timeoutMs = (o.seconds * 4 + 300) * 1000;
  const consumer = runScript(script, 'consume', input, timeoutMs);
  await consumer.line((l) => l === 'ready');
  const cpuBefore = cpuSeconds(o.brokerPid);
  const started = performance.now();
  const producer = runScript(script, 'produce', input, timeoutMs);
  const produced = JSON.parse(await producer.line((l) => l.startsWith('{'))) as { sent: number; errors: number };
  const consumed = JSON.parse(await consumer.line((l) => l.startsWith('{'))) as { received: number; expected: number; fetches_per_second: number | null; commit_cpu_ms: number; commit_ms: number };
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(o.brokerPid) - cpuBefore;
  await Promise.all([producer.done, consumer.done]);
  if (produced.errors > 0) throw new Error(`following ${o.topics.length * o.partitions} partitions: ${produced.errors} records failed to produce`);
  if (consumed.received !== consumed.expected) throw new Error(`following ${o.topics.length * o.partitions} partitions: consumed ${consumed.received} of ${consumed.expected} records`);
  const partitions = o.topics.length * o.partitions;
  const fetchRate = consumed.fetches_per_second;
  const cpuUsPerFetch = fetchRate ? (cpu / seconds / fetchRate) * 1e6 : null;
  return {
    partitions,
    rate: o.rate,
    records: consumed.received,
    seconds,
    brokerCpuPercent: (cpu / seconds) * 100,
    fetchesPerSecond: fetchRate,
    cpuUsPerFetch,
    cpuNsPerPartitionFetched: cpuUsPerFetch === null ? null : (cpuUsPerFetch * 1000) / partitions,
    commitCpuMs: consumed.commit_cpu_ms,
    commitMs: consumed.commit_ms,
  };
}
