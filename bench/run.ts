// `npm run bench`: the machine's limits, then a broker in its own process driven by real
// librdkafka clients (kcat, confluent-kafka-python) in theirs; printed as a table, with ratios
// to the limits and the broker's CPU seconds per GB. See bench/README.md.
//
//   npm run bench                     full run (about 10 minutes)
//   npm run bench -- --quick          a representative subset, about 2 minutes
//   npm run bench -- --json           the summary as JSON on stdout (progress goes to stderr)
//   npm run bench -- --save           also keep it in bench/results/<date>-<commit>.json and redraw the chart
//   npm run bench -- --limits-only    only the machine's limits, no broker
//   npm run bench -- --only produce   only the throughput workloads whose name matches (no other sections);
//                                     --only latency, recovery, start or 10k: only that section
//   npm run bench -- --cpu-prof DIR   run the broker under node --cpu-prof, profiles written to DIR

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { chooseEntry } from '../bin/choose-entry.js';
import { API } from '../src/protocol/index.ts';
import { freePort, spawnBrokerProcess, type BrokerProcess } from '../test/helpers/broker.ts';
import { kcatVersion } from '../test/helpers/kcat.ts';
import { RawClient } from '../test/helpers/raw-client.ts';
import { renderChart } from './chart.ts';
import { measureFollow, type FollowResult } from './follow.ts';
import { measureLatency, type LatencyResult } from './latency.ts';
import { fileAppend, measureLimits, type Limits, type Throughput } from './limits.ts';
import { cpuSeconds, directoryBytes, peakRssMb, rssMb } from './proc.ts';
import { consumeWithKcat, produceWithKcat, writeRecordFile, type RunOptions, type WorkloadResult } from './workloads.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    save: { type: 'boolean', default: false },
    'limits-only': { type: 'boolean', default: false },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'recovery-gb': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log('usage: npm run bench -- [--quick] [--json] [--save] [--limits-only] [--only NAME] [--cpu-prof DIR] [--recovery-gb N]   (see bench/README.md)');
  process.exit(0);
}

const quick = flags.quick;
const full = flags.only === undefined;
/** Whether a section other than the throughput matrix runs: all of them, or the one `--only` names. */
const section = (name: 'latency' | 'recovery' | 'start' | '10k'): boolean => full || flags.only === name;
const limitMs = quick ? 1_000 : 3_000;
const kcatTimeoutMs = quick ? 180_000 : 600_000;
const benchDir = fileURLToPath(new URL('.', import.meta.url));
// The broker runs as users run it, through bin/runnel.js: the compiled dist/ when it is up to
// date with src/ (npm install builds it), else the sources through Node's type stripping.
const runnelBin = fileURLToPath(new URL('../bin/runnel.js', import.meta.url));
const brokerEntry = chooseEntry(join(benchDir, '..'), process.env);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

// -- the workload matrix --------------------------------------------------------------

type Acks = '1' | 'all';
type Codec = 'none' | 'lz4' | 'zstd';
const SIZES = [
  // About 100-300 MB each: the broker's CPU time comes in 10 ms ticks, 0.05-0.1 CPU s/GB here.
  { label: '100 B', bytes: 100, records: quick ? 1_000_000 : 2_000_000 },
  { label: '1 KiB', bytes: 1024, records: quick ? 100_000 : 300_000 },
  { label: '16 KiB', bytes: 16_384, records: quick ? 6_000 : 18_000 },
] as const;
type Size = (typeof SIZES)[number];

interface Workload {
  size: Size;
  acks: Acks;
  compression: Codec;
  partitions: number;
  /** Read the topic back after producing it (once per size, codec and partition count). */
  consume: boolean;
  /** Records per produce request (linger 0), for the cost of a request itself; default librdkafka's batching. */
  requestRecords?: number;
  /** Over the broker's SSL listener. */
  tls?: boolean;
}

/** Small requests: 1 KiB records, ten per request, no linger (the table shows CPU us per request). */
const SMALL_REQUESTS = 10;

/** Records per second spread over the 10,000 partitions while a consumer follows them all. */
const FOLLOW_RATE = 1000;

