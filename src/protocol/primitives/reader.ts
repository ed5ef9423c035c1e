// A bounds-checked reader of the Kafka primitive types. Every read past the end, negative
// length or malformed varint throws ProtocolError, so that a decoder fed junk raises only
// our protocol error (the fuzz tests hold it to that). Byte strings are returned as views
// into the input (no copy).

import { ProtocolError } from '../../errors.ts';
import { uuidFromBytes } from './uuid.ts';

export class Reader {
  readonly buffer: Buffer;
  offset: number;
  readonly end: number;

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  #need(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end) {
      throw new ProtocolError(`need ${n} bytes at offset ${at}, have ${this.end - at}`);
    }
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.buffer.readInt8(this.#need(1));
  }

  uint8(): number {
    return this.buffer[this.#need(1)]!;
  }

  boolean(): boolean {
    return this.uint8() !== 0;
  }

  int16(): number {
    return this.buffer.readInt16BE(this.#need(2));
  }

  uint16(): number {
    return this.buffer.readUInt16BE(this.#need(2));
  }

  int32(): number {
    return this.buffer.readInt32BE(this.#need(4));
  }

  uint32(): number {
    return this.buffer.readUInt32BE(this.#need(4));
  }

  int64(): bigint {
    const at = this.#need(8);
    const high = this.buffer.readInt32BE(at);
    // Within the safe-integer range (|high| < 2^21), one BigInt from a number costs less than
    // readBigInt64BE's two and their shift and sum.
    if (high >= -0x20_0000 && high < 0x20_0000) return BigInt(high * 0x1_0000_0000 + this.buffer.readUInt32BE(at + 4));
    return this.buffer.readBigInt64BE(at);
  }

  /** An int64 as a JS number; exact within the safe-integer range (offsets, timestamps). */
  int64Number(): number {
    const at = this.#need(8);
    return this.buffer.readInt32BE(at) * 0x1_0000_0000 + this.buffer.readUInt32BE(at + 4);
  }

  float64(): number {
    return this.buffer.readDoubleBE(this.#need(8));
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.uint8();
      if (shift === 28 && byte > 0x0f) throw new ProtocolError('varint is too long');
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }

  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.uint8();
      if (shift === 63n && byte > 0x01) throw new ProtocolError('varlong is too long');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7n;
    }
    return (result >> 1n) ^ -(result & 1n);
  }

  uuid(): string {
    return uuidFromBytes(this.raw(16));
  }

  /** `n` bytes as a view into the input. */
  raw(n: number): Buffer {
    const at = this.#need(n);
    return this.buffer.subarray(at, at + n);
  }

  #utf8(n: number): string {
    const at = this.#need(n);
    return this.buffer.toString('utf8', at, at + n);
  }

  string(): string {
    const n = this.int16();
    if (n < 0) throw new ProtocolError('null string where a string is required');
    return this.#utf8(n);
  }

  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    return this.#utf8(n);
  }

  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError('null string where a string is required');
    return this.#utf8(n - 1);
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.#utf8(n - 1);
  }

  bytes(): Buffer {
    const n = this.int32();
    if (n < 0) throw new ProtocolError('null bytes where bytes are required');
    return this.raw(n);
  }

  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    return this.raw(n);
  }

  compactBytes(): Buffer {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError('null bytes where bytes are required');
    return this.raw(n - 1);
  }

  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.raw(n - 1);
  }

  /** An array length (int32; -1 is null). Checks the count against the bytes left. */
  arrayLength(minElementSize = 1): number {
    const n = this.int32();
    if (n >= 0 && n * minElementSize > this.remaining) {
      throw new ProtocolError(`array of ${n} elements exceeds the ${this.remaining} bytes left`);
    }
    return n;
  }

  /** A compact array length (uvarint N+1; 0 is null, returned as -1). */
  compactArrayLength(minElementSize = 1): number {
    const n = this.uvarint() - 1;
    if (n >= 0 && n * minElementSize > this.remaining) {
      throw new ProtocolError(`array of ${n} elements exceeds the ${this.remaining} bytes left`);
    }
    return n;
  }
}
