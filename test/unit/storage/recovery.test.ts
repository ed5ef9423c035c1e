import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MemoryFileSystem, type FileSystem } from '../../../src/storage/fs.ts';
import { CLEAN_SHUTDOWN_MARKER, type LogManager } from '../../../src/storage/log-manager.ts';
import { FS_KINDS, batchesIn, buildBatch, defaults, openManager, recordingLogger } from './helpers.ts';

const SMALL = defaults({ segmentBytes: 1000, indexIntervalBytes: 200 });

function open(fs: FileSystem, dir: string, d = SMALL): LogManager {
  return openManager(fs, dir, { defaults: d, logger: recordingLogger() });
}

function fill(m: LogManager, batches: number, topic = 't'): Buffer[] {
  const log = m.partition(topic, 0)!;
  const out: Buffer[] = [];
  for (let i = 0; i < batches; i++) {
    const b = buildBatch({ records: 1 + (i % 3), tag: i, valueSize: 20 + (i % 7) });
    log.append(b);
    out.push(b);
  }
  return out;
}

function readAll(m: LogManager, topic = 't'): Buffer {
  const log = m.partition(topic, 0)!;
  return Buffer.concat(log.read(log.logStartOffset, 1 << 30).chunks);
}

function segmentFiles(fs: FileSystem, dir: string, ext: string): string[] {
  return fs
    .readdir(join(dir, 't-0'))
    .filter((n) => n.endsWith(ext))
    .sort()
    .map((n) => join(dir, 't-0', n));
}

/** Rewrites bytes of a file in place (fsynced). */
function poke(fs: FileSystem, path: string, position: number, bytes: Buffer): void {
  const fd = fs.open(path, 'write');
  fs.write(fd, bytes, position);
  fs.fsync(fd);
  fs.close(fd);
}

function truncate(fs: FileSystem, path: string, length: number): void {
  const fd = fs.open(path, 'write');
  fs.ftruncate(fd, length);
  fs.fsync(fd);
  fs.close(fd);
}

function size(fs: FileSystem, path: string): number {
  return fs.stat(path)!.size;
}

/** Turns the last clean shutdown into an unclean one. */
function forgetCleanShutdown(fs: FileSystem, dir: string): void {
  fs.unlink(join(dir, CLEAN_SHUTDOWN_MARKER));
}