function matrix(): Workload[] {
  const out: Workload[] = [];
  if (quick) {
    // The headline figures, then one step away from them along each axis.
    const [b100, k1, k16] = SIZES;
    out.push({ size: k1, acks: '1', compression: 'none', partitions: 1, consume: true });
    out.push({ size: b100, acks: '1', compression: 'none', partitions: 1, consume: true });
    out.push({ size: k16, acks: '1', compression: 'none', partitions: 1, consume: true });
    out.push({ size: k1, acks: 'all', compression: 'none', partitions: 1, consume: false });
    out.push({ size: k1, acks: '1', compression: 'lz4', partitions: 1, consume: true });
    out.push({ size: k1, acks: '1', compression: 'zstd', partitions: 1, consume: false });
    out.push({ size: k1, acks: '1', compression: 'none', partitions: 8, consume: false });
    out.push({ size: k1, acks: '1', compression: 'none', partitions: 64, consume: true });
    out.push({ size: k1, acks: '1', compression: 'none', partitions: 1, consume: false, requestRecords: SMALL_REQUESTS });
    out.push({ size: k1, acks: '1', compression: 'none', partitions: 1, consume: true, tls: true });
    return out;
  }
  for (const size of SIZES) {
    for (const compression of ['none', 'lz4', 'zstd'] as const) {
      for (const partitions of [1, 8, 64]) {
        for (const acks of ['1', 'all'] as const) out.push({ size, acks, compression, partitions, consume: acks === '1' });
      }
    }
  }
  out.push({ size: SIZES[1], acks: '1', compression: 'none', partitions: 1, consume: false, requestRecords: SMALL_REQUESTS });
  out.push({ size: SIZES[1], acks: '1', compression: 'none', partitions: 1, consume: true, tls: true });
  return out;
}

const label = (w: Workload): string => `${w.size.label} acks=${w.acks} ${w.compression} p${w.partitions}${w.requestRecords ? ` ${w.requestRecords}/request` : ''}${w.tls ? ' tls' : ''}`;
const topicOf = (w: Workload): string => `bench-${w.size.bytes}-${w.acks}-${w.compression}-p${w.partitions}${w.requestRecords ? `-r${w.requestRecords}` : ''}${w.tls ? '-tls' : ''}`;
const fileOf = (dir: string, size: Size): string => join(dir, `records-${size.bytes}.txt`);

// -- the run --------------------------------------------------------------------------

interface Recovery {
  /** Bytes of the data directory when the broker was stopped. */
  logBytes: number;
  cleanStartMs: number;
  killStartMs: number;
  /** The broker's CPU per GB produced near the start of the fill and near its end. */
  flatCost: FlatCost | null;
}

/** Whether a produced GB costs more as the retained log grows (the issue: it must not). */
interface FlatCost {
  emptyGb: number;
  emptyCpuSecondsPerGb: number;
  /** The user part: the broker's own code, which the log's size could slow down. */
  emptyUserCpuSecondsPerGb: number;
  fullGb: number;
  fullCpuSecondsPerGb: number;
  fullUserCpuSecondsPerGb: number;
  /**
   * The kernel's price of a growing-file append (CPU s/GB, 256 MiB) just before the fill
   * and just after it: pages freed by deleting the workloads' topics are reused cheaply at
   * first, then the page cache needs pages this VM has not touched, which cost several
   * times more. The system part of the windows follows this, not the log's size.
   */
  rawAppendBefore: number;
  rawAppendAfter: number;
  /** Each fill's broker CPU s/GB, total and user, in order. */
  fills: { cpu: number; user: number }[];
  /** The data directory's size after the fill. */
  logGb: number;
  /** full / empty: 1 is flat. */
  ratio: number;
}

/**
 * The broker's CPU per GB over the first fills that add up to `windowBytes` and over the last
 * ones (each window at most half of the fills, so they never overlap).
 */
function flatCost(fills: WorkloadResult[], windowBytes: number, logBytes: number, rawAppend: [Throughput, Throughput]): FlatCost | null {
  if (fills.length < 2) return null;
  const window = (list: WorkloadResult[]) => {
    let gb = 0;
    let cpu = 0;
    let user = 0;
    for (const f of list.slice(0, Math.floor(fills.length / 2))) {
      gb += f.bytes / 1e9;
      cpu += f.brokerCpuSeconds;
      user += f.userCpuSecondsPerGb * (f.bytes / 1e9);
      if (gb * 1e9 >= windowBytes) break;
    }
    return { gb, cpuSecondsPerGb: cpu / gb, userCpuSecondsPerGb: user / gb };
  };
  const empty = window(fills);
  const full = window([...fills].reverse());
  return {
    emptyGb: empty.gb,
    emptyCpuSecondsPerGb: empty.cpuSecondsPerGb,
    emptyUserCpuSecondsPerGb: empty.userCpuSecondsPerGb,
    fullGb: full.gb,
    fullCpuSecondsPerGb: full.cpuSecondsPerGb,
    fullUserCpuSecondsPerGb: full.userCpuSecondsPerGb,
    rawAppendBefore: rawAppend[0].cpuSecondsPerGb,
    rawAppendAfter: rawAppend[1].cpuSecondsPerGb,
    fills: fills.map((f) => ({ cpu: f.cpuSecondsPerGb, user: f.userCpuSecondsPerGb })),
    logGb: logBytes / 1e9,
    ratio: full.cpuSecondsPerGb / empty.cpuSecondsPerGb,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'runnel-bench-'));
const errors: string[] = [];
const brokers = new Set<BrokerProcess>();
process.on('exit', () => {
  for (const b of brokers) b.process.kill('SIGKILL');
});

