// `npm run bench`: the machine's limits, then produce and consume throughput through a broker
// in its own process, printed side by side as ratios. See bench/README.md.
//
//   npm run bench                   full run (a few minutes)
//   npm run bench -- --quick        smaller runs, about half a minute
//   npm run bench -- --json         the summary as JSON on stdout (progress goes to stderr)
//   npm run bench -- --limits-only  only the machine's limits, no broker

import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { spawnBrokerProcess, type BrokerProcess } from '../test/helpers/broker.ts';
import { kcatVersion } from '../test/helpers/kcat.ts';
import { measureLimits, type Limits } from './limits.ts';
import { consumeWithKcat, produceWithKcat, writeRecordFile, type WorkloadResult } from './workloads.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'limits-only': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log('usage: npm run bench -- [--quick] [--json] [--limits-only]   (see bench/README.md)');
  process.exit(0);
}

const quick = flags.quick;
const limitMs = quick ? 1_000 : 3_000;
const kcatTimeoutMs = quick ? 180_000 : 600_000;
const WORKLOADS = [
  { label: '1 KiB', topic: 'bench-1k', recordBytes: 1024, records: quick ? 30_000 : 300_000 },
  { label: '100 B', topic: 'bench-100b', recordBytes: 100, records: quick ? 150_000 : 1_500_000 },
];

const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Summary {
  date: string;
  quick: boolean;
  machine: { cpus: number; node: string; kcat: string };
  limits: Limits;
  workloads: (WorkloadResult & { ratioToSocket: number; ratioToAppend: number })[];
  broker: { peakRssMiB: number | null; exit: string | null } | null;
  errors: string[];
}

const dir = await mkdtemp(join(tmpdir(), 'runnel-bench-'));
const errors: string[] = [];
let broker: BrokerProcess | undefined;
process.on('exit', () => broker?.process.kill('SIGKILL'));

let limits: Limits;
const results: WorkloadResult[] = [];
let brokerInfo: Summary['broker'] = null;
try {
  log(`machine limits, ${limitMs} ms each ...`);
  limits = await measureLimits(dir, limitMs);

  if (!flags['limits-only']) {
    for (const w of WORKLOADS) {
      log(`writing ${w.records.toLocaleString('en-US')} records of ${w.label} ...`);
      await writeRecordFile(join(dir, `${w.topic}.txt`), w.records, w.recordBytes);
    }
    try {
      broker = await spawnBrokerProcess({
        dataDir: join(dir, 'data'),
        config: { 'auto.create.topics.enable': 'true', 'num.partitions': '1' },
      });
      log(`broker pid ${broker.process.pid} listening on ${broker.bootstrap}`);
      // Warm-up: creates a topic and lets the broker's JIT see both paths before timing.
      await writeRecordFile(join(dir, 'warmup.txt'), 20_000, 200);
      const warmup = { bootstrap: broker.bootstrap, topic: 'bench-warmup', file: join(dir, 'warmup.txt'), records: 20_000, recordBytes: 200, label: 'warm-up', timeoutMs: kcatTimeoutMs };
      await produceWithKcat(warmup);
      await consumeWithKcat(warmup);

      for (const w of WORKLOADS) {
        const options = { ...w, bootstrap: broker.bootstrap, file: join(dir, `${w.topic}.txt`), timeoutMs: kcatTimeoutMs };
        try {
          log(`produce ${w.label} ...`);
          results.push(await produceWithKcat(options));
          log(`consume ${w.label} ...`);
          results.push(await consumeWithKcat(options));
        } catch (error) {
          errors.push(`${w.label}: ${(error as Error).message}`);
        }
      }
      const peakRssMiB = readPeakRssMiB(broker.process.pid);
      const exit = await broker.stop('SIGTERM');
      brokerInfo = { peakRssMiB, exit: exit.signal ?? `code ${exit.code}` };
      if (exit.code !== 0) errors.push(`broker exited with ${brokerInfo.exit} on SIGTERM\n${broker.output().slice(-4000)}`);
    } catch (error) {
      errors.push(`broker: ${(error as Error).message}`);
    }
  }
} finally {
  await broker?.kill9();
  await rm(dir, { recursive: true, force: true });
}

const summary: Summary = {
  date: new Date().toISOString(),
  quick,
  machine: { cpus: availableParallelism(), node: process.version, kcat: await kcatVersion().then(shortVersion, (e: Error) => e.message) },
  limits,
  workloads: results.map((r) => ({
    ...r,
    ratioToSocket: r.mbPerSec / limits.loopbackSocket.mbPerSec,
    ratioToAppend: r.mbPerSec / limits.fileAppend.mbPerSec,
  })),
  broker: brokerInfo,
  errors,
};

if (flags.json) console.log(JSON.stringify(summary, null, 2));
else console.log(table(summary));
for (const error of errors) log(`\nERROR ${error}`);
process.exitCode = errors.length > 0 ? 1 : 0;

/** "Version 1.7.1 (JSON, ..., librdkafka 2.0.2 builtin.features=...)" → "1.7.1 (librdkafka 2.0.2)". */
function shortVersion(line: string): string {
  const match = /Version (\S+).*librdkafka (\S+)/.exec(line);
  return match ? `${match[1]} (librdkafka ${match[2]})` : line;
}

function readPeakRssMiB(pid: number | undefined): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function table(s: Summary): string {
  const n = (value: number, digits = 0): string =>
    value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const row = (cells: string[], widths: number[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const lines = [
    `Runnel bench ${s.date}${s.quick ? ' (quick)' : ''}: ${s.machine.cpus} cores, node ${s.machine.node}, kcat ${s.machine.kcat}`,
    '',
    'machine limits                               MB/s',
    row(['  loopback socket into Node, 1 MiB writes', n(s.limits.loopbackSocket.mbPerSec)], [42, 8]),
    row(['  file append, page cache, 1 MiB', n(s.limits.fileAppend.mbPerSec)], [42, 8]),
    row(['  file append + fdatasync per MiB', n(s.limits.fileAppendFdatasync.mbPerSec)], [42, 8]),
  ];
  if (s.workloads.length > 0) {
    const widths = [14, 10, 8, 11, 8, 9, 9];
    lines.push('', row(['workload', 'records', 'seconds', 'records/s', 'MB/s', '/socket', '/append'], widths));
    for (const w of s.workloads) {
      lines.push(row([
        w.name, n(w.records), n(w.seconds, 2), n(w.recordsPerSec), n(w.mbPerSec, 1),
        n(w.ratioToSocket, 3), n(w.ratioToAppend, 3),
      ], widths));
    }
  }
  if (s.broker) {
    lines.push('', `broker: peak RSS ${s.broker.peakRssMiB === null ? '?' : `${n(s.broker.peakRssMiB)} MiB`}, exit on SIGTERM: ${s.broker.exit}`);
  }
  lines.push('', 'MB = 10^6 value bytes; /socket and /append: MB/s divided by that limit, measured in this run.');
  return lines.join('\n');
}
