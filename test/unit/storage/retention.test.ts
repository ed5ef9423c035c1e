// Retention and the log start offset in storage: retention.ms by each segment's largest
// timestamp, retention.bytes, oldest segments first, never past the high watermark, a roll
// when every segment goes; DeleteRecords' log start offset, checkpointed and kept across a
// clean and an unclean restart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryFileSystem, nodeFileSystem, type FileSystem } from '../../../src/storage/fs.ts';
import { DEFAULT_LOG_DEFAULTS, resolveLogConfig, type LogDefaults } from '../../../src/storage/log/config.ts';
import { PartitionLog } from '../../../src/storage/log/partition-log.ts';
import { buildBatch, openManager, recordingLogger, tempDir } from './helpers.ts';

function openLog(fs: FileSystem, dir: string, config: Partial<LogDefaults> = {}, o: { clock?: () => number } = {}): PartitionLog {
  return PartitionLog.open({
    fs,
    dir: join(dir, 't-0'),
    topic: 't',
    partition: 0,
    topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
    config: resolveLogConfig({ ...DEFAULT_LOG_DEFAULTS, ...config }),
    clock: o.clock ?? Date.now,
    logger: recordingLogger(),
    cleanShutdown: false,
  });
}

const T0 = 1_700_000_000_000;

test('retention.ms deletes whole segments, oldest first, by their largest timestamp', (t) => {
  const fs = new MemoryFileSystem();
  let now = T0 + 10_000;
  const log = openLog(fs, '/d', { segmentBytes: 200, retentionMs: 5000 }, { clock: () => now });
  t.after(() => log.close());
  // Segments of ~2 batches; timestamps T0 .. T0+9000, one second apart.
  for (let i = 0; i < 10; i++) log.append(buildBatch({ records: 1, timestamps: [T0 + i * 1000], valueSize: 40 }));
  const before = log.segmentBaseOffsets;
  assert.ok(before.length >= 4, `segments ${before}`);
  assert.equal(log.deleteOldSegments(now), before.filter((_, i) => i < before.length - 1).filter((base, i) => {
    // a segment goes when its last record is older than now - 5000, i.e. before T0 + 5000
    const next = before[i + 1]!;
    return T0 + (next - 1) * 1000 < now - 5000;
  }).length);
  assert.ok(log.logStartOffset > 0);
  assert.equal(log.logStartOffset, log.segmentBaseOffsets[0]);
  assert.equal(log.read(0, 1000).errorCode, 1, 'below the log start offset is out of range');
  // Everything expires: the active segment is rolled away, the end offset stays.
  now = T0 + 100_000;
  log.deleteOldSegments(now);
  assert.deepEqual(log.segmentBaseOffsets, [10]);
  assert.equal(log.logStartOffset, 10);
  assert.equal(log.logEndOffset, 10);
  assert.equal(log.size, 0);
  log.append(buildBatch());
  assert.equal(log.logEndOffset, 11);
});

test('retention.bytes keeps the newest segments within the limit; -1 keeps everything', (t) => {
  const fs = new MemoryFileSystem();
  const log = openLog(fs, '/d', { segmentBytes: 300, retentionBytes: -1, retentionMs: -1 });
  t.after(() => log.close());
  for (let i = 0; i < 20; i++) log.append(buildBatch({ valueSize: 60 }));
  const segments = log.segmentCount;
  assert.equal(log.deleteOldSegments(), 0);
  log.config = { ...log.config, retentionBytes: 400 };
  const deleted = log.deleteOldSegments();
  assert.ok(deleted > 0 && log.segmentCount === segments - deleted);
  assert.ok(log.size <= 400 + 300, `size ${log.size}`);
  assert.ok(log.size > 400 - 300);
  // cleanup.policy=compact alone: no time or size retention.
  log.config = { ...log.config, retentionBytes: 0, delete: false, compact: true };
  assert.equal(log.deleteOldSegments(), 0);
});

test('segments at or above the high watermark stay', (t) => {
  const fs = new MemoryFileSystem();
  const log = openLog(fs, '/d', { segmentBytes: 150, retentionMs: 0 });
  t.after(() => log.close());
  for (let i = 0; i < 6; i++) log.append(buildBatch({ timestamps: [T0] }));
  log.setHighWatermark(2);
  log.deleteOldSegments(T0 + 1000);
  assert.ok(log.logStartOffset <= 2);
  assert.ok(log.segmentBaseOffsets[0]! <= 2);
});