/** Spawns `runnel start` and times it to its "listening on" line. */
async function startCli(dataDir: string, config: Record<string, string> = {}, profile = false): Promise<{ broker: BrokerProcess; ms: number }> {
  const saved = process.env['NODE_OPTIONS'];
  if (profile && flags['cpu-prof']) {
    mkdirSync(flags['cpu-prof'], { recursive: true });
    process.env['NODE_OPTIONS'] = `${saved ?? ''} --cpu-prof --cpu-prof-dir=${resolve(flags['cpu-prof'])}`.trim();
  }
  const started = performance.now();
  try {
    const broker = await spawnBrokerProcess({ dataDir, config: { 'auto.create.topics.enable': 'true', 'num.partitions': '1', ...config }, startTimeoutMs: 300_000, entry: runnelBin });
    brokers.add(broker);
    void broker.exited.then(() => brokers.delete(broker));
    return { broker, ms: performance.now() - started };
  } finally {
    if (saved === undefined) delete process.env['NODE_OPTIONS'];
    else process.env['NODE_OPTIONS'] = saved;
  }
}

/** A key and self-signed certificate for 127.0.0.1 (openssl): the broker's keystore, kcat's CA. */
function selfSignedCertificate(parent: string): { keystore: string; certificate: string } {
  const key = join(parent, 'tls-key.pem');
  const certificate = join(parent, 'tls-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', certificate, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const keystore = join(parent, 'tls-keystore.pem');
  writeFileSync(keystore, Buffer.concat([readFileSync(key), readFileSync(certificate)]));
  return { keystore, certificate };
}

async function stopCleanly(broker: BrokerProcess, what: string): Promise<void> {
  const exit = await broker.stop('SIGTERM', 120_000);
  if (exit.code !== 0) errors.push(`${what}: broker exited with ${exit.signal ?? `code ${exit.code}`} on SIGTERM\n${broker.output().slice(-4000)}`);
}

/**
 * CreateTopics over a plain connection (the protocol codec only), in requests of at most
 * 5,000 partitions: Kafka's controller refuses one that would write more than 10,000 records.
 */
async function createTopics(bootstrap: string, topics: { name: string; numPartitions: number }[]): Promise<void> {
  const client = await RawClient.connect(Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1)));
  try {
    const requests: (typeof topics)[] = [];
    let partitions = Infinity;
    for (const t of topics) {
      if (partitions + t.numPartitions > 5000) {
        requests.push([]);
        partitions = 0;
      }
      requests.at(-1)!.push(t);
      partitions += t.numPartitions;
    }
    for (const batch of requests) {
      const response = await client.request<{ topics: { name: string; errorCode: number; errorMessage: string | null }[] }>(API.CreateTopics.apiKey, 7, {
        ...API.CreateTopics.createRequest(),
        topics: batch.map((t) => ({ name: t.name, numPartitions: t.numPartitions, replicationFactor: 1, assignments: [], configs: [] })),
        timeoutMs: 300_000,
      }, 300_000);
      const failed = response.topics.filter((t) => t.errorCode !== 0);
      if (failed.length > 0) throw new Error(`CreateTopics: ${failed.map((t) => `${t.name} error ${t.errorCode} ${t.errorMessage ?? ''}`).join(', ')}`);
    }
  } finally {
    client.close();
  }
}

async function deleteTopics(bootstrap: string, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const client = await RawClient.connect(Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1)));
  try {
    const response = await client.request<{ responses: { name: string; errorCode: number }[] }>(API.DeleteTopics.apiKey, 5, {
      ...API.DeleteTopics.createRequest(),
      topicNames: names,
      timeoutMs: 300_000,
    }, 300_000);
    const failed = response.responses.filter((t) => t.errorCode !== 0);
    if (failed.length > 0) throw new Error(`DeleteTopics: ${failed.map((t) => `${t.name} error ${t.errorCode}`).join(', ')}`);
  } finally {
    client.close();
  }
}

async function attempt<T>(what: string, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    errors.push(`${what}: ${(error as Error).message}`);
    return null;
  }
}

/** Node starts, `await startBroker()` in memory, in a fresh process (bench/start-in-process.ts). */
function inProcessStart(): Promise<{ firstMs: number; warmMedianMs: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(benchDir, 'start-in-process.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('exit', (code) => (code === 0 ? resolvePromise(JSON.parse(out)) : reject(new Error(`start-in-process exited with ${code}`))));
  });
}

const matrixRuns = matrix().filter((w) => flags.only === undefined || label(w).includes(flags.only) || topicOf(w).includes(flags.only));
const results: WorkloadResult[] = [];
const latencies: LatencyResult[] = [];
let limits: Limits;
let startCliMs = Number.NaN;
let idleRss = Number.NaN;
let loadRss = Number.NaN;
let startInProcess: { firstMs: number; warmMedianMs: number } | null = null;
let recovery: Recovery | null = null;
let partitions10k: { partitions: number; records: number; rssMb: number; peakRssMb: number; createSeconds: number; follow: FollowResult | null } | null = null;

