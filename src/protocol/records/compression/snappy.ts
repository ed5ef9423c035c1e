// snappy (codec 2). Two payload shapes exist in the wild:
//
//  - xerial framing, written by Kafka's Java client and by the broker when it recompresses
//    (snappy-java's SnappyOutputStream): the 16-byte header "\x82SNAPPY\x00", int32 version
//    (1), int32 minimum compatible version (1), then blocks of int32 big-endian length +
//    raw snappy, each holding up to 32 KiB of input;
//  - raw snappy, one block, written by librdkafka, kafkajs-snappy and several others.
//
// Every reader we need accepts both: Java's SnappyInputStream falls back to raw snappy when
// the header is absent, librdkafka's reader checks for the xerial magic and otherwise
// decodes raw, kafkajs-snappy does the same. We decompress both and compress to xerial,
// which is what a Kafka broker itself hands to consumers.
//
// The decompression cap is checked before anything is inflated: every raw snappy block
// starts with its uncompressed length as a varint, so the total is known up front.
//
// `copyOutputData`: on these machines (Node 24) snappy's default external output buffers
// cost 5-8x the copy they avoid (18 KiB: 90 µs against 17 µs), so we take the copy.

import { createRequire } from 'node:module';
import { DecompressionLimitError, InvalidRecordError } from '../errors.ts';

type Snappy = typeof import('snappy');
let loaded: Snappy | undefined;
/**
 * snappy, loaded on first use: its native library adds a few MB of resident memory to every
 * broker and client, most of which never meet a snappy batch (bench: idle RSS).
 */
function native(): Snappy {
  return (loaded ??= createRequire(import.meta.url)('snappy') as Snappy);
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_MIN_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size, which the Java producer uses. */
export const XERIAL_BLOCK_SIZE = 32 * 1024;
const COPY_OUT = { asBuffer: true, copyOutputData: true } as const;

export function isXerialFramed(data: Uint8Array): boolean {
  if (data.length < XERIAL_HEADER_SIZE) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The uncompressed length a raw snappy block announces (its leading varint). */
export function snappyUncompressedLength(data: Uint8Array, start = 0, end = data.length): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    if (start + i >= end) break;
    const b = data[start + i]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      if (result > 0xffff_ffff) break;
      return result;
    }
  }
  throw new InvalidRecordError('snappy block has no valid length preamble');
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}

function snappyFailure(err: unknown): InvalidRecordError {
  return new InvalidRecordError(`snappy payload does not decompress: ${(err as Error)?.message}`, { cause: err });
}

function tooLarge(maxBytes: number): DecompressionLimitError {
  return new DecompressionLimitError(maxBytes, `snappy payload decompresses past the limit of ${maxBytes} bytes`);
}

interface XerialBlocks {
  starts: number[];
  ends: number[];
  sizes: number[];
  total: number;
}

/** Walks the xerial blocks, checking every length against the bytes present and the cap. */
function xerialBlocks(data: Uint8Array, maxBytes: number): XerialBlocks {
  const buf = toBuffer(data);
  const blocks: XerialBlocks = { starts: [], ends: [], sizes: [], total: 0 };
  let at = XERIAL_HEADER_SIZE;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new InvalidRecordError('xerial snappy block length is cut short');
    const length = buf.readUInt32BE(at);
    at += 4;
    if (length === 0 || at + length > buf.length) {
      throw new InvalidRecordError(`xerial snappy block of ${length} bytes does not fit the payload`);
    }
    const size = snappyUncompressedLength(buf, at, at + length);
    blocks.total += size;
    if (blocks.total > maxBytes) throw tooLarge(maxBytes);
    blocks.starts.push(at);
    blocks.ends.push(at + length);
    blocks.sizes.push(size);
    at += length;
  }
  return blocks;
}

function rawUncompressSync(block: Buffer): Buffer {
  try {
    return native().uncompressSync(block, COPY_OUT) as Buffer;
  } catch (err) {
    throw snappyFailure(err);
  }
}

async function rawUncompress(block: Buffer): Promise<Buffer> {
  try {
    return (await native().uncompress(block, COPY_OUT)) as Buffer;
  } catch (err) {
    throw snappyFailure(err);
  }
}

function assemble(blocks: XerialBlocks, parts: Buffer[]): Buffer {
  if (parts.length === 1) return parts[0]!;
  const out = Buffer.allocUnsafe(blocks.total);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.length !== blocks.sizes[i]) throw new InvalidRecordError('snappy block length disagrees with its preamble');
    part.copy(out, at);
    at += part.length;
  }
  return out;
}

export function snappyDecompressSync(data: Uint8Array, maxBytes: number): Buffer {
  const buf = toBuffer(data);
  if (!isXerialFramed(buf)) {
    if (snappyUncompressedLength(buf) > maxBytes) throw tooLarge(maxBytes);
    return rawUncompressSync(buf);
  }
  const blocks = xerialBlocks(buf, maxBytes);
  const parts: Buffer[] = [];
  for (let i = 0; i < blocks.starts.length; i++) {
    parts.push(rawUncompressSync(buf.subarray(blocks.starts[i], blocks.ends[i])));
  }
  if (parts.length === 0) return Buffer.alloc(0);
  return assemble(blocks, parts);
}

export async function snappyDecompress(data: Uint8Array, maxBytes: number): Promise<Buffer> {
  const buf = toBuffer(data);
  if (!isXerialFramed(buf)) {
    if (snappyUncompressedLength(buf) > maxBytes) throw tooLarge(maxBytes);
    return rawUncompress(buf);
  }
  const blocks = xerialBlocks(buf, maxBytes);
  const parts = await Promise.all(
    blocks.starts.map((start, i) => rawUncompress(buf.subarray(start, blocks.ends[i]))),
  );
  if (parts.length === 0) return Buffer.alloc(0);
  return assemble(blocks, parts);
}

function writeXerial(blocks: Buffer[]): Buffer {
  let size = XERIAL_HEADER_SIZE;
  for (const b of blocks) size += 4 + b.length;
  const out = Buffer.allocUnsafe(size);
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(XERIAL_VERSION, 8);
  out.writeInt32BE(XERIAL_MIN_COMPATIBLE_VERSION, 12);
  let at = XERIAL_HEADER_SIZE;
  for (const b of blocks) {
    out.writeUInt32BE(b.length, at);
    b.copy(out, at + 4);
    at += 4 + b.length;
  }
  return out;
}

/**
 * Xerial-framed snappy. An empty input still gets one (empty) block: librdkafka only takes
 * the xerial path for payloads longer than header + 4 bytes, and would misread a bare header.
 */
export function snappyCompressSync(data: Uint8Array): Buffer {
  const blocks: Buffer[] = [];
  let at = 0;
  do {
    blocks.push(native().compressSync(data.subarray(at, at + XERIAL_BLOCK_SIZE), COPY_OUT));
    at += XERIAL_BLOCK_SIZE;
  } while (at < data.length);
  return writeXerial(blocks);
}

export async function snappyCompress(data: Uint8Array): Promise<Buffer> {
  const inputs: Uint8Array[] = [];
  let at = 0;
  do {
    inputs.push(data.subarray(at, at + XERIAL_BLOCK_SIZE));
    at += XERIAL_BLOCK_SIZE;
  } while (at < data.length);
  return writeXerial(await Promise.all(inputs.map((input) => native().compress(input, COPY_OUT))));
}
