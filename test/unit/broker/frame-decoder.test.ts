// FrameDecoder: frames cut from a byte stream however it is chunked, including frames of a
// reusable key joined into pooled buffers while their chunks arrive.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FrameDecoder } from '../../../src/broker/frame-decoder.ts';
import { prng } from '../../helpers/prng.ts';

const PRODUCE = 0;

/** A frame: int32 size, then apiKey int16 and `bodyBytes` bytes of a pattern seeded by `tag`. */
function frame(apiKey: number, bodyBytes: number, tag: number): Buffer {
  const out = Buffer.alloc(4 + 2 + bodyBytes);
  out.writeInt32BE(2 + bodyBytes, 0);
  out.writeInt16BE(apiKey, 4);
  for (let i = 0; i < bodyBytes; i++) out[6 + i] = (tag * 31 + i) & 0xff;
  return out;
}

function chunked(stream: Buffer, random: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    const n = Math.min(stream.length - at, 1 + Math.floor(random() * (random() < 0.2 ? 5 : 70_000)));
    // Each chunk its own copy, as socket reads are.
    chunks.push(Buffer.from(stream.subarray(at, at + n)));
    at += n;
  }
  return chunks;
}

test('frames come out whole and in order however the stream is chunked; reused frames are intact until released', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const random = prng(seed);
    const frames = Array.from({ length: 40 }, (_, i) => frame(random() < 0.6 ? PRODUCE : 3, Math.floor(random() * (random() < 0.3 ? 300_000 : 200)), seed * 100 + i));
    const decoder = new FrameDecoder(1 << 30, (apiKey) => apiKey === PRODUCE);
    const got: Buffer[] = [];
    // Frames are released late, two at a time, as a connection holding a queue would.
    const held: Buffer[] = [];
    for (const chunk of chunked(Buffer.concat(frames), random)) {
      decoder.push(chunk);
      for (let r = decoder.next(); r !== null; r = decoder.next()) {
        assert.ok('frame' in r);
        const index = got.length;
        assert.deepEqual(r.frame, frames[index]!.subarray(4), `seed ${seed}, frame ${index}`);
        for (const h of held) assert.deepEqual(h, frames[got.indexOf(h)]!.subarray(4), `seed ${seed}: a held frame changed`);
        got.push(r.frame);
        held.push(r.frame);
        if (held.length > 1) decoder.release(held.shift()!);
      }
    }
    assert.equal(got.length, frames.length, `seed ${seed}`);
    assert.equal(decoder.buffered, 0);
  }
});

test('a frame of a reusable key spread over chunks shares the buffer of the previous one once it is released', () => {
  const decoder = new FrameDecoder(1 << 30, (apiKey) => apiKey === PRODUCE);
  const take = (f: Buffer): Buffer => {
    decoder.push(f.subarray(0, 10));
    assert.equal(decoder.next(), null);
    decoder.push(f.subarray(10));
    const r = decoder.next();
    assert.ok(r !== null && 'frame' in r);
    assert.deepEqual(r.frame, f.subarray(4));
    return r.frame;
  };
  const a = take(frame(PRODUCE, 1000, 1));
  const b = take(frame(PRODUCE, 1000, 2));
  assert.notEqual(a.buffer, b.buffer, 'the first frame was not released: the second one gets its own buffer');
  assert.deepEqual(a, frame(PRODUCE, 1000, 1).subarray(4));
  decoder.release(a);
  const c = take(frame(PRODUCE, 500, 3));
  assert.equal(c.buffer, a.buffer);
  const other = take(frame(3, 1000, 4));
  assert.notEqual(other.buffer, a.buffer, 'other keys never use the lent buffer');
});

test('transient chunks: every chunk arrives in one buffer that is overwritten after each read, and no frame changes', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const random = prng(seed);
    const frames = Array.from({ length: 40 }, (_, i) => frame(random() < 0.6 ? PRODUCE : 3, Math.floor(random() * (random() < 0.3 ? 300_000 : 200)), seed * 100 + i));
    const decoder = new FrameDecoder(1 << 30, (apiKey) => apiKey === PRODUCE, { transient: true });
    // As a socket reading into one reused buffer: each chunk is copied into it, and the
    // buffer is scribbled over once the decoder has had it.
    const readBuffer = Buffer.alloc(70_000);
    let count = 0;
    // Frames not yet released, by index; all but the newest are released after each read.
    const held = new Map<number, Buffer>();
    for (const chunk of chunked(Buffer.concat(frames), random)) {
      chunk.copy(readBuffer);
      decoder.push(readBuffer.subarray(0, chunk.length));
      for (let r = decoder.next(); r !== null; r = decoder.next()) {
        assert.ok('frame' in r);
        assert.notEqual(r.frame.buffer, readBuffer.buffer, 'a frame is never a view of the read buffer');
        held.set(count++, r.frame);
      }
      decoder.detach();
      readBuffer.fill(0xee);
      for (const [i, h] of held) assert.deepEqual(h, frames[i]!.subarray(4), `seed ${seed}: frame ${i} changed`);
      for (const i of [...held.keys()].slice(0, -1)) {
        decoder.release(held.get(i)!);
        held.delete(i);
      }
    }
    assert.equal(count, frames.length, `seed ${seed}`);
    assert.equal(decoder.buffered, 0);
  }
});

test('sizes out of range are reported before anything is buffered', () => {
  const decoder = new FrameDecoder(100);
  const header = Buffer.alloc(4);
  header.writeInt32BE(101);
  decoder.push(header);
  assert.deepEqual(decoder.next(), { invalidSize: 101 });
  const negative = new FrameDecoder(100);
  header.writeInt32BE(-1);
  negative.push(header);
  assert.deepEqual(negative.next(), { invalidSize: -1 });
});
