// gzip (codec 1) and zstd (codec 4) through node:zlib. Both streams are standard: Java's
// GZIPOutputStream and zstd-jni, librdkafka and kafkajs write the same formats, and
// node:zlib reads concatenated gzip members and zstd frames as Kafka's readers do.
//
// The decompression cap is zlib's own `maxOutputLength`: it stops inflating as soon as the
// output would pass the cap, so a bomb costs at most `maxBytes` of memory.

import type zlibModule from 'node:zlib';
import { createRequire } from 'node:module';
import { kMaxLength } from 'node:buffer';
import { DecompressionLimitError, InvalidRecordError } from '../errors.ts';

let loaded: typeof zlibModule | undefined;
/** node:zlib, loaded on first use, as the other codecs: ~2 MB of resident memory that most brokers never need. */
function zlib(): typeof zlibModule {
  return (loaded ??= createRequire(import.meta.url)('node:zlib') as typeof zlibModule);
}

/** Kafka's defaults (compression.gzip.level = zlib's default, 6; compression.zstd.level = 3). */
export const GZIP_DEFAULT_LEVEL = 6;
export const ZSTD_DEFAULT_LEVEL = 3;

function outputCap(maxBytes: number): number {
  return Math.max(1, Math.min(Math.floor(maxBytes), kMaxLength));
}

/** Turns a zlib failure into our error: over the cap, or not a valid stream. */
export function zlibError(codec: string, maxBytes: number, err: unknown): Error {
  if ((err as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE') {
    return new DecompressionLimitError(maxBytes, `${codec} payload decompresses past the limit of ${maxBytes} bytes`);
  }
  return new InvalidRecordError(`${codec} payload does not decompress: ${(err as Error)?.message}`, { cause: err });
}

function checkCap(codec: string, out: Buffer, maxBytes: number): Buffer {
  if (out.length > maxBytes) {
    throw new DecompressionLimitError(maxBytes, `${codec} payload decompresses past the limit of ${maxBytes} bytes`);
  }
  return out;
}

export function gzipCompressSync(data: Uint8Array, level = GZIP_DEFAULT_LEVEL): Buffer {
  return zlib().gzipSync(data, { level });
}

export function gzipDecompressSync(data: Uint8Array, maxBytes: number): Buffer {
  let out: Buffer;
  try {
    out = zlib().gunzipSync(data, { maxOutputLength: outputCap(maxBytes) });
  } catch (err) {
    throw zlibError('gzip', maxBytes, err);
  }
  return checkCap('gzip', out, maxBytes);
}

export function gzipCompress(data: Uint8Array, level = GZIP_DEFAULT_LEVEL): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib().gzip(data, { level }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

export function gzipDecompress(data: Uint8Array, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib().gunzip(data, { maxOutputLength: outputCap(maxBytes) }, (err, out) => {
      if (err) reject(zlibError('gzip', maxBytes, err));
      else {
        try {
          resolve(checkCap('gzip', out, maxBytes));
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}

function zstdParams(level: number): zlibModule.ZstdOptions {
  return { params: { [zlib().constants.ZSTD_c_compressionLevel]: level } };
}

export function zstdCompressSync(data: Uint8Array, level = ZSTD_DEFAULT_LEVEL): Buffer {
  return zlib().zstdCompressSync(data, zstdParams(level));
}

export function zstdDecompressSync(data: Uint8Array, maxBytes: number): Buffer {
  let out: Buffer;
  try {
    out = zlib().zstdDecompressSync(data, { maxOutputLength: outputCap(maxBytes) });
  } catch (err) {
    throw zlibError('zstd', maxBytes, err);
  }
  return checkCap('zstd', out, maxBytes);
}

export function zstdCompress(data: Uint8Array, level = ZSTD_DEFAULT_LEVEL): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib().zstdCompress(data, zstdParams(level), (err, out) => (err ? reject(err) : resolve(out)));
  });
}

export function zstdDecompress(data: Uint8Array, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib().zstdDecompress(data, { maxOutputLength: outputCap(maxBytes) }, (err, out) => {
      if (err) reject(zlibError('zstd', maxBytes, err));
      else {
        try {
          resolve(checkCap('zstd', out, maxBytes));
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}
