// The native CRC32C against a table implementation written from the spec.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../../../src/protocol/primitives/crc32c.ts';
import { crc32cOracle, prng, randomBytes, randomInt } from './helpers.ts';

test('the oracle gives the standard CRC-32C check values', () => {
  assert.equal(crc32cOracle(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32cOracle(Buffer.alloc(0)), 0);
  assert.equal(crc32cOracle(Buffer.alloc(32, 0)), 0x8a9136aa); // RFC 3720 B.4
  assert.equal(crc32cOracle(Buffer.alloc(32, 0xff)), 0x62a8ab43);
});

test('native crc32c matches the oracle on the check values', () => {
  for (const input of [Buffer.from('123456789'), Buffer.alloc(0), Buffer.alloc(32, 0), Buffer.alloc(32, 0xff)]) {
    assert.equal(crc32c(input), crc32cOracle(input));
  }
});

test('native crc32c matches the oracle over random buffers, sizes and views', () => {
  const rand = prng(0xc0ffee);
  for (let i = 0; i < 300; i++) {
    const size = i < 100 ? i : randomInt(rand, i < 290 ? 5000 : 200_000);
    const backing = randomBytes(rand, size + 16);
    const start = randomInt(rand, 16);
    const view = backing.subarray(start, start + size);
    assert.equal(crc32c(view), crc32cOracle(view), `size ${size} at ${start}`);
  }
});

test('crc32c returns an unsigned 32-bit value', () => {
  const rand = prng(7);
  for (let i = 0; i < 50; i++) {
    const v = crc32c(randomBytes(rand, 64));
    assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
  }
});