try {
  log(`broker: ${brokerEntry.kind === 'compiled' ? 'compiled dist/' : 'sources (type stripping)'} (${brokerEntry.reason})`);
  log(`machine limits, ${limitMs} ms each ...`);
  limits = await measureLimits(dir, limitMs);

  if (!flags['limits-only']) {
    for (const size of SIZES) {
      if (!matrixRuns.some((w) => w.size === size) && !(section('recovery') && size.bytes === 1024)) continue;
      log(`writing ${size.records.toLocaleString('en-US')} records of ${size.label} ...`);
      await writeRecordFile(fileOf(dir, size), size.records, size.bytes);
    }

    // The main broker: start time, idle memory, the throughput matrix, latency, memory under load.
    const dataDir = join(dir, 'data');
    // An SSL listener beside the plain one (whose address "listening on" prints) when a TLS
    // workload runs: a self-signed certificate for 127.0.0.1, on a port chosen here.
    const tls = matrixRuns.some((w) => w.tls) ? { ...selfSignedCertificate(dir), port: await freePort() } : null;
    const tlsConfig: Record<string, string> = tls ? { listeners: `PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:${tls.port}`, 'ssl.keystore.location': tls.keystore } : {};
    const started = await startCli(dataDir, tlsConfig, true);
    const broker = started.broker;
    startCliMs = started.ms;
    const pid = broker.process.pid!;
    log(`broker pid ${pid} listening on ${broker.bootstrap} after ${startCliMs.toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 1000));
    idleRss = rssMb(pid);

    await createTopics(broker.bootstrap, matrixRuns.map((w) => ({ name: topicOf(w), numPartitions: w.partitions })));
    // Warm-up: lets the broker's JIT see both paths before anything is timed.
    await writeRecordFile(join(dir, 'warmup.txt'), 20_000, 200);
    const warmup: RunOptions = { bootstrap: broker.bootstrap, topic: 'bench-warmup', file: join(dir, 'warmup.txt'), records: 20_000, recordBytes: 200, label: 'warm-up', timeoutMs: kcatTimeoutMs, acks: '1' };
    await produceWithKcat(warmup);
    await consumeWithKcat(warmup);
    await produceWithKcat({ ...warmup, topic: 'bench-warmup-small', requestRecords: SMALL_REQUESTS });

    for (const w of matrixRuns) {
      const options: RunOptions = {
        bootstrap: broker.bootstrap, topic: topicOf(w), file: fileOf(dir, w.size), records: w.size.records, recordBytes: w.size.bytes,
        label: label(w), timeoutMs: kcatTimeoutMs, acks: w.acks, compression: w.compression, partitions: w.partitions, brokerPid: pid,
        ...(w.requestRecords ? { requestRecords: w.requestRecords } : {}),
        ...(w.tls && tls ? { bootstrap: `127.0.0.1:${tls.port}`, tlsCaFile: tls.certificate } : {}),
      };
      log(`produce ${options.label} ...`);
      const produced = await attempt(options.label, () => produceWithKcat(options));
      if (produced) results.push(produced);
      if (produced && w.consume) {
        log(`consume ${options.label} ...`);
        const consumed = await attempt(`consume ${options.label}`, () => consumeWithKcat(options));
        if (consumed) results.push(consumed);
      }
    }

    if (section('latency')) {
      // The workloads above leave GBs of dirty pages, which the kernel starts writing back 30 s
      // after they were written: into the latency runs. By hand, 2.3 GB written a minute
      // before a 50 MB/s run made its p99 7.0 / 10.6 ms (produce / end to end) and p99.9 30 / 50,
      // against 5.3 / 5.9 and 12 / 15 right after writing. sync(1) writes them back first.
      const syncStarted = performance.now();
      execFileSync('sync');
      log(`latency: waited ${((performance.now() - syncStarted) / 1000).toFixed(1)} s for the workloads' writeback (sync)`);
      const rates = [5, 50];
      await createTopics(broker.bootstrap, rates.map((r) => ({ name: `bench-latency-${r}`, numPartitions: 1 })));
      // librdkafka first (the headline figures), then Runnel's own client on a topic of its own.
      const clients = ['librdkafka', 'runnel'] as const;
      await createTopics(broker.bootstrap, rates.map((r) => ({ name: `bench-latency-${r}-runnel`, numPartitions: 1 })));
      for (const client of clients) {
        for (const mbPerSec of rates) {
          const topic = `bench-latency-${mbPerSec}${client === 'librdkafka' ? '' : `-${client}`}`;
          log(`latency at ${mbPerSec} MB/s, ${client} client ...`);
          const r = await attempt(`latency ${mbPerSec} MB/s ${client}`, () =>
            measureLatency({ client, bootstrap: broker.bootstrap, topic, mbPerSec, recordBytes: 1024, seconds: quick ? 6 : 15, warmupSeconds: 1 }));
          if (r) latencies.push(r);
        }
      }
    }
    loadRss = peakRssMb(pid);

    if (section('recovery')) {
      // The recovery log starts empty: the workloads' topics go first (several GB in a full run).
      await deleteTopics(broker.bootstrap, [...new Set(matrixRuns.map(topicOf))]);
      recovery = await attempt('recovery', () => measureRecovery(broker, dataDir));
    }
    else await stopCleanly(broker, 'main');

    if (section('start')) {
      log('startBroker() in a fresh process ...');
      startInProcess = await attempt('in-process start', inProcessStart);
    }
    if (section('10k')) {
      log(`10,000 partitions ...`);
      partitions10k = await attempt('10,000 partitions', () => manyPartitions(10_000));
    }
  }
} catch (error) {
  errors.push(`bench: ${(error as Error).stack ?? (error as Error).message}`);
} finally {
  for (const b of brokers) await b.kill9();
  await rm(dir, { recursive: true, force: true });
}

