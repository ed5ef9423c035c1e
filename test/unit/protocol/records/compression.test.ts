// The codecs: round trips, the framings other clients write and read, the decompression
// cap (bombs) and the errors junk must give.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressSync as rawSnappy } from 'snappy';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import {
  DecompressionLimitError,
  InvalidRecordError,
  UnsupportedCompressionError,
  XERIAL_BLOCK_SIZE,
  codecFor,
  compress,
  compressSync,
  decompress,
  decompressSync,
  isXerialFramed,
} from '../../../../src/protocol/records/index.ts';
import { compressibleBytes, prng, randomBytes, xxh32Short } from './helpers.ts';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const MiB = 1024 * 1024;

function inputs(): Buffer[] {
  const rand = prng(42);
  return [
    Buffer.alloc(0),
    Buffer.from('x'),
    compressibleBytes(rand, 1000),
    compressibleBytes(rand, 100_000),
    randomBytes(rand, 300_000),
  ];
}

test('every codec round trips, sync and async, by id and by name', async () => {
  for (const name of CODECS) {
    const codec = codecFor(name);
    assert.equal(codecFor(codec.id), codec);
    for (const input of inputs()) {
      const packed = compressSync(name, input);
      assert.deepEqual(decompressSync(codec.id, packed, input.length), input, `${name} sync, ${input.length} bytes`);
      const packedAsync = await compress(codec.id, input);
      assert.deepEqual(await decompress(name, packedAsync, input.length), input, `${name} async, ${input.length} bytes`);
    }
  }
});

test('gzip and zstd honour a compression level', () => {
  const input = compressibleBytes(prng(3), 200_000);
  for (const name of ['gzip', 'zstd'] as const) {
    const fast = compressSync(name, input, 1);
    const best = compressSync(name, input, name === 'gzip' ? 9 : 19);
    assert.ok(best.length <= fast.length, `${name}: ${best.length} > ${fast.length}`);
    assert.deepEqual(decompressSync(name, best, input.length), input);
  }
});

test('unknown codec ids give UnsupportedCompressionError with Kafka code 76', async () => {
  for (const id of [5, 6, 7, -1, 1.5, 99]) {
    assert.throws(
      () => codecFor(id),
      (err: unknown) => err instanceof UnsupportedCompressionError && err.kafkaErrorCode === 76,
      String(id),
    );
    assert.throws(() => decompressSync(id, Buffer.alloc(4), 100), UnsupportedCompressionError);
    await assert.rejects(decompress(id, Buffer.alloc(4), 100), UnsupportedCompressionError);
    await assert.rejects(compress(id, Buffer.alloc(4)), UnsupportedCompressionError);
  }
  assert.throws(() => codecFor('brotli' as never), UnsupportedCompressionError);
});

test('snappy writes xerial framing: header, version 1/1, 32 KiB blocks', () => {
  const input = compressibleBytes(prng(5), 100_000);
  const packed = compressSync('snappy', input);
  assert.ok(isXerialFramed(packed));
  assert.equal(packed.subarray(0, 8).toString('latin1'), '\x82SNAPPY\x00');
  assert.equal(packed.readInt32BE(8), 1);
  assert.equal(packed.readInt32BE(12), 1);
  let at = 16;
  let blocks = 0;
  while (at < packed.length) {
    at += 4 + packed.readUInt32BE(at);
    blocks++;
  }
  assert.equal(at, packed.length);
  assert.equal(blocks, Math.ceil(input.length / XERIAL_BLOCK_SIZE));
});

test('snappy of an empty input is longer than a bare header (librdkafka needs header + 4 + data)', () => {
  const packed = compressSync('snappy', Buffer.alloc(0));
  assert.ok(packed.length > 20);
  assert.equal(decompressSync('snappy', packed, 0).length, 0);
});

