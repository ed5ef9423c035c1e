// The record-batch compression codecs, by Kafka id (attributes bits 0-2): 0 none, 1 gzip,
// 2 snappy (xerial framing out, xerial or raw in), 3 lz4 (LZ4 frame, 64 KiB blocks),
// 4 zstd. A batch's records are compressed as one block; the 61-byte header and
// recordsCount never are.
//
// Every decompression takes a cap (`maxBytes`) and throws DecompressionLimitError rather
// than produce more: a few KiB of gzip or zstd can expand to gigabytes. Malformed payloads
// throw InvalidRecordError, an id outside 0..4 throws UnsupportedCompressionError; all three
// carry the Kafka error code to answer with.
//
// Sync or async: the sync functions run on the event loop; the async ones run zlib,
// snappy and lz4 on libuv's thread pool. Measured here (2 busy cores, 16 KiB of text),
// snappy, lz4 and zstd compress a batch in 60-140 µs and decompress it in 25-70 µs; gzip
// compresses 5-10x slower. The sync path suits a batch at a time; the async path suits
// recompressing whole segments or large batches without stalling other connections.
//
// Sizes: incompressible input grows a little. gzip adds 18 bytes plus 5 per 16 KiB stored
// block; xerial snappy 16 bytes of header plus 4 per 32 KiB block plus snappy's own ~1/6
// worst case; an LZ4 frame 7 bytes of header, 4 per block and a 4-byte end mark; a zstd
// frame under 20 bytes plus 3 per 128 KiB block. Decompressed sizes are bounded only by
// the cap.

import { UnsupportedCompressionError } from '../errors.ts';
import { COMPRESSION, type CompressionName } from '../batch-header.ts';
import {
  gzipCompress,
  gzipCompressSync,
  gzipDecompress,
  gzipDecompressSync,
  zstdCompress,
  zstdCompressSync,
  zstdDecompress,
  zstdDecompressSync,
} from './zlib.ts';
import { snappyCompress, snappyCompressSync, snappyDecompress, snappyDecompressSync } from './snappy.ts';
import { lz4Compress, lz4CompressSync, lz4Decompress, lz4DecompressSync } from './lz4.ts';

export { GZIP_DEFAULT_LEVEL, ZSTD_DEFAULT_LEVEL } from './zlib.ts';
export { isXerialFramed, snappyUncompressedLength, XERIAL_BLOCK_SIZE } from './snappy.ts';

export type CompressionId = (typeof COMPRESSION)[CompressionName];

/** Default cap for one batch's decompressed records: 64 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface CompressionCodec {
  readonly id: CompressionId;
  readonly name: CompressionName;
  /** `level` applies to gzip (1-9) and zstd (1-22); snappy and lz4 have none. */
  compressSync(data: Uint8Array, level?: number): Buffer;
  compress(data: Uint8Array, level?: number): Promise<Buffer>;
  decompressSync(data: Uint8Array, maxBytes: number): Buffer;
  decompress(data: Uint8Array, maxBytes: number): Promise<Buffer>;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}

const CODECS: readonly CompressionCodec[] = [
  {
    id: 0,
    name: 'none',
    compressSync: (data) => asBuffer(data),
    compress: async (data) => asBuffer(data),
    decompressSync: (data) => asBuffer(data),
    decompress: async (data) => asBuffer(data),
  },
  {
    id: 1,
    name: 'gzip',
    compressSync: gzipCompressSync,
    compress: gzipCompress,
    decompressSync: gzipDecompressSync,
    decompress: gzipDecompress,
  },
  {
    id: 2,
    name: 'snappy',
    compressSync: (data) => snappyCompressSync(data),
    compress: (data) => snappyCompress(data),
    decompressSync: snappyDecompressSync,
    decompress: snappyDecompress,
  },
  {
    id: 3,
    name: 'lz4',
    compressSync: (data) => lz4CompressSync(data),
    compress: (data) => lz4Compress(data),
    decompressSync: lz4DecompressSync,
    decompress: lz4Decompress,
  },
  {
    id: 4,
    name: 'zstd',
    compressSync: zstdCompressSync,
    compress: zstdCompress,
    decompressSync: zstdDecompressSync,
    decompress: zstdDecompress,
  },
];

/** The codec for a Kafka compression id or name; throws UnsupportedCompressionError. */
export function codecFor(compression: number | CompressionName): CompressionCodec {
  const id = typeof compression === 'number' ? compression : COMPRESSION[compression];
  const codec = id === undefined ? undefined : CODECS[id];
  if (codec === undefined || !Number.isInteger(id)) {
    throw new UnsupportedCompressionError(typeof id === 'number' ? id : -1, `unknown compression codec ${String(compression)}`);
  }
  return codec;
}

export function isKnownCompression(id: number): id is CompressionId {
  return Number.isInteger(id) && id >= 0 && id < CODECS.length;
}

export function compressSync(compression: number | CompressionName, data: Uint8Array, level?: number): Buffer {
  return codecFor(compression).compressSync(data, level);
}

export function compress(compression: number | CompressionName, data: Uint8Array, level?: number): Promise<Buffer> {
  try {
    return codecFor(compression).compress(data, level);
  } catch (err) {
    return Promise.reject(err);
  }
}

export function decompressSync(compression: number | CompressionName, data: Uint8Array, maxBytes: number): Buffer {
  return codecFor(compression).decompressSync(data, maxBytes);
}

export function decompress(compression: number | CompressionName, data: Uint8Array, maxBytes: number): Promise<Buffer> {
  try {
    return codecFor(compression).decompress(data, maxBytes);
  } catch (err) {
    return Promise.reject(err);
  }
}
