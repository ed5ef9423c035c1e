// Captures golden bytes from real Kafka clients: every request frame they send to our broker,
// with the response frame our broker wrote back, per client. test/golden/clients.test.ts decodes
// them with the generated codec; since the requests were written by independent encoders
// (librdkafka, kafkajs, @platformatic/kafka, kafka-python, sarama), a misreading of the spec that our
// encoder and decoder share cannot pass there, as it would in a round trip.
//
//   ./node_modules/.bin/node scripts/capture-golden.ts              # rewrites test/golden/*.json
//   ./node_modules/.bin/node scripts/capture-golden.ts --dump kcat   # one client, decoded; writes nothing
//   ./node_modules/.bin/node scripts/capture-golden.ts --write sarama   # rewrites one client's fixture
//
// Fixtures are written only when every scenario succeeded (and each client sent its records in
// one Produce request), all from the same run, with test/golden/versions.json naming the clients.
//
// How: a recording TCP proxy listens on 127.0.0.1 (port 0) in front of a broker in this process
// (memory storage). The broker advertises the proxy's address (advertised.listeners), so clients
// that connect to the leader named in Metadata still go through the proxy. The proxy forwards
// bytes unchanged and cuts both directions into frames at the int32 size prefix; responses are
// paired with requests by correlation id. Each connection belongs to the client whose scenario
// was running when it opened (test/golden/scenario.ts); the scenarios run one after another and
// each waits for its connections to close.
//
// Per client the fixture keeps: requests that differ only in correlation id once; every distinct
// (apiKey, apiVersion) pair; then further distinct requests in order, at most MAX_PER_PAIR per
// pair and MAX_FRAMES in all. Timestamps in the bytes vary between runs; nothing else should,
// apart from what the clients randomize (kafkajs and librdkafka request timing, uuids of topics).
//
// The script also prints what may be broker anomalies: requests the broker left unanswered when
// it closed a connection, non-zero error codes in the responses, offsets_for_times answers that
// differ from Kafka's. It does not change the fixtures because of them. A request in flight when
// the client hangs up (a long-polling Fetch at kcat -e, or a consumer's close) is no anomaly.
//
// Behaviour of the broker shows in what the clients send. librdkafka, for one, enables LZ4 only
// if the broker advertises FindCoordinator v0; until then kcat -z lz4 writes uncompressed batches
// (test/golden/clients.test.ts derives the expected codec from the captured ApiVersions).

import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { startBroker } from '../src/index.ts';
import { API, API_BY_KEY, Reader, decodeRequestHeader, decodeResponseHeader, ERRORS } from '../src/protocol/index.ts';
import { kcat, kcatVersion } from '../test/helpers/kcat.ts';
import { PYTHON } from '../test/helpers/python.ts';
import { runSarama } from '../test/helpers/go.ts';
import { freePort } from '../test/helpers/broker.ts';
import {
  CONFLUENT_KAFKA,
  KAFKA_PYTHON,
  KAFKAJS,
  KCAT,
  PLATFORMATIC,
  SARAMA,
  SCENARIOS,
  type ClientScenario,
  type GoldenFrame,
} from '../test/golden/scenario.ts';

const MAX_FRAMES = 40;
const MAX_PER_PAIR = 4;
const TIMEOUT_S = 30;
const goldenDir = fileURLToPath(new URL('../test/golden/', import.meta.url));

// ---------------------------------------------------------------------------------------------
// The recording proxy

interface Exchange {
  /** The scenario's file name; null for connections opened between scenarios. */
  client: string | null;
  connection: number;
  /** Order of arrival of the request, over all connections. */
  seq: number;
  request: Buffer;
  response: Buffer | null;
}

