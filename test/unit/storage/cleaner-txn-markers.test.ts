// Issue 5 on a compacted log, Kafka's LogCleaner with transactions: the records of aborted
// transactions are removed by the cleaner (found by the aborted-transaction index); a marker
// stays while a batch of its transaction is left, and its .txnindex entry with it (ABORT);
// once nothing of the transaction is left it gets a delete horizon (KIP-534:
// now + delete.retention.ms), and goes on the first pass at or after it. Readers at either
// isolation level see the same committed table before and after each pass, and after a
// restart (the producer state rebuilt from the cleaned log has no transaction left open).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecordBatches, encodeEndTxnMarkerBatch, encodeRecordBatch } from '../../../src/protocol/index.ts';
import { MemoryFileSystem } from '../../../src/storage/fs.ts';
import type { LogManager } from '../../../src/storage/log-manager.ts';
import { readTxnIndex } from '../../../src/storage/log/txn-index.ts';
import { openManager } from './helpers.ts';

const T0 = 1_700_000_000_000;
const DELETE_RETENTION = 10_000;
// A small batch and its filler fill a segment: every segment (and so every group the cleaner
// rewrites) ends with a filler, whose unique key keeps it, so no batch is kept empty only to
// end its segment.
const CONFIGS = { 'cleanup.policy': 'compact', 'segment.bytes': '300', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': String(DELETE_RETENTION) };

interface Seen {
  data: string[];
  /** Markers with their record, as `<producerId>:<COMMIT|ABORT>`. */
  markers: string[];
  /** Markers with a delete horizon. */
  horizons: number;
}

function readLog(m: LogManager, isolation: 'committed' | 'uncommitted'): Seen {
  const log = m.partition('c', 0)!;
  const end = isolation === 'committed' ? log.lastStableOffset : log.highWatermark;
  const read = log.read(log.logStartOffset, 1 << 20, { minOneBatch: true, maxOffset: end });
  // A read_committed consumer's rule (Kafka's fetcher): once past the first offset of an
  // aborted transaction the fetch listed, the producer's transactional batches are skipped
  // up to its next ABORT marker.
  const aborted = isolation === 'committed' ? log.abortedTransactions(log.logStartOffset, end).sort((x, y) => x.firstOffset - y.firstOffset) : [];
  const skipping = new Set<number>();
  const seen: Seen = { data: [], markers: [], horizons: 0 };
  for (const b of decodeRecordBatches(Buffer.concat(read.chunks), { verifyCrc: true })) {
    while (aborted.length > 0 && aborted[0]!.firstOffset <= b.baseOffset) skipping.add(Number(aborted.shift()!.producerId));
    if (b.isControl) {
      if (b.records.length > 0) seen.markers.push(`${b.producerId}:${b.records[0]!.key!.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT'}`);
      if (b.hasDeleteHorizon) seen.horizons++;
      skipping.delete(b.producerId);
      continue;
    }
    if (b.isTransactional && skipping.has(b.producerId)) continue;
    for (const r of b.records) seen.data.push(`${r.key}=${r.value}`);
  }
  return seen;
}

function table(data: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of data) {
    const [k, v] = kv.split('=') as [string, string];
    if (!k.startsWith('f')) out.set(k, v);
  }
  return out;
}

