// Junk in, ProtocolError out: random bytes, truncations and single-byte mutations of valid
// encodings, for every request and response at every version. Decoding either succeeds or
// throws ProtocolError; any other error (RangeError, TypeError, out of memory) fails, and a
// hang trips the timeout. Bounded and seeded, so a failure reproduces.

import assert from 'node:assert/strict';
import test from 'node:test';
import { ProtocolError } from '../../../src/errors.ts';
import { decodeRequestHeader, decodeResponseHeader } from '../../../src/protocol/frame.ts';
import { Reader } from '../../../src/protocol/primitives/reader.ts';
import { Writer } from '../../../src/protocol/primitives/writer.ts';
import { allMessages, codecOf, prng, SampleBuilder, SKIP_REASON, SPEC_PRESENT, versionsOf } from './samples.ts';

const TRUNCATIONS = 48;
const MUTATIONS = 48;
const RANDOM_INPUTS = 8;

function decodesOrRefuses(decode: () => unknown, where: string): boolean {
  try {
    decode();
    return true;
  } catch (err) {
    if (!(err instanceof ProtocolError)) {
      assert.fail(`${where}: threw ${(err as Error)?.name}: ${(err as Error)?.message}\n${(err as Error)?.stack}`);
    }
    return false;
  }
}

const messages = SPEC_PRESENT ? allMessages() : [];

test('every message at every version: junk decodes or throws ProtocolError', { skip: !SPEC_PRESENT && SKIP_REASON, timeout: 120_000 }, () => {
  const rand = prng(20240601);
  const int = (n: number) => Math.floor(rand() * n);
  let decodes = 0;
  let refused = 0;
  for (const { api, msg } of messages) {
    const codec = codecOf(api, msg);
    for (const version of versionsOf(msg)) {
      const w = new Writer();
      codec.encode(w, version, new SampleBuilder(api, msg, version * 31 + 5, { unknownTags: true }).message(version));
      const valid = w.toBuffer();
      const inputs: [string, Buffer][] = [];
      const cuts = Math.min(valid.length, TRUNCATIONS);
      for (let i = 0; i < cuts; i++) {
        const at = valid.length <= TRUNCATIONS ? i : int(valid.length);
        inputs.push([`truncated to ${at}`, valid.subarray(0, at)]);
      }
      for (let i = 0; i < MUTATIONS; i++) {
        const b = Buffer.from(valid);
        const at = int(b.length);
        // Half the mutations write bytes that make lengths and counts huge or negative.
        b[at] = rand() < 0.5 ? [0x00, 0x7f, 0x80, 0xff][int(4)]! : int(256);
        inputs.push([`byte ${at} = ${b[at]}`, b]);
      }
      for (let i = 0; i < RANDOM_INPUTS; i++) {
        const b = Buffer.alloc(int(96));
        for (let j = 0; j < b.length; j++) b[j] = int(256);
        inputs.push([`random ${b.toString('hex')}`, b]);
      }
      for (const [what, input] of inputs) {
        const ok = decodesOrRefuses(() => codec.decode(new Reader(input), version), `${msg.name} v${version} ${what}`);
        decodes++;
        if (!ok) refused++;
      }
    }
  }
  assert.ok(decodes > 50_000, `only ${decodes} decodes`);
  assert.ok(refused > decodes / 4, `only ${refused} of ${decodes} refused`);
});

test('random request and response headers decode or throw ProtocolError', () => {
  const rand = prng(7);
  const int = (n: number) => Math.floor(rand() * n);
  for (let i = 0; i < 20_000; i++) {
    const b = Buffer.alloc(int(24));
    for (let j = 0; j < b.length; j++) b[j] = int(256);
    // Mostly real API keys, so that the known-key paths run too.
    if (b.length >= 2 && rand() < 0.8) b.writeInt16BE(int(93), 0);
    decodesOrRefuses(() => decodeRequestHeader(b), `request header ${b.toString('hex')}`);
    decodesOrRefuses(() => decodeResponseHeader(b, int(93), int(20)), `response header ${b.toString('hex')}`);
  }
});
