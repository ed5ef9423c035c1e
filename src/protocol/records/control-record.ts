// Control records (../shared/kafka-protocol/README.md, "Control records"): the records of a
// batch with the control attribute bit. The key is int16 version + int16 type; readers
// accept higher versions and read the same prefix. A transaction marker (COMMIT or ABORT)
// carries an EndTxnMarker value: int16 version (0) + int32 coordinator epoch.

import { InvalidRecordError } from './errors.ts';

export const CONTROL_RECORD_TYPE = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;

export const CONTROL_RECORD_KEY_SIZE = 4;
export const END_TXN_MARKER_VALUE_SIZE = 6;

export interface ControlRecordKey {
  version: number;
  /** One of CONTROL_RECORD_TYPE; any other value is an unknown type, to be ignored. */
  type: number;
}

export function encodeControlRecordKey(type: number, version = 0): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_RECORD_KEY_SIZE);
  key.writeInt16BE(version, 0);
  key.writeInt16BE(type, 2);
  return key;
}

export function decodeControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < CONTROL_RECORD_KEY_SIZE) {
    throw new InvalidRecordError(`invalid control record key size ${key?.length ?? -1}`);
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new InvalidRecordError(`invalid control record key version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

export interface EndTxnMarker {
  version: number;
  coordinatorEpoch: number;
}

export function encodeEndTxnMarker(coordinatorEpoch: number, version = 0): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  value.writeInt16BE(version, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

export function decodeEndTxnMarker(value: Buffer | null): EndTxnMarker {
  if (value === null || value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new InvalidRecordError(`invalid end transaction marker value size ${value?.length ?? -1}`);
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new InvalidRecordError(`invalid end transaction marker version ${version}`);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}
