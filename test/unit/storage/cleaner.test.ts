// Issue 4, acceptance 3 (storage side): a property test of the log cleaner. Random keyed
// updates and tombstones (and transaction markers) across many small segments, with mixed
// codecs; after each cleaning pass: every record left is the one the producer wrote at that
// offset, offsets ascend, the latest value of every key survives with its original offset,
// nothing older than the latest record of its key survives in the cleaned range, the table
// read from the start equals the producer's table, tombstones stay until delete.retention.ms
// has passed and then vanish, the end offset does not move. And crash safety: the process
// dies at every step of a pass (each write, rename, unlink, fsync), and the reopened log is
// consistent and reads as the same table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecordBatches, encodeEndTxnMarkerBatch, encodeRecordBatch } from '../../../src/protocol/index.ts';
import { MemoryFileSystem, type FileSystem } from '../../../src/storage/fs.ts';
import type { LogManager } from '../../../src/storage/log-manager.ts';
import { openManager } from './helpers.ts';
import { prng as rng } from '../../helpers/prng.ts';

const T0 = 1_700_000_000_000;
const DELETE_RETENTION = 10_000;


interface Written {
  offset: number;
  key: string;
  value: string | null;
}

interface Scenario {
  written: Written[];
  markers: number[];
  end: number;
}

/** Appends random keyed batches to t-0 of `m`; returns what was written. */
function writeRandom(m: LogManager, seed: number, batches: number, keys: number, prefix = 'key'): Scenario {
  const random = rng(seed);
  const log = m.partition('t', 0)!;
  const written: Written[] = [];
  const markers: number[] = [];
  for (let b = 0; b < batches; b++) {
    if (random() < 0.05) {
      const at = log.logEndOffset;
      log.append(encodeEndTxnMarkerBatch({ producerId: 7, producerEpoch: 0, commit: true, coordinatorEpoch: 0, timestamp: T0 }));
      markers.push(at);
      continue;
    }
    const n = 1 + Math.floor(random() * 4);
    const records = [];
    for (let i = 0; i < n; i++) {
      const key = `${prefix}-${Math.floor(random() * keys)}`;
      const value = random() < 0.15 ? null : `v${b}-${i}-${'x'.repeat(Math.floor(random() * 30))}`;
      records.push({ key, value, timestamp: T0 + b });
    }
    const base = log.logEndOffset;
    log.append(encodeRecordBatch(records, { compression: random() < 0.3 ? 'gzip' : 'none' }));
    records.forEach((r, i) => written.push({ offset: base + i, key: r.key, value: r.value }));
  }
  return { written, markers, end: log.logEndOffset };
}

interface Read {
  offset: number;
  key: string | null;
  value: string | null;
}

function readAll(m: LogManager): { records: Read[]; controls: number[] } {
  const log = m.partition('t', 0)!;
  const r = log.read(log.logStartOffset, 1 << 30, { minOneBatch: true });
  const records: Read[] = [];
  const controls: number[] = [];
  for (const b of decodeRecordBatches(Buffer.concat(r.chunks))) {
    if (b.isControl) {
      if (b.records.length > 0) controls.push(b.baseOffset); // an emptied marker kept as a segment's last batch is gone
    }
    else for (const rec of b.records) records.push({ offset: rec.offset, key: rec.key?.toString() ?? null, value: rec.value?.toString() ?? null });
  }
  return { records, controls };
}

function table(records: readonly { key: string | null; value: string | null }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of records) {
    if (r.key === null) continue;
    if (r.value === null) out.delete(r.key);
    else out.set(r.key, r.value);
  }
  return out;
}

/**
 * `tombstonesGoneBelow`: tombstones below this offset must be gone (their delete horizon
 * passed), the others kept; so must the markers (they have no transaction data, so they get
 * a delete horizon like tombstones, Kafka's CleanedTransactionMetadata).
 */
