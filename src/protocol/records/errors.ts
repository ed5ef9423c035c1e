// Errors raised while reading or writing record batches. Each carries the Kafka error code
// that a broker puts into a Produce response for the partition (../shared/kafka-protocol,
// "Error codes"), so that a handler can turn any of them into data without a lookup table.
// They extend ProtocolError: a decoder fed junk raises only our protocol error (the fuzz
// tests hold it to that). A handler must answer with `kafkaErrorCode` rather than treat
// them like framing errors that close the connection.

import { ProtocolError } from '../../errors.ts';

/** The Kafka error codes that record validation can answer with (names as in the spec). */
export const RECORD_ERROR_CODES = {
  NONE: 0,
  CORRUPT_MESSAGE: 2,
  MESSAGE_TOO_LARGE: 10,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_RECORD: 87,
} as const;

export class RecordsError extends ProtocolError {
  override name = 'RecordsError';
  /** The Kafka error code a broker answers with for the affected partition. */
  readonly kafkaErrorCode: number;
  constructor(kafkaErrorCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kafkaErrorCode = kafkaErrorCode;
  }
}

/** Framing that does not hold: bad CRC, bad length or magic, bytes cut short. */
export class CorruptRecordError extends RecordsError {
  override name = 'CorruptRecordError';
  constructor(message: string, options?: ErrorOptions) {
    super(RECORD_ERROR_CODES.CORRUPT_MESSAGE, message, options);
  }
}

/**
 * A batch whose framing holds but whose contents do not: a record that does not parse, a
 * payload that does not decompress, counts that disagree. Kafka's InvalidRecordException.
 */
export class InvalidRecordError extends RecordsError {
  override name = 'InvalidRecordError';
  constructor(message: string, options?: ErrorOptions) {
    super(RECORD_ERROR_CODES.INVALID_RECORD, message, options);
  }
}

/**
 * A compression codec id outside 0..4. Kafka itself has no clean answer here (its
 * CompressionType.forId throws IllegalArgumentException, which reaches the client as
 * UNKNOWN_SERVER_ERROR); we answer UNSUPPORTED_COMPRESSION_TYPE, which is not retriable
 * and names the actual problem.
 */
export class UnsupportedCompressionError extends RecordsError {
  override name = 'UnsupportedCompressionError';
  readonly compressionId: number;
  constructor(compressionId: number, message = `unknown compression codec id ${compressionId}`) {
    super(RECORD_ERROR_CODES.UNSUPPORTED_COMPRESSION_TYPE, message);
    this.compressionId = compressionId;
  }
}

/**
 * A compressed payload that would decompress past the caller's cap (a decompression bomb,
 * or a batch larger than the broker is willing to expand). MESSAGE_TOO_LARGE makes the
 * Java producer split the batch and retry, which is the right reaction for a real one.
 */
export class DecompressionLimitError extends RecordsError {
  override name = 'DecompressionLimitError';
  readonly limit: number;
  constructor(limit: number, message = `decompressed size exceeds the limit of ${limit} bytes`) {
    super(RECORD_ERROR_CODES.MESSAGE_TOO_LARGE, message);
    this.limit = limit;
  }
}
