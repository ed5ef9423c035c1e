// Splits a byte stream into Kafka frames (int32 size + payload). A frame that fits in one
// socket chunk is returned as a view of it, without copying; one spread over chunks is
// joined once. Sizes below zero or above the limit are reported, so the connection can
// close as Kafka does (its InvalidReceiveException) before buffering anything.

export type FrameResult = { frame: Buffer } | { invalidSize: number } | null;

export class FrameDecoder {
  readonly #maxSize: number;
  #chunks: Buffer[] = [];
  #length = 0;

  constructor(maxSize: number) {
    this.#maxSize = maxSize;
  }

  /** Bytes held that are not yet a whole frame. */
  get buffered(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** The next whole frame's payload, an invalid size, or null when more bytes are needed. */
  next(): FrameResult {
    if (this.#length < 4) return null;
    const size = this.#peekSize();
    if (size < 0 || size > this.#maxSize) return { invalidSize: size };
    if (this.#length < 4 + size) return null;
    return { frame: this.#take(4 + size).subarray(4) };
  }

  #peekSize(): number {
    const first = this.#chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.#joinHead(4).readInt32BE(0);
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
}