function checkInvariants(m: LogManager, s: Scenario, cleanedUpTo: number, tombstonesGoneBelow = 0): void {
  const { records, controls } = readAll(m);
  const byOffset = new Map(s.written.map((w) => [w.offset, w]));
  const latest = new Map<string, Written>();
  const latestCleaned = new Map<string, Written>();
  for (const w of s.written) {
    latest.set(w.key, w);
    if (w.offset < cleanedUpTo) latestCleaned.set(w.key, w);
  }
  for (let i = 1; i < records.length; i++) assert.ok(records[i]!.offset > records[i - 1]!.offset, 'offsets ascend');
  for (const r of records) {
    const w = byOffset.get(r.offset);
    assert.ok(w, `offset ${r.offset} was written`);
    assert.deepEqual({ key: r.key, value: r.value }, { key: w.key, value: w.value }, `record at ${r.offset}`);
    if (r.offset < cleanedUpTo) assert.equal(latestCleaned.get(r.key!)!.offset, r.offset, `superseded record at ${r.offset} survived cleaning`);
  }
  const present = new Set(records.map((r) => r.offset));
  for (const w of latest.values()) {
    if (w.value === null && w.offset < tombstonesGoneBelow) assert.ok(!present.has(w.offset), `tombstone at ${w.offset} outlived delete.retention.ms`);
    else assert.ok(present.has(w.offset), `latest record of ${w.key} (offset ${w.offset}) is kept`);
  }
  assert.deepEqual(table(records), table(s.written), 'a reader from the start sees the same table');
  assert.deepEqual(controls, s.markers.filter((o) => o >= tombstonesGoneBelow), 'transaction markers are kept until their delete horizon');
  assert.equal(m.partition('t', 0)!.logEndOffset, s.end);
}

const TOPIC_CONFIGS = {
  'cleanup.policy': 'compact',
  'segment.bytes': '600',
  'min.cleanable.dirty.ratio': '0.01',
  'delete.retention.ms': String(DELETE_RETENTION),
  'index.interval.bytes': '100',
};

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`cleaner property, seed ${seed}: latest values, offsets, order, tombstones, recovery`, async () => {
    const fs = new MemoryFileSystem();
    let now = T0 + 1000;
    let m = openManager(fs, '/data', { clock: () => now });
    m.createTopic('t', { partitions: 1, configs: TOPIC_CONFIGS });
    const s = writeRandom(m, seed, 120, 15);
    const log = m.partition('t', 0)!;
    const segmentsBefore = log.segmentCount;
    assert.ok(segmentsBefore > 10, `${segmentsBefore} segments`);
    const [first] = await m.cleanLogs({ yieldBytes: 500 });
    assert.ok(first, 'cleaned');
    const cleanedUpTo = m.firstDirtyOffset(log);
    assert.equal(cleanedUpTo, log.segmentBaseOffsets[log.segmentCount - 1]);
    assert.ok(first.bytesAfter < first.bytesBefore, `${first.bytesBefore} -> ${first.bytesAfter} bytes`);
    assert.ok(log.segmentCount <= segmentsBefore);
    checkInvariants(m, s, cleanedUpTo);
    // Nothing is dirty: a second pass at the same time does nothing.
    assert.deepEqual(await m.cleanLogs(), []);

    // The indexes written by the cleaner are the ones a rebuild from the .log gives.
    const dir = '/data/t-0';
    const indexFiles = fs.readdir(dir).filter((f) => /\.(index|timeindex)$/.test(f) && !f.startsWith(String(log.segmentBaseOffsets.at(-1)).padStart(20, '0')));
    const written = new Map(indexFiles.map((f) => [f, Buffer.from(fs.readFile(`${dir}/${f}`))]));
    assert.ok([...written].some(([f, b]) => f.endsWith('.index') && b.length > 8), 'offset entries were written');
    m.close();
    for (const f of indexFiles) fs.unlink(`${dir}/${f}`);
    m = openManager(fs, '/data', { clock: () => now });
    assert.equal(m.recoveryStats.rebuiltIndexes, indexFiles.length / 2);
    for (const [f, bytes] of written) assert.deepEqual(fs.readFile(`${dir}/${f}`), bytes, `${f} as rebuilt`);
    m.close();
    m = openManager(fs, '/data', { clock: () => now });
    assert.equal(m.recoveryStats.rebuiltIndexes, 0, 'a clean restart trusts the cleaned indexes');
    const log2 = m.partition('t', 0)!;

    // More writes (other keys), then a pass after delete.retention.ms: the tombstones that
    // the first pass kept now go.
    const kept = readAll(m).records.filter((r) => r.value === null && r.offset < cleanedUpTo).map((r) => r.offset);
    assert.ok(kept.length > 0, 'the first pass keeps the latest tombstones');
    const more = writeRandom(m, seed + 100, 40, 15, 'other');
    const all: Scenario = { written: [...s.written, ...more.written], markers: [...s.markers, ...more.markers], end: more.end };
    now = T0 + 1000 + DELETE_RETENTION + 1;
    await m.cleanLogs();
    const cleaned2 = m.firstDirtyOffset(log2);
    const { records } = readAll(m);
    for (const offset of kept) assert.ok(!records.some((r) => r.offset === offset), `tombstone ${offset} of the first pass is gone`);
    const secondPassTombstones = records.filter((r) => r.value === null && r.offset >= cleanedUpTo && r.offset < cleaned2);
    for (const r of secondPassTombstones) assert.ok(r.key!.startsWith('other'));
    checkInvariants(m, all, cleaned2, cleanedUpTo);

    // An unclean restart keeps everything (cleaned segments end where the next begins).
    m.flush();
    fs.crash();
    m = openManager(fs, '/data', { clock: () => now });
    checkInvariants(m, all, cleaned2, cleanedUpTo);
    assert.equal(m.firstDirtyOffset(m.partition('t', 0)!), cleaned2, 'cleaner checkpoint survives');
    m.close();
  });
}

