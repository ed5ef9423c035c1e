// lz4 (codec 3): one standard LZ4 frame (magic 0x184D2204), as Kafka's Java client
// (KafkaLZ4BlockOutputStream) and librdkafka write it for magic 2 batches, with a correct
// header checksum. Java's reader accepts only independent blocks, block sizes 64 KiB to
// 4 MiB and no dictionary id.
//
// We write the frame ourselves around lz4-napi's block codec, exactly as Java does by
// default: FLG 0x60 (version 1, independent blocks, no checksums), BD 0x40 (64 KiB blocks),
// a block stored uncompressed when compression would not shrink it. On these machines the
// block codec runs 2-5x faster than lz4-napi's frame codec (lz4_flex's streaming reader).
//
// Reading: we walk the frame's block headers first, which checks its structure and bounds
// the output (an uncompressed block counts its size, a compressed one the frame's maximum
// block size). Independent blocks are then decoded one by one, each with no more room than
// the cap leaves, so a bomb stops at the cap without being inflated past it. Block and
// content checksums are not verified: the batch's CRC32C already covers these bytes. A
// frame with dependent blocks (which Java refuses, but the format allows) goes to the
// native frame decoder, within the cap's bound.

import { createRequire } from 'node:module';
import { DecompressionLimitError, InvalidRecordError } from '../errors.ts';

type Lz4Napi = typeof import('lz4-napi');
let loaded: Lz4Napi | undefined;
/**
 * lz4-napi, loaded on first use: its native library adds a few MB of resident memory to every
 * broker and client, most of which never meet an lz4 batch (bench: idle RSS).
 */
function native(): Lz4Napi {
  return (loaded ??= createRequire(import.meta.url)('lz4-napi') as Lz4Napi);
}

const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };
/** The block size we write: Java's default (BD 0x40). */
export const LZ4_BLOCK_SIZE = 64 * 1024;
/** Magic, FLG 0x60, BD 0x40, and the header checksum of those two bytes: (xxh32(60 40) >> 8) & 0xff. */
const FRAME_HEADER = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
const UNCOMPRESSED_BIT = 0x8000_0000;

interface FrameLayout {
  blockMax: number;
  independent: boolean;
  /** Upper bound of the decompressed size. */
  bound: number;
  /** Per block: where its 4-byte size word sits, its data length, whether stored raw. */
  words: number[];
  sizes: number[];
  raw: boolean[];
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}

function invalid(reason: string, cause?: unknown): InvalidRecordError {
  return new InvalidRecordError(`lz4 payload does not decompress: ${reason}`, cause === undefined ? undefined : { cause });
}

function tooLarge(maxBytes: number): DecompressionLimitError {
  return new DecompressionLimitError(maxBytes, `lz4 payload decompresses past the limit of ${maxBytes} bytes`);
}

/** Checks the frame's structure (header, block lengths, end mark, nothing after it). */
function frameLayout(buf: Buffer): FrameLayout {
  if (buf.length < 7) throw invalid('frame header is cut short');
  if (buf.readUInt32LE(0) !== FRAME_MAGIC) throw invalid('not an LZ4 frame');
  const flg = buf[4]!;
  const bd = buf[5]!;
  if (flg >> 6 !== 1) throw invalid(`unsupported frame version ${flg >> 6}`);
  if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw invalid('reserved frame bits are set');
  if ((flg & 0x01) !== 0) throw invalid('frames with a dictionary id are not supported');
  const blockMax = BLOCK_MAX_SIZES[(bd >> 4) & 0x07];
  if (blockMax === undefined) throw invalid(`invalid block size id ${(bd >> 4) & 0x07}`);
  const blockChecksums = (flg & 0x10) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const layout: FrameLayout = { blockMax, independent: (flg & 0x20) !== 0, bound: 0, words: [], sizes: [], raw: [] };
  let at = 6 + ((flg & 0x08) !== 0 ? 8 : 0) + 1;
  for (;;) {
    if (at + 4 > buf.length) throw invalid('block header is cut short');
    const word = buf.readUInt32LE(at);
    if (word === 0) {
      at += 4;
      break;
    }
    const size = word & 0x7fff_ffff;
    const raw = word !== size;
    if (size > blockMax) throw invalid(`block of ${size} bytes exceeds the frame's ${blockMax}-byte maximum`);
    layout.words.push(at);
    layout.sizes.push(size);
    layout.raw.push(raw);
    layout.bound += raw ? size : blockMax;
    at += 4 + size + (blockChecksums ? 4 : 0);
    if (at > buf.length) throw invalid('block is cut short');
  }
  at += contentChecksum ? 4 : 0;
  if (at !== buf.length) throw invalid(`${buf.length - at} bytes after the end of the frame`);
  return layout;
}

function join(parts: Buffer[], total: number): Buffer {
  if (parts.length === 1) return parts[0]!;
  return parts.length === 0 ? Buffer.alloc(0) : Buffer.concat(parts, total);
}

/**
 * lz4-napi's block decoder takes the output capacity as a 4-byte little-endian prefix. A
 * block's own size word sits right before its data, so one copy of the frame serves every
 * block: write the capacity over the size word and decode from there.
 */
