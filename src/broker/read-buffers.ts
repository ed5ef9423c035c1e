// Buffers that fetch reads segment bytes into, reused once the socket has written them.
//
// A fetch response carries up to a MiB per partition, read from the segment into a buffer
// that the socket then writes. Allocated fresh each time, those buffers made V8 run a full
// mark-compact every ~20 MB fetched (the broker's heap is small, so is its old-generation
// limit, and the collections were started on reaching it while the heap itself stayed at
// ~11 MB: --trace-gc --trace-incremental-marking), and the collector's threads cost more
// CPU than the fetch path itself. Reused, they cost one allocation per size class.
//
// A buffer is lent by take() and comes back through release(), which the connection calls
// with a response's chunks once the socket has handed them to the kernel, and fetch with the
// reads a long poll drops. A lent buffer that never comes back (a response not sent on a
// closed connection, bytes the encoder copied) is only tracked weakly and collected as any
// other.

/** Smallest and largest pooled sizes; requests outside get a plain buffer. */
const MIN_POOLED = 64 << 10;
const MAX_POOLED = 8 << 20;
/**
 * Free bytes kept, all size classes together; more are left to the garbage collector. One
 * response can be as large as fetch.max.bytes (librdkafka asks for 50 MiB): with 1,000
 * partitions of data, that is 50 buffers of 1 MiB. Kept at 16 MiB per class, 34 of them were
 * allocated afresh for each such fetch, and fresh memory costs its first touch (on this
 * project's VMs, more than the fetch itself): 1.5-1.9 CPU s per GB fetched, against 1.0-1.2.
 */
const MAX_FREE_BYTES = 64 << 20;

export class ReadBufferPool {
  /** Free buffers by size class (log2 of the size). */
  readonly #free = new Map<number, Buffer[]>();
  /** The ArrayBuffers lent out, with the whole buffer to put back. */
  readonly #lent = new WeakMap<ArrayBufferLike, Buffer>();
  #freeBytes = 0;

  /** A buffer of at least `size` bytes (contents undefined). */
  take(size: number): Buffer {
    if (size < MIN_POOLED || size > MAX_POOLED) return Buffer.allocUnsafe(size);
    const sizeClass = Math.ceil(Math.log2(size));
    // Each pooled buffer has its own ArrayBuffer (never a slice of Node's shared pool), so
    // that a chunk's .buffer names it.
    const reused = this.#free.get(sizeClass)?.pop();
    if (reused) this.#freeBytes -= reused.length;
    const buf = reused ?? Buffer.allocUnsafeSlow(2 ** sizeClass);
    this.#lent.set(buf.buffer, buf);
    return buf;
  }

  /** Puts back the pooled buffers among `chunks` (views of them count); others are ignored. */
  release(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) {
      const buf = this.#lent.get(chunk.buffer);
      if (buf === undefined) continue;
      this.#lent.delete(chunk.buffer);
      const sizeClass = Math.log2(buf.length);
      let free = this.#free.get(sizeClass);
      if (free === undefined) this.#free.set(sizeClass, (free = []));
      if (this.#freeBytes + buf.length <= MAX_FREE_BYTES) {
        free.push(buf);
        this.#freeBytes += buf.length;
      }
    }
  }

  /** Whether any of `chunks` is a view of a lent buffer. */
  holdsAny(chunks: readonly Buffer[]): boolean {
    for (const chunk of chunks) if (this.#lent.has(chunk.buffer)) return true;
    return false;
  }
}

/** One pool for the process: brokers in one process (tests, startCluster) share it safely. */
export const readBuffers = new ReadBufferPool();
