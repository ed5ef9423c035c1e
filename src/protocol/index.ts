// The protocol layer's public surface: byte primitives, the generated message codecs with the API
// and error tables, and framing. Other layers import from here, not from the files behind it.
// Nested struct types whose names several APIs share (NodeEndpoint, PartitionData, ...) are
// not re-exported by name: import them from src/protocol/generated/<api>.ts.

export { ProtocolError } from '../errors.ts';
export * from './primitives/index.ts';
export {
  EMPTY_BUFFER,
  type RecordsData,
  type UnknownTaggedField,
} from './primitives/tagged.ts';
export * from './generated/index.ts';
export * from './frame.ts';