/**
 * Fills the log to the target size, stops the broker with SIGTERM and times a restart (clean
 * shutdown: checkpoints trusted); then appends more, kills it with SIGKILL and times the next
 * start (the unflushed tail is scanned and its CRCs checked).
 */
async function measureRecovery(broker: BrokerProcess, dataDir: string): Promise<Recovery> {
  const size = SIZES[1];
  const file = fileOf(dir, size);
  let targetBytes = Number(flags['recovery-gb'] ?? (quick ? 0.5 : 10)) * 1e9;
  const { bavail, bsize } = statfsSync(dir);
  const free = bavail * bsize;
  if (targetBytes > free / 2) {
    targetBytes = Math.floor(free / 2 / 1e9) * 1e9;
    log(`recovery: disk space is short, filling to ${targetBytes / 1e9} GB instead`);
  }
  await createTopics(broker.bootstrap, [{ name: 'bench-recovery', numPartitions: 1 }]);
  const fill: RunOptions = { bootstrap: broker.bootstrap, topic: 'bench-recovery', file, records: size.records, recordBytes: size.bytes, label: 'recovery fill', timeoutMs: kcatTimeoutMs, acks: '1', brokerPid: broker.process.pid! };
  log(`recovery: filling the log to ${(targetBytes / 1e9).toFixed(1)} GB ...`);
  const fills: WorkloadResult[] = [];
  const rawAppendBefore = await fileAppend(dir, 5_000, false, false, 256 << 20);
  // The partition's own directory: the deleted workloads' directories (-delete) may still be
  // going away off the broker's event loop.
  const logDir = join(dataDir, 'bench-recovery-0');
  while (directoryBytes(logDir) < targetBytes) fills.push(await produceWithKcat(fill));
  const rawAppendAfter = await fileAppend(dir, 5_000, false, false, 256 << 20);
  const logBytes = directoryBytes(logDir);
  const growth = flatCost(fills, Math.min(1e9, targetBytes / 5), logBytes, [rawAppendBefore, rawAppendAfter]);
  await stopCleanly(broker, 'recovery');

  log(`recovery: restart after a clean stop (${(logBytes / 1e9).toFixed(2)} GB) ...`);
  const clean = await startCli(dataDir);
  await produceWithKcat({ ...fill, bootstrap: clean.broker.bootstrap });
  await clean.broker.kill9();
  log('recovery: restart after kill -9 ...');
  const killed = await startCli(dataDir);
  // `runnel start` prints "listening" a moment before its SIGTERM handler is in place; a
  // signal sent at once can still meet Node's default action (seen here once in a few runs).
  await new Promise((r) => setTimeout(r, 200));
  await stopCleanly(killed.broker, 'recovery after kill -9');
  return { logBytes, cleanStartMs: clean.ms, killStartMs: killed.ms, flatCost: growth };
}

/**
 * A broker with `count` partitions (topics of 1,000: Kafka's controller refuses a request
 * that would write more than 10,000 records, and so does Runnel) and light traffic spread
 * over them; its memory.
 */
