// Record batches (magic 2): the fixed header read and patched in place, the produce-path
// validation that never decodes records, whole-batch encode/decode, the compression codecs
// and control records. Other layers import this file, not the modules behind it.

export * from './batch-header.ts';
export {
  RECORD_ERROR_CODES,
  RecordsError,
  CorruptRecordError,
  InvalidRecordError,
  UnsupportedCompressionError,
  DecompressionLimitError,
} from './errors.ts';
export {
  decodeRecord,
  decodeRecords,
  encodeRecord,
  recordBodySize,
  recordSize,
  sizeOfVarint,
  sizeOfVarlong,
  writeRecord,
  type KafkaRecord,
  type RecordContext,
  type RecordHeader,
  type RecordInput,
} from './record.ts';
export {
  CONTROL_RECORD_KEY_SIZE,
  CONTROL_RECORD_TYPE,
  END_TXN_MARKER_VALUE_SIZE,
  decodeControlRecordKey,
  decodeEndTxnMarker,
  encodeControlRecordKey,
  encodeEndTxnMarker,
  type ControlRecordKey,
  type EndTxnMarker,
} from './control-record.ts';
export {
  BatchCursor,
  TIMESTAMP_TYPE,
  decodeRecordBatch,
  decodeRecordBatchAsync,
  decodeRecordBatches,
  encodeEndTxnMarkerBatch,
  encodeRecordBatch,
  encodeRecordBatchAsync,
  iterateBatches,
  readBatchHeader,
  type BatchEntry,
  type DecodeBatchOptions,
  type EncodeBatchOptions,
  type EndTxnMarkerBatchOptions,
  type RecordBatch,
  type RecordBatchHeader,
} from './record-batch.ts';
export {
  validateProducedRecords,
  type BatchInfo,
  type RecordsErrorCode,
  type RejectedRecords,
  type ValidateRecordsOptions,
  type ValidateRecordsResult,
  type ValidatedRecords,
} from './validate.ts';
export {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  GZIP_DEFAULT_LEVEL,
  XERIAL_BLOCK_SIZE,
  ZSTD_DEFAULT_LEVEL,
  codecFor,
  compress,
  compressSync,
  decompress,
  decompressSync,
  isKnownCompression,
  isXerialFramed,
  snappyUncompressedLength,
  type CompressionCodec,
  type CompressionId,
} from './compression/index.ts';