/** Cuts a byte stream into frames at the int32 size prefix; yields frames without the prefix. */
class FrameSplitter {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames: Buffer[] = [];
    while (this.#pending.length >= 4) {
      const size = this.#pending.readInt32BE(0);
      if (this.#pending.length < 4 + size) break;
      frames.push(Buffer.from(this.#pending.subarray(4, 4 + size)));
      this.#pending = this.#pending.subarray(4 + size);
    }
    return frames;
  }

  get leftover(): number {
    return this.#pending.length;
  }
}

class RecordingProxy {
  readonly exchanges: Exchange[] = [];
  /** Warnings about the traffic: unanswered requests, leftover bytes, unmatched responses. */
  readonly notes: string[] = [];
  /** What is worth knowing but no anomaly. */
  readonly info: string[] = [];
  /** Label given to connections that open from now on. */
  client: string | null = null;
  #server: net.Server;
  #upstreamPort = 0;
  #seq = 0;
  #connections = 0;
  readonly #open = new Map<number, string | null>();

  constructor() {
    this.#server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as net.AddressInfo).port;
  }

  forwardTo(port: number): void {
    this.#upstreamPort = port;
  }

  /** Resolves once no connection of `client` is open (or after `timeoutMs`). */
  async drained(client: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while ([...this.#open.values()].includes(client)) {
      if (Date.now() > end) {
        this.notes.push(`${client}: connections still open ${timeoutMs} ms after the scenario ended`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    const id = ++this.#connections;
    const client = this.client;
    this.#open.set(id, client);
    const pending = new Map<number, Exchange>();
    const requests = new FrameSplitter();
    const responses = new FrameSplitter();
    const upstream = net.connect({ host: '127.0.0.1', port: this.#upstreamPort, noDelay: true });
    // Bytes from the client wait until the upstream connection is up (net.Socket buffers writes).
    socket.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      for (const frame of requests.push(chunk)) {
        const exchange: Exchange = { client, connection: id, seq: this.#seq++, request: frame, response: null };
        this.exchanges.push(exchange);
        if (frame.length >= 8) pending.set(frame.readInt32BE(4), exchange);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      socket.write(chunk);
      for (const frame of responses.push(chunk)) {
        const correlationId = frame.readInt32BE(0);
        const exchange = pending.get(correlationId);
        if (!exchange) {
          this.notes.push(`${client} connection ${id}: response to unknown correlation id ${correlationId}`);
          continue;
        }
        pending.delete(correlationId);
        exchange.response = frame;
      }
    });
    let closed = false;
    const close = (by: 'client' | 'broker'): void => {
      if (closed) return;
      closed = true;
      socket.destroy();
      upstream.destroy();
      this.#open.delete(id);
      for (const exchange of pending.values()) {
        const h = decodeRequestHeader(exchange.request);
        const what = `${client} connection ${id}: ${API_BY_KEY[h.apiKey]?.name ?? h.apiKey} v${h.apiVersion} (correlation id ${h.correlationId})`;
        // A client that leaves during a long poll (kcat -e, a consumer's close) is no anomaly.
        if (by === 'broker') this.notes.push(`${what}: the broker closed the connection without answering`);
        else this.info.push(`${what}: in flight when the client closed the connection`);
      }
      if (requests.leftover > 0 || responses.leftover > 0) {
        this.notes.push(`${client} connection ${id}: closed mid-frame (${requests.leftover} request, ${responses.leftover} response bytes)`);
      }
    };
    socket.on('close', () => close('client'));
    upstream.on('close', () => close('broker'));
    socket.on('error', () => {});
    upstream.on('error', () => {});
  }
}

// ---------------------------------------------------------------------------------------------
// The scenarios

async function runKcat(bootstrap: string): Promise<void> {
  const s = KCAT;
  const common = ['-b', bootstrap, '-X', `client.id=${s.clientId}`];
  const input = s.records.map((r) => `${r.key}:${r.value}\n`).join('');
  const headers = s.records[0]!.headers.flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  // The producer first, so that -L has the topic to list; auto.create.topics.enable creates it.
  // A long linger, so that the three records make one batch (kcat flushes at the end of stdin).
  const produce = ['-P', ...common, '-t', s.topic, '-p', '0', '-K', ':', '-z', 'lz4', '-X', 'linger.ms=1000', ...headers];
  await kcat(produce, { input, timeoutMs: TIMEOUT_S * 1000 });
  await kcat(['-L', ...common], { timeoutMs: TIMEOUT_S * 1000 });
  const consumed = await kcat(['-C', ...common, '-t', s.topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%k:%s\n'], { timeoutMs: TIMEOUT_S * 1000 });
  expectEqual('kcat consumed', consumed.stdout.toString(), input);
}

// kafkajs 2.2.4 prints a TimeoutNegativeWarning on Node 24 (its request queue schedules a timer
// from a throttle time it never set); that is kafkajs's, not the broker's.
async function runKafkajs(bootstrap: string): Promise<void> {
  const s = KAFKAJS;
  const kafka = new Kafka({ clientId: s.clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: s.topic, numPartitions: s.partitions }], waitForLeaders: true });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({
        topic: s.topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: s.records.map((r) => ({ key: r.key, value: r.value, headers: Object.fromEntries(r.headers), partition: r.partition! })),
      });
    } finally {
      await producer.disconnect();
    }
    const offsets = await admin.fetchTopicOffsets(s.topic);
    const high = offsets.map((o) => [o.partition, o.high]).sort((a, b) => Number(a[0]) - Number(b[0]));
    expectEqual('kafkajs high watermarks', JSON.stringify(high), JSON.stringify([[0, '2'], [1, '1']]));
    await admin.deleteTopics({ topics: [s.topic] });
  } finally {
    await admin.disconnect();
  }
}

async function runPlatformatic(bootstrap: string): Promise<void> {
  const s = PLATFORMATIC;
  const admin = new Admin({ clientId: s.clientId, bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [s.topic], partitions: s.partitions, replicas: 1 });
    const producer = new Producer({ clientId: s.clientId, bootstrapBrokers: [bootstrap], serializers: stringSerializers });
    try {
      await producer.send({
        acks: -1,
        compression: 'snappy',
        messages: s.records.map((r) => ({ topic: s.topic, key: r.key, value: r.value, headers: Object.fromEntries(r.headers), partition: r.partition! })),
      });
    } finally {
      await producer.close();
    }
    const metadata = await admin.metadata({ topics: [s.topic] });
    expectEqual('platformatic partitions', metadata.topics.get(s.topic)?.partitionsCount, s.partitions);
    const listed = await admin.listOffsets({ topics: [{ name: s.topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
    expectEqual('platformatic latest offset', listed[0]?.partitions[0]?.offset, 3n);
  } finally {
    await admin.close();
  }
}

/**
 * sarama 1.22 (Go, Debian): ClusterAdmin creates the topic, a SyncProducer sends the records
 * (lz4, acks=all, timestamps set) in one request, partition consumers read them back from the
 * oldest offset. Three processes of the program in test/helpers/go/, one client id.
 */
async function runSaramaScenario(bootstrap: string): Promise<void> {
  const s = SARAMA;
  const common = { bootstrap, clientId: s.clientId };
  const { results } = await runSarama<{ results: { error: unknown }[] }>({ action: 'admin', ...common, steps: [{ op: 'createTopic', topic: s.topic, partitions: 1 }] });
  expectEqual('sarama createTopic', JSON.stringify(results), JSON.stringify([{ error: null }]));
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const records = s.records.map((r) => ({ partition: 0, key: b64(r.key), value: b64(r.value), timestamp: r.timestamp, headers: r.headers.map(([key, value]) => ({ key, value: b64(value) })) }));
  await runSarama({ action: 'produce', ...common, topic: s.topic, compression: 'lz4', acks: -1, flushMessages: records.length, records });
  const consumed = await runSarama<{ records: { key: string; value: string }[] }>({ action: 'consume', ...common, assignments: [{ topic: s.topic, partition: 0, offset: -2 }], count: records.length, timeoutMs: TIMEOUT_S * 1000 });
  expectEqual('sarama consumed', JSON.stringify(consumed.records.map((r) => [r.key, r.value])), JSON.stringify(records.map((r) => [r.key, r.value])));
}

function runPythonScenario(script: string, s: ClientScenario, bootstrap: string): Promise<void> {
  const input = JSON.stringify({ bootstrap, topic: s.topic, clientId: s.clientId, records: s.records, lookupTimestamp: s.lookup!.timestamp, timeout: TIMEOUT_S });
  const path = fileURLToPath(new URL(`../test/golden/py/${script}.py`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-E', '-s', '-B', path], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), (TIMEOUT_S + 30) * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (stderr.trim()) console.log(`${script}.py stderr:\n${stderr.trimEnd().split('\n').slice(-20).join('\n')}`);
      let output: { consumed?: string[][]; lookupOffset?: number; error?: string };
      try {
        output = JSON.parse(stdout.trim().split('\n').pop() ?? '');
      } catch {
        return reject(new Error(`${script}.py: exit ${code}, no JSON: ${stdout.slice(-2000)}`));
      }
      if (code !== 0 || output.error) return reject(new Error(`${script}.py: ${output.error} ${JSON.stringify(output)}`));
      try {
        expectEqual(`${script} consumed`, JSON.stringify(output.consumed), JSON.stringify(s.records.map((r) => [r.key, r.value])));
      } catch (error) {
        return reject(error);
      }
      // Not a failure of the scenario: a wrong answer here is the broker's, reported, and the
      // bytes are still worth keeping.
      if (output.lookupOffset !== s.lookup!.offset) {
        lookupNotes.push(`${s.file}: offsets_for_times(${s.lookup!.timestamp}) found offset ${output.lookupOffset}, Kafka finds ${s.lookup!.offset}`);
      }
      resolve();
    });
  });
}

const lookupNotes: string[] = [];

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what}: got ${String(actual)}, expected ${String(expected)}`);
}

// ---------------------------------------------------------------------------------------------
// Selection and anomalies

/** The fixture entries of one client: distinct requests, every (apiKey, apiVersion), capped. */
function select(exchanges: Exchange[]): GoldenFrame[] {
  const seen = new Set<string>();
  const distinct: Exchange[] = [];
  for (const e of exchanges) {
    if (e.response === null) continue; // no response to pair with (reported as a note)
    const masked = Buffer.from(e.request);
    masked.writeInt32BE(0, 4);
    const key = masked.toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    distinct.push(e);
  }
  const pairOf = (e: Exchange) => `${e.request.readInt16BE(0)}/${e.request.readInt16BE(2)}`;
  const chosen = new Set<Exchange>();
  const perPair = new Map<string, number>();
  for (const e of distinct) {
    if (perPair.has(pairOf(e))) continue;
    perPair.set(pairOf(e), 1);
    chosen.add(e);
  }
  for (const e of distinct) {
    if (chosen.size >= MAX_FRAMES) break;
    if (chosen.has(e) || perPair.get(pairOf(e))! >= MAX_PER_PAIR) continue;
    perPair.set(pairOf(e), perPair.get(pairOf(e))! + 1);
    chosen.add(e);
  }
  return [...chosen]
    .sort((a, b) => a.seq - b.seq)
    .map((e) => {
      const h = decodeRequestHeader(e.request);
      return {
        apiKey: h.apiKey,
        apiVersion: h.apiVersion,
        correlationId: h.correlationId,
        clientId: h.clientId,
        request: e.request.toString('hex'),
        response: e.response!.toString('hex'),
      };
    });
}

/** Non-zero error codes anywhere in a decoded response, with their paths. */
function errorCodes(value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => errorCodes(v, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'errorCode' && typeof v === 'number' && v !== 0) out.push(`${path}.${k}=${ERRORS.get(v)?.name ?? v}`);
      else errorCodes(v, `${path}.${k}`, out);
    }
  }
}

function anomalies(client: string, exchanges: Exchange[]): string[] {
  const out: string[] = [];
  for (const e of exchanges) {
    const h = decodeRequestHeader(e.request);
    const name = `${API_BY_KEY[h.apiKey]?.name ?? h.apiKey} v${h.apiVersion}`;
    if (h.clientId !== null && !h.clientId.startsWith('golden-') && h.clientId !== '') {
      out.push(`${client}: ${name} with unexpected client id ${JSON.stringify(h.clientId)}`);
    }
    if (!e.response) continue;
    try {
      const rh = decodeResponseHeader(e.response, h.apiKey, h.apiVersion);
      const body = API_BY_KEY[h.apiKey]!.decodeResponse(new Reader(e.response, rh.bodyOffset), h.apiVersion);
      const errors: string[] = [];
      errorCodes(body, '', errors);
      if (errors.length > 0) out.push(`${client}: ${name} (correlation id ${h.correlationId}): ${errors.join(', ')}`);
    } catch (error) {
      out.push(`${client}: ${name}: response does not decode: ${(error as Error).message}`);
    }
  }
  return out;
}

/** One exchange decoded, for --dump. */
function describe(e: Exchange): string {
  const h = decodeRequestHeader(e.request);
  const api = API_BY_KEY[h.apiKey]!;
  const json = (v: unknown) =>
    JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x?.type === 'Buffer' ? `<${x.data.length} bytes>` : x));
  const request = api.decodeRequest(new Reader(e.request, h.bodyOffset), h.apiVersion);
  let response = 'none';
  if (e.response) {
    const rh = decodeResponseHeader(e.response, h.apiKey, h.apiVersion);
    response = json(api.decodeResponse(new Reader(e.response, rh.bodyOffset), h.apiVersion));
  }
  return `[${e.connection}] ${api.name} v${h.apiVersion} #${h.correlationId} ${h.clientId}\n  > ${json(request)}\n  < ${response}`;
}

// ---------------------------------------------------------------------------------------------
// Main

function packageVersion(name: string): string {
  const path = fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

async function pythonVersions(): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-E', '-s', '-B', '-c', 'import kafka, confluent_kafka; print("kafka-python %s; confluent-kafka %s (librdkafka %s)" % (kafka.__version__, confluent_kafka.version()[0], confluent_kafka.libversion()[0]))']);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', () => resolve(out.trim()));
  });
}

const proxy = new RecordingProxy();
const proxyPort = await proxy.listen();
// RunningBroker reports the advertised address, which is the proxy's here, so the broker's own
// port is chosen beforehand rather than read back.
const brokerPort = await freePort();
const broker = await startBroker({
  host: '127.0.0.1',
  port: brokerPort,
  dataDir: 'memory',
  config: {
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}`,
    'auto.create.topics.enable': 'true',
    'num.partitions': '1',
    // The Python clients' records carry fixed timestamps from 2023: keep them.
    'log.retention.ms': '-1',
  },
});
proxy.forwardTo(brokerPort);
const bootstrap = `127.0.0.1:${proxyPort}`;

const runs: [ClientScenario, () => Promise<void>][] = [
  [KCAT, () => runKcat(bootstrap)],
  [KAFKAJS, () => runKafkajs(bootstrap)],
  [PLATFORMATIC, () => runPlatformatic(bootstrap)],
  [CONFLUENT_KAFKA, () => runPythonScenario('ck_golden', CONFLUENT_KAFKA, bootstrap)],
  [KAFKA_PYTHON, () => runPythonScenario('kp_golden', KAFKA_PYTHON, bootstrap)],
  [SARAMA, () => runSaramaScenario(bootstrap)],
];
const dump = process.argv.includes('--dump');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
let failed = false;
try {
  for (const [scenario, run] of runs) {
    if (only.length > 0 && !only.includes(scenario.file)) continue;
    proxy.client = scenario.file;
    const started = performance.now();
    try {
      await run();
    } catch (error) {
      failed = true;
      console.error(`${scenario.file}: scenario failed: ${(error as Error).stack ?? error}`);
    }
    proxy.client = null;
    await proxy.drained(scenario.file);
    console.log(`${scenario.file}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  await broker.stop();
  await proxy.close();
}

const report: string[] = [...proxy.notes, ...lookupNotes];
const fixtures: [string, GoldenFrame[]][] = [];
for (const scenario of SCENARIOS) {
  if (only.length > 0 && !only.includes(scenario.file)) continue;
  const exchanges = proxy.exchanges.filter((e) => e.client === scenario.file);
  // The tests expect one Produce request per client, each with one batch per partition: a
  // client that split its records (a linger ran out) would make the fixture harder to read.
  const produces = exchanges.filter((e) => e.request.readInt16BE(0) === API.Produce.apiKey).length;
  if (produces !== 1) {
    failed = true;
    console.error(`${scenario.file}: ${produces} Produce requests instead of 1; run again`);
  }
  const frames = select(exchanges);
  const pairs = [...new Set(frames.map((f) => `${API_BY_KEY[f.apiKey]?.name ?? f.apiKey} v${f.apiVersion}`))];
  console.log(`${scenario.file}: ${exchanges.length} exchanges, ${frames.length} kept: ${pairs.join(', ')}`);
  report.push(...anomalies(scenario.file, exchanges));
  if (dump) for (const e of exchanges) console.log(describe(e));
  fixtures.push([scenario.file, frames]);
}
// All or nothing: a fixture set from one run, with the versions of the clients that wrote it.
// With clients named and --write, only theirs (and their entries in versions.json): for a client
// added later, without recapturing the others (whose requests vary with timing, such as
// librdkafka's FindCoordinator).
const write = !failed && (only.length === 0 || process.argv.includes('--write'));
if (write) {
  for (const [file, frames] of fixtures) writeFileSync(`${goldenDir}${file}.json`, JSON.stringify(frames, null, 1) + '\n');
}
const stray = proxy.exchanges.filter((e) => e.client === null);
if (stray.length > 0) report.push(`${stray.length} requests on connections opened between scenarios (not kept)`);
if (write) {
  /** The versions.json entry of each client, and how to read it. */
  const versionOf: Record<string, [string, () => Promise<string> | string]> = {
    kcat: ['kcat', kcatVersion],
    kafkajs: ['kafkajs', () => packageVersion('kafkajs')],
    'platformatic-kafka': ['@platformatic/kafka', () => packageVersion('@platformatic/kafka')],
    'confluent-kafka-python': ['python', pythonVersions],
    'kafka-python': ['python', pythonVersions],
    sarama: ['sarama', () => execFileSync('dpkg-query', ['-W', '-f=${Version}', 'golang-github-shopify-sarama-dev'], { encoding: 'utf8' })],
  };
  const versions = only.length === 0 ? {} : (JSON.parse(readFileSync(`${goldenDir}versions.json`, 'utf8')) as Record<string, string>);
  for (const [file] of fixtures) {
    const [key, read] = versionOf[file]!;
    versions[key] = await read();
  }
  writeFileSync(`${goldenDir}versions.json`, JSON.stringify(versions, null, 1) + '\n');
}
if (proxy.info.length > 0) console.log(`expected:\n  ${proxy.info.join('\n  ')}`);
console.log(report.length === 0 ? 'no anomalies' : `possible anomalies:\n  ${report.join('\n  ')}`);
if (failed) {
  console.error('a scenario failed: fixtures not written');
  process.exitCode = 1;
} else if (!write) {
  console.log('some clients only: fixtures not written (--write writes theirs)');
}
