// Issue 5 on a compacted log (transactional offset commits in __consumer_offsets are such
// records): a record of an aborted transaction, or of one still open, must not make the
// cleaner drop the older value of its key, since a reader that skips the aborted record
// would then find no value at all. A committed transactional record does replace it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecordBatches, encodeEndTxnMarkerBatch, encodeRecordBatch } from '../../../src/protocol/index.ts';
import { MemoryFileSystem } from '../../../src/storage/fs.ts';
import { openManager } from './helpers.ts';

const T0 = 1_700_000_000_000;
const CONFIGS = { 'cleanup.policy': 'compact', 'segment.bytes': '200', 'min.cleanable.dirty.ratio': '0.01' };

function values(log: NonNullable<ReturnType<ReturnType<typeof openManager>['partition']>>): string[] {
  const read = log.read(log.logStartOffset, 1 << 20, { minOneBatch: true, maxOffset: log.logEndOffset });
  return decodeRecordBatches(Buffer.concat(read.chunks), { verifyCrc: false })
    .filter((b) => !b.isControl)
    .flatMap((b) => b.records.map((r) => `${r.key}=${r.value}`));
}

test('the cleaner keeps the value an aborted or open transaction would shadow; a committed one shadows it', async () => {
  const fs = new MemoryFileSystem();
  const m = openManager(fs, '/data', { clock: () => T0 + 1000 });
  m.createTopic('c', { partitions: 1, configs: CONFIGS });
  const log = m.partition('c', 0)!;
  const txn = (producerId: number, value: string) => encodeRecordBatch([{ key: 'k', value, timestamp: T0 }], { producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true });
  const marker = (producerId: number, commit: boolean) => encodeEndTxnMarkerBatch({ producerId, producerEpoch: 0, commit, coordinatorEpoch: 0, timestamp: T0 });
  const filler = (i: number) => encodeRecordBatch([{ key: `f${i}`, value: 'x'.repeat(120), timestamp: T0 }]);

  log.append(encodeRecordBatch([{ key: 'k', value: 'plain', timestamp: T0 }]));
  log.append(txn(5, 'aborted'));
  log.append(marker(5, false));
  log.append(txn(6, 'open'));
  for (let i = 0; i < 4; i++) log.append(filler(i));
  assert.ok(log.segmentCount > 3);
  await m.cleanLogs();
  // The aborted record itself goes (cleaner-txn-markers.test.ts); the value before it stays.
  assert.deepEqual(values(log).filter((v) => v.startsWith('k=')), ['k=plain', 'k=open']);

  log.append(marker(6, true));
  log.append(txn(7, 'committed'));
  log.append(marker(7, true));
  for (let i = 4; i < 8; i++) log.append(filler(i));
  await m.cleanLogs();
  assert.deepEqual(values(log).filter((v) => v.startsWith('k=')), ['k=committed']);
  m.close();
});
