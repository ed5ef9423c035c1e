// `runnel perf produce|consume`: load from the command line, with a live progress line on
// a terminal (stderr, once a second) and a final summary (stdout, or JSON with --json).

import { COMMON_HELP, COMMON_OPTIONS, UsageError, clientOptions, helpWanted, integer, parse, printJson, write } from './common.ts';

export const PERF_HELP = `Usage: runnel perf <produce|consume> <topic> [options]

  runnel perf produce <topic>   send --records records of --record-size bytes as fast as acks allow
  runnel perf consume <topic>   read --records records (default: up to the end) from the beginning

Options:
  -n, --records <n>          how many records (produce: default 100000)
  -s, --record-size <bytes>  produce: value size (default 100)
  -z, --compression <codec>  produce: none, gzip, snappy, lz4, zstd
      --acks <0|1|all>       produce: default all
      --batch-size <bytes>   produce: default 16384
      --linger-ms <ms>       produce: default 5
${COMMON_HELP}

Examples:
  runnel perf produce bench --records 1000000 --record-size 1024 --compression lz4
  runnel perf consume bench
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  records: { type: 'string', short: 'n' },
  'record-size': { type: 'string', short: 's' },
  compression: { type: 'string', short: 'z' },
  acks: { type: 'string' },
  'batch-size': { type: 'string' },
  'linger-ms': { type: 'string' },
} as const;

interface Summary {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
}

function summarize(records: number, bytes: number, started: number): Summary {
  const seconds = (performance.now() - started) / 1000;
  return {
    records,
    bytes,
    seconds: Number(seconds.toFixed(3)),
    recordsPerSecond: Math.round(records / Math.max(seconds, 1e-6)),
    megabytesPerSecond: Number((bytes / 1e6 / Math.max(seconds, 1e-6)).toFixed(2)),
  };
}

function progress(label: string, count: () => [number, number], started: number): () => void {
  if (!process.stderr.isTTY) return () => {};
  const timer = setInterval(() => {
    const [records, bytes] = count();
    const s = summarize(records, bytes, started);
    process.stderr.write(`\r${label}: ${records} records, ${s.recordsPerSecond} records/s, ${s.megabytesPerSecond} MB/s   `);
  }, 1000);
  return () => {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  };
}

export async function perfCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (helpWanted(values, PERF_HELP)) return 0;
  const [action, topic, ...extra] = positionals;
  if (action !== 'produce' && action !== 'consume') throw new UsageError(action === undefined ? 'missing action: produce or consume' : `unknown action '${action}': produce or consume`);
  if (topic === undefined || extra.length > 0) throw new UsageError(`perf ${action} needs one topic`);
  const records = integer(values.records, '--records', 1);
  const client = await import('../client/index.ts');
  const options = clientOptions(values);

  if (action === 'produce') {
    const total = records ?? 100_000;
    const size = integer(values['record-size'], '--record-size') ?? 100;
    const compression = (values.compression ?? 'none') as 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
    if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) throw new UsageError('--compression must be none, gzip, snappy, lz4 or zstd');
    const acksText = values.acks ?? 'all';
    if (!['0', '1', '-1', 'all'].includes(acksText)) throw new UsageError('--acks must be 0, 1 or all');
    const producer = new client.Producer({
      ...options,
      compression,
      acks: acksText === 'all' ? 'all' : (Number(acksText) as 0 | 1 | -1),
      batchSize: integer(values['batch-size'], '--batch-size', 1) ?? 16_384,
      lingerMs: integer(values['linger-ms'], '--linger-ms') ?? 5,
    });
    // Printable bytes, so that compression has something realistic to work on.
    const value = Buffer.alloc(size, 'runnel perf record ');
    let acked = 0;
    let failure: unknown;
    const started = performance.now();
    const stop = progress('produce', () => [acked, acked * size], started);
    try {
      await producer.connect();
      for (let i = 0; i < total && failure === undefined; i++) {
        await producer.write({ topic, value }, (err) => {
          if (err) failure ??= err;
          else acked++;
        });
      }
      await producer.flush();
    } finally {
      stop();
      await producer.close().catch(() => {});
    }
    if (failure !== undefined) throw failure;
    const summary = summarize(acked, acked * size, started);
    if (values.json) printJson({ action, topic, ...summary });
    else write(`produced ${summary.records} records (${summary.bytes} bytes) in ${summary.seconds} s: ${summary.recordsPerSecond} records/s, ${summary.megabytesPerSecond} MB/s\n`);
    return 0;
  }

  const admin = new client.Admin(options);
  let target: number;
  try {
    const [earliest, latest] = await Promise.all([admin.listOffsets(topic, 'earliest'), admin.listOffsets(topic, 'latest')]);
    const available = latest.reduce((sum, o) => sum + o.offset, 0) - earliest.reduce((sum, o) => sum + o.offset, 0);
    target = Math.min(records ?? available, available);
  } finally {
    await admin.close();
  }
  const consumer = new client.Consumer({ ...options, maxWaitMs: 100 });
  let count = 0;
  let bytes = 0;
  const started = performance.now();
  const stop = progress('consume', () => [count, bytes], started);
  try {
    await consumer.assign([{ topic, offset: 'earliest' }]);
    while (count < target) {
      // A poll may return more than is left to read: the rest are not counted.
      for (const r of (await consumer.poll()).slice(0, target - count)) {
        count++;
        bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
      }
    }
  } finally {
    stop();
    await consumer.close();
  }
  const summary = summarize(count, bytes, started);
  if (values.json) printJson({ action, topic, ...summary });
  else write(`consumed ${summary.records} records (${summary.bytes} bytes) in ${summary.seconds} s: ${summary.recordsPerSecond} records/s, ${summary.megabytesPerSecond} MB/s\n`);
  return 0;
}