function decodeBlocksSync(buf: Buffer, layout: FrameLayout, maxBytes: number): Buffer {
  const scratch = layout.raw.every(Boolean) ? buf : Buffer.from(buf);
  const parts: Buffer[] = [];
  let total = 0;
  for (let i = 0; i < layout.words.length; i++) {
    const word = layout.words[i]!;
    const size = layout.sizes[i]!;
    const room = maxBytes - total;
    let part: Buffer;
    if (layout.raw[i]) {
      if (size > room) throw tooLarge(maxBytes);
      part = scratch.subarray(word + 4, word + 4 + size);
    } else {
      const capacity = Math.min(layout.blockMax, room);
      scratch.writeUInt32LE(capacity, word);
      try {
        part = native().uncompressSync(scratch.subarray(word, word + 4 + size));
      } catch (err) {
        if (capacity < layout.blockMax) {
          // Either the block needs more room than the cap leaves, or it is corrupt: tell which.
          scratch.writeUInt32LE(layout.blockMax, word);
          try {
            native().uncompressSync(scratch.subarray(word, word + 4 + size));
          } catch (err2) {
            throw invalid((err2 as Error)?.message, err2);
          }
          throw tooLarge(maxBytes);
        }
        throw invalid((err as Error)?.message, err);
      }
    }
    parts.push(part);
    total += part.length;
  }
  return join(parts, total);
}

function decodeLinkedSync(buf: Buffer, layout: FrameLayout, maxBytes: number): Buffer {
  if (layout.bound > maxBytes) throw tooLarge(maxBytes);
  let out: Buffer;
  try {
    out = native().decompressFrameSync(buf);
  } catch (err) {
    throw invalid((err as Error)?.message, err);
  }
  if (out.length > maxBytes) throw tooLarge(maxBytes);
  return out;
}

export function lz4DecompressSync(data: Uint8Array, maxBytes: number): Buffer {
  const buf = toBuffer(data);
  const layout = frameLayout(buf);
  return layout.independent ? decodeBlocksSync(buf, layout, maxBytes) : decodeLinkedSync(buf, layout, maxBytes);
}

export async function lz4Decompress(data: Uint8Array, maxBytes: number): Promise<Buffer> {
  const buf = toBuffer(data);
  const layout = frameLayout(buf);
  if (!layout.independent) {
    if (layout.bound > maxBytes) throw tooLarge(maxBytes);
    let out: Buffer;
    try {
      out = await native().decompressFrame(buf);
    } catch (err) {
      throw invalid((err as Error)?.message, err);
    }
    if (out.length > maxBytes) throw tooLarge(maxBytes);
    return out;
  }
  // Near or over the cap, blocks must be decoded in order, each with the room left.
  if (layout.bound > maxBytes) return decodeBlocksSync(buf, layout, maxBytes);
  const scratch = Buffer.from(buf);
  const parts = await Promise.all(
    layout.words.map(async (word, i) => {
      const size = layout.sizes[i]!;
      if (layout.raw[i]) return scratch.subarray(word + 4, word + 4 + size);
      scratch.writeUInt32LE(layout.blockMax, word);
      try {
        return await native().uncompress(scratch.subarray(word, word + 4 + size));
      } catch (err) {
        throw invalid((err as Error)?.message, err);
      }
    }),
  );
  let total = 0;
  for (const p of parts) total += p.length;
  return join(parts, total);
}

/** The frame around compressed blocks: a block that did not shrink is stored raw. */
function writeFrame(input: Buffer, blocks: Buffer[]): Buffer {
  let size = FRAME_HEADER.length + 4;
  for (let i = 0; i < blocks.length; i++) {
    const inputLength = Math.min(LZ4_BLOCK_SIZE, input.length - i * LZ4_BLOCK_SIZE);
    size += 4 + Math.min(blocks[i]!.length - 4, inputLength);
  }
  const out = Buffer.allocUnsafe(size);
  FRAME_HEADER.copy(out, 0);
  let at = FRAME_HEADER.length;
  for (let i = 0; i < blocks.length; i++) {
    const start = i * LZ4_BLOCK_SIZE;
    const chunk = input.subarray(start, start + LZ4_BLOCK_SIZE);
    const compressed = blocks[i]!.subarray(4); // past lz4-napi's size prefix
    if (compressed.length < chunk.length) {
      out.writeUInt32LE(compressed.length, at);
      compressed.copy(out, at + 4);
      at += 4 + compressed.length;
    } else {
      out.writeUInt32LE((chunk.length | UNCOMPRESSED_BIT) >>> 0, at);
      chunk.copy(out, at + 4);
      at += 4 + chunk.length;
    }
  }
  out.writeUInt32LE(0, at);
  return out;
}

function chunks(input: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; at += LZ4_BLOCK_SIZE) out.push(input.subarray(at, at + LZ4_BLOCK_SIZE));
  return out;
}

export function lz4CompressSync(data: Uint8Array): Buffer {
  const input = toBuffer(data);
  return writeFrame(input, chunks(input).map((chunk) => native().compressSync(chunk)));
}

export async function lz4Compress(data: Uint8Array): Promise<Buffer> {
  const input = toBuffer(data);
  return writeFrame(input, await Promise.all(chunks(input).map((chunk) => native().compress(chunk))));
}