test('DeleteRecords moves the log start offset; it survives clean and unclean restarts', () => {
  const fs = new MemoryFileSystem();
  let m = openManager(fs, '/data', {});
  m.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '200' } });
  const log = m.partition('t', 0)!;
  for (let i = 0; i < 12; i++) log.append(buildBatch({ valueSize: 40 }));
  log.flush();
  assert.throws(() => log.deleteRecordsBefore(13), /above the high watermark/);
  assert.equal(m.deleteRecordsBefore(log, 7), 7);
  assert.equal(log.logStartOffset, 7);
  assert.ok(log.segmentBaseOffsets[0]! <= 7 && log.segmentBaseOffsets[0]! > 0, 'segments wholly below went');
  assert.equal(log.read(6, 1000).errorCode, 1);
  assert.equal(log.read(7, 1000).errorCode, 0);
  // Unclean: the checkpoint written by deleteRecordsBefore is what counts.
  fs.crash();
  m = openManager(fs, '/data', {});
  assert.equal(m.partition('t', 0)!.logStartOffset, 7);
  m.close();
  m = openManager(fs, '/data', {});
  assert.equal(m.partition('t', 0)!.logStartOffset, 7);
  assert.equal(m.partition('t', 0)!.logEndOffset, 12);
  m.close();
});

test('the log manager pass deletes across logs and checkpoints', () => {
  const fs = new MemoryFileSystem();
  let now = T0;
  let m = openManager(fs, '/data', { clock: () => now });
  m.createTopic('a', { partitions: 2, configs: { 'segment.bytes': '150', 'retention.ms': '1000' } });
  m.createTopic('b', { partitions: 1, configs: { 'segment.bytes': '150', 'retention.ms': '-1' } });
  for (const log of m.partitions()) for (let i = 0; i < 5; i++) log.append(buildBatch({ timestamps: [T0] }));
  m.flush();
  now = T0 + 5000;
  assert.ok(m.deleteOldSegments() > 0);
  assert.deepEqual(m.partitions().map((l) => [l.topic, l.logStartOffset]), [['a', 5], ['a', 5], ['b', 0]]);
  fs.crash();
  m = openManager(fs, '/data', { clock: () => now });
  assert.deepEqual(m.partitions().map((l) => [l.topic, l.logStartOffset, l.logEndOffset]), [['a', 5, 5], ['a', 5, 5], ['b', 0, 5]]);
  m.close();
});

test('node fs: deleted segments are renamed to .deleted at once and unlinked off the event loop; leftovers go at the next start', async (t) => {
  const dir = tempDir(t);
  const now = T0 + 10_000;
  const log = openLog(nodeFileSystem, dir, { segmentBytes: 200, retentionMs: 5000 }, { clock: () => now });
  for (let i = 0; i < 10; i++) log.append(buildBatch({ records: 1, timestamps: [T0 + i * 1000], valueSize: 40 }));
  const files = (): string[] => readdirSync(join(dir, 't-0')).filter((n) => /\.(log|index|timeindex)(\.deleted)?$/.test(n));
  const before = log.segmentBaseOffsets;
  const deleted = log.deleteOldSegments(now);
  assert.ok(deleted >= 2, `deleted ${deleted}`);
  const gone = before.slice(0, deleted).map((b) => `${String(b).padStart(20, '0')}.log`);
  // The segments' own names are gone when the call returns; only .deleted names may remain.
  for (const name of gone) assert.ok(!files().includes(name), name);
  for (let i = 0; i < 500 && files().some((n) => n.endsWith('.deleted')); i++) await sleep(10);
  assert.deepEqual(files().filter((n) => n.endsWith('.deleted')), []);
  assert.equal(files().filter((n) => n.endsWith('.log')).length, before.length - deleted);
  // A crash between the rename and the unlink leaves .deleted files: the next open removes them.
  const survivor = join(dir, 't-0', `${String(log.segmentBaseOffsets[0]).padStart(20, '0')}.log`);
  const start = log.logStartOffset;
  log.close();
  copyFileSync(survivor, join(dir, 't-0', '00000000000000000000.log.deleted'));
  const reopened = openLog(nodeFileSystem, dir, { segmentBytes: 200, retentionMs: 5000 }, { clock: () => now });
  t.after(() => reopened.close());
  assert.deepEqual(files().filter((n) => n.endsWith('.deleted')), []);
  assert.equal(reopened.logStartOffset, start);
  assert.equal(reopened.logEndOffset, 10);
});
