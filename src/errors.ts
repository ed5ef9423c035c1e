// Project errors: thrown by Runnel code for conditions that are not Kafka refusals.
// Kafka refusals travel as error codes inside responses (see src/protocol/generated/error-codes.ts);
// these classes are for protocol violations, storage faults and misuse of the API.
// Every code is listed in docs/errors.md, and a test keeps the two equal.

export const ERROR_CODES = {
  PROTOCOL: 'RUNNEL_PROTOCOL',
  CORRUPT_LOG: 'RUNNEL_CORRUPT_LOG',
  DATA_DIR_LOCKED: 'RUNNEL_DATA_DIR_LOCKED',
  CONFIG: 'RUNNEL_CONFIG',
  STORAGE: 'RUNNEL_STORAGE',
} as const;

export type RunnelErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

// Each class names itself in a literal, not from new.target.name: bundling (bin/build.js) may
// rename a class, and `name` is what logs and callers see.
export class RunnelError extends Error {
  override name = 'RunnelError';
  readonly code: RunnelErrorCode;
  constructor(code: RunnelErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Bytes that do not follow the Kafka protocol: truncated, oversized, or malformed. */
export class ProtocolError extends RunnelError {
  override name = 'ProtocolError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.PROTOCOL, message, options);
  }
}

/** A log segment, index or metadata file whose contents fail validation. */
export class CorruptLogError extends RunnelError {
  override name = 'CorruptLogError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.CORRUPT_LOG, message, options);
  }
}

export class DataDirLockedError extends RunnelError {
  override name = 'DataDirLockedError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.DATA_DIR_LOCKED, message, options);
  }
}

export class ConfigError extends RunnelError {
  override name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.CONFIG, message, options);
  }
}

export class StorageError extends RunnelError {
  override name = 'StorageError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.STORAGE, message, options);
  }
}
