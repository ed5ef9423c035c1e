// The machine's own limits, measured in the same run as the broker so that results can be read
// as ratios: a broker cannot move bytes faster than a plain socket carries them into Node, nor
// append them faster than a plain file takes them. These numbers drift by ±30% from minute to
// minute on shared machines, which is why they are measured every run and not stored.

import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
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

export interface Limits {
  loopbackSocket: Throughput;
  fileAppend: Throughput;
  /** Appends to a growing file (at most 1 GiB), as a log grows. */
  fileAppendGrowing: Throughput;
  fileAppendFdatasync: Throughput;
}

export async function measureLimits(dir: string, milliseconds: number): Promise<Limits> {
  await fileAppend(dir, 250, false); // warm-up, not counted
  return {
    loopbackSocket: await loopbackSocket(milliseconds),
    fileAppend: await fileAppend(dir, milliseconds, false),
    fileAppendGrowing: await fileAppend(dir, milliseconds, false, false, 1 << 30),
    fileAppendFdatasync: await fileAppend(dir, milliseconds, true),
  };
}
