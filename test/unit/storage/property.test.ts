// Random appends, flushes, crashes (losing or tearing unsynced bytes) and clean restarts on
// the memory fs. After every restart the readable log must equal, byte for byte, a prefix of
// what was appended, and that prefix must reach at least the last recovery point.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { MemoryFileSystem, type CrashPolicy } from '../../../src/storage/fs.ts';
import type { LogManager } from '../../../src/storage/log-manager.ts';
import { buildBatch, defaults, openManager, recordingLogger } from './helpers.ts';
import { prng as rng } from '../../helpers/prng.ts';


const SEEDS = process.env['STORAGE_SEEDS'] ? process.env['STORAGE_SEEDS'].split(',').map(Number) : [1, 2, 3, 4, 5, 6, 7, 8];

for (const seed of SEEDS) {
  test(`random appends, crashes and restarts keep a prefix of the log (seed ${seed})`, async () => {
    const random = rng(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const fs = new MemoryFileSystem();
    const d = defaults({
      segmentBytes: int(300, 3000),
      indexIntervalBytes: int(0, 400),
      segmentIndexBytes: [24, 96, 10485760][int(0, 2)]!,
      flushMessages: random() < 0.3 ? int(5, 40) : Infinity,
    });
    const open = () => openManager(fs, '/data', { defaults: d, logger: recordingLogger() });
    let m: LogManager = open();
    m.createTopic('t', { partitions: 1 });
    let model: Buffer[] = [];
    let ts = 1_000_000;
    const log = () => m.partition('t', 0)!;
    const lastOffsetOf = (b: Buffer) => Number(b.readBigInt64BE(0)) + b.readInt32BE(23);
    const flushedCount = () => model.filter((b) => lastOffsetOf(b) < log().recoveryPoint).length;

    const check = (why: string) => {
      const l = log();
      const data = Buffer.concat(l.read(l.logStartOffset, 1 << 30).chunks);
      assert.deepEqual(data, Buffer.concat(model), `${why}: contents`);
      const expectedEnd = model.length ? lastOffsetOf(model.at(-1)!) + 1 : l.segmentBaseOffsets[0];
      assert.equal(l.logEndOffset, expectedEnd, `${why}: log end offset`);
    };

    for (let step = 0; step < 150; step++) {
      const op = random();
      if (op < 0.6) {
        const n = int(1, 3);
        const parts = Array.from({ length: n }, () => {
          ts += int(-5, 50);
          return buildBatch({ records: int(1, 5), baseTimestamp: ts, valueSize: int(1, 120), tag: step });
        });
        const joined = Buffer.concat(parts);
        log().append(joined);
        for (let at = 0; at < joined.length; ) {
          const size = 12 + joined.readInt32BE(at + 8);
          model.push(Buffer.from(joined.subarray(at, at + size)));
          at += size;
        }
      } else if (op < 0.67) {
        log().flush();
      } else if (op < 0.75) {
        await tick(); // lets the deferred fsync of rolled segments run
      } else if (op < 0.82) {
        m.close();
        m = open();
        assert.equal(m.recoveryStats.scannedSegments, 0, 'no scan after a clean close');
        check(`step ${step} clean restart`);
      } else if (op < 0.94) {
        const mustKeep = flushedCount();
        const mode = int(0, 2);
        const policy: CrashPolicy = mode === 0 ? () => 0 : mode === 1 ? (f) => Math.floor(random() * (f.size - f.dirtyFrom + 1)) : (f) => f.size - f.dirtyFrom;
        fs.crash(policy);
        m = open();
        const l = log();
        const data = Buffer.concat(l.read(l.logStartOffset, 1 << 30).chunks);
        // find the prefix of the model that survived
        let k = 0;
        let bytes = 0;
        while (k < model.length && bytes + model[k]!.length <= data.length) bytes += model[k++]!.length;
        assert.equal(bytes, data.length, `step ${step}: crash left a partial batch readable`);
        assert.ok(k >= mustKeep, `step ${step}: lost flushed batches (kept ${k}, flushed ${mustKeep})`);
        model = model.slice(0, k);
        check(`step ${step} crash mode ${mode}`);
      } else {
        check(`step ${step}`);
        const l = log();
        if (model.length > 0) {
          const pick = model[int(0, model.length - 1)]!;
          const base = Number(pick.readBigInt64BE(0));
          const got = l.read(base, 1, { minOneBatch: true }).chunks[0]!;
          assert.deepEqual(got.subarray(0, pick.length), pick, `step ${step}: read at ${base}`);
        }
      }
    }
    m.close();
  });
}