test('snappy reads raw blocks (librdkafka, kafkajs-snappy) and hand-built xerial streams', () => {
  const input = compressibleBytes(prng(6), 70_000);
  assert.deepEqual(decompressSync('snappy', rawSnappy(input), input.length), input);
  const a = rawSnappy(input.subarray(0, 1000));
  const b = rawSnappy(input.subarray(1000));
  const header = Buffer.from('82534e41505059000000000100000001', 'hex');
  const len = (n: number) => {
    const l = Buffer.alloc(4);
    l.writeUInt32BE(n);
    return l;
  };
  const xerial = Buffer.concat([header, len(a.length), a, len(b.length), b]);
  assert.deepEqual(decompressSync('snappy', xerial, input.length), input);
  // A bare header holds no blocks: nothing to decompress.
  assert.equal(decompressSync('snappy', header, 10).length, 0);
  // Trailing bytes that are not a whole block are refused.
  assert.throws(() => decompressSync('snappy', Buffer.concat([xerial, Buffer.from([0, 0])]), input.length), InvalidRecordError);
  assert.throws(() => decompressSync('snappy', Buffer.concat([header, len(500), a]), input.length), InvalidRecordError);
});

test('lz4 writes a frame Java and librdkafka read: FLG version 1, independent blocks, no dictionary', () => {
  for (const input of inputs()) {
    const packed = compressSync('lz4', input);
    assert.equal(packed.readUInt32LE(0), 0x184d2204);
    const flg = packed[4]!;
    const bd = packed[5]!;
    assert.equal(flg >> 6, 1, 'version');
    assert.ok(flg & 0x20, 'block independence');
    assert.equal(flg & 0x03, 0, 'no dictionary id, reserved bit clear');
    assert.ok(((bd >> 4) & 7) >= 4 && ((bd >> 4) & 7) <= 7, 'block size 64 KiB..4 MiB');
    assert.equal(bd & 0x8f, 0);
  }
});

test('lz4 writes Java\'s default frame: FLG 0x60, BD 0x40 (64 KiB blocks), a valid header checksum', () => {
  // lz4_flex writes the same descriptor for an empty input, header checksum included.
  const empty = compressSync('lz4', Buffer.alloc(0));
  assert.deepEqual(empty, compressFrameSync(Buffer.alloc(0)));
  const rand = prng(12);
  const input = Buffer.concat([compressibleBytes(rand, 100_000), randomBytes(rand, 70_000)]);
  const packed = compressSync('lz4', input);
  assert.deepEqual(packed.subarray(0, 7), Buffer.from('04224d18604082', 'hex'));
  // An independent decoder (lz4_flex's frame reader, which checks the header checksum) agrees.
  assert.deepEqual(decompressFrameSync(packed), input);
  // Blocks: 64 KiB of input each; the last one, all random, does not shrink and is stored raw.
  const blocks: Array<[number, boolean]> = [];
  let at = 7;
  for (;;) {
    const word = packed.readUInt32LE(at);
    if (word === 0) break;
    const size = word & 0x7fffffff;
    blocks.push([size, word !== size]);
    at += 4 + size;
  }
  assert.equal(at + 4, packed.length);
  assert.equal(blocks.length, Math.ceil(input.length / 65536));
  assert.deepEqual(blocks.map(([, raw]) => raw), [false, false, true]);
  assert.equal(blocks[2]![0], input.length - 131072);
});

test('lz4 under a cap below the frame bound still decodes exactly, block by block', () => {
  const input = compressibleBytes(prng(8), 600_000); // several 64-256 KiB blocks
  const packed = compressFrameSync(input);
  // Just enough room: the capped path must produce the same bytes as the frame decoder.
  assert.deepEqual(decompressSync('lz4', packed, input.length), input);
  assert.deepEqual(decompressSync('lz4', packed, input.length + 1), input);
  assert.throws(() => decompressSync('lz4', packed, input.length - 1), DecompressionLimitError);
  const small = compressibleBytes(prng(9), 10_000);
  assert.deepEqual(decompressSync('lz4', compressFrameSync(small), small.length), small);
  assert.throws(() => decompressSync('lz4', compressFrameSync(small), 9_999), DecompressionLimitError);
});

