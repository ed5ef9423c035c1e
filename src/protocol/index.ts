// The protocol layer's public surface: byte primitives, the generated message codecs with the API
// and error tables, framing, and record batches. Other layers import from here, not from the
// files behind it. Nested struct types whose names several APIs share (NodeEndpoint,
// PartitionData, ...) are reached through the API's namespace: Fetch.PartitionData.
//
// The message modules' values (their create/encode/decode functions) are not re-exported:
// importing them all would load all 77 at start, ~10 MB of resident memory for a broker that
// meets a dozen (generated/apis.ts). Code reaches them through the API table, which loads a
// module on first use: API.Fetch.decodeRequest(...), API.Fetch.messages().createPartitionData().

export { ProtocolError } from '../errors.ts';
export * from './primitives/index.ts';
export {
  EMPTY_BUFFER,
  type RecordsData,
  type UnknownTaggedField,
} from './primitives/tagged.ts';
export type * from './generated/index.ts';
export * from './generated/apis.ts';
export * from './generated/error-codes.ts';
export * from './frame.ts';
export * from './records/index.ts';
