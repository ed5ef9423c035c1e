// lz4 (codec 3): one standard LZ4 frame (magic 0x184D2204), as Kafka's Java client
// (KafkaLZ4BlockOutputStream) and librdkafka write it for magic 2 batches, with a correct
// header checksum. Java's reader accepts only independent blocks, block sizes 64 KiB to
// 4 MiB and no dictionary id; lz4-napi (lz4_flex) writes exactly that by default (FLG 0x60:
// version 1, independent blocks, no checksums).
//
// The decompression cap: we walk the frame's block headers first, which gives an upper
// bound on the output (an uncompressed block counts its size, a compressed one its frame's
// maximum block size). Under the cap, the native frame decoder runs in one call. Over it,
// which a real batch near the cap or a bomb can be, the blocks are decoded one by one with
// the room left, so that we stop at the cap without ever inflating past it.

import { compressFrame, compressFrameSync, decompressFrame, decompressFrameSync, uncompressSync } from 'lz4-napi';
import { DecompressionLimitError, InvalidRecordError } from '../errors.ts';

const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

interface FrameLayout {
  /** Where the first block header starts. */
  blocksStart: number;
  blockMax: number;
  independent: boolean;
  blockChecksums: boolean;
  /** Upper bound of the decompressed size. */
  bound: number;
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
  const contentSize = (flg & 0x08) !== 0;
  const blockChecksums = (flg & 0x10) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const blocksStart = 6 + (contentSize ? 8 : 0) + 1;
  let at = blocksStart;
  let bound = 0;
  for (;;) {
    if (at + 4 > buf.length) throw invalid('block header is cut short');
    const word = buf.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fff_ffff;
    const uncompressed = word !== size;
    if (size > blockMax) throw invalid(`block of ${size} bytes exceeds the frame's ${blockMax}-byte maximum`);
    at += size + (blockChecksums ? 4 : 0);
    if (at > buf.length) throw invalid('block is cut short');
    bound += uncompressed ? size : blockMax;
  }
  at += contentChecksum ? 4 : 0;
  if (at !== buf.length) throw invalid(`${buf.length - at} bytes after the end of the frame`);
  return { blocksStart, blockMax, independent: (flg & 0x20) !== 0, blockChecksums, bound };
}

/** Block-by-block decoding that never writes past `maxBytes`; throws once it would. */
function decompressCapped(buf: Buffer, layout: FrameLayout, maxBytes: number): Buffer {
  // A block that refers back to earlier blocks needs them as a dictionary; Kafka's Java
  // reader refuses such frames, so over the cap we refuse them too rather than guess.
  if (!layout.independent) throw tooLarge(maxBytes);
  // lz4-napi's block decoder wants the output capacity as a 4-byte little-endian prefix; a
  // block's own length field sits right there, so one copy of the frame serves every block.
  const scratch = Buffer.from(buf);
  const parts: Buffer[] = [];
  let total = 0;
  let at = layout.blocksStart;
  for (;;) {
    const word = scratch.readUInt32LE(at);
    if (word === 0) break;
    const size = word & 0x7fff_ffff;
    const dataStart = at + 4;
    const room = maxBytes - total;
    let part: Buffer;
    if (word !== size) {
      if (size > room) throw tooLarge(maxBytes);
      part = scratch.subarray(dataStart, dataStart + size);
    } else {
      const capacity = Math.min(layout.blockMax, room);
      scratch.writeUInt32LE(capacity, at);
      try {
        part = uncompressSync(scratch.subarray(at, dataStart + size));
      } catch (err) {
        if (capacity < layout.blockMax) {
          // Either the block is bigger than the room left, or it is corrupt: tell which.
          scratch.writeUInt32LE(layout.blockMax, at);
          try {
            uncompressSync(scratch.subarray(at, dataStart + size));
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
    at = dataStart + size + (layout.blockChecksums ? 4 : 0);
  }
  return Buffer.concat(parts, total);
}

export function lz4DecompressSync(data: Uint8Array, maxBytes: number): Buffer {
  const buf = toBuffer(data);
  const layout = frameLayout(buf);
  if (layout.bound > maxBytes) return decompressCapped(buf, layout, maxBytes);
  let out: Buffer;
  try {
    out = decompressFrameSync(buf);
  } catch (err) {
    throw invalid((err as Error)?.message, err);
  }
  if (out.length > maxBytes) throw tooLarge(maxBytes);
  return out;
}

export async function lz4Decompress(data: Uint8Array, maxBytes: number): Promise<Buffer> {
  const buf = toBuffer(data);
  const layout = frameLayout(buf);
  if (layout.bound > maxBytes) return decompressCapped(buf, layout, maxBytes);
  let out: Buffer;
  try {
    out = await decompressFrame(buf);
  } catch (err) {
    throw invalid((err as Error)?.message, err);
  }
  if (out.length > maxBytes) throw tooLarge(maxBytes);
  return out;
}

export function lz4CompressSync(data: Uint8Array): Buffer {
  return compressFrameSync(toBuffer(data));
}

export function lz4Compress(data: Uint8Array): Promise<Buffer> {
  return compressFrame(data);
}
