// Shared by the record tests: a table-driven CRC32C written from the spec (the oracle for
// the native one), and a seeded PRNG so that random and fuzz tests are reproducible.

const CRC32C_POLY_REFLECTED = 0x82f63b78;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CRC32C_POLY_REFLECTED : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C: reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF. */
export function crc32cOracle(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** mulberry32: a small seeded PRNG, values in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

export function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = randomInt(rand, 256);
  return b;
}

/** Text that compresses well, like real payloads. */
export function compressibleBytes(rand: () => number, n: number): Buffer {
  const words = ['kafka', 'record', 'batch', 'offset', 'partition', 'leader', '{"id":', '"value":', ' ', '\n'];
  const parts: string[] = [];
  let size = 0;
  while (size < n) {
    const w = words[randomInt(rand, words.length)]!;
    parts.push(w);
    size += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}