async function manyPartitions(count: number) {
  const { broker } = await startCli(join(dir, 'data-10k'));
  const pid = broker.process.pid!;
  const perTopic = 1000;
  const topics = Array.from({ length: Math.ceil(count / perTopic) }, (_, i) => ({ name: `bench-10k-${i}`, numPartitions: Math.min(perTopic, count - i * perTopic) }));
  const created = performance.now();
  await createTopics(broker.bootstrap, topics);
  const createSeconds = (performance.now() - created) / 1000;
  const file = join(dir, 'records-10k.txt');
  const recordsPerTopic = perTopic * 10;
  await writeRecordFile(file, recordsPerTopic, 100);
  for (const t of topics) {
    await produceWithKcat({ bootstrap: broker.bootstrap, topic: t.name, file, records: recordsPerTopic, recordBytes: 100, label: '10k partitions', timeoutMs: kcatTimeoutMs, acks: '1', partitions: t.numPartitions });
  }
  await new Promise((r) => setTimeout(r, 1000));
  const result = { partitions: count, records: recordsPerTopic * topics.length, rssMb: rssMb(pid), peakRssMb: peakRssMb(pid), createSeconds, cpuSeconds: cpuSeconds(pid) };
  // Light traffic with a consumer: one group member following every partition.
  log(`a consumer following ${count} partitions, ${FOLLOW_RATE} records/s ...`);
  const follow = await attempt(`following ${count} partitions`, () =>
    measureFollow({ bootstrap: broker.bootstrap, brokerPid: pid, topics: topics.map((t) => t.name), partitions: perTopic, already: result.records, rate: FOLLOW_RATE, recordBytes: 100, seconds: 10, commits: 20 }));
  await stopCleanly(broker, '10,000 partitions');
  return { ...result, follow };
}

// -- the summary ----------------------------------------------------------------------

const find = (op: 'produce' | 'consume', bytes: number, acks: Acks | null = '1'): WorkloadResult | undefined =>
  results.find((r) => r.op === op && r.recordBytes === bytes && r.compression === 'none' && r.partitions === 1 && r.requestRecords === null && !r.tls && (op === 'consume' || r.acks === acks));
const findTls = (op: 'produce' | 'consume'): WorkloadResult | undefined => results.find((r) => r.op === op && r.tls);
const smallRequests = results.find((r) => r.requestRecords !== null);
/** Broker CPU microseconds per produce request of SMALL_REQUESTS records (at most that many per request: librdkafka may send fewer). */
const smallRequestUs = smallRequests ? (smallRequests.brokerCpuSeconds / (smallRequests.records / smallRequests.requestRecords!)) * 1e6 : null;
const produce1k = find('produce', 1024);
const produceTls = findTls('produce');
const fetchTls = findTls('consume');
const produce100 = find('produce', 100);
const fetch1k = find('consume', 1024);
const latency50 = latencies.find((l) => l.mbPerSec === 50 && l.client === 'librdkafka');
const latency50Runnel = latencies.find((l) => l.mbPerSec === 50 && l.client === 'runnel');
const commit = gitCommit();
const summary = {
  date: new Date().toISOString(),
  commit,
  quick,
  machine: { cpus: availableParallelism(), node: process.version, kcat: await kcatVersion().then(shortVersion, (e: Error) => e.message) },
  /** What ran the broker: 'compiled' (dist/) or 'source' (src/ through type stripping). */
  broker_entry: brokerEntry.kind,
  produce_1k_mb_s: produce1k?.mbPerSec ?? null,
  produce_100b_records_s: produce100?.recordsPerSec ?? null,
  fetch_1k_mb_s: fetch1k?.mbPerSec ?? null,
  produce_p99_ms: latency50?.produce.p99 ?? null,
  e2e_p99_ms: latency50?.endToEnd.p99 ?? null,
  /** The same two with Runnel's own client (bench/latency-client.ts) instead of librdkafka. */
  produce_p99_ms_runnel_client: latency50Runnel?.produce.p99 ?? null,
  e2e_p99_ms_runnel_client: latency50Runnel?.endToEnd.p99 ?? null,
  cpu_s_per_gb_produce: produce1k?.cpuSecondsPerGb ?? null,
  cpu_s_per_gb_fetch: fetch1k?.cpuSecondsPerGb ?? null,
  produce_small_requests_per_s: smallRequests ? smallRequests.recordsPerSec / smallRequests.requestRecords! : null,
  cpu_us_per_small_request: smallRequestUs,
  cpu_s_per_gb_produce_user: produce1k?.userCpuSecondsPerGb ?? null,
  /** The same 1 KiB workloads over the SSL listener. */
  produce_1k_tls_mb_s: produceTls?.mbPerSec ?? null,
  fetch_1k_tls_mb_s: fetchTls?.mbPerSec ?? null,
  cpu_s_per_gb_produce_tls: produceTls?.cpuSecondsPerGb ?? null,
  cpu_s_per_gb_fetch_tls: fetchTls?.cpuSecondsPerGb ?? null,
  cpu_s_per_gb_fetch_user: fetch1k?.userCpuSecondsPerGb ?? null,
  raw_cpu_s_per_gb: limits!.loopbackSocket.cpuSecondsPerGb + limits!.fileAppendGrowing.cpuSecondsPerGb,
  socket_limit_mb_s: limits!.loopbackSocket.mbPerSec,
  round_trip_p99_ms: limits!.roundTrip.p99,
  disk_limit_mb_s: limits!.fileAppend.mbPerSec,
  /** What a log that grows can be appended at here: pages the VM has not touched yet. */
  disk_limit_growing_mb_s: limits!.fileAppendGrowing.mbPerSec,
  start_in_process_ms: startInProcess?.firstMs ?? null,
  start_cli_ms: Number.isNaN(startCliMs) ? null : startCliMs,
  idle_rss_mb: Number.isNaN(idleRss) ? null : idleRss,
  load_rss_mb: Number.isNaN(loadRss) ? null : loadRss,
  partitions_10k_rss_mb: partitions10k?.rssMb ?? null,
  partitions_10k_follow_cpu_percent: partitions10k?.follow?.brokerCpuPercent ?? null,
  fetch_cpu_ns_per_partition: partitions10k?.follow?.cpuNsPerPartitionFetched ?? null,
  partitions_10k_commit_cpu_ms: partitions10k?.follow?.commitCpuMs ?? null,
  recovery_log_gb: recovery ? recovery.logBytes / 1e9 : null,
  recovery_clean_ms: recovery?.cleanStartMs ?? null,
  recovery_kill9_ms: recovery?.killStartMs ?? null,
  produce_cost_growth_ratio: recovery?.flatCost?.ratio ?? null,
  produce_cost_growth_ratio_user: recovery?.flatCost ? recovery.flatCost.fullUserCpuSecondsPerGb / recovery.flatCost.emptyUserCpuSecondsPerGb : null,
  flat_cost: recovery?.flatCost ?? null,
  limits: limits!,
  workloads: results.map((r) => ({ ...r, ratioToSocket: r.mbPerSec / limits!.loopbackSocket.mbPerSec, ratioToAppend: r.mbPerSec / limits!.fileAppendGrowing.mbPerSec })),
  latency: latencies,
  startInProcess,
  partitions10k,
  recovery,
  errors,
};

