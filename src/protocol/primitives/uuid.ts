// Kafka's Uuid: 16 bytes on the wire, shown as URL-safe base64 without padding (22
// characters), as Kafka's Uuid.toString() prints topic ids. We carry the string form.

import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../../errors.ts';

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidToBytes(id: string): Buffer {
  const b = Buffer.from(id, 'base64url');
  if (b.length !== 16) throw new ProtocolError(`invalid uuid ${JSON.stringify(id)}`);
  return b;
}

export function uuidFromBytes(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, 16).toString('base64url');
}

/**
 * A random (version 4) uuid. Kafka also avoids ids whose string form starts with '-',
 * because its command-line tools would read them as options, and never hands out the
 * zero uuid or the reserved "one" uuid.
 */
export function randomUuid(): string {
  for (;;) {
    const b = randomBytes(16);
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const id = b.toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
