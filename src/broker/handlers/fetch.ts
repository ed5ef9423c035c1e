// Fetch (key 1), versions 4-18. Versions 0-3 carry the legacy message formats and are not
// served (as in Kafka 4): a request at one closes the connection.
//
// Reads every requested partition from its fetch offset up to the high watermark (the last
// stable offset for read_committed; equal on a single node until transactions land), and
// returns the segment bytes as they are on disk. Limits: MaxBytes (capped by the broker's
// fetch.max.bytes) for the response and PartitionMaxBytes per partition, except that the
// first batch of the first partition with data is returned whole even when larger (KIP-74),
// so a consumer can always make progress.
// Long polling: while fewer than MinBytes are available and MaxWaitMs has not passed, the
// request waits for an append to any of its partitions, then reads again. A partition
// error answers at once.
// Errors per partition: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID (v13+, topics by id),
// OFFSET_OUT_OF_RANGE (with the high watermark and log start offset, so the client can
// reset), FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH against the partition's leader epoch.
// Fetch sessions (KIP-227): Runnel does not create sessions; it answers SessionId 0, which
// tells clients to keep sending full fetch requests, as Kafka does when its session cache is
// full. A request naming a session gets FETCH_SESSION_ID_NOT_FOUND.

import { API, ErrorCode, Fetch } from '../../protocol/index.ts';
import type { PartitionLog } from '../../storage/index.ts';
import { defineHandler } from '../dispatch.ts';

const LEADER_EPOCH = 0;
const READ_COMMITTED = 1;
const EMPTY = Buffer.alloc(0);

type FetchResponse = ReturnType<typeof API.Fetch.createResponse>;
type PartitionData = FetchResponse['responses'][number]['partitions'][number];

interface PartitionRead {
  readonly partitionIndex: number;
  readonly log: PartitionLog | undefined;
  readonly errorCode: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
}

function partitionData(partitionIndex: number, errorCode: number, log: PartitionLog | undefined, readCommitted: boolean): PartitionData {
  const p: PartitionData = Fetch.createPartitionData();
  p.partitionIndex = partitionIndex;
  p.errorCode = errorCode;
  p.highWatermark = log ? BigInt(log.highWatermark) : -1n;
  p.lastStableOffset = log ? BigInt(log.highWatermark) : -1n;
  p.logStartOffset = log ? BigInt(log.logStartOffset) : -1n;
  p.abortedTransactions = readCommitted ? [] : null;
  p.records = EMPTY;
  return p;
}

export const fetchHandler = defineHandler(API.Fetch, {
  minVersion: 4,
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.Fetch.createResponse();
    response.sessionId = 0;
    const fullFetch = request.sessionId === 0 && (request.sessionEpoch === 0 || request.sessionEpoch === -1);
    if (!fullFetch) {
      response.errorCode = ErrorCode.FETCH_SESSION_ID_NOT_FOUND;
      return response;
    }
    const readCommitted = request.isolationLevel === READ_COMMITTED;

    // Resolve every partition once; the read loop below may run several times.
    const topics = request.topics.map((t) => {
      const topic = apiVersion >= 13 ? broker.logs.topicById(t.topicId) : broker.logs.topic(t.topic);
      const missing = apiVersion >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const partitions: PartitionRead[] = t.partitions.map((p) => {
        const log = topic ? broker.logs.partition(topic.name, p.partition) : undefined;
        let errorCode: number = 0;
        if (!topic) errorCode = missing;
        else if (!log) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.currentLeaderEpoch > LEADER_EPOCH) errorCode = ErrorCode.UNKNOWN_LEADER_EPOCH;
        else if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < LEADER_EPOCH) errorCode = ErrorCode.FENCED_LEADER_EPOCH;
        return { partitionIndex: p.partition, log, errorCode, fetchOffset: Number(p.fetchOffset), partitionMaxBytes: p.partitionMaxBytes };
      });
      return { topic: t.topic, topicId: t.topicId, partitions };
    });
    const logs = topics.flatMap((t) => t.partitions.flatMap((p) => (p.log ? [p.log] : [])));
    const maxBytes = Math.min(request.maxBytes, broker.config.number('fetch.max.bytes'));
    const deadline = Date.now() + Math.max(request.maxWaitMs, 0);

    for (;;) {
      let remaining = maxBytes;
      let total = 0;
      let anyError = false;
      response.responses = topics.map((t) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => {
          if (p.errorCode !== 0) {
            anyError = true;
            return partitionData(p.partitionIndex, p.errorCode, p.log, readCommitted);
          }
          const log = p.log!;
          const limit = Math.max(Math.min(p.partitionMaxBytes, remaining), 0);
          let read;
          try {
            read = log.read(p.fetchOffset, limit, { minOneBatch: total === 0, maxOffset: log.highWatermark });
          } catch (err) {
            // The topic may have been deleted while this request waited.
            anyError = true;
            if (log.closed !== true) broker.logger.error('fetch read failed', { cause: err });
            return partitionData(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, undefined, readCommitted);
          }
          if (read.errorCode !== 0) {
            anyError = true;
            return partitionData(p.partitionIndex, ErrorCode.OFFSET_OUT_OF_RANGE, log, readCommitted);
          }
          const data = partitionData(p.partitionIndex, 0, log, readCommitted);
          if (read.bytes > 0) {
            data.records = read.chunks;
            total += read.bytes;
            remaining -= read.bytes;
          }
          return data;
        }),
      }));
      const waitMs = deadline - Date.now();
      if (anyError || total >= request.minBytes || waitMs <= 0 || ctx.signal.aborted || logs.length === 0) return response;
      await broker.appends.wait(logs, waitMs, ctx.signal);
    }
  },
});
