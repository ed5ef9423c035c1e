// librdkafka reading batches we encode: kcat consumes, through Fetch v4 of the throwaway
// broker in fixtures/capture-kcat.ts, a log of our batches in every codec (xerial snappy
// and our LZ4 frames included), a transactional batch and its COMMIT marker. Skipped when
// kcat is not installed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { encodeEndTxnMarkerBatch, encodeRecordBatch } from '../../../../src/protocol/records/index.ts';
import { GOLDEN_TOPIC, runKcat, startMiniBroker } from './fixtures/capture-kcat.ts';

const hasKcat = ['/usr/bin/kcat', '/usr/local/bin/kcat'].some((p) => existsSync(p));

test('kcat (librdkafka) reads our batches in every codec, and skips our COMMIT marker', { skip: !hasKcat && 'kcat is not installed' }, async () => {
  const batches: Buffer[] = [];
  const expected: string[] = [];
  let offset = 0;
  const t0 = 1_700_000_000_000;
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const long = `${compression}:` + 'abcdefgh'.repeat(10_000); // spans several snappy and lz4 blocks
    const records = [
      { key: `${compression}-1`, value: `héllo ${compression}`, headers: [{ key: 'h', value: compression }], timestamp: t0 + offset },
      { key: `${compression}-2`, value: long, timestamp: t0 + offset + 1 },
    ];
    batches.push(encodeRecordBatch(records, { compression, baseOffset: offset, partitionLeaderEpoch: 0 }));
    expected.push(`${offset}|${compression}-1|héllo ${compression}|h=${compression}`, `${offset + 1}|${compression}-2|${long}|`);
    offset += 2;
  }
  batches.push(
    encodeRecordBatch([{ key: 'txn', value: 'committed', timestamp: t0 }], {
      baseOffset: offset,
      isTransactional: true,
      producerId: 99,
      producerEpoch: 0,
      baseSequence: 0,
    }),
  );
  expected.push(`${offset}|txn|committed|`);
  offset += 1;
  batches.push(encodeEndTxnMarkerBatch({ producerId: 99, producerEpoch: 0, commit: true, coordinatorEpoch: 1, timestamp: t0, baseOffset: offset }));
  offset += 1;

  const broker = await startMiniBroker({ records: Buffer.concat(batches), highWatermark: offset });
  try {
    const { code, stdout } = await runKcat(
      ['-C', '-b', `127.0.0.1:${broker.port}`, '-t', GOLDEN_TOPIC, '-p', '0', '-o', 'beginning', '-e', '-f', '%o|%k|%s|%h\\n'],
      '',
    );
    assert.equal(code, 0);
    assert.deepEqual(stdout.split('\n').filter((l) => l !== ''), expected);
  } finally {
    broker.close();
  }
});
