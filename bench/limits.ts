// The machine's own limits, measured in the same run as the broker so that results can be read
// as ratios: a broker cannot move bytes faster than a plain socket carries them into Node, nor
// append them faster than a plain file takes them. These numbers drift by ±30% from minute to
// minute on shared machines, which is why they are measured every run and not stored.

import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

const MiB = 1 << 20;

export interface Throughput {
  bytes: number;
  seconds: number;
  /** MB = 10^6 bytes. */
  mbPerSec: number;
  /** CPU seconds (user + system) of the receiving or writing process per GB (10^9 bytes). */
  cpuSecondsPerGb: number;
}

function throughput(bytes: number, milliseconds: number, cpu: NodeJS.CpuUsage): Throughput {
  const seconds = milliseconds / 1000;
  return { bytes, seconds, mbPerSec: bytes / 1e6 / seconds, cpuSecondsPerGb: (cpu.user + cpu.system) / 1e6 / (bytes / 1e9) };
}

// The sender is a separate Node process, so that this process only receives, as a broker
// does, and its CPU time (main thread, garbage collector threads, kernel) is the receiver's.
const senderSource = `
const { connect } = require('node:net');
const [port, milliseconds] = process.argv.slice(1).map(Number);
const chunk = Buffer.alloc(${MiB}, 0x61);
const socket = connect(port, '127.0.0.1', () => {
  const end = performance.now() + milliseconds;
  const pump = () => {
    while (performance.now() < end) {
      if (!socket.write(chunk)) return socket.once('drain', pump);
    }
    socket.end();
  };
  pump();
});
`;

/** Another process writes 1 MiB buffers to a loopback TCP socket; this one counts what arrives. */
export async function loopbackSocket(milliseconds: number): Promise<Throughput> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<Throughput>((resolve, reject) => {
      let received = 0;
      let started = 0;
      let cpu = process.cpuUsage();
      server.once('connection', (socket) => {
        started = performance.now();
        cpu = process.cpuUsage();
        socket.on('data', (chunk: Buffer) => (received += chunk.length));
        socket.on('end', () => resolve(throughput(received, performance.now() - started, process.cpuUsage(cpu))));
        socket.on('error', reject);
      });
      const sender = spawn(process.execPath, ['-e', senderSource, String(port), String(milliseconds)], { stdio: 'ignore' });
      sender.on('error', reject);
    });
  } finally {
    server.close();
  }
}

/**
 * Appends 1 MiB buffers to a file for `milliseconds`, optionally with an fdatasync after each,
 * as a log does. With `recycle`, the file is truncated every 64 MiB: a long run then needs
 * little disk, and the page cache reuses its pages as it does in a broker that has been running
 * a while. Without it the file grows (up to `maxBytes`) as a log does, into pages the machine
 * may never have touched, which on a virtual machine costs more than the write itself
 * (200-400 MB/s against 1,200-3,000 MB/s with recycled pages on the machines here).
 */
export async function fileAppend(dir: string, milliseconds: number, sync: boolean, recycle = true, maxBytes = Infinity): Promise<Throughput> {
  const path = join(dir, `append-${sync ? 'fdatasync' : 'cache'}${recycle ? '' : '-growing'}.tmp`);
  const chunk = Buffer.alloc(MiB, 0x61);
  const fd = openSync(path, 'a');
  let total = 0;
  let inFile = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    while (performance.now() - started < milliseconds && total < maxBytes) {
      writeSync(fd, chunk);
      if (sync) fdatasyncSync(fd);
      total += MiB;
      inFile += MiB;
      if (recycle && inFile >= 64 * MiB) {
        ftruncateSync(fd, 0);
        inFile = 0;
      }
    }
    return throughput(total, performance.now() - started, process.cpuUsage(cpu));
  } finally {
    closeSync(fd);
    await rm(path, { force: true });
  }
}

/** Milliseconds. */
export interface Spread {
  p50: number;
  p99: number;
  p999: number;
  count: number;
}

function spread(sortedMs: number[]): Spread {
  const at = (q: number): number => sortedMs[Math.min(sortedMs.length - 1, Math.floor(q * sortedMs.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), count: sortedMs.length };
}

// The echo side of the round trip: another Node process, so that each exchange wakes two
// processes, as a request to a broker and its answer do.
const echoSource = `
const { createServer } = require('node:net');
const server = createServer((socket) => { socket.setNoDelay(true); socket.on('data', (chunk) => socket.write(chunk)); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/**
 * The latency floor of a request and its answer on this machine: 1 KiB to a Node echo
 * process over loopback TCP and back, one exchange per millisecond (each side idle in
 * between, as at a fixed rate), for `milliseconds`. On these virtual machines a process woken
 * from idle is sometimes milliseconds late, and a produce acknowledgement or a consumed
 * record crosses at least two such wake-ups.
 */
export async function loopbackRoundTrip(milliseconds: number): Promise<Spread> {
  const echo = spawn(process.execPath, ['-e', echoSource], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      echo.stdout.once('data', (line: Buffer) => resolve(Number(line.toString('utf8').trim())));
      echo.once('error', reject);
      echo.once('exit', (code) => reject(new Error(`echo process exited with ${code}`)));
    });
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const message = Buffer.alloc(1024, 0x61);
    const samples: number[] = [];
    const end = performance.now() + milliseconds;
    while (performance.now() < end) {
      const sent = performance.now();
      await new Promise<void>((resolve) => {
        let received = 0;
        const onData = (chunk: Buffer) => {
          received += chunk.length;
          if (received < message.length) return;
          socket.off('data', onData);
          resolve();
        };
        socket.on('data', onData);
        socket.write(message);
      });
      samples.push(performance.now() - sent);
      await new Promise((r) => setTimeout(r, 1));
    }
    socket.destroy();
    return spread(samples.sort((a, b) => a - b));
  } finally {
    echo.kill();
  }
}

export interface Limits {
  /** 1 KiB to another process and back, one exchange per millisecond. */
  roundTrip: Spread;
  loopbackSocket: Throughput;
  fileAppend: Throughput;
  /** Appends to a growing file (at most 1 GiB), as a log grows. */
  fileAppendGrowing: Throughput;
  fileAppendFdatasync: Throughput;
}

export async function measureLimits(dir: string, milliseconds: number): Promise<Limits> {
  await fileAppend(dir, 250, false); // warm-up, not counted
  return {
    roundTrip: await loopbackRoundTrip(milliseconds),
    loopbackSocket: await loopbackSocket(milliseconds),
    fileAppend: await fileAppend(dir, milliseconds, false),
    fileAppendGrowing: await fileAppend(dir, milliseconds, false, false, 1 << 30),
    fileAppendFdatasync: await fileAppend(dir, milliseconds, true),
  };
}
