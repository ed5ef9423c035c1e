// `runnel produce <topic>`: each line of stdin (or --file) becomes one record. Lines are
// sent as they are read, paced by the producer's bounded buffer, so a long stream never
// piles up in memory. Prints a summary on stderr (or JSON on stdout with --json).

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Acks } from '../client/index.ts';
import { COMMON_HELP, COMMON_OPTIONS, UsageError, clientOptions, helpWanted, integer, pairs, parse, printJson } from './common.ts';

export const PRODUCE_HELP = `Usage: runnel produce <topic> [options]

Sends each line of stdin (or of --file) as one record.

Options:
  -f, --file <path>            read lines from a file instead of stdin
      --format <text|json>     text: the line is the value; json: each line is an object
                               {"key", "value", "headers": {name: value}, "partition", "timestamp"}
                               (as runnel consume --format json prints them)
  -K, --key-separator <sep>    split each line at the first <sep> into key and value
  -H, --header <key=value>     add a header to every record (repeatable)
  -p, --partition <n>          send every record to this partition (default: by key, sticky without one)
  -z, --compression <codec>    none, gzip, snappy, lz4 or zstd (default none)
      --acks <0|1|all>         default all
      --linger-ms <ms>         default 5
${COMMON_HELP}

Examples:
  echo hello | runnel produce greetings
  seq 1 1000 | runnel produce numbers --compression lz4
  printf 'user-1:signed up\\nuser-2:logged in\\n' | runnel produce events -K : -H source=shell
  runnel produce orders --file orders.txt --partition 0
  runnel consume orders --format json | runnel produce orders-copy --format json
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  file: { type: 'string', short: 'f' },
  'key-separator': { type: 'string', short: 'K' },
  header: { type: 'string', short: 'H', multiple: true },
  partition: { type: 'string', short: 'p' },
  compression: { type: 'string', short: 'z' },
  acks: { type: 'string' },
  'linger-ms': { type: 'string' },
  format: { type: 'string' },
} as const;

interface JsonLine {
  key?: string | null;
  value?: string | null;
  headers?: Record<string, string | null>;
  partition?: number;
  timestamp?: number;
}

function parseJsonLine(line: string, n: number): JsonLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`line ${n} is not JSON: ${line.length > 60 ? `${line.slice(0, 60)}...` : line}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`line ${n} is not a JSON object`);
  const o = parsed as JsonLine;
  for (const field of ['key', 'value'] as const) {
    if (o[field] !== undefined && o[field] !== null && typeof o[field] !== 'string') throw new Error(`line ${n}: "${field}" must be a string or null`);
  }
  if (o.partition !== undefined && !Number.isInteger(o.partition)) throw new Error(`line ${n}: "partition" must be an integer`);
  return o;
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export async function produceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (helpWanted(values, PRODUCE_HELP)) return 0;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing topic' : `one topic only, got ${positionals.join(' ')}`);
  const topic = positionals[0]!;
  const compression = (values.compression ?? 'none') as (typeof CODECS)[number];
  if (!CODECS.includes(compression)) throw new UsageError(`--compression must be one of ${CODECS.join(', ')}`);
  const acksText = values.acks ?? 'all';
  if (!['0', '1', '-1', 'all'].includes(acksText)) throw new UsageError('--acks must be 0, 1 or all');
  const acks: Acks = acksText === 'all' ? 'all' : (Number(acksText) as Acks);
  const partition = integer(values.partition, '--partition');
  const lingerMs = integer(values['linger-ms'], '--linger-ms');
  const headers: { key: string; value: string | null }[] = pairs(values.header, '--header').map(([key, value]) => ({ key, value }));
  const separator = values['key-separator'];
  if (separator === '') throw new UsageError('--key-separator must not be empty');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
  if (format === 'json' && separator !== undefined) throw new UsageError('--key-separator applies to --format text only');

  const input = values.file === undefined ? process.stdin : createReadStream(values.file);
  const opened = new Promise<void>((resolve, reject) => {
    if (values.file === undefined) resolve();
    else {
      input.once('open', () => resolve());
      input.once('error', reject);
    }
  });
  await opened;

  const { Producer } = await import('../client/index.ts');
  const producer = new Producer({ ...clientOptions(values), acks, compression, ...(lingerMs === undefined ? {} : { lingerMs }) });
  let count = 0;
  const partitions = new Map<number, number>();
  let failure: unknown;
  try {
    await producer.connect();
    const lines = createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (failure !== undefined) break;
      let key: string | null = null;
      let value: string | null = line;
      let recordHeaders = headers;
      let recordPartition = partition;
      let timestamp: number | undefined;
      if (format === 'json') {
        if (line.trim() === '') continue;
        const o = parseJsonLine(line, n);
        key = o.key ?? null;
        value = o.value ?? null;
        if (o.headers !== undefined) recordHeaders = [...headers, ...Object.entries(o.headers).map(([k, v]) => ({ key: k, value: v }))];
        recordPartition = partition ?? o.partition;
        timestamp = o.timestamp;
      } else if (separator !== undefined) {
        const at = line.indexOf(separator);
        if (at >= 0) {
          key = line.slice(0, at);
          value = line.slice(at + separator.length);
        }
      }
      await producer.write({ topic, key, value, headers: recordHeaders, ...(recordPartition === undefined ? {} : { partition: recordPartition }), ...(timestamp === undefined ? {} : { timestamp }) }, (err, metadata) => {
        if (err) failure ??= err;
        else if (metadata) partitions.set(metadata.partition, (partitions.get(metadata.partition) ?? 0) + 1);
      });
      count++;
    }
    await producer.flush();
  } finally {
    await producer.close().catch(() => {});
  }
  if (failure !== undefined) throw failure;
  const summary = { topic, records: count, partitions: Object.fromEntries([...partitions].sort((a, b) => a[0] - b[0])) };
  if (values.json) printJson(summary);
  else process.stderr.write(`produced ${count} record${count === 1 ? '' : 's'} to ${topic}\n`);
  return 0;
}
