// ListOffsets (key 2), versions 0-11 (v0 from the pre-4.0 definitions, for old clients).
//
// Special timestamps: -1 LATEST (the high watermark; the last stable offset for
// read_committed), -2 EARLIEST (the log start offset), -3 MAX_TIMESTAMP (KIP-734: the
// record with the largest timestamp), -4 EARLIEST_LOCAL (KIP-1005: the log start offset,
// there being no tiered storage), -5 LATEST_TIERED and -6 EARLIEST_PENDING_UPLOAD
// (KIP-1023): offset -1, as Kafka answers for a topic without remote storage. Any other
// timestamp finds the earliest offset whose record timestamp is at or after it, or -1
// when there is none.
// v0 answers in OldStyleOffsets (at most MaxNumOffsets of them; Runnel gives the one
// offset that v1+ would).
// Omitted: replica (follower) requests, which come with replication.
// ACLs (issue 6): DESCRIBE on the topic, else TOPIC_AUTHORIZATION_FAILED for its partitions.

import { API, ErrorCode } from '../../protocol/index.ts';
import { ACL_OPERATION, authorized, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { defineHandler } from '../dispatch.ts';

const LEADER_EPOCH = 0;
const LATEST = -1n;
const READ_COMMITTED = 1;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;

type ListOffsetsResponse = ReturnType<typeof API.ListOffsets.createResponse>;
type PartitionResponse = ListOffsetsResponse['topics'][number]['partitions'][number];

export const listOffsetsHandler = defineHandler(API.ListOffsets, {
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.ListOffsets.createResponse();
    response.topics = request.topics.map((t) => {
      const topic = broker.logs.topic(t.name);
      const allowed = authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TOPIC, t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p): PartitionResponse => {
          const result: PartitionResponse = {
            partitionIndex: p.partitionIndex,
            errorCode: 0,
            oldStyleOffsets: [],
            timestamp: -1n,
            offset: -1n,
            leaderEpoch: -1,
          };
          if (!allowed) {
            result.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
            return result;
          }
          const log = topic ? broker.logs.partition(topic.name, p.partitionIndex) : undefined;
          if (!log) {
            result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            return result;
          }
          if (p.currentLeaderEpoch > LEADER_EPOCH) {
            result.errorCode = ErrorCode.UNKNOWN_LEADER_EPOCH;
            return result;
          }
          let found: { offset: number; timestamp: number } | null;
          switch (p.timestamp) {
            case LATEST:
              found = { offset: request.isolationLevel === READ_COMMITTED ? log.lastStableOffset : log.highWatermark, timestamp: -1 };
              break;
            case EARLIEST:
            case EARLIEST_LOCAL:
              found = { offset: log.logStartOffset, timestamp: -1 };
              break;
            case MAX_TIMESTAMP:
              found = log.maxTimestampAndOffset();
              break;
            default:
              found = p.timestamp >= 0n ? log.offsetForTimestamp(Number(p.timestamp)) : null;
          }
          if (found) {
            result.offset = BigInt(found.offset);
            result.timestamp = BigInt(found.timestamp);
            result.leaderEpoch = LEADER_EPOCH;
            if (apiVersion === 0) result.oldStyleOffsets = [result.offset];
          }
          return result;
        }),
      };
    });
    return response;
  },
});
