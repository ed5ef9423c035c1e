// Produce and consume workloads driven by kcat (librdkafka), timed from outside the broker.
//
// kcat is a C client, so the client side is rarely the bottleneck and the numbers describe the
// broker. Each run is a whole kcat process: the wall time includes its start, the metadata round
// trip and, for produce, waiting for every acknowledgement (acks=all, librdkafka's default).

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import { kcat } from '../test/helpers/kcat.ts';

export interface WorkloadResult {
  name: string;
  op: 'produce' | 'consume';
  recordBytes: number;
  records: number;
  /** Value bytes moved, excluding Kafka's per-record and per-batch overhead. */
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  /** MB = 10^6 bytes. */
  mbPerSec: number;
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

function result(name: string, op: WorkloadResult['op'], records: number, recordBytes: number, ms: number): WorkloadResult {
  const seconds = ms / 1000;
  const bytes = records * recordBytes;
  return { name, op, recordBytes, records, bytes, seconds, recordsPerSec: records / seconds, mbPerSec: bytes / 1e6 / seconds };
}

export interface RunOptions {
  bootstrap: string;
  topic: string;
  file: string;
  records: number;
  recordBytes: number;
  label: string;
  timeoutMs: number;
}

/** `kcat -P -l file`: every line one record, to partition 0. */
export async function produceWithKcat(options: RunOptions): Promise<WorkloadResult> {
  const { durationMs } = await kcat(
    ['-P', '-b', options.bootstrap, '-t', options.topic, '-p', '0', '-l', options.file],
    { timeoutMs: options.timeoutMs },
  );
  return result(`produce ${options.label}`, 'produce', options.records, options.recordBytes, durationMs);
}

/** `kcat -C -e -o beginning`: reads the partition to its end; counts the records that arrive. */
export async function consumeWithKcat(options: RunOptions): Promise<WorkloadResult> {
  let lines = 0;
  const { durationMs } = await kcat(
    ['-C', '-b', options.bootstrap, '-t', options.topic, '-p', '0', '-o', 'beginning', '-e', '-q'],
    {
      timeoutMs: options.timeoutMs,
      onStdout: (chunk) => {
        for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines++;
      },
    },
  );
  if (lines !== options.records) {
    throw new Error(`consume ${options.label}: kcat read ${lines} records, expected ${options.records}`);
  }
  return result(`consume ${options.label}`, 'consume', options.records, options.recordBytes, durationMs);
}
