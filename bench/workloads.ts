// Produce and consume workloads driven by kcat (librdkafka), timed from outside the broker.
//
// kcat is a C client, but on two cores it is not free: producing costs it more CPU per GB than
// the broker spends receiving and storing it, so its own CPU time is measured too (the client
// column) to show which side a throughput figure is bound by. Each run is a whole kcat process:
// a produce is timed from its start until every record is acknowledged and it has exited; a
// consume stops at the last record (`-c`) and is timed from the first record that arrives to the
// last, because librdkafka's start is not the broker's doing (a consumer's ListOffsets waits half
// a second for its broker thread's next wakeup in about one start in three: `-d broker,fetch`).
// The broker's CPU time over the same span comes from /proc (bench/proc.ts).

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import { kcat } from '../test/helpers/kcat.ts';
import { cpuTimes, reapedChildrenCpuTimes, type CpuTimes } from './proc.ts';

export interface WorkloadResult {
  name: string;
  op: 'produce' | 'consume';
  recordBytes: number;
  records: number;
  /** Value bytes moved, excluding Kafka's per-record and per-batch overhead. */
  bytes: number;
  /** What the rates are computed from: produce, the whole kcat run; consume, first record to last. */
  seconds: number;
  /** The whole kcat process, start to exit. */
  processSeconds: number;
  recordsPerSec: number;
  /** MB = 10^6 bytes. */
  mbPerSec: number;
  acks: '1' | 'all' | null;
  compression: 'none' | 'lz4' | 'zstd';
  partitions: number;
  /** The broker process's user + system CPU time during the run. */
  brokerCpuSeconds: number;
  /** Broker CPU seconds (user + system) per GB (10^9) of value bytes. */
  cpuSecondsPerGb: number;
  /** The user part: the broker's own code, its garbage collector and compiler threads. */
  userCpuSecondsPerGb: number;
  /** The system part: the kernel's socket and page-cache work on the broker's behalf. */
  systemCpuSecondsPerGb: number;
  /** The kcat process's own CPU seconds (user + system, all its threads) per GB of value bytes. */
  clientCpuSecondsPerGb: number;
  /** Produce with small requests: records per request; null with librdkafka's own batching. */
  requestRecords: number | null;
  /** Over the broker's SSL listener. */
  tls: boolean;
}

/**
 * Writes `records` lines of `recordBytes` printable bytes each (plus '\n') for `kcat -P -l`.
 * The bytes come from a random pool, so they compress about as well as text, not to nothing.
 */
