export { Reader } from './reader.ts';
export { Writer } from './writer.ts';
export { crc32c } from './crc32c.ts';
export { ZERO_UUID, randomUuid, uuidFromBytes, uuidToBytes } from './uuid.ts';
