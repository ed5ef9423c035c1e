// The storage layer's public face: the log manager of a data directory, partition logs,
// topic metadata, and the fs seam (with its memory implementation for tests).

export { LogManager, CLEAN_SHUTDOWN_MARKER, CLEANER_OFFSET_CHECKPOINT, type LogManagerOptions, type LogManagerDefaults, type CreateTopicOptions } from './log-manager.ts';
export {
  PartitionLog,
  OFFSET_OUT_OF_RANGE,
  type AppendOptions,
  type AppendResult,
  type ReadOptions,
  type ReadResult,
  type TimestampAndOffset,
} from './log/partition-log.ts';
export { DEFAULT_LOG_DEFAULTS, resolveLogConfig, TOPIC_LOG_CONFIG_KEYS, type LogDefaults, type LogConfig } from './log/config.ts';
export type { RecoveryStats } from './log/recovery.ts';
export { cleanLog, planClean, type CleanOptions, type CleanResult } from './log/cleaner.ts';
export type { Decompress } from './log/records.ts';
export type { TopicMetadata, ClientQuota, QuotaEntity } from './meta/topic-store.ts';
export { validateTopicName, MAX_TOPIC_NAME_LENGTH } from './topic-name.ts';
export { MemoryFileSystem, NodeFileSystem, nodeFileSystem, type FileSystem, type CrashPolicy, type OpenMode } from './fs.ts';
export type { StorageLogger } from './logger.ts';
