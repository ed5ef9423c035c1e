// A growable byte writer for the Kafka primitive types (encoding rules in
// ../shared/kafka-protocol/README.md). Small values go into a scratch buffer; large byte
// strings (record sets, segment slices) are kept by reference as separate chunks, so that
// a fetch response can hand segment bytes to the socket without copying them.

import { ProtocolError } from '../../errors.ts';
import { uuidToBytes } from './uuid.ts';

/** Byte strings at least this long are kept by reference instead of copied. */
const REFERENCE_THRESHOLD = 1024;
const INITIAL_CAPACITY = 256;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

export class Writer {
  #chunks: Buffer[] = [];
  #chunksLength = 0;
  #buf: Buffer;
  #start = 0; // start of the part of #buf not yet moved into #chunks
  #pos = 0;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.#buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.#chunksLength + this.#pos - this.#start;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    this.#flushScratch();
    const capacity = Math.max(n, this.#buf.length * 2, INITIAL_CAPACITY);
    this.#buf = Buffer.allocUnsafe(capacity);
    this.#start = 0;
    this.#pos = 0;
  }

  #flushScratch(): void {
    if (this.#pos > this.#start) {
      const part = this.#buf.subarray(this.#start, this.#pos);
      this.#chunks.push(part);
      this.#chunksLength += part.length;
      this.#start = this.#pos;
    }
  }

  int8(v: number): this {
    this.#ensure(1);
    this.#buf.writeInt8(v, this.#pos);
    this.#pos += 1;
    return this;
  }

  uint8(v: number): this {
    this.#ensure(1);
    this.#buf[this.#pos++] = v & 0xff;
    return this;
  }

  boolean(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.#ensure(2);
    this.#buf.writeInt16BE(v, this.#pos);
    this.#pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.#ensure(2);
    this.#buf.writeUInt16BE(v, this.#pos);
    this.#pos += 2;
    return this;
  }

  int32(v: number): this {
    this.#ensure(4);
    this.#buf.writeInt32BE(v, this.#pos);
    this.#pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.#ensure(4);
    this.#buf.writeUInt32BE(v >>> 0, this.#pos);
    this.#pos += 4;
    return this;
  }

  int64(v: bigint): this {
    // Offsets, timestamps and ids are safe integers: two int32 writes cost less than
    // Buffer's BigInt arithmetic (writeBigInt64BE), and a fetch writes three per partition.
    if (v >= MIN_SAFE && v <= MAX_SAFE) return this.int64Number(Number(v));
    this.#ensure(8);
    this.#buf.writeBigInt64BE(v, this.#pos);
    this.#pos += 8;
    return this;
  }

  /** An int64 given as a JS number (safe-integer range), for hot paths. */
  int64Number(v: number): this {
    this.#ensure(8);
    const hi = Math.floor(v / 0x1_0000_0000);
    this.#buf.writeInt32BE(hi, this.#pos);
    this.#buf.writeUInt32BE(v - hi * 0x1_0000_0000, this.#pos + 4);
    this.#pos += 8;
    return this;
  }

  float64(v: number): this {
    this.#ensure(8);
    this.#buf.writeDoubleBE(v, this.#pos);
    this.#pos += 8;
    return this;
  }

  /** Unsigned LEB128 varint of a 32-bit value. */
  uvarint(v: number): this {
    this.#ensure(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.#buf[this.#pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.#buf[this.#pos++] = x;
    return this;
  }

  /** Zig-zag signed varint of a 32-bit value. */
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** Zig-zag signed varlong of a 64-bit value. */
  varlong(v: bigint): this {
    this.#ensure(10);
    let x = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (x >= 0x80n) {
      this.#buf[this.#pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.#buf[this.#pos++] = Number(x);
    return this;
  }

  uuid(v: string): this {
    return this.raw(uuidToBytes(v));
  }

  /** Bytes as they are, with no length prefix. */
  raw(data: Uint8Array): this {
    if (data.length >= REFERENCE_THRESHOLD) {
      this.#flushScratch();
      const b = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
      this.#chunks.push(b);
      this.#chunksLength += b.length;
      return this;
    }
    this.#ensure(data.length);
    this.#buf.set(data, this.#pos);
    this.#pos += data.length;
    return this;
  }

  /** UTF-8 text with no length prefix. */
  #utf8(s: string, byteLength: number): void {
    this.#ensure(byteLength);
    this.#pos += this.#buf.write(s, this.#pos, byteLength, 'utf8');
  }

  string(s: string): this {
    if (s.length === 0) return this.int16(0); // metadata and the like are mostly empty
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 0x7fff) throw new ProtocolError(`string of ${n} bytes exceeds int16 length`);
    this.int16(n);
    this.#utf8(s, n);
    return this;
  }

  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    return this.string(s);
  }

  compactString(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    this.uvarint(n + 1);
    this.#utf8(s, n);
    return this;
  }

  compactNullableString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    return this.compactString(s);
  }

  bytes(b: Uint8Array): this {
    this.int32(b.length);
    return this.raw(b);
  }

  nullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    return this.bytes(b);
  }

  compactBytes(b: Uint8Array): this {
    this.uvarint(b.length + 1);
    return this.raw(b);
  }

  compactNullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.uvarint(0);
    return this.compactBytes(b);
  }

  /** Appends everything another writer holds (by reference where it held references). */
  writer(other: Writer): this {
    for (const chunk of other.toChunks()) this.raw(chunk);
    return this;
  }

  /** The written bytes as a list of chunks, for writev-style output. */
  toChunks(): Buffer[] {
    this.#flushScratch();
    return this.#chunks.slice();
  }

  /** The written bytes as one buffer (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    this.#flushScratch();
    if (this.#chunks.length === 1) return this.#chunks[0]!;
    return Buffer.concat(this.#chunks, this.#chunksLength);
  }
}
