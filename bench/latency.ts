// Produce and end-to-end latency at a fixed rate: a consumer and a producer, each in its own
// process, against the broker. The headline client is librdkafka (confluent-kafka-python,
// bench/latency.py); bench/latency-client.ts does the same with Runnel's own TypeScript client,
// which tells the broker's share of the latency from librdkafka's.

import { fileURLToPath } from 'node:url';

import { runScript } from './script.ts';

export type LatencyClient = 'librdkafka' | 'runnel';

const scripts: Record<LatencyClient, string> = {
  librdkafka: fileURLToPath(new URL('./latency.py', import.meta.url)),
  runnel: fileURLToPath(new URL('./latency-client.ts', import.meta.url)),
};

export interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  count: number;
}

export interface LatencyResult {
  name: string;
  client: LatencyClient;
  mbPerSec: number;
  recordBytes: number;
  /** Milliseconds. */
  produce: Percentiles;
  /** Milliseconds, from the producer's send call to the consumer's poll. */
  endToEnd: Percentiles;
}

export interface LatencyOptions {
  client: LatencyClient;
  bootstrap: string;
  topic: string;
  mbPerSec: number;
  recordBytes: number;
  seconds: number;
  warmupSeconds: number;
}

function percentiles(sortedMicros: number[]): Percentiles {
  const at = (q: number): number => {
    if (sortedMicros.length === 0) return Number.NaN;
    return sortedMicros[Math.min(sortedMicros.length - 1, Math.floor(q * sortedMicros.length))]! / 1000;
  };
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), count: sortedMicros.length };
}

/** Runs one fixed-rate latency measurement on partition 0 of an existing, empty topic. */
export async function measureLatency(o: LatencyOptions): Promise<LatencyResult> {
  const rate = Math.round((o.mbPerSec * 1e6) / o.recordBytes);
  const input = { bootstrap: o.bootstrap, topic: o.topic, rate, size: o.recordBytes, seconds: o.seconds, warmup_seconds: o.warmupSeconds };
  const timeoutMs = (o.seconds * 4 + 60) * 1000;
  const script = scripts[o.client];
  const name = `latency ${o.mbPerSec} MB/s${o.client === 'librdkafka' ? '' : ` (${o.client} client)`}`;
  const consumer = runScript(script, 'consume', input, timeoutMs);
  await consumer.line((l) => l === 'ready');
  const producer = runScript(script, 'produce', input, timeoutMs);
  const produced = JSON.parse(await producer.line((l) => l.startsWith('{'))) as { latencies_us: number[]; errors: number };
  const consumed = JSON.parse(await consumer.line((l) => l.startsWith('{'))) as { latencies_us: number[]; received: number; expected: number };
  await Promise.all([producer.done, consumer.done]);
  if (produced.errors > 0) throw new Error(`${name}: ${produced.errors} records failed to produce`);
  if (consumed.received !== consumed.expected) throw new Error(`${name}: consumed ${consumed.received} of ${consumed.expected} records`);
  return {
    name,
    client: o.client,
    mbPerSec: o.mbPerSec,
    recordBytes: o.recordBytes,
    produce: percentiles(produced.latencies_us),
    endToEnd: percentiles(consumed.latencies_us),
  };
}