for (const kind of FS_KINDS) {
  const name = (s: string) => `${kind.name} fs: ${s}`;

  test(name('a restart after a clean close trusts the checkpoints and scans nothing'), (t) => {
    const { fs, dir } = kind.make(t);
    let m = open(fs, dir);
    m.createTopic('t', { partitions: 1 });
    const appended = fill(m, 40);
    const log = m.partition('t', 0)!;
    const before = { leo: log.logEndOffset, segs: log.segmentBaseOffsets, max: log.maxTimestampAndOffset() };
    assert.ok(before.segs.length > 2);
    m.close();
    assert.ok(fs.stat(join(dir, CLEAN_SHUTDOWN_MARKER)));

    m = open(fs, dir);
    t.after(() => m.close());
    assert.equal(m.cleanShutdown, true);
    assert.equal(m.recoveryStats.scannedSegments, 0);
    assert.equal(fs.stat(join(dir, CLEAN_SHUTDOWN_MARKER)), undefined, 'the marker is consumed on open');
    const again = m.partition('t', 0)!;
    assert.equal(again.logEndOffset, before.leo);
    assert.deepEqual(again.segmentBaseOffsets, before.segs);
    assert.deepEqual(again.maxTimestampAndOffset(), before.max);
    assert.deepEqual(readAll(m), Buffer.concat(appended));
    assert.equal(again.recoveryPoint, before.leo);
    const r = again.append(buildBatch({ records: 2 }));
    assert.equal(r.baseOffset, before.leo);
  });

  test(name('an unclean restart scans from the recovery point only'), (t) => {
    const { fs, dir } = kind.make(t);
    let m = open(fs, dir);
    m.createTopic('t', { partitions: 1 });
    fill(m, 40);
    m.close();
    forgetCleanShutdown(fs, dir);
    m = open(fs, dir);
    t.after(() => m.close());
    assert.equal(m.cleanShutdown, false);
    // the recovery point is the log end, inside the last segment: only that one is scanned
    assert.equal(m.recoveryStats.scannedSegments, 1);
  });

  test(name('a torn tail (garbage after the last batch) is cut off'), (t) => {
    const { fs, dir } = kind.make(t);
    let m = open(fs, dir);
    m.createTopic('t', { partitions: 1 });
    const appended = fill(m, 25);
    const leo = m.partition('t', 0)!.logEndOffset;
    m.close();
    const last = segmentFiles(fs, dir, '.log').at(-1)!;
    poke(fs, last, size(fs, last), Buffer.from('this is not a batch, just junk bytes from a torn write'));
    forgetCleanShutdown(fs, dir);
    m = open(fs, dir);
    assert.equal(m.recoveryStats.truncatedBytes, 54);
    assert.equal(m.partition('t', 0)!.logEndOffset, leo);
    assert.deepEqual(readAll(m), Buffer.concat(appended));
    m.close();
    // junk after a *clean* shutdown is caught too, by the check of the last segment's tail
    poke(fs, last, size(fs, last), Buffer.alloc(30, 0xff));
    m = open(fs, dir);
    t.after(() => m.close());
    assert.equal(m.recoveryStats.truncatedBytes, 30);
    assert.deepEqual(readAll(m), Buffer.concat(appended));
  });

  test(name('a batch cut in the middle is dropped, everything before it kept'), (t) => {
    const { fs, dir } = kind.make(t);
    let m = open(fs, dir);
    m.createTopic('t', { partitions: 1 });
    const appended = fill(m, 25);
    const lastBatch = appended.at(-1)!;
    const lastOffset = m.partition('t', 0)!.logEndOffset - 1;
    m.close();
    const last = segmentFiles(fs, dir, '.log').at(-1)!;
    truncate(fs, last, size(fs, last) - 10);
    forgetCleanShutdown(fs, dir);
    m = open(fs, dir);
    t.after(() => m.close());
    const log = m.partition('t', 0)!;
    assert.equal(log.logEndOffset, lastOffset + 1 - (lastBatch.readInt32BE(23) + 1));
    assert.deepEqual(readAll(m), Buffer.concat(appended.slice(0, -1)));
    assert.equal(m.recoveryStats.truncatedBytes, lastBatch.length - 10);
    assert.equal(log.append(buildBatch()).baseOffset, log.logEndOffset - 1);
  });

  test(name('deleted index files are rebuilt'), (t) => {
    const { fs, dir } = kind.make(t);
    let m = open(fs, dir);
    m.createTopic('t', { partitions: 1 });
    const appended = fill(m, 40);
    m.close();
    const indexes = [...segmentFiles(fs, dir, '.index'), ...segmentFiles(fs, dir, '.timeindex')];
    const saved = indexes.map((p) => fs.readFile(p));
    fs.unlink(indexes[0]!);
    fs.unlink(indexes.at(-1)!);
    m = open(fs, dir);
    t.after(() => m.close());
    assert.equal(m.cleanShutdown, true);
    assert.equal(m.recoveryStats.rebuiltIndexes, 2);
    assert.deepEqual(
      indexes.map((p) => fs.readFile(p)),
      saved,
      'rebuilt byte for byte',
    );
    const log = m.partition('t', 0)!;
    for (let o = 0; o < log.logEndOffset; o += 3) {
      const first = batchesIn(log.read(o, 1, { minOneBatch: true }).chunks)[0]!;
      assert.ok(first.baseOffset <= o && o <= first.lastOffset, `offset ${o}`);
    }
    assert.deepEqual(readAll(m), Buffer.concat(appended));
  });

  test(name('an index pointing past the log is rebuilt'), (t) => {
    const { fs, dir } = kind.make(t);
    let m = open(fs, dir);
    m.createTopic('t', { partitions: 1 });
    const appended = fill(m, 40);
    m.close();
    const index = segmentFiles(fs, dir, '.index')[0]!;
    const entry = Buffer.alloc(8);
    entry.writeInt32BE(3, 0);
    entry.writeInt32BE(1 << 30, 4);
    poke(fs, index, size(fs, index), entry);
    m = open(fs, dir);
    t.after(() => m.close());
    assert.equal(m.recoveryStats.rebuiltIndexes, 1);
    assert.deepEqual(readAll(m), Buffer.concat(appended));
  });

  test(name('a corrupt byte in the active segment truncates from that batch on'), (t) => {
    const { fs, dir } = kind.make(t);
    let m = open(fs, dir);
    m.createTopic('t', { partitions: 1 });
    const appended = fill(m, 20);
    const log = m.partition('t', 0)!;
    while (batchesIn(fs.readFile(segmentFiles(fs, dir, '.log').at(-1)!)).length < 3) appended.push(...fill(m, 1));
    const activeBase = log.segmentBaseOffsets.at(-1)!;
    m.close();
    const last = segmentFiles(fs, dir, '.log').at(-1)!;
    const batches = batchesIn(fs.readFile(last));
    assert.ok(batches.length >= 3);
    // flip a byte inside the records of the second batch of the active segment
    const at = batches[0]!.size + 70;
    const byte = fs.readFile(last)[at]!;
    poke(fs, last, at, Buffer.from([byte ^ 0x5a]));
    forgetCleanShutdown(fs, dir);
    m = open(fs, dir);
    t.after(() => m.close());
    const again = m.partition('t', 0)!;
    assert.equal(again.logEndOffset, batches[1]!.baseOffset);
    const keep = appended.filter((b) => b.readBigInt64BE(0) < BigInt(batches[1]!.baseOffset));
    assert.deepEqual(readAll(m), Buffer.concat(keep));
    assert.ok(again.logEndOffset > activeBase);
  });

  test(name('corruption in an older segment drops every later segment'), (t) => {
    const { fs, dir } = kind.make(t);
    let m = open(fs, dir);
    m.createTopic('t', { partitions: 1 });
    const appended = fill(m, 40);
    const segs = m.partition('t', 0)!.segmentBaseOffsets;
    m.close();
    const second = segmentFiles(fs, dir, '.log')[1]!;
    poke(fs, second, 80, Buffer.from([0, 0, 0, 0]));
    // recovery point 0: everything is scanned
    fs.unlink(join(dir, 'recovery-point-offset-checkpoint'));
    forgetCleanShutdown(fs, dir);
    m = open(fs, dir);
    t.after(() => m.close());
    const log = m.partition('t', 0)!;
    assert.deepEqual(log.segmentBaseOffsets, segs.slice(0, 2));
    assert.equal(m.recoveryStats.deletedSegments, segs.length - 2);
    assert.equal(log.logEndOffset, segs[1]);
    assert.deepEqual(readAll(m), Buffer.concat(appended.filter((b) => b.readBigInt64BE(0) < BigInt(segs[1]!))));
    assert.equal(segmentFiles(fs, dir, '.log').length, 2);
  });
}