export async function writeRecordFile(path: string, records: number, recordBytes: number): Promise<void> {
  const alphabet = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,;:!?/ ');
  const pool = Buffer.alloc(1 << 20);
  let seed = 0x2545f491;
  for (let i = 0; i < pool.length; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    pool[i] = alphabet[(seed >>> 0) % alphabet.length]!;
  }
  const line = recordBytes + 1;
  const perChunk = Math.max(1, Math.floor((1 << 20) / line));
  const out = createWriteStream(path);
  for (let written = 0; written < records; ) {
    const n = Math.min(perChunk, records - written);
    const chunk = Buffer.alloc(n * line);
    for (let i = 0; i < n; i++) {
      const start = ((written + i) * 7919) % (pool.length - recordBytes);
      pool.copy(chunk, i * line, start, start + recordBytes);
      chunk[i * line + recordBytes] = 0x0a;
    }
    written += n;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export interface RunOptions {
  bootstrap: string;
  topic: string;
  file: string;
  records: number;
  recordBytes: number;
  /** Printed name of the workload. */
  label: string;
  timeoutMs: number;
  /** Produce only: 1 or 'all'; default 'all' (librdkafka's default). */
  acks?: '1' | 'all';
  /** Produce only: librdkafka's compression.codec; default none. */
  compression?: 'none' | 'lz4' | 'zstd';
  /** Partitions of the topic: 1 sends to and reads partition 0; more spread records at random and read them all. */
  partitions?: number;
  /** Produce only: at most this many records per request, sent at once (linger.ms 0). */
  requestRecords?: number;
  /** The broker's pid, for its CPU time over the run. */
  brokerPid?: number;
  /** Over TLS (`bootstrap` is then an SSL listener): the CA certificate kcat verifies it with. */
  tlsCaFile?: string;
}

interface Measured {
  /** Milliseconds the rates are computed from. */
  ms: number;
  processMs: number;
  broker: CpuTimes;
  client: CpuTimes;
}

function result(op: WorkloadResult['op'], o: RunOptions, m: Measured): WorkloadResult {
  const seconds = m.ms / 1000;
  const cpu = m.broker;
  const bytes = o.records * o.recordBytes;
  const gb = bytes / 1e9;
  return {
    name: `${op} ${o.label}`,
    op,
    recordBytes: o.recordBytes,
    records: o.records,
    bytes,
    seconds,
    processSeconds: m.processMs / 1000,
    recordsPerSec: o.records / seconds,
    mbPerSec: bytes / 1e6 / seconds,
    acks: op === 'produce' ? (o.acks ?? 'all') : null,
    compression: o.compression ?? 'none',
    partitions: o.partitions ?? 1,
    brokerCpuSeconds: cpu.user + cpu.system,
    cpuSecondsPerGb: (cpu.user + cpu.system) / gb,
    userCpuSecondsPerGb: cpu.user / gb,
    systemCpuSecondsPerGb: cpu.system / gb,
    clientCpuSecondsPerGb: (m.client.user + m.client.system) / gb,
    requestRecords: o.requestRecords ?? null,
    tls: o.tlsCaFile !== undefined,
  };
}

/** The topic, the partition (or none: all of them), and TLS when asked. */
function topicArgs(o: RunOptions): string[] {
  const args = ['-b', o.bootstrap, '-t', o.topic];
  if ((o.partitions ?? 1) === 1) args.push('-p', '0');
  if (o.tlsCaFile !== undefined) args.push('-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${o.tlsCaFile}`);
  return args;
}

const minus = (a: CpuTimes, b: CpuTimes): CpuTimes => ({ user: a.user - b.user, system: a.system - b.system });

/**
 * The broker's CPU time spent while `run` runs (NaN without a pid), and the client's: `run`
 * starts one kcat and resolves after it has exited and been reaped.
 */
async function withCpu<T>(pid: number | undefined, run: () => Promise<T>): Promise<[T, { broker: CpuTimes; client: CpuTimes }]> {
  const none = { user: Number.NaN, system: Number.NaN };
  const before = pid === undefined ? none : cpuTimes(pid);
  const clientBefore = reapedChildrenCpuTimes();
  const value = await run();
  const after = pid === undefined ? none : cpuTimes(pid);
  return [value, { broker: minus(after, before), client: minus(reapedChildrenCpuTimes(), clientBefore) }];
}

/** `kcat -P -l file`: every line one record; done when every record is acknowledged. */
export async function produceWithKcat(o: RunOptions): Promise<WorkloadResult> {
  const args = ['-P', ...topicArgs(o), '-X', `acks=${o.acks === '1' ? 1 : -1}`];
  if (o.compression && o.compression !== 'none') args.push('-z', o.compression);
  if (o.requestRecords) args.push('-X', `batch.num.messages=${o.requestRecords}`, '-X', 'linger.ms=0');
  const [{ durationMs }, cpu] = await withCpu(o.brokerPid, () => kcat([...args, '-l', o.file], { timeoutMs: o.timeoutMs }));
  return result('produce', o, { ms: durationMs, processMs: durationMs, ...cpu });
}

/**
 * `kcat -C -o beginning -c N -e -f '%o\n'`: reads the partition(s) until all N records have
 * come (or the end); counts the records that arrive. It prints each record's offset, not its
 * value: the values would cost the pipe and this process more than the broker's fetch does.
 * The rate is the records after the first output chunk over the time from that chunk to the
 * last record.
 */
export async function consumeWithKcat(o: RunOptions): Promise<WorkloadResult> {
  let lines = 0;
  let firstChunkAt = Number.NaN;
  let linesInFirstChunk = 0;
  let lastRecordAt = Number.NaN;
  const [{ durationMs }, cpu] = await withCpu(o.brokerPid, () =>
    kcat(['-C', ...topicArgs(o), '-o', 'beginning', '-c', String(o.records), '-e', '-q', '-f', '%o\n'], {
      timeoutMs: o.timeoutMs,
      onStdout: (chunk) => {
        for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines++;
        const now = performance.now();
        if (Number.isNaN(firstChunkAt)) {
          firstChunkAt = now;
          linesInFirstChunk = lines;
        }
        if (lines >= o.records && Number.isNaN(lastRecordAt)) lastRecordAt = now;
      },
    }),
  );
  if (lines !== o.records) throw new Error(`consume ${o.label}: kcat read ${lines} records, expected ${o.records}`);
  const whole = result('consume', o, { ms: durationMs, processMs: durationMs, ...cpu });
  if (linesInFirstChunk >= o.records) return whole; // all in one chunk: nothing streamed to time
  const streamed = result('consume', { ...o, records: o.records - linesInFirstChunk }, { ms: lastRecordAt - firstChunkAt, processMs: durationMs, ...cpu });
  // Counts and CPU per GB are of the whole run; only the rates come from the streamed part.
  return { ...whole, seconds: streamed.seconds, recordsPerSec: streamed.recordsPerSec, mbPerSec: streamed.mbPerSec };
}
