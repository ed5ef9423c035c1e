// The internal topics of the coordinators (__consumer_offsets, __transaction_state,
// __share_group_state): creating one on first need, and replaying one from its start, as a
// coordinator does when the broker starts: every data record of every partition, in offset
// order. Transaction markers go to an optional callback: the group coordinator's
// transactional offset commits become visible or vanish by them, as in Kafka. One loop
// serves every coordinator.

import { CONTROL_RECORD_TYPE, decodeRecordBatches, type KafkaRecord, type RecordBatch } from '../protocol/index.ts';
import type { LogManager, TopicMetadata } from '../storage/index.ts';

const READ_BYTES = 4 << 20;

/**
 * Calls `visit` for each data record of `topic` (with its batch: transactional offset
 * commits are written in transactional batches), and `marker` for each transaction marker
 * (the partition, the producer id, COMMIT or ABORT); returns how many records there were.
 */
export function replayInternalTopic(
  logs: LogManager,
  topic: string,
  visit: (record: KafkaRecord, batch: RecordBatch) => void,
  marker?: (partition: number, producerId: number, commit: boolean) => void,
): number {
  const metadata = logs.topic(topic);
  if (!metadata) return 0;
  let records = 0;
  for (let p = 0; p < metadata.partitions; p++) {
    const log = logs.partition(topic, p);
    if (!log) continue;
    let offset = log.logStartOffset;
    const end = log.highWatermark;
    while (offset < end) {
      const read = log.read(offset, READ_BYTES, { minOneBatch: true, maxOffset: end });
      if (read.errorCode !== 0 || read.bytes === 0) break;
      const batches = decodeRecordBatches(read.chunks.length === 1 ? read.chunks[0]! : Buffer.concat(read.chunks), { verifyCrc: false });
      if (batches.length === 0) break;
      for (const batch of batches) {
        offset = batch.baseOffset + batch.lastOffsetDelta + 1;
        if (batch.isControl) {
          const key = batch.records[0]?.key;
          const type = key && key.length >= 4 ? key.readInt16BE(2) : -1;
          if (marker && (type === CONTROL_RECORD_TYPE.ABORT || type === CONTROL_RECORD_TYPE.COMMIT)) marker(p, batch.producerId, type === CONTROL_RECORD_TYPE.COMMIT);
          continue;
        }
        for (const record of batch.records) {
          records++;
          visit(record, batch);
        }
      }
    }
  }
  return records;
}

/**
 * The internal topic, created if missing with the given partition count and segment size
 * (fixed at creation, as in Kafka), cleanup.policy=compact unless `configs` says otherwise.
 * Throws when creation fails.
 */
export function ensureInternalTopic(logs: LogManager, topic: string, partitions: number, segmentBytes: number, configs: Record<string, string> = {}): TopicMetadata {
  return (
    logs.topic(topic) ??
    logs.createTopic(topic, {
      partitions,
      configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(segmentBytes), ...configs },
    })
  );
}
