// What the generated message codecs (src/protocol/generated/) share besides Reader and Writer:
// the tagged-field section of flexible versions (KIP-482), `records` fields, and the errors a
// codec raises. Kept small and hand-written so the generated files stay straight-line code.

import { ProtocolError } from '../../errors.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/**
 * A tagged field this codec does not know (a newer Kafka's, or one of a version that lacks it),
 * kept as raw bytes so that it is written back unchanged, as Kafka's generated messages do.
 */
export interface UnknownTaggedField {
  tag: number;
  data: Buffer;
}

/**
 * The value of a `records` field to encode: one buffer, or chunks written back to back by
 * reference (segment slices), so a fetch response never concatenates log bytes.
 * Decoding always yields a single Buffer (a view into the request or response bytes).
 */
export type RecordsData = Buffer | readonly Buffer[];

/** The default of non-nullable `bytes` and `records` fields. Zero length, so it cannot be mutated. */
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

/**
 * Reads a tagged-field section whose tags are all unknown to the struct.
 * Returns undefined for an empty section, so decoded structs stay equal to created ones.
 */
export function readTaggedFields(r: Reader): UnknownTaggedField[] | undefined {
  const count = r.uvarint();
  if (count === 0) return undefined;
  const fields: UnknownTaggedField[] = [];
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    fields.push({ tag, data: r.raw(r.uvarint()) });
  }
  return fields;
}

/** Writes a tagged-field section holding only the given unknown fields (one 0x00 byte if none). */
export function writeTaggedFields(w: Writer, fields: readonly UnknownTaggedField[] | undefined): void {
  if (fields === undefined || fields.length === 0) {
    w.uvarint(0);
    return;
  }
  w.uvarint(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    w.uvarint(f.tag);
    w.uvarint(f.data.length);
    w.raw(f.data);
  }
}

/**
 * Writes the unknown fields from index `from` on whose tag is below `tag`, and returns the index
 * of the first one not written. Interleaves unknown tags with known ones in increasing order, as
 * Kafka's RawTaggedFieldWriter does.
 */
export function writeUnknownTaggedFieldsBelow(
  w: Writer,
  fields: readonly UnknownTaggedField[] | undefined,
  from: number,
  tag: number,
): number {
  if (fields === undefined) return from;
  let i = from;
  while (i < fields.length && fields[i]!.tag < tag) {
    const f = fields[i]!;
    w.uvarint(f.tag);
    w.uvarint(f.data.length);
    w.raw(f.data);
    i++;
  }
  return i;
}

/** Writes a `records` field: classic (int32 length, -1 for null) or compact (uvarint length + 1, 0 for null). */
export function writeRecords(w: Writer, compact: boolean, data: RecordsData | null): void {
  if (data === null) {
    if (compact) w.uvarint(0);
    else w.int32(-1);
    return;
  }
  if (Buffer.isBuffer(data)) {
    if (compact) w.uvarint(data.length + 1);
    else w.int32(data.length);
    w.raw(data);
    return;
  }
  let length = 0;
  for (let i = 0; i < data.length; i++) length += data[i]!.length;
  if (compact) w.uvarint(length + 1);
  else w.int32(length);
  for (let i = 0; i < data.length; i++) w.raw(data[i]!);
}

/** A null value in a version where the field is not nullable. */
export function nullError(field: string, version: number): ProtocolError {
  return new ProtocolError(`${field} is not nullable in version ${version}`);
}

/** A message version outside the range the codec knows. */
export function unsupportedVersion(message: string, version: number): ProtocolError {
  return new ProtocolError(`${message} version ${version} is not supported`);
}