test('the cleaner removes aborted transactions, then their markers, then spent commit markers after delete.retention.ms', async () => {
  const fs = new MemoryFileSystem();
  let now = T0 + 1000;
  let m = openManager(fs, '/data', { clock: () => now });
  m.createTopic('c', { partitions: 1, configs: CONFIGS });
  let log = m.partition('c', 0)!;
  let fillers = 0;
  const append = (batch: Buffer) => {
    log.append(batch);
    log.append(encodeRecordBatch([{ key: `f${fillers++}`, value: 'x'.repeat(120), timestamp: T0 }]));
  };
  const txn = (producerId: number, seq: number, records: [string, string][]) =>
    encodeRecordBatch(records.map(([key, value]) => ({ key, value, timestamp: T0 })), { producerId, producerEpoch: 0, baseSequence: seq, isTransactional: true });
  const marker = (producerId: number, commit: boolean) => encodeEndTxnMarkerBatch({ producerId, producerEpoch: 0, commit, coordinatorEpoch: 0, timestamp: T0 });
  const plain = (key: string, value: string) => encodeRecordBatch([{ key, value, timestamp: T0 }]);

  append(plain('k', 'plain'));
  append(plain('a', 'plain'));
  append(txn(5, 0, [['k', 'aborted'], ['a', 'aborted']]));
  append(txn(5, 2, [['b', 'aborted']]));
  append(marker(5, false));
  append(txn(6, 0, [['c', 'committed']]));
  append(marker(6, true));
  append(plain('z', 'end'));
  assert.equal(log.segmentCount, 8, 'a batch and its filler per segment');
  const committed = table(readLog(m, 'committed').data);
  assert.deepEqual(Object.fromEntries(committed), { k: 'plain', a: 'plain', c: 'committed', z: 'end' });
  assert.deepEqual(readLog(m, 'uncommitted').data.filter((kv) => !kv.startsWith('f')), ['k=plain', 'a=plain', 'k=aborted', 'a=aborted', 'b=aborted', 'c=committed', 'z=end']);
  const txnIndexEntries = () =>
    fs
      .readdir('/data/c-0')
      .filter((f) => f.endsWith('.txnindex'))
      .flatMap((f) => readTxnIndex(fs, '/data/c-0', Number(f.slice(0, 20))));
  assert.equal(txnIndexEntries().length, 1);

  const pass = async (): Promise<void> => {
    append(plain('z', 'end')); // new dirt, so that the log is cleaned again
    const done = await m.cleanLogs();
    assert.equal(done.length, 1, 'a pass ran');
  };
  // Pass 1: the aborted records go; both markers stay (records of their transactions were
  // met), the ABORT marker's .txnindex entry is written into its cleaned segment.
  await pass();
  for (const isolation of ['committed', 'uncommitted'] as const) {
    const seen = readLog(m, isolation);
    assert.deepEqual(table(seen.data), committed, `${isolation} table after pass 1`);
    assert.deepEqual(seen.markers, ['5:ABORT', '6:COMMIT'], `${isolation} markers after pass 1`);
  }
  assert.ok(!readLog(m, 'uncommitted').data.some((kv) => kv.endsWith('=aborted')), 'aborted records are gone');
  assert.deepEqual(
    txnIndexEntries().map((a) => Number(a.producerId)),
    [5],
    'the kept ABORT marker keeps its index entry',
  );
  assert.equal(readLog(m, 'uncommitted').horizons, 0);

  // Pass 2: nothing of the aborted transaction is left: its marker gets a delete horizon
  // (and its index entry goes); the COMMIT marker stays, its record is kept.
  await pass();
  let seen = readLog(m, 'uncommitted');
  assert.deepEqual(seen.markers, ['5:ABORT', '6:COMMIT']);
  assert.equal(seen.horizons, 1);
  assert.deepEqual(txnIndexEntries(), []);
  assert.deepEqual(table(readLog(m, 'committed').data), committed);

  // Pass 3, before the horizon: still there. Pass 4, at it: gone.
  now += DELETE_RETENTION - 1;
  await pass();
  assert.deepEqual(readLog(m, 'uncommitted').markers, ['5:ABORT', '6:COMMIT']);
  now += 1;
  await pass();
  assert.deepEqual(readLog(m, 'uncommitted').markers, ['6:COMMIT']);

  // A newer value of c: the committed record goes on the next pass (its marker is kept, a
  // batch of its transaction was met); then the marker gets its horizon; then it goes.
  append(plain('c', 'newer'));
  committed.set('c', 'newer');
  await pass();
  assert.deepEqual(readLog(m, 'uncommitted').markers, ['6:COMMIT']);
  assert.ok(!readLog(m, 'uncommitted').data.includes('c=committed'));
  await pass();
  seen = readLog(m, 'uncommitted');
  assert.deepEqual([seen.markers, seen.horizons], [['6:COMMIT'], 1]);
  now += DELETE_RETENTION;
  await pass();
  assert.deepEqual(readLog(m, 'uncommitted').markers, []);
  for (const isolation of ['committed', 'uncommitted'] as const) assert.deepEqual(table(readLog(m, isolation).data), committed, isolation);

  // After a crash the producer state is rebuilt from the cleaned log: no transaction is
  // taken as open (the last stable offset is the high watermark), the table is the same.
  m.flush();
  fs.crash();
  m = openManager(fs, '/data', { clock: () => now });
  log = m.partition('c', 0)!;
  assert.equal(log.lastStableOffset, log.highWatermark);
  for (const isolation of ['committed', 'uncommitted'] as const) assert.deepEqual(table(readLog(m, isolation).data), committed, `${isolation} after restart`);
  m.close();
});