const MUTATING = new Set(['write', 'fsync', 'ftruncate', 'rename', 'unlink', 'rm', 'fsyncDir', 'open']);

/**
 * A manager on `fs` whose file system counts the mutating calls made after the open and,
 * once `budget` is spent, throws on every call: the process "dies" there.
 */
function managerOn(fs: MemoryFileSystem, budget: number): { manager: LogManager; calls: () => number } {
  let calls = 0;
  let armed = false;
  const proxy = new Proxy(fs, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (armed && MUTATING.has(prop as string) && ++calls > budget) throw new Error('process died');
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as unknown as FileSystem;
  const manager = openManager(proxy, '/data', { clock: () => T0 + 1000 });
  armed = true;
  return { manager, calls: () => calls };
}

test('cleaner crash at every step of a pass: the reopened log is consistent and reads the same', async () => {
  const build = () => {
    const fs = new MemoryFileSystem();
    const m = openManager(fs, '/data', { clock: () => T0 + 1000 });
    m.createTopic('t', { partitions: 1, configs: TOPIC_CONFIGS });
    const s = writeRandom(m, 42, 60, 8);
    m.close();
    return { fs, s };
  };
  // How many mutating calls a whole pass makes.
  const healthy = build();
  const counter = managerOn(healthy.fs, Number.MAX_SAFE_INTEGER);
  await counter.manager.cleanLogs();
  const steps = counter.calls();
  counter.manager.close();
  assert.ok(steps > 20, `${steps} steps`);

  for (let k = 0; k < steps; k++) {
    const { fs, s } = build();
    const doomed = managerOn(fs, k);
    await doomed.manager.cleanLogs();
    fs.crash();
    const reopened = openManager(fs, '/data', { clock: () => T0 + 1000 });
    const { records, controls } = readAll(reopened);
    for (let i = 1; i < records.length; i++) assert.ok(records[i]!.offset > records[i - 1]!.offset, `step ${k}: offsets ascend`);
    const byOffset = new Map(s.written.map((w) => [w.offset, w]));
    for (const r of records) {
      const w = byOffset.get(r.offset)!;
      assert.deepEqual({ key: r.key, value: r.value }, { key: w.key, value: w.value }, `step ${k}: record at ${r.offset}`);
    }
    assert.deepEqual(table(records), table(s.written), `step ${k}: same table`);
    assert.deepEqual(controls, s.markers, `step ${k}: markers`);
    assert.equal(reopened.partition('t', 0)!.logEndOffset, s.end, `step ${k}: end offset`);
    // A pass after the restart finishes the job.
    await reopened.cleanLogs();
    checkInvariants(reopened, s, reopened.firstDirtyOffset(reopened.partition('t', 0)!));
    reopened.close();
  }
});

test('min.cleanable.dirty.ratio, min.compaction.lag.ms and max.compaction.lag.ms decide when a log is cleaned', async () => {
  const fs = new MemoryFileSystem();
  let now = T0 + 1000;
  const m = openManager(fs, '/data', { clock: () => now });
  m.createTopic('t', { partitions: 1, configs: { ...TOPIC_CONFIGS, 'min.cleanable.dirty.ratio': '0.5', 'min.compaction.lag.ms': '60000' } });
  writeRandom(m, 9, 80, 10);
  // Every record is younger than min.compaction.lag.ms: nothing is cleanable yet.
  assert.deepEqual(await m.cleanLogs(), []);
  now = T0 + 120_000;
  assert.equal((await m.cleanLogs()).length, 1);
  // A little more dirt: below the ratio, no pass.
  const log = m.partition('t', 0)!;
  for (let i = 0; i < 6; i++) log.append(encodeRecordBatch([{ key: 'late', value: 'x'.repeat(200), timestamp: T0 + 2000 }]));
  assert.deepEqual(await m.cleanLogs(), []);
  // ... unless the oldest dirty record waited longer than max.compaction.lag.ms.
  m.alterTopicConfigs('t', { 'max.compaction.lag.ms': '100000' });
  assert.equal((await m.cleanLogs()).length, 1);
  // cleanup.policy=delete: never cleaned.
  m.alterTopicConfigs('t', { 'cleanup.policy': 'delete', 'retention.ms': '-1' });
  for (let i = 0; i < 20; i++) log.append(encodeRecordBatch([{ key: 'late', value: 'y'.repeat(100), timestamp: T0 + 3000 }]));
  assert.deepEqual(await m.cleanLogs(), []);
  m.close();
});

test('a bounded offset map cleans the dirty part over several passes, each consistent', async () => {
  const fs = new MemoryFileSystem();
  const m = openManager(fs, '/data', { clock: () => T0 + 1000 });
  m.createTopic('t', { partitions: 1, configs: TOPIC_CONFIGS });
  const s = writeRandom(m, 77, 120, 15);
  const log = m.partition('t', 0)!;
  const activeBase = log.segmentBaseOffsets.at(-1)!;
  let passes = 0;
  while (m.firstDirtyOffset(log) < activeBase) {
    const done = await m.cleanLogs({ maxMapBytes: 1 });
    assert.equal(done.length, 1, 'each pass makes progress');
    passes++;
    checkInvariants(m, s, 0);
    assert.ok(passes < 100);
  }
  assert.ok(passes > 1, `${passes} passes`);
  // What a single unbounded pass would leave: superseded records below the end are gone.
  const { records } = readAll(m);
  const latestBelow = new Map<string, number>();
  for (const w of s.written) if (w.offset < activeBase) latestBelow.set(w.key, w.offset);
  for (const r of records) if (r.offset < activeBase) assert.equal(latestBelow.get(r.key!), r.offset);
  m.close();
});
