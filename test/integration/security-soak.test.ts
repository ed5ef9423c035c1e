// Connection soak (issue 6): thousands of connections open and close against a broker, in
// every way a client can leave: after its answers, in the middle of a request, before sending
// anything, while a long poll is parked, and with answers left unread. Afterwards the process
// holds no more file descriptors than before (every socket was released), the live heap
// (after a full garbage collection) is back where it started, and the broker still serves.
//
// The broker runs in this process so that its live heap can be measured: the resident size
// is no measure of a leak here, as V8 keeps the heap it grew to during a burst of garbage.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startBroker } from '../../src/index.ts';
import { API, encodeRecordBatch } from '../../src/protocol/index.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { requestFrame } from './security-support.ts';

const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 4000);
const WAVE = 400;

const openFds = () => readdirSync('/proc/self/fd').length;
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
/** The live heap: what is left after full collections. */
async function liveHeap(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** One short-lived connection; `how` picks the way it ends. */
function visit(port: number, how: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => {
      const versions = requestFrame(API.ApiVersions.apiKey, 3, { clientSoftwareName: 'soak', clientSoftwareVersion: '1' }, 1);
      const metadata = requestFrame(API.Metadata.apiKey, 12, Object.assign(API.Metadata.createRequest(), { topics: null }), 2);
      const longPoll = requestFrame(API.Fetch.apiKey, 11, Object.assign(API.Fetch.createRequest(), { maxWaitMs: 30_000, minBytes: 1 << 20, maxBytes: 1 << 20, topics: [{ topic: 'soak', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 1_000_000n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }] }), 3);
      switch (how % 5) {
        case 0: {
          // Two answers read, then a clean close.
          socket.write(Buffer.concat([versions, metadata]));
          let got = Buffer.alloc(0);
          let answers = 0;
          socket.on('data', (chunk: Buffer) => {
            got = Buffer.concat([got, chunk]);
            while (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
              got = got.subarray(4 + got.readInt32BE(0));
              if (++answers === 2) socket.end();
            }
          });
          break;
        }
        case 1:
          // Half a request, then gone.
          socket.write(metadata.subarray(0, Math.max(5, metadata.length >> 1)), () => socket.destroy());
          break;
        case 2:
          // Nothing sent at all.
          socket.destroy();
          break;
        case 3:
          // A long poll parked in the broker, abandoned.
          socket.write(longPoll, () => setTimeout(() => socket.destroy(), 200));
          break;
        default:
          // Many requests, no answer read: a reset with responses in flight.
          socket.write(Buffer.concat(Array.from({ length: 20 }, () => metadata)), () => socket.destroy());
      }
    });
  });
}

test('thousands of connections opening and closing leave no descriptors or memory behind', { timeout: 180_000 }, async (t) => {
  const broker = await startBroker({ port: 0, dataDir: 'memory', logLevel: 'silent', config: { 'num.partitions': '1' } });
  t.after(() => broker.stop());
  const admin = await RawClient.connect(broker.port);
  const create = Object.assign(API.CreateTopics.createRequest(), { topics: [{ name: 'soak', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 });
  assert.equal((await admin.request(API.CreateTopics.apiKey, 7, create)).topics[0].errorCode, 0);
  // A first wave warms the broker up (code paths compiled, buffers pooled) before the baseline.
  await Promise.all(Array.from({ length: WAVE }, (_, i) => visit(broker.port, i)));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const fdsBefore = openFds();
  const heapBefore = await liveHeap();

  let peakFds = fdsBefore;
  for (let done = 0; done < CONNECTIONS; done += WAVE) {
    const wave = Promise.all(Array.from({ length: WAVE }, (_, i) => visit(broker.port, done + i)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    peakFds = Math.max(peakFds, openFds());
    await wave;
  }

  // The broker notices every close (parked long polls included); wait until it has.
  let fdsAfter = openFds();
  for (let i = 0; i < 100 && fdsAfter > fdsBefore; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    fdsAfter = openFds();
  }
  const heapAfter = await liveHeap();
  t.diagnostic(`${CONNECTIONS} connections: fds ${fdsBefore} before, peak ${peakFds}, ${fdsAfter} after; live heap ${(heapBefore / 2 ** 20).toFixed(1)} MiB before, ${(heapAfter / 2 ** 20).toFixed(1)} MiB after`);
  assert.ok(peakFds > fdsBefore + WAVE / 10, 'connections were open at once');
  assert.ok(fdsAfter <= fdsBefore, `every socket released: ${fdsAfter} descriptors open, ${fdsBefore} before`);
  // A leak of even 1 KiB per connection would show as 4 MiB.
  assert.ok(heapAfter - heapBefore < 3 * 2 ** 20, `live heap back where it was: ${((heapAfter - heapBefore) / 2 ** 20).toFixed(2)} MiB more`);

  // Still serving; then a clean stop.
  const produced = await admin.request(API.Produce.apiKey, 9, Object.assign(API.Produce.createRequest(), { acks: 1, timeoutMs: 5000, topicData: [{ name: 'soak', partitionData: [{ index: 0, records: encodeRecordBatch([{ key: null, value: 'after' }]) }] }] }));
  assert.equal(produced.responses[0].partitionResponses[0].errorCode, 0);
  admin.close();
});