test('records of an aborted transaction go even when its marker is past the cleanable range; a restart reads the same', async () => {
  const fs = new MemoryFileSystem();
  const m = openManager(fs, '/data', { clock: () => T0 + 1000 });
  m.createTopic('c', { partitions: 1, configs: CONFIGS });
  const log = m.partition('c', 0)!;
  // The aborted transaction runs past the cleanable range: its records before the range's
  // end go, the marker (in the active segment) and its entry stay.
  log.append(encodeRecordBatch([{ key: 'k', value: 'plain', timestamp: T0 }]));
  log.append(encodeRecordBatch([{ key: 'k', value: 'aborted', timestamp: T0 }], { producerId: 9, producerEpoch: 0, baseSequence: 0, isTransactional: true }));
  for (let i = 0; i < 3; i++) log.append(encodeRecordBatch([{ key: `f${i}`, value: 'x'.repeat(150), timestamp: T0 }]));
  log.append(encodeEndTxnMarkerBatch({ producerId: 9, producerEpoch: 0, commit: false, coordinatorEpoch: 0, timestamp: T0 }));
  assert.equal((await m.cleanLogs()).length, 1);
  const data = readLog(m, 'uncommitted').data;
  assert.ok(data.includes('k=plain') && !data.includes('k=aborted'), data.join());
  assert.deepEqual(readLog(m, 'uncommitted').markers, ['9:ABORT']);
  m.close();
  const m2 = openManager(fs, '/data', { clock: () => T0 + 1000 });
  assert.deepEqual(table(readLog(m2, 'committed').data), new Map([['k', 'plain']]));
  assert.equal(m2.partition('c', 0)!.lastStableOffset, m2.partition('c', 0)!.highWatermark);
  m2.close();
});

test('a producer that aborted, then committed: once the ABORT marker is cleaned away, read_committed still reads the commit', async () => {
  const fs = new MemoryFileSystem();
  let now = T0 + 1000;
  const m = openManager(fs, '/data', { clock: () => now });
  m.createTopic('c', { partitions: 1, configs: CONFIGS });
  const log = m.partition('c', 0)!;
  let fillers = 0;
  const append = (batch: Buffer) => {
    log.append(batch);
    log.append(encodeRecordBatch([{ key: `f${fillers++}`, value: 'x'.repeat(120), timestamp: T0 }]));
  };
  const txn = (seq: number, key: string, value: string) => encodeRecordBatch([{ key, value, timestamp: T0 }], { producerId: 5, producerEpoch: 0, baseSequence: seq, isTransactional: true });
  const marker = (commit: boolean) => encodeEndTxnMarkerBatch({ producerId: 5, producerEpoch: 0, commit, coordinatorEpoch: 0, timestamp: T0 });
  append(txn(0, 'a', 'aborted'));
  append(marker(false));
  append(txn(1, 'c', 'committed'));
  append(marker(true));
  const expected = new Map([['c', 'committed']]);
  assert.deepEqual(table(readLog(m, 'committed').data), expected);
  for (let pass = 0; pass < 3; pass++) {
    append(encodeRecordBatch([{ key: 'z', value: 'end', timestamp: T0 }]));
    assert.equal((await m.cleanLogs()).length, 1);
    now += DELETE_RETENTION;
  }
  expected.set('z', 'end');
  assert.deepEqual(readLog(m, 'uncommitted').markers, ['5:COMMIT']);
  // The aborted transaction is no longer listed to fetches, as its index entry is gone.
  assert.deepEqual(log.abortedTransactions(0, log.logEndOffset), []);
  for (const isolation of ['committed', 'uncommitted'] as const) assert.deepEqual(table(readLog(m, isolation).data), expected, isolation);
  m.close();
});
