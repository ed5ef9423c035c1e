// Fuzzing: random and mutated batches, with and without their CRC fixed up (so that the
// mutation reaches the decompressors and the record decoder), must only ever give our
// errors (RecordsError, a ProtocolError) from the decoders and an error code from the
// validator, never a stray TypeError or RangeError. Seeded, so failures reproduce.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../../../src/errors.ts';
import {
  BatchCursor,
  RecordsError,
  decodeRecordBatch,
  decodeRecordBatchAsync,
  decodeRecordBatches,
  decompressSync,
  encodeRecordBatch,
  iterateBatches,
  validateProducedRecords,
  writeBatchCrc,
} from '../../../../src/protocol/records/index.ts';
import { compressibleBytes, prng, randomBytes, randomInt } from './helpers.ts';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const CAP = 1024 * 1024;
const ITERATIONS = Number(process.env.RUNNEL_FUZZ_ITERATIONS ?? 600);
const KNOWN_CODES = new Set([0, 2, 10, 76, 87]);

function seedBatches(rand: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (const compression of CODECS) {
    const records = Array.from({ length: 1 + randomInt(rand, 6) }, (_, i) => ({
      key: i % 3 === 0 ? null : `key-${i}-ü`,
      value: i % 4 === 0 ? null : compressibleBytes(rand, randomInt(rand, 3000)),
      headers: i % 2 === 0 ? [{ key: 'h', value: 'v' }, { key: 'n', value: null }] : [],
      timestamp: 1_700_000_000_000 + randomInt(rand, 100_000),
    }));
    out.push(encodeRecordBatch(records, { compression, producerId: randomInt(rand, 3) - 1, producerEpoch: 0, baseSequence: 0 }));
  }
  return out;
}

/** A mutation of `buf`: flips, overwrites with varint-ish bytes, cuts, grows, splices. */
function mutate(rand: () => number, buf: Buffer): Buffer {
  let b = Buffer.from(buf);
  const edits = 1 + randomInt(rand, 4);
  for (let e = 0; e < edits; e++) {
    const at = randomInt(rand, Math.max(1, b.length));
    switch (randomInt(rand, 7)) {
      case 0:
        if (b.length) b[at] = b[at]! ^ (1 << randomInt(rand, 8));
        break;
      case 1:
        if (b.length) b[at] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe][randomInt(rand, 6)]!;
        break;
      case 2:
        b = b.subarray(0, at);
        break;
      case 3:
        b = Buffer.concat([b, randomBytes(rand, randomInt(rand, 40))]);
        break;
      case 4: {
        const len = randomInt(rand, 20);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        break;
      }
      case 5: {
        const from = randomInt(rand, Math.max(1, b.length));
        b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + randomInt(rand, 30)), b.subarray(at)]);
        break;
      }
      default:
        // Header fields the validator reads: lengths, counts, attributes.
        if (b.length >= 61) {
          const field = [8, 21, 23, 57][randomInt(rand, 4)]!;
          if (field === 21) b.writeInt16BE(randomInt(rand, 0x80), field);
          else b.writeInt32BE(randomInt(rand, 2) ? randomInt(rand, 10) - 2 : randomInt(rand, 0x7fffffff), field);
        }
    }
  }
  return b;
}

function fixCrc(b: Buffer): Buffer {
  if (b.length >= 61 && b.readInt32BE(8) + 12 === b.length) writeBatchCrc(b, 0, b.length);
  return b;
}

function ours(err: unknown, what: string): void {
  if (err instanceof RecordsError && err instanceof ProtocolError) return;
  assert.fail(`${what}: unexpected ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}\n${(err as Error)?.stack}`);
}

test('mutated batches: the validator returns a code, the decoders throw only our errors', async () => {
  const rand = prng(0x5eed);
  const seeds = seedBatches(rand);
  let decoded = 0;
  let valid = 0;
  for (let i = 0; i < ITERATIONS * seeds.length; i++) {
    const seed = seeds[i % seeds.length]!;
    const bytes = randomInt(rand, 3) === 0 ? mutate(rand, seed) : fixCrc(mutate(rand, seed));
    const what = `iteration ${i}: ${bytes.toString('hex').slice(0, 160)}`;

    for (const version of [3, 9]) {
      const result = validateProducedRecords(bytes, version);
      assert.ok(KNOWN_CODES.has(result.errorCode), `${what}: code ${result.errorCode}`);
      if (result.errorCode === 0) valid++;
    }
    try {
      const batch = decodeRecordBatch(bytes, 0, { maxDecompressedBytes: CAP });
      assert.equal(batch.records.length, batch.recordsCount);
      decoded++;
    } catch (err) {
      ours(err, `decodeRecordBatch ${what}`);
    }
    try {
      decodeRecordBatches(bytes, { maxDecompressedBytes: CAP, verifyCrc: false });
    } catch (err) {
      ours(err, `decodeRecordBatches ${what}`);
    }
    try {
      for (const entry of iterateBatches(bytes)) assert.ok(entry.position + entry.size <= bytes.length);
      const cursor = new BatchCursor(bytes);
      while (cursor.next()) {
        if (cursor.magic === 2 && cursor.size >= 61) {
          void cursor.header();
          cursor.isValid();
        }
      }
    } catch (err) {
      ours(err, `cursor ${what}`);
    }
    if (i % 10 === 0) {
      try {
        await decodeRecordBatchAsync(bytes, 0, { maxDecompressedBytes: CAP });
      } catch (err) {
        ours(err, `decodeRecordBatchAsync ${what}`);
      }
    }
  }
  // The fuzzer must reach past the framing, not just bounce off it.
  assert.ok(decoded > 0, 'some mutations decode');
  assert.ok(valid > 0, 'some mutations validate');
});

test('random bytes: the validator returns a code, the decoders throw only our errors', () => {
  const rand = prng(99);
  for (let i = 0; i < ITERATIONS * 3; i++) {
    const bytes = randomBytes(rand, randomInt(rand, 200));
    if (bytes.length > 16 && randomInt(rand, 2)) {
      bytes[16] = 2; // get past the magic check
      bytes.writeInt32BE(bytes.length - 12, 8);
      fixCrc(bytes);
    }
    const result = validateProducedRecords(bytes, 9);
    assert.ok(KNOWN_CODES.has(result.errorCode));
    try {
      decodeRecordBatch(bytes, 0, { maxDecompressedBytes: CAP });
    } catch (err) {
      ours(err, `random ${i}: ${bytes.toString('hex')}`);
    }
  }
});

test('mutated compressed payloads: the codecs throw only our errors', () => {
  const rand = prng(1234);
  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const payloads = [compressibleBytes(rand, 5000), randomBytes(rand, 3000), Buffer.alloc(70_000)].map((p) =>
      encodeRecordBatch([{ value: p, timestamp: 1 }], { compression }).subarray(61),
    );
    for (let i = 0; i < ITERATIONS; i++) {
      const bytes = mutate(rand, payloads[i % payloads.length]!);
      try {
        const out = decompressSync(compression, bytes, CAP);
        assert.ok(out.length <= CAP);
      } catch (err) {
        ours(err, `${compression} ${i}`);
      }
    }
  }
});
