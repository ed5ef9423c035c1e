// Client benchmark: Runnel's own client beside kafkajs and @platformatic/kafka, in the
// same run, against one Runnel broker (its own process). Each measurement runs in a fresh
// Node process (this file with --worker), so no client inherits another's heap or JIT
// state, and the order of the clients rotates from round to round. The broker's share of
// the two cores is the same for all three; what differs is the client.
//
// Workloads: produce N records of S bytes (acks=all, no compression, no keys) in chunks
// of 1000 with up to 4 chunks awaiting acknowledgement, each client through its batch send
// (sendBatch / send({ messages })); then consume the same N records from the beginning as
// a consumer-group member. Each client runs with its own defaults otherwise (ours is
// idempotent by default; kafkajs and @platformatic/kafka are not). Reported: the median
// of the rounds in records/s and MB/s (MB = 10^6 bytes), the client process's CPU seconds,
// and each client's ratio to ours.
//
//   npm run bench:clients                                  # 100,000 x 1 KiB, 1 partition, 3 rounds
//   npm run bench:clients -- --records 200000 --size 100 --partitions 4 --rounds 5 --json

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLIENTS = ['runnel', 'kafkajs', 'platformatic'] as const;
type ClientName = (typeof CLIENTS)[number];
type Operation = 'produce' | 'consume';

const CHUNK = 1000;
const WINDOW = 4;

interface WorkerResult {
  records: number;
  seconds: number;
  cpuSeconds: number;
}

interface WorkerArgs {
  bootstrap: string;
  topic: string;
  records: number;
  size: number;
}

// ---- workers: one client, one operation, in this process ----

/** Sends `records` values in chunks, at most WINDOW chunks unacknowledged. */
async function inChunks(records: number, sendChunk: (count: number) => Promise<unknown>): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  for (let sent = 0; sent < records; sent += CHUNK) {
    const p = sendChunk(Math.min(CHUNK, records - sent)).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= WINDOW) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

async function runnelWorker(op: Operation, a: WorkerArgs, time: () => void): Promise<void> {
  const { Consumer, Producer } = await import('../src/client/index.ts');
  const value = Buffer.alloc(a.size, 'x');
  if (op === 'produce') {
    const producer = new Producer({ bootstrapServers: a.bootstrap, acks: 'all', clientId: 'bench-runnel' });
    await producer.connect();
    time();
    await inChunks(a.records, (n) => producer.sendBatch(Array.from({ length: n }, () => ({ topic: a.topic, value }))));
    await producer.close();
    return;
  }
  const consumer = new Consumer({ bootstrapServers: a.bootstrap, groupId: `bench-runnel-${a.topic}`, autoOffsetReset: 'earliest', clientId: 'bench-runnel' });
  await consumer.connect();
  time();
  consumer.subscribe([a.topic]);
  let got = 0;
  while (got < a.records) got += (await consumer.poll()).length;
  await consumer.close();
}

async function kafkajsWorker(op: Operation, a: WorkerArgs, time: () => void): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [a.bootstrap], logLevel: logLevel.NOTHING });
  const value = Buffer.alloc(a.size, 'x');
  if (op === 'produce') {
    const producer = kafka.producer();
    await producer.connect();
    time();
    await inChunks(a.records, (n) => producer.send({ topic: a.topic, acks: -1, messages: Array.from({ length: n }, () => ({ value })) }));
    await producer.disconnect();
    return;
  }
  const consumer = kafka.consumer({ groupId: `bench-kafkajs-${a.topic}` });
  await consumer.connect();
  time();
  await consumer.subscribe({ topic: a.topic, fromBeginning: true });
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          got += batch.messages.length;
          if (got >= a.records) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
}

async function platformaticWorker(op: Operation, a: WorkerArgs, time: () => void): Promise<void> {
  const { Consumer, MessagesStreamModes, Producer } = await import('@platformatic/kafka');
  const value = Buffer.alloc(a.size, 'x');
  if (op === 'produce') {
    const producer = new Producer({ clientId: 'bench-platformatic', bootstrapBrokers: [a.bootstrap], acks: -1 });
    await producer.metadata({ topics: [a.topic] });
    time();
    await inChunks(a.records, (n) => producer.send({ messages: Array.from({ length: n }, () => ({ topic: a.topic, value })) }));
    await producer.close();
    return;
  }
  const consumer = new Consumer({ groupId: `bench-platformatic-${a.topic}`, clientId: 'bench-platformatic', bootstrapBrokers: [a.bootstrap] });
  await consumer.metadata({ topics: [a.topic] });
  time();
  const stream = await consumer.consume({ topics: [a.topic], mode: MessagesStreamModes.EARLIEST });
  let got = 0;
  for await (const _ of stream) {
    if (++got >= a.records) break;
  }
  await stream.close();
  await consumer.close(true);
}

