// The machine's own limits, measured in the same run as the broker so that results can be read
// as ratios: a broker cannot move bytes faster than a plain socket carries them into Node, nor
// append them faster than a plain file takes them. These numbers drift by ±30% from minute to
// minute on shared machines, which is why they are measured every run and not stored.

import { closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const MiB = 1 << 20;

export interface Throughput {
  bytes: number;
  seconds: number;
  /** MB = 10^6 bytes. */
  mbPerSec: number;
  /** CPU seconds (user + system) of the receiving or writing thread per GB (10^9 bytes). */
  cpuSecondsPerGb: number;
}

function throughput(bytes: number, milliseconds: number, cpu: NodeJS.CpuUsage): Throughput {
  const seconds = milliseconds / 1000;
  return { bytes, seconds, mbPerSec: bytes / 1e6 / seconds, cpuSecondsPerGb: (cpu.user + cpu.system) / 1e6 / (bytes / 1e9) };
}

// The sender runs in a worker thread, so the main thread only receives, as a broker does.
const senderSource = `
const { connect } = require('node:net');
const { workerData, parentPort } = require('node:worker_threads');
const chunk = Buffer.alloc(${MiB}, 0x61);
const socket = connect(workerData.port, '127.0.0.1', () => {
  const end = performance.now() + workerData.milliseconds;
  const pump = () => {
    while (performance.now() < end) {
      if (!socket.write(chunk)) return socket.once('drain', pump);
    }
    socket.end();
  };
  pump();
});
socket.on('close', () => parentPort.postMessage('done'));
`;

/** A worker thread writes 1 MiB buffers to a loopback TCP socket; this thread counts what arrives. */
export async function loopbackSocket(milliseconds: number): Promise<Throughput> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<Throughput>((resolve, reject) => {
      let received = 0;
      let started = 0;
      let cpu = process.threadCpuUsage();
      server.once('connection', (socket) => {
        started = performance.now();
        cpu = process.threadCpuUsage();
        socket.on('data', (chunk: Buffer) => (received += chunk.length));
        socket.on('end', () => resolve(throughput(received, performance.now() - started, process.threadCpuUsage(cpu))));
        socket.on('error', reject);
      });
      const worker = new Worker(senderSource, { eval: true, workerData: { port, milliseconds } });
      worker.on('error', reject);
      worker.unref();
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
  const cpu = process.threadCpuUsage();
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
    return throughput(total, performance.now() - started, process.threadCpuUsage(cpu));
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
