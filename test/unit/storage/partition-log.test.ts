import { decodeRecordBatches } from '../../../src/protocol/index.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FileSystem } from '../../../src/storage/fs.ts';
import { DEFAULT_LOG_DEFAULTS, resolveLogConfig, type LogDefaults } from '../../../src/storage/log/config.ts';
import { PartitionLog } from '../../../src/storage/log/partition-log.ts';
import { FS_KINDS, batchesIn, buildBatch, recordingLogger } from './helpers.ts';

export function openLog(
  fs: FileSystem,
  dir: string,
  config: Partial<LogDefaults> = {},
  o: { clean?: boolean; clock?: () => number; recoveryPoint?: number } = {},
): PartitionLog {
  return PartitionLog.open({
    fs,
    dir: join(dir, 't-0'),
    topic: 't',
    partition: 0,
    topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
    config: resolveLogConfig({ ...DEFAULT_LOG_DEFAULTS, ...config }),
    clock: o.clock ?? Date.now,
    logger: recordingLogger(),
    cleanShutdown: o.clean ?? false,
    recoveryPoint: o.recoveryPoint,
  });
}

for (const kind of FS_KINDS) {
  const name = (s: string) => `${kind.name} fs: ${s}`;

  test(name('append assigns consecutive offsets and read returns the same bytes'), (t) => {
    const { fs, dir } = kind.make(t);
    const log = openLog(fs, dir);
    t.after(() => log.close());
    assert.equal(log.logEndOffset, 0);
    assert.equal(log.logStartOffset, 0);
    const a = buildBatch({ records: 3, baseOffset: 999 });
    const r1 = log.append(a);
    assert.deepEqual({ base: r1.baseOffset, last: r1.lastOffset }, { base: 0, last: 2 });
    assert.equal(r1.maxTimestamp, 1_700_000_000_002);
    assert.ok(Math.abs(r1.logAppendTime - Date.now()) < 5000);
    assert.equal(a.readBigInt64BE(0), 0n, 'the base offset is patched in place');
    // several batches in one append
    const b = Buffer.concat([buildBatch({ records: 2, tag: 50 }), buildBatch({ records: 5, tag: 60 })]);
    const r2 = log.append(b);
    assert.deepEqual({ base: r2.baseOffset, last: r2.lastOffset }, { base: 3, last: 9 });
    assert.equal(log.logEndOffset, 10);
    assert.equal(log.highWatermark, 10);
    assert.equal(log.size, a.length + b.length);

    const read = log.read(0, 1 << 20);
    assert.equal(read.errorCode, 0);
    assert.deepEqual(Buffer.concat(read.chunks), Buffer.concat([a, b]));
    assert.equal(read.bytes, a.length + b.length);
    assert.deepEqual(batchesIn(log.read(4, 1 << 20).chunks).map((x) => x.baseOffset), [3, 5], 'starts with the batch containing the offset');
    assert.deepEqual(log.read(10, 100), { errorCode: 0, chunks: [], bytes: 0 }, 'empty at the log end');
    assert.equal(log.read(11, 100).errorCode, 1);
    assert.equal(log.read(-1, 100).errorCode, 1);
  });

  test(name('segments roll by size and reads cross them'), (t) => {
    const { fs, dir } = kind.make(t);
    const batch = buildBatch({ records: 2 });
    const log = openLog(fs, dir, { segmentBytes: batch.length * 4 + 10, indexIntervalBytes: 1 });
    t.after(() => log.close());
    const all: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const b = buildBatch({ records: 2, tag: i });
      log.append(b);
      all.push(b);
    }
    assert.deepEqual(log.segmentBaseOffsets, [0, 8, 16, 24, 32]);
    assert.equal(log.logEndOffset, 40);
    const files = fs.readdir(join(dir, 't-0')).sort();
    assert.ok(files.includes('00000000000000000008.log'));
    assert.ok(files.includes('00000000000000000008.index'));
    assert.ok(files.includes('00000000000000000008.timeindex'));
    const r = log.read(0, 1 << 20);
    assert.equal(r.chunks.length, 5, 'one chunk per segment');
    assert.deepEqual(Buffer.concat(r.chunks), Buffer.concat(all));
    // every offset lands on the batch that holds it, through the index
    for (let o = 0; o < 40; o++) {
      const [first] = batchesIn(log.read(o, 1, { minOneBatch: true }).chunks);
      assert.equal(first!.baseOffset, o - (o % 2), `offset ${o}`);
    }
  });

  test(name('read honours maxBytes, minOneBatch and maxOffset'), (t) => {
    const { fs, dir } = kind.make(t);
    const log = openLog(fs, dir, { indexIntervalBytes: 1 });
    t.after(() => log.close());
    for (let i = 0; i < 10; i++) log.append(buildBatch({ records: 1, valueSize: 100 }));
    const size = buildBatch({ records: 1, valueSize: 100 }).length;
    assert.equal(log.read(0, size * 3 + 5).bytes, size * 3, 'whole batches only');
    assert.equal(log.read(0, size - 1).bytes, 0, 'no partial batch without minOneBatch');
    assert.equal(log.read(0, size - 1, { minOneBatch: true }).bytes, size, 'KIP-74: the first batch whole');
    assert.equal(log.read(0, 0, { minOneBatch: true }).bytes, size);
    assert.deepEqual(batchesIn(log.read(2, 1 << 20, { maxOffset: 5 }).chunks).map((b) => b.baseOffset), [2, 3, 4]);
    assert.equal(log.read(5, 1 << 20, { maxOffset: 5 }).bytes, 0, 'nothing at or past the high watermark');
    assert.equal(log.read(5, 1 << 20, { maxOffset: 5 }).errorCode, 0);
  });

  test(name('a batch larger than the segment size still goes into its own segment'), (t) => {
    const { fs, dir } = kind.make(t);
    const log = openLog(fs, dir, { segmentBytes: 200 });
    t.after(() => log.close());
    log.append(buildBatch({ records: 1 }));
    log.append(buildBatch({ records: 1, valueSize: 500 }));
    log.append(buildBatch({ records: 1 }));
    assert.deepEqual(log.segmentBaseOffsets, [0, 1, 2]);
    assert.deepEqual(batchesIn(log.read(0, 1 << 20).chunks).map((b) => b.baseOffset), [0, 1, 2]);
  });

  test(name('segments roll when the index is full and by segment.ms'), (t) => {
    const { fs, dir } = kind.make(t);
    // three offset-index entries per segment at most (two time-index entries, but the
    // timestamps never grow, so the time index holds one)
    const log = openLog(fs, dir, { indexIntervalBytes: 0, segmentIndexBytes: 24, segmentMs: 1000 });
    t.after(() => log.close());
    for (let i = 0; i < 9; i++) log.append(buildBatch({ records: 1, baseTimestamp: 1000 }));
    // every batch but a segment's first gets an entry: 3 entries fill it after 4 batches
    assert.deepEqual(log.segmentBaseOffsets, [0, 4, 8]);
    const timed = openLog(fs, join(dir, 'timed'), { segmentMs: 1000 });
    t.after(() => timed.close());
    timed.append(buildBatch({ baseTimestamp: 10_000 }));
    timed.append(buildBatch({ baseTimestamp: 10_500 }));
    timed.append(buildBatch({ baseTimestamp: 11_001 }));
    timed.append(buildBatch({ baseTimestamp: 11_500 }));
    assert.deepEqual(timed.segmentBaseOffsets, [0, 2]);
  });

  test(name('offsetForTimestamp and maxTimestampAndOffset follow Kafka'), (t) => {
    const { fs, dir } = kind.make(t);
    const log = openLog(fs, dir, { indexIntervalBytes: 1, segmentBytes: 400 });
    t.after(() => log.close());
    assert.equal(log.offsetForTimestamp(0), null);
    assert.equal(log.maxTimestampAndOffset(), null);
    // offsets 0..2 at 100,110,120; 3..5 at 130,150,140; 6..8 at 200,210,205; 9..11 at 150 (late)
    log.append(buildBatch({ records: 3, timestamps: [100, 110, 120] }));
    log.append(buildBatch({ records: 3, timestamps: [130, 150, 140] }));
    log.append(buildBatch({ records: 3, timestamps: [200, 210, 205] }));
    log.append(buildBatch({ records: 3, timestamps: [150, 150, 150] }));
    log.append(buildBatch({ records: 2, timestamps: [210, 209] }));
    assert.ok(log.segmentCount > 1);
    assert.deepEqual(log.offsetForTimestamp(0), { offset: 0, timestamp: 100 });
    assert.deepEqual(log.offsetForTimestamp(110), { offset: 1, timestamp: 110 });
    assert.deepEqual(log.offsetForTimestamp(111), { offset: 2, timestamp: 120 });
    assert.deepEqual(log.offsetForTimestamp(145), { offset: 4, timestamp: 150 });
    assert.deepEqual(log.offsetForTimestamp(201), { offset: 7, timestamp: 210 });
    assert.equal(log.offsetForTimestamp(211), null);
    // the earliest record with the largest timestamp (offset 7), not a batch's last offset
    assert.deepEqual(log.maxTimestampAndOffset(), { offset: 7, timestamp: 210 });
  });

  test(name('LogAppendTime batches answer with their first record'), (t) => {
    const { fs, dir } = kind.make(t);
    const log = openLog(fs, dir);
    t.after(() => log.close());
    log.append(buildBatch({ records: 3, timestamps: [5, 5, 5], attributes: 0x08 }));
    assert.deepEqual(log.maxTimestampAndOffset(), { offset: 0, timestamp: 5 });
    const appended = log.append(buildBatch({ records: 2, timestamps: [1, 2] }), { timestampType: 'LogAppendTime' });
    assert.equal(appended.maxTimestamp, appended.logAppendTime);
    const [batch] = decodeRecordBatches(Buffer.concat(log.read(3, 1 << 20).chunks));
    assert.equal(batch!.timestampType, 1);
    assert.deepEqual(batch!.records.map((r) => r.timestamp), [appended.logAppendTime, appended.logAppendTime]);
  });

  test(name('compressed batches without a decompressor fall back to batch-level answers'), (t) => {
    const { fs, dir } = kind.make(t);
    const log = openLog(fs, dir);
    t.after(() => log.close());
    log.append(buildBatch({ records: 3, timestamps: [100, 300, 200], attributes: 1 }));
    assert.deepEqual(log.maxTimestampAndOffset(), { offset: 2, timestamp: 300 });
    assert.deepEqual(log.offsetForTimestamp(50), { offset: 0, timestamp: 100 });
  });

  test(name('append rejects malformed input and a closed log refuses calls'), (t) => {
    const { fs, dir } = kind.make(t);
    const log = openLog(fs, dir);
    assert.throws(() => log.append(Buffer.alloc(0)), /no record batches/);
    assert.throws(() => log.append(buildBatch().subarray(0, 40)), /partial batch header/);
    assert.throws(() => log.append(Buffer.concat([buildBatch(), Buffer.alloc(5)])), /partial batch header/);
    log.close();
    assert.equal(log.closed, true);
    assert.throws(() => log.read(0, 10), /closed/);
  });

  test(name('flush.messages fsyncs and moves the recovery point'), (t) => {
    const { fs, dir } = kind.make(t);
    const log = openLog(fs, dir, { flushMessages: 4 });
    t.after(() => log.close());
    log.append(buildBatch({ records: 3 }));
    assert.equal(log.recoveryPoint, 0);
    log.append(buildBatch({ records: 1 }));
    assert.equal(log.recoveryPoint, 4);
  });

  test(name('a roll flushes the rolled segments after the append returns, and the recovery point moves to the new segment'), async (t) => {
    const { fs, dir } = kind.make(t);
    const batch = buildBatch({ records: 2 });
    const log = openLog(fs, dir, { segmentBytes: batch.length * 2 + 10 });
    t.after(() => log.close());
    for (let i = 0; i < 3; i++) log.append(buildBatch({ records: 2, tag: i }));
    assert.deepEqual(log.segmentBaseOffsets, [0, 4]);
    assert.equal(log.recoveryPoint, 0, 'not flushed inside the append');
    // On disk the rolled segment is written out off the event loop first, then fsynced.
    while (log.recoveryPoint === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(log.recoveryPoint, 4);
    log.append(buildBatch({ records: 2, tag: 9 }));
    assert.equal(log.recoveryPoint, 4, 'appends to the active segment do not flush');
  });

  test(name('setHighWatermark is clamped to the log'), (t) => {
    const { fs, dir } = kind.make(t);
    const log = openLog(fs, dir);
    t.after(() => log.close());
    log.append(buildBatch({ records: 5 }));
    log.setHighWatermark(3);
    assert.equal(log.highWatermark, 3);
    // maxOffset cuts before batches that *start* at or past it; this one starts at 0
    assert.equal(batchesIn(log.read(0, 1 << 20, { maxOffset: log.highWatermark }).chunks).length, 1);
    assert.equal(log.read(3, 1 << 20, { maxOffset: log.highWatermark }).bytes, 0);
    log.setHighWatermark(99);
    assert.equal(log.highWatermark, 5);
    log.setHighWatermark(-4);
    assert.equal(log.highWatermark, 0);
  });
}
