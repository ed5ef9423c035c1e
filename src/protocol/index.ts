// The protocol layer's public surface: byte primitives, the generated message codecs with the API
// and error tables, framing, and record batches. Other layers import from here, not from the
// files behind it. Nested struct types whose names several APIs share (NodeEndpoint,
// PartitionData, ...) are reached through the API's namespace: Fetch.PartitionData,
// Fetch.createPartitionData().

export { ProtocolError } from '../errors.ts';
export * from './primitives/index.ts';
export {
  EMPTY_BUFFER,
  type RecordsData,
  type UnknownTaggedField,
} from './primitives/tagged.ts';
export * from './generated/index.ts';
export * from './frame.ts';
export * from './records/index.ts';