test('memory fs: a process crash loses what was not fsynced, and nothing else', () => {
  const fs = new MemoryFileSystem();
  let m = open(fs, '/data');
  m.createTopic('t', { partitions: 1 });
  const kept = fill(m, 10);
  m.partition('t', 0)!.flush();
  const leo = m.partition('t', 0)!.logEndOffset;
  fill(m, 3); // in the page cache only
  fs.crash();
  m = open(fs, '/data');
  assert.equal(m.cleanShutdown, false);
  assert.equal(m.partition('t', 0)!.logEndOffset, leo);
  assert.deepEqual(readAll(m), Buffer.concat(kept));
  m.close();
});

test('memory fs: index entries the process had not written yet when it died are rebuilt', () => {
  // Index entries reach the file in groups (src/storage/log/indexes.ts). A process killed
  // with its page cache intact (kill -9) leaves the log whole and its last entries unwritten.
  const fs = new MemoryFileSystem();
  const big = defaults({ segmentBytes: 1 << 20, indexIntervalBytes: 1 });
  let m = open(fs, '/data', big);
  m.createTopic('t', { partitions: 1 });
  const appended = fill(m, 100); // one segment, an entry per batch (but the first) in both indexes
  fs.crash(() => Infinity); // everything written survives, nothing else
  m = open(fs, '/data', big);
  assert.equal(m.cleanShutdown, false);
  assert.deepEqual(readAll(m), Buffer.concat(appended));
  m.close();
  const rebuilt = [...segmentFiles(fs, '/data', '.index'), ...segmentFiles(fs, '/data', '.timeindex')].map((p) => fs.readFile(p));

  // The same log closed cleanly: its indexes, byte for byte.
  const clean = new MemoryFileSystem();
  const c = open(clean, '/data', big);
  c.createTopic('t', { partitions: 1 });
  const log = c.partition('t', 0)!;
  for (const batch of appended) log.append(batch);
  c.close();
  const expected = [...segmentFiles(clean, '/data', '.index'), ...segmentFiles(clean, '/data', '.timeindex')].map((p) => clean.readFile(p));
  assert.ok(expected[0]!.length >= 90 * 8, `an entry per batch but the first: ${expected[0]!.length} bytes`);
  assert.deepEqual(rebuilt, expected);
});

test('memory fs: a torn write keeps the whole batches that reached the disk', () => {
  const fs = new MemoryFileSystem();
  let m = open(fs, '/data', defaults());
  m.createTopic('t', { partitions: 1 });
  const batches = fill(m, 10);
  m.partition('t', 0)!.flush();
  const more = fill(m, 4);
  // 2.5 of the 4 unsynced batches reach the disk
  const keep = more[0]!.length + more[1]!.length + Math.floor(more[2]!.length / 2);
  fs.crash((f) => (f.path.endsWith('.log') ? keep : 0));
  m = open(fs, '/data', defaults());
  assert.deepEqual(readAll(m), Buffer.concat([...batches, more[0]!, more[1]!]));
  m.close();
});

test('memory fs: a crash right after creating a topic keeps the topic', () => {
  const fs = new MemoryFileSystem();
  let m = open(fs, '/data');
  m.createTopic('t', { partitions: 3, configs: { 'segment.bytes': '5000' } });
  fs.crash();
  m = open(fs, '/data');
  assert.equal(m.topic('t')?.partitions, 3);
  assert.equal(m.partition('t', 2)?.logEndOffset, 0);
  assert.equal(m.partition('t', 0)?.config.segmentBytes, 5000);
  m.close();
});
