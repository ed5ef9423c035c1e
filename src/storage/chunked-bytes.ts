// The bytes of one file of the memory file system. A file up to a chunk long is one buffer
// that doubles as it grows, so the many small files (indexes, checkpoints, 10,000 empty
// partitions) stay small; beyond that it is a list of fixed chunks, so that a segment
// growing to a GB never copies what it holds. One buffer doubling to a GB copied 512 MB
// and zero-filled a fresh GB in one go: produce requests of an in-memory broker taking
// 50 MB/s waited 1.6 s at p99 (was 5 ms), and the file took up to twice its size.

const CHUNK = 1 << 20;

export class ChunkedBytes {
  /** Chunk 0 is `CHUNK` long once the file passes it; the others always are. Missing: zeros. */
  #chunks: (Buffer | undefined)[] = [];
  /**
   * Bytes the file holds. What lies beyond it in the chunks is zero (a shrink zeros what
   * it cuts off), so growing the file, by a write past the end or a truncate, exposes zeros.
   */
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Writes `data` at `position`, growing the file (any gap reads as zeros). */
  write(data: Uint8Array, position: number): void {
    const end = position + data.length;
    let done = 0;
    while (done < data.length) {
      const at = position + done;
      const n = Math.min(data.length - done, CHUNK - (at % CHUNK));
      this.#writable(at, at + n).set(data.subarray(done, done + n), at % CHUNK);
      done += n;
    }
    if (end > this.#size) this.#size = end;
  }

  /** Copies up to `length` bytes at `position` into `buffer[offset..]`; returns the count. */
  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.#size - position));
    let done = 0;
    while (done < n) {
      const at = position + done;
      const inChunk = at % CHUNK;
      const step = Math.min(n - done, CHUNK - inChunk);
      const chunk = this.#chunks[Math.floor(at / CHUNK)];
      const held = chunk ? Math.max(0, Math.min(step, chunk.length - inChunk)) : 0;
      if (held > 0) buffer.set(chunk!.subarray(inChunk, inChunk + held), offset + done);
      if (held < step) buffer.fill(0, offset + done + held, offset + done + step);
      done += step;
    }
    return n;
  }

  /** Sets the size: a longer file reads zeros past the old end. */
  truncate(length: number): void {
    if (length < this.#size) {
      this.#chunks.length = Math.min(this.#chunks.length, Math.ceil(length / CHUNK));
      this.#zero(length, Math.min(this.#size, Math.ceil(length / CHUNK) * CHUNK));
    }
    this.#size = length;
  }

  /** The file's contents in one new buffer. */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.#size);
    this.read(out, 0, this.#size, 0);
    return out;
  }

  /** Makes bytes [from, to) of this file those of `source` (whose size must reach `to`), growing it to `to`. */
  copyFrom(source: ChunkedBytes, from: number, to: number): void {
    let at = from;
    while (at < to) {
      const n = Math.min(to - at, CHUNK - (at % CHUNK));
      source.read(this.#writable(at, at + n), at % CHUNK, n, at);
      at += n;
    }
    if (to > this.#size) this.#size = to;
  }

  /** Zeros [from, to) where chunks hold it (missing chunks and short chunk 0's end read as zeros). */
  #zero(from: number, to: number): void {
    let at = from;
    while (at < to) {
      const n = Math.min(to - at, CHUNK - (at % CHUNK));
      const chunk = this.#chunks[Math.floor(at / CHUNK)];
      if (chunk) chunk.fill(0, at % CHUNK, Math.min(chunk.length, (at % CHUNK) + n));
      at += n;
    }
  }

  /** The chunk holding [from, to) (one chunk's range), allocated or grown to hold it. */
  #writable(from: number, to: number): Buffer {
    const index = Math.floor(from / CHUNK);
    const chunk = this.#chunks[index];
    const need = to - index * CHUNK;
    if (chunk && chunk.length >= need) return chunk;
    // Only chunk 0 is ever shorter than CHUNK: it doubles until it is one chunk long.
    const length = index === 0 ? Math.min(CHUNK, Math.max(need, (chunk?.length ?? 0) * 2, 256)) : CHUNK;
    const next = Buffer.alloc(length);
    if (chunk) next.set(chunk);
    this.#chunks[index] = next;
    return next;
  }
}