if (flags.json) console.log(JSON.stringify(summary, null, 2));
else console.log(table());
if (flags.save) {
  const resultsDir = join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${summary.date.slice(0, 10)}-${commit}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  log(`saved ${file}`);
  log(`chart ${renderChart(resultsDir)}`);
}
for (const error of errors) log(`\nERROR ${error}`);
process.exitCode = errors.length > 0 ? 1 : 0;

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: benchDir, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: join(benchDir, '..'), encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}

/** "Version 1.7.1 (JSON, ..., librdkafka 2.0.2 builtin.features=...)" → "1.7.1 (librdkafka 2.0.2)". */
function shortVersion(line: string): string {
  const match = /Version (\S+).*librdkafka (\S+)/.exec(line);
  return match ? `${match[1]} (librdkafka ${match[2]})` : line;
}

function table(): string {
  const s = summary;
  const n = (value: number | null | undefined, digits = 0): string =>
    value === null || value === undefined || Number.isNaN(value) ? '-' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const row = (cells: string[], widths: number[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const lines = [
    `Runnel bench ${s.date} at ${s.commit}${s.quick ? ' (quick)' : ''}: ${s.machine.cpus} cores, node ${s.machine.node}, kcat ${s.machine.kcat}; broker from ${s.broker_entry === 'compiled' ? 'dist/' : 'src/ (type stripping)'}`,
    '',
    'machine limits                                         MB/s  cpu s/GB',
    row(['  loopback socket into Node, 1 MiB writes (receiver)', n(s.limits.loopbackSocket.mbPerSec), n(s.limits.loopbackSocket.cpuSecondsPerGb, 2)], [50, 8, 9]),
    row(['  file append, page cache, 1 MiB, recycled pages', n(s.limits.fileAppend.mbPerSec), n(s.limits.fileAppend.cpuSecondsPerGb, 2)], [50, 8, 9]),
    row(['  file append, page cache, 1 MiB, growing file', n(s.limits.fileAppendGrowing.mbPerSec), n(s.limits.fileAppendGrowing.cpuSecondsPerGb, 2)], [50, 8, 9]),
    row(['  file append + fdatasync per MiB', n(s.limits.fileAppendFdatasync.mbPerSec), n(s.limits.fileAppendFdatasync.cpuSecondsPerGb, 2)], [50, 8, 9]),
    `  raw cost of receiving and appending a GB: ${n(s.raw_cpu_s_per_gb, 2)} CPU s`,
    `  round trip, 1 KiB to another process and back, one per ms: p50 ${n(s.limits.roundTrip.p50, 3)}, p99 ${n(s.limits.roundTrip.p99, 3)}, p99.9 ${n(s.limits.roundTrip.p999, 3)} ms`,
  ];
  if (s.workloads.length > 0) {
    const widths = [38, 9, 7, 10, 7, 7, 7, 8, 6, 6, 6, 7];
    lines.push('', row(['workload', 'records', 'seconds', 'records/s', 'MB/s', '/socket', '/append', 'cpu s/GB', 'user', 'sys', '/raw', 'client'], widths));
    for (const w of s.workloads) {
      lines.push(row([
        w.name, n(w.records), n(w.seconds, 2), n(w.recordsPerSec), n(w.mbPerSec, 1), n(w.ratioToSocket, 3), n(w.ratioToAppend, 3),
        n(w.cpuSecondsPerGb, 2), n(w.userCpuSecondsPerGb, 2), n(w.systemCpuSecondsPerGb, 2), w.op === 'produce' ? n(w.cpuSecondsPerGb / s.raw_cpu_s_per_gb, 2) : '', n(w.clientCpuSecondsPerGb, 2),
      ], widths));
    }
  }
  if (s.latency.length > 0) {
    const widths = [38, 9, 9, 9, 9, 9, 9];
    lines.push('', row(['latency, 1 KiB records, acks=1 (ms)', 'prod p50', 'p99', 'p99.9', 'e2e p50', 'p99', 'p99.9'], widths));
    for (const l of s.latency) {
      lines.push(row([`  at ${l.mbPerSec} MB/s, ${l.client}`, n(l.produce.p50, 2), n(l.produce.p99, 2), n(l.produce.p999, 2), n(l.endToEnd.p50, 2), n(l.endToEnd.p99, 2), n(l.endToEnd.p999, 2)], widths));
    }
  }
  lines.push('');
  if (s.cpu_us_per_small_request !== null) lines.push(`small requests (1 KiB records, ${SMALL_REQUESTS} per request, linger 0): ${n(s.produce_small_requests_per_s)} requests/s, ${n(s.cpu_us_per_small_request, 1)} broker CPU us per request`);
  if (s.start_cli_ms !== null) lines.push(`start: CLI to "listening" ${n(s.start_cli_ms)} ms; startBroker() in memory ${s.startInProcess ? `${n(s.startInProcess.firstMs, 1)} ms first, ${n(s.startInProcess.warmMedianMs, 1)} ms after` : '-'}`);
  if (s.idle_rss_mb !== null) lines.push(`memory: idle RSS ${n(s.idle_rss_mb)} MB, peak under load ${n(s.load_rss_mb)} MB${s.partitions10k ? `; ${n(s.partitions10k.partitions)} partitions: RSS ${n(s.partitions10k.rssMb)} MB (created in ${n(s.partitions10k.createSeconds, 1)} s)` : ''}`);
  const follow = s.partitions10k?.follow;
  if (follow) {
    const perFetch = follow.cpuUsPerFetch === null ? '' : ` (${n(follow.fetchesPerSecond!)} fetches/s naming every partition, ${n(follow.cpuUsPerFetch)} us of broker CPU each, ${n(follow.cpuNsPerPartitionFetched!)} ns per partition)`;
    lines.push(`a consumer following all ${n(follow.partitions)} partitions while ${n(follow.rate)} records/s arrive: broker ${n(follow.brokerCpuPercent)}% of a core${perFetch}`);
    lines.push(`its commit of all ${n(follow.partitions)} positions (one OffsetCommit): ${n(follow.commitCpuMs, 1)} ms of broker CPU, ${n(follow.commitMs, 1)} ms round trip`);
  }
  if (s.recovery) lines.push(`recovery of a ${n(s.recovery.logBytes / 1e9, 2)} GB log: start after a clean stop ${n(s.recovery.cleanStartMs)} ms, after kill -9 ${n(s.recovery.killStartMs)} ms`);
  if (s.flat_cost) {
    const f = s.flat_cost;
    lines.push(
      `cost as the log grows (recovery fill, 1 KiB acks=1): ${n(f.emptyCpuSecondsPerGb, 2)} broker CPU s/GB (user ${n(f.emptyUserCpuSecondsPerGb, 2)}) over the first ${n(f.emptyGb, 1)} GB, ` +
        `${n(f.fullCpuSecondsPerGb, 2)} (user ${n(f.fullUserCpuSecondsPerGb, 2)}) over the last ${n(f.fullGb, 1)} GB (log at ${n(f.logGb, 1)} GB): ratio ${n(f.ratio, 2)}; ` +
        `the kernel's growing-file append cost ${n(f.rawAppendBefore, 2)} CPU s/GB before the fill, ${n(f.rawAppendAfter, 2)} after`,
    );
  }
  lines.push(
    '',
    'MB = 10^6 value bytes; /socket, /append: MB/s divided by the loopback socket and growing-file append limits of this run; cpu s/GB: broker CPU seconds per 10^9 value bytes;',
    '/raw: cpu s/GB divided by the raw cost of receiving and appending a GB; client: the kcat process\'s CPU seconds per GB.',
    'produce: records/s and MB/s from kcat start to exit; consume: from the first record that arrives to the last (see bench/README.md).',
  );
  return lines.join('\n');
}
