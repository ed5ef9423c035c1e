// Produce and end-to-end latency at a fixed rate (bench/latency.py does the clocking): a
// confluent-kafka-python consumer and producer, each in its own process, against the broker.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { PYTHON } from '../test/helpers/python.ts';

const script = fileURLToPath(new URL('./latency.py', import.meta.url));

export interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  count: number;
}

export interface LatencyResult {
  name: string;
  mbPerSec: number;
  recordBytes: number;
  /** Milliseconds. */
  produce: Percentiles;
  /** Milliseconds, from the producer's send call to the consumer's poll. */
  endToEnd: Percentiles;
}

export interface LatencyOptions {
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

interface Python {
  /** Resolves with the first stdout line that matches. */
  line(match: (line: string) => boolean): Promise<string>;
  done: Promise<void>;
}

function python(mode: 'produce' | 'consume', input: object, timeoutMs: number): Python {
  const child = spawn(PYTHON, [script, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  // Lines are kept until asked for: a script may print its result before the caller waits.
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  const deliver = (): void => {
    for (const w of waiters.splice(0)) {
      const at = lines.findIndex(w.match);
      if (at === -1) waiters.push(w);
      else w.resolve(lines.splice(at, 1)[0]!);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    let at: number;
    while ((at = stdout.indexOf('\n')) !== -1) {
      lines.push(stdout.slice(0, at));
      stdout = stdout.slice(at + 1);
    }
    deliver();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-20_000)));
  child.stdin.end(`${JSON.stringify(input)}\n`);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<void>((resolve, reject) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`latency.py ${mode} exited with ${signal ?? code}\n${stderr}`));
    });
  });
  return {
    done,
    line: (match) => {
      const found = new Promise<string>((resolve) => {
        waiters.push({ match, resolve });
        deliver();
      });
      // 'close' comes after the last output, so a line printed before exiting is found first.
      return Promise.race([found, done.then(() => Promise.reject(new Error(`latency.py ${mode} ended without the expected line`)))]);
    },
  };
}

/** Runs one fixed-rate latency measurement on partition 0 of an existing, empty topic. */
export async function measureLatency(o: LatencyOptions): Promise<LatencyResult> {
  const rate = Math.round((o.mbPerSec * 1e6) / o.recordBytes);
  const input = { bootstrap: o.bootstrap, topic: o.topic, rate, size: o.recordBytes, seconds: o.seconds, warmup_seconds: o.warmupSeconds };
  const timeoutMs = (o.seconds * 4 + 60) * 1000;
  const consumer = python('consume', input, timeoutMs);
  await consumer.line((l) => l === 'ready');
  const producer = python('produce', input, timeoutMs);
  const produced = JSON.parse(await producer.line((l) => l.startsWith('{'))) as { latencies_us: number[]; errors: number };
  const consumed = JSON.parse(await consumer.line((l) => l.startsWith('{'))) as { latencies_us: number[]; received: number; expected: number };
  await Promise.all([producer.done, consumer.done]);
  if (produced.errors > 0) throw new Error(`latency ${o.mbPerSec} MB/s: ${produced.errors} records failed to produce`);
  if (consumed.received !== consumed.expected) throw new Error(`latency ${o.mbPerSec} MB/s: consumed ${consumed.received} of ${consumed.expected} records`);
  return {
    name: `latency ${o.mbPerSec} MB/s`,
    mbPerSec: o.mbPerSec,
    recordBytes: o.recordBytes,
    produce: percentiles(produced.latencies_us),
    endToEnd: percentiles(consumed.latencies_us),
  };
}