async function worker(client: ClientName, op: Operation, a: WorkerArgs): Promise<void> {
  let start = 0;
  let cpuStart = process.cpuUsage();
  const time = () => {
    start = performance.now();
    cpuStart = process.cpuUsage();
  };
  const run = client === 'runnel' ? runnelWorker : client === 'kafkajs' ? kafkajsWorker : platformaticWorker;
  await run(op, a, time);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const result: WorkerResult = { records: a.records, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---- the coordinator: broker, topics, rounds, table ----

const self = fileURLToPath(import.meta.url);

function runWorker(client: ClientName, op: Operation, a: WorkerArgs): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, '--worker', client, op, a.bootstrap, a.topic, String(a.records), String(a.size)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`${client} ${op} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`));
      else resolve(JSON.parse(line) as WorkerResult);
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '100000' },
      size: { type: 'string', default: '1024' },
      partitions: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const records = Number(values.records);
  const size = Number(values.size);
  const partitions = Number(values.partitions);
  const rounds = Number(values.rounds);
  for (const [name, v] of Object.entries({ records, size, partitions, rounds })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  }
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const { spawnBrokerProcess } = await import('../test/helpers/broker.ts');
  const { Admin } = await import('../src/client/index.ts');
  const dir = await mkdtemp(join(tmpdir(), 'runnel-bench-clients-'));
  const broker = await spawnBrokerProcess({ dataDir: join(dir, 'data'), config: { 'group.initial.rebalance.delay.ms': '0', 'auto.create.topics.enable': 'false' } });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  const results = new Map<string, WorkerResult[]>();
  try {
    log(`broker ${broker.bootstrap}; ${records} records of ${size} B, ${partitions} partition(s), ${rounds} round(s)`);
    // The first group coordinator lookup creates __consumer_offsets: do it before timing anyone.
    await admin.listGroupOffsets('bench-warm-up');
    for (let round = 0; round < rounds; round++) {
      // Rotate the order so that no client always runs first (or last) on a warm broker.
      const order = CLIENTS.map((_, i) => CLIENTS[(i + round) % CLIENTS.length]!);
      for (const client of order) {
        const topic = `bench-${client}-${round}`;
        await admin.createTopics([{ name: topic, numPartitions: partitions }]);
        const a = { bootstrap: broker.bootstrap, topic, records, size };
        for (const op of ['produce', 'consume'] as const) {
          const r = await runWorker(client, op, a);
          const key = `${client} ${op}`;
          results.set(key, [...(results.get(key) ?? []), r]);
          log(`round ${round + 1} ${key}: ${Math.round(r.records / r.seconds)} records/s, ${r.cpuSeconds.toFixed(2)} CPU s`);
        }
        await admin.deleteTopics([topic]);
      }
    }
  } finally {
    await admin.close();
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }

  const summary = CLIENTS.map((client) => {
    const row: Record<string, number | string> = { client };
    for (const op of ['produce', 'consume'] as const) {
      const rs = results.get(`${client} ${op}`)!;
      const perSecond = median(rs.map((r) => r.records / r.seconds));
      row[`${op}RecordsPerSecond`] = Math.round(perSecond);
      row[`${op}MBPerSecond`] = Number(((perSecond * size) / 1e6).toFixed(1));
      row[`${op}CpuSeconds`] = Number(median(rs.map((r) => r.cpuSeconds)).toFixed(2));
    }
    return row;
  });
  const ours = summary[0]!;
  for (const row of summary) {
    for (const op of ['produce', 'consume']) row[`${op}RatioToRunnel`] = Number(((row[`${op}RecordsPerSecond`] as number) / (ours[`${op}RecordsPerSecond`] as number)).toFixed(2));
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ records, size, partitions, rounds, clients: summary })}\n`);
    return;
  }
  const header = ['client', 'produce rec/s', 'MB/s', 'CPU s', 'x runnel', 'consume rec/s', 'MB/s', 'CPU s', 'x runnel'];
  const rows = summary.map((r) => [
    String(r['client']),
    String(r['produceRecordsPerSecond']), String(r['produceMBPerSecond']), String(r['produceCpuSeconds']), String(r['produceRatioToRunnel']),
    String(r['consumeRecordsPerSecond']), String(r['consumeMBPerSecond']), String(r['consumeCpuSeconds']), String(r['consumeRatioToRunnel']),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n`);
  process.stdout.write(`(median of ${rounds} rounds; ${records} records of ${size} B, ${partitions} partition(s), acks=all; "x runnel" is the ratio to our client, above 1 is faster)\n`);
}

if (process.argv[2] === '--worker') {
  const [client, op, bootstrap, topic, records, size] = process.argv.slice(3);
  await worker(client as ClientName, op as Operation, { bootstrap: bootstrap!, topic: topic!, records: Number(records), size: Number(size) });
  process.exit(0);
} else {
  await main();
}
