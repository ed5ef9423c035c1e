// Splits a byte stream into Kafka frames (int32 size + payload). A frame that fits in one
// socket chunk is returned as a view of it, without copying; one spread over chunks is
// joined once. Sizes below zero or above the limit are reported, so the connection can
// close as Kafka does (its InvalidReceiveException) before buffering anything.
//
// Frames of the API keys the owner names `reusable` (Produce: its handler copies the batch
// into the log before it answers and keeps no view of the request) are joined into one
// buffer that the decoder lends out and takes back with release(), instead of a new buffer
// per request, and socket chunks are copied into it as they arrive instead of waiting for
// the whole frame. A produce request of 1 MB arrives in many 64 KiB socket chunks; joining
// them took 4.5% of the event loop's busy time on 100 B records, a fresh 1 MB buffer per
// request, and pressure on the garbage collector (see read-buffers.ts).
//
// With `transient` chunks (the connection reads every socket into one buffer that the next
// read overwrites, see connection.ts), nothing may keep a view of a chunk: frames of
// reusable keys always go to the lent buffer when it is free, other frames are copied out,
// and detach() copies the bytes of an unfinished frame before the caller's buffer is reused.

export type FrameResult = { frame: Buffer } | { invalidSize: number } | null;

/** Frames up to this size may be joined into the lent buffer; larger ones get their own. */
const MAX_REUSED_BYTES = 8 << 20;

export class FrameDecoder {
  readonly #maxSize: number;
  readonly #reusable: (apiKey: number) => boolean;
  #chunks: Buffer[] = [];
  #length = 0;
  /** The buffer lent out for joined frames of reusable keys, and whether it is out now. */
  #spare: Buffer | null = null;
  #lent = false;
  /** Bytes of the frame being copied into the spare buffer (size prefix included), and how many are there. */
  #partialSize = 0;
  #partialFilled = 0;

  readonly #transient: boolean;
  /** The memory of the latest transient chunk, which the caller will overwrite. */
  #transientSource: ArrayBufferLike | null = null;

  constructor(maxSize: number, reusable: (apiKey: number) => boolean = () => false, options: { transient?: boolean } = {}) {
    this.#maxSize = maxSize;
    this.#reusable = reusable;
    this.#transient = options.transient ?? false;
  }

  /** Bytes held that are not yet a whole frame. */
  get buffered(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    if (this.#transient) this.#transientSource = chunk.buffer;
    this.#length += chunk.length;
    if (this.#partialSize > 0 && this.#partialFilled < this.#partialSize) {
      const take = Math.min(chunk.length, this.#partialSize - this.#partialFilled);
      chunk.copy(this.#spare!, this.#partialFilled, 0, take);
      this.#partialFilled += take;
      if (take === chunk.length) return;
      chunk = chunk.subarray(take);
    }
    this.#chunks.push(chunk);
  }

  /** The next whole frame's payload, an invalid size, or null when more bytes are needed. */
  next(): FrameResult {
    if (this.#partialSize > 0) {
      if (this.#partialFilled < this.#partialSize) return null;
      const n = this.#partialSize;
      this.#partialSize = 0;
      this.#length -= n;
      return { frame: this.#spare!.subarray(4, n) };
    }
    if (this.#length < 4) return null;
    const size = this.#peekSize();
    if (size < 0 || size > this.#maxSize) return { invalidSize: size };
    if ((this.#transient || this.#chunks[0]!.length < 4 + size) && size >= 2 && this.#length >= 6 && size <= MAX_REUSED_BYTES - 4 && !this.#lent && this.#reusable(this.#peekApiKey())) {
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
    if (this.#lent && this.#spare !== null && frame.buffer === this.#spare.buffer) this.#lent = false;
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
   * Lends out the spare buffer for a frame of n bytes (size prefix included) and copies what
   * has arrived of it; push() copies the rest as it comes.
   */
  #startPartial(n: number): void {
    // Its own ArrayBuffer (not a slice of Node's shared pool), so release() can tell it apart;
    // sized to a power of two so that requests of varying sizes do not each reallocate it.
    if (this.#spare === null || this.#spare.length < n) this.#spare = Buffer.allocUnsafeSlow(2 ** Math.ceil(Math.log2(Math.max(n, 1 << 16))));
    this.#lent = true;
    this.#partialSize = n;
    this.#partialFilled = 0;
    while (this.#partialFilled < n && this.#chunks.length > 0) {
      const chunk = this.#chunks[0]!;
      const take = Math.min(chunk.length, n - this.#partialFilled);
      chunk.copy(this.#spare, this.#partialFilled, 0, take);
      this.#partialFilled += take;
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
  }
}
