// Splits a byte stream into Kafka frames (int32 size + payload). A frame that fits in one
// socket chunk is returned as a view of it, without copying; one spread over chunks is
// joined once. Sizes below zero or above the limit are reported, so the connection can
// close as Kafka does (its InvalidReceiveException) before buffering anything.
//
// Frames of the API keys the owner names `reusable` (Produce: its handler copies the batch
// into the log before it answers and keeps no view of the request) are joined into buffers
// of the process's pool (read-buffers.ts), taken when the frame's size is known and given
// back with release(), instead of a new buffer per request; socket chunks are copied into
// them as they arrive instead of waiting for the whole frame. A produce request of 1 MB
// arrives in many socket chunks; joining them took 4.5% of the event loop's busy time on
// 100 B records, a fresh 1 MB buffer per request, and pressure on the garbage collector.
// Each frame has a buffer of its own, so a pipelining producer's next request is copied in
// while the previous one still waits in the connection's queue: with one buffer per
// connection, that next request's first chunks were copied out twice, into fresh buffers
// each time (41 MB of 307 MB produced by kcat), which had V8 run a full mark-compact every
// ~150 MB.
//
// With `transient` chunks (the connection reads every socket into one buffer that the next
// read overwrites, see connection.ts), nothing may keep a view of a chunk: frames of
// reusable keys always go to pooled buffers, other frames are copied out,
// and detach() copies the bytes of an unfinished frame before the caller's buffer is reused.

import { readBuffers } from './read-buffers.ts';

export type FrameResult = { frame: Buffer } | { invalidSize: number } | null;

/** Frames up to this size are joined into pooled buffers; larger ones get their own. */
const MAX_REUSED_BYTES = 8 << 20;

/** Where joined frames of reusable keys come from and go back to. */
export interface FrameBuffers {
  /** A buffer of at least `size` bytes (contents undefined). */
  take(size: number): Buffer;
  /** Gives back the buffers `chunks` are views of (others are ignored). */
  release(chunks: readonly Buffer[]): void;
}

export class FrameDecoder {
  readonly #maxSize: number;
  readonly #reusable: (apiKey: number) => boolean;
  #chunks: Buffer[] = [];
  #length = 0;
  readonly #buffers: FrameBuffers;
  /** The pooled buffer of the frame being copied in, its bytes (size prefix included), and how many are there. */
  #partial: Buffer | null = null;
  #partialSize = 0;
  #partialFilled = 0;

  readonly #transient: boolean;
  /** The memory of the latest transient chunk, which the caller will overwrite. */
  #transientSource: ArrayBufferLike | null = null;

  constructor(maxSize: number, reusable: (apiKey: number) => boolean = () => false, options: { transient?: boolean; buffers?: FrameBuffers } = {}) {
    this.#maxSize = maxSize;
    this.#reusable = reusable;
    this.#transient = options.transient ?? false;
    this.#buffers = options.buffers ?? readBuffers;
  }

  /** Bytes held that are not yet a whole frame. */
  get buffered(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    if (this.#transient) this.#transientSource = chunk.buffer;
    this.#length += chunk.length;
    if (this.#partial !== null && this.#partialFilled < this.#partialSize) {
      const take = Math.min(chunk.length, this.#partialSize - this.#partialFilled);
      chunk.copy(this.#partial, this.#partialFilled, 0, take);
      this.#partialFilled += take;
      if (take === chunk.length) return;
      chunk = chunk.subarray(take);
    }
    this.#chunks.push(chunk);
  }

  /** The next whole frame's payload, an invalid size, or null when more bytes are needed. */
  next(): FrameResult {
    if (this.#partial !== null) {
      if (this.#partialFilled < this.#partialSize) return null;
      const frame = this.#partial.subarray(4, this.#partialSize);
      this.#length -= this.#partialSize;
      this.#partial = null;
      return { frame };
    }
    if (this.#length < 4) return null;
    const size = this.#peekSize();
    if (size < 0 || size > this.#maxSize) return { invalidSize: size };
    if ((this.#transient || this.#chunks[0]!.length < 4 + size) && size >= 2 && this.#length >= 6 && size <= MAX_REUSED_BYTES - 4 && this.#reusable(this.#peekApiKey())) {
      this.#startPartial(4 + size);
      return this.next();
    }
    if (this.#length < 4 + size) return null;
    const frame = this.#take(4 + size).subarray(4);
    // A frame joined from several chunks is already a copy; one cut from the latest chunk is not.
    return { frame: frame.buffer === this.#transientSource ? Buffer.from(frame) : frame };
  }

  /**
   * With transient chunks: copies the bytes held that are not yet a whole frame, because the
   * caller is about to reuse the buffer they are in. Call it after next() has returned null.
   */
  detach(): void {
    const chunks = this.#chunks;
    for (let i = 0; i < chunks.length; i++) if (chunks[i]!.buffer === this.#transientSource) chunks[i] = Buffer.from(chunks[i]!);
    this.#transientSource = null;
  }

  /** Takes back a frame that next() returned, once nothing refers to it any more. */
  release(frame: Buffer): void {
    this.#buffers.release([frame]);
  }

  #peekSize(): number {
    const first = this.#chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.#joinHead(4).readInt32BE(0);
  }

  /** The request's API key: the int16 after the size. */
  #peekApiKey(): number {
    const first = this.#chunks[0]!;
    if (first.length >= 6) return first.readInt16BE(4);
    return this.#joinHead(6).readInt16BE(4);
  }

  /** Makes the first chunk at least n bytes long. */
  #joinHead(n: number): Buffer {
    let have = 0;
    let count = 0;
    while (have < n) have += this.#chunks[count++]!.length;
    const joined = Buffer.concat(this.#chunks.slice(0, count), have);
    this.#chunks.splice(0, count, joined);
    return joined;
  }

  #take(n: number): Buffer {
    let first = this.#chunks[0]!;
    if (first.length < n) first = this.#joinHead(n);
    this.#length -= n;
    if (first.length === n) {
      this.#chunks.shift();
      return first;
    }
    this.#chunks[0] = first.subarray(n);
    return first.subarray(0, n);
  }

  /**
   * Takes a pooled buffer for a frame of n bytes (size prefix included) and copies what has
   * arrived of it; push() copies the rest as it comes.
   */
  #startPartial(n: number): void {
    // At least 64 KiB, the pool's smallest size: a small request reuses a buffer too.
    const partial = this.#buffers.take(Math.max(n, 1 << 16));
    this.#partial = partial;
    this.#partialSize = n;
    this.#partialFilled = 0;
    while (this.#partialFilled < n && this.#chunks.length > 0) {
      const chunk = this.#chunks[0]!;
      const take = Math.min(chunk.length, n - this.#partialFilled);
      chunk.copy(partial, this.#partialFilled, 0, take);
      this.#partialFilled += take;
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
  }
}
