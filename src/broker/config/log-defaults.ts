// The broker-wide log defaults that storage uses for topics without overrides, read from the
// broker's configs (static and dynamic) through each topic config's synonym. Recomputed and
// handed to the log manager whenever a dynamic broker config changes, so that a new
// log.segment.bytes or log.retention.ms applies at once.

import type { LogManagerDefaults } from '../../storage/index.ts';
import type { BrokerConfig } from './broker-config.ts';

export function logDefaultsFrom(config: BrokerConfig): LogManagerDefaults {
  const n = (topicConfig: string): number => Number(config.topicDefault(topicConfig));
  return {
    segmentBytes: n('segment.bytes'),
    segmentMs: n('segment.ms'),
    indexIntervalBytes: n('index.interval.bytes'),
    segmentIndexBytes: n('segment.index.bytes'),
    flushMessages: n('flush.messages'),
    flushMs: n('flush.ms'),
    retentionMs: n('retention.ms'),
    retentionBytes: n('retention.bytes'),
    cleanupPolicy: config.topicDefault('cleanup.policy') ?? 'delete',
    deleteRetentionMs: n('delete.retention.ms'),
    minCleanableDirtyRatio: n('min.cleanable.dirty.ratio'),
    minCompactionLagMs: n('min.compaction.lag.ms'),
    maxCompactionLagMs: n('max.compaction.lag.ms'),
    flushOffsetCheckpointIntervalMs: config.number('log.flush.offset.checkpoint.interval.ms'),
  };
}