test('decompression bombs stop at the cap with DecompressionLimitError (Kafka code 10)', async () => {
  const bomb = Buffer.alloc(32 * MiB);
  for (const name of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const packed = compressSync(name, bomb);
    assert.ok(packed.length < 2 * MiB, `${name} bomb is ${packed.length} bytes`);
    for (const cap of [MiB, 0]) {
      assert.throws(
        () => decompressSync(name, packed, cap),
        (err: unknown) => err instanceof DecompressionLimitError && err.kafkaErrorCode === 10 && err.limit === cap,
        `${name} sync, cap ${cap}`,
      );
    }
    await assert.rejects(decompress(name, packed, MiB), DecompressionLimitError, `${name} async`);
    assert.equal(decompressSync(name, packed, 32 * MiB).length, 32 * MiB);
  }
});

test('a raw snappy block announcing 4 GiB is refused before anything is inflated', () => {
  const claim = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
  assert.throws(() => decompressSync('snappy', claim, 64 * MiB), DecompressionLimitError);
  const header = Buffer.from('82534e415050590000000001000000010000000a', 'hex');
  const xerialClaim = Buffer.concat([header, Buffer.from([0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(6)]);
  assert.throws(() => decompressSync('snappy', xerialClaim, 64 * MiB), DecompressionLimitError);
});

test('junk and truncated payloads give InvalidRecordError (Kafka code 87)', async () => {
  const rand = prng(11);
  const input = compressibleBytes(rand, 20_000);
  for (const name of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const packed = compressSync(name, input);
    const junk = [
      randomBytes(rand, 200),
      Buffer.alloc(0),
      packed.subarray(0, packed.length >> 1),
      packed.subarray(0, 5),
    ];
    for (const [i, bytes] of junk.entries()) {
      assert.throws(
        () => decompressSync(name, bytes, MiB),
        (err: unknown) => err instanceof InvalidRecordError && err.kafkaErrorCode === 87,
        `${name} junk ${i}`,
      );
      await assert.rejects(decompress(name, bytes, MiB), InvalidRecordError, `${name} async junk ${i}`);
    }
  }
});

test('lz4 frames with dependent blocks go to the frame decoder, within the cap', () => {
  assert.equal((xxh32Short(Buffer.from([0x60, 0x40])) >> 8) & 0xff, 0x82, 'the header checksum we write');
  const input = compressibleBytes(prng(13), 150_000);
  const linked = Buffer.from(compressSync('lz4', input));
  linked[4] = 0x40; // FLG: version 1, block independence cleared
  linked[6] = (xxh32Short(linked.subarray(4, 6)) >> 8) & 0xff;
  assert.deepEqual(decompressSync('lz4', linked, 4 * MiB), input);
  // Three 64 KiB blocks bound the output at 192 KiB: a cap below that is refused up front.
  assert.throws(() => decompressSync('lz4', linked, input.length), DecompressionLimitError);
  const badChecksum = Buffer.from(linked);
  badChecksum[6] ^= 0xff;
  assert.throws(() => decompressSync('lz4', badChecksum, 4 * MiB), InvalidRecordError);
});

test('lz4 frames with trailing bytes, a dictionary id or a bad version are refused', () => {
  const packed = compressSync('lz4', Buffer.from('hello hello hello hello'));
  assert.throws(() => decompressSync('lz4', Buffer.concat([packed, Buffer.from([1])]), MiB), /after the end of the frame/);
  const dict = Buffer.from(packed);
  dict[4] = dict[4]! | 0x01;
  assert.throws(() => decompressSync('lz4', dict, MiB), /dictionary/);
  const version = Buffer.from(packed);
  version[4] = (version[4]! & 0x3f) | 0x80;
  assert.throws(() => decompressSync('lz4', version, MiB), /version/);
});
