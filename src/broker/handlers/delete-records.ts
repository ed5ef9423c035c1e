// DeleteRecords (key 21), v0-2.
//
// Moves a partition's log start offset up to Offset (-1 means the high watermark, as
// Kafka's DeleteRecordsRequest.HIGH_WATERMARK) and deletes the segments wholly below it;
// answers the new log start offset as LowWatermark. As Kafka: an offset above the high
// watermark, or below -1, is OFFSET_OUT_OF_RANGE with LowWatermark -1; an offset at or below
// the current log start offset changes nothing and answers it; unknown topics or
// partitions are UNKNOWN_TOPIC_OR_PARTITION; a topic whose cleanup.policy lacks delete
// (compact only) is POLICY_VIOLATION, as Kafka refuses it. The log-start-offset checkpoint is
// written at once, so the move survives a crash. ACLs (issue 6): DELETE on the topic, else
// TOPIC_AUTHORIZATION_FAILED for its partitions, checked before existence as KafkaApis does.

import { API, ErrorCode } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';
import { ACL_OPERATION, authorized, RESOURCE_TYPE } from '../auth/authorizer.ts';

const HIGH_WATERMARK = -1n;

export const deleteRecordsHandler = defineHandler(API.DeleteRecords, {
  handle(request, ctx) {
    const { broker } = ctx;
    const response = API.DeleteRecords.createResponse();
    response.topics = request.topics.map((t) => {
      const topic = broker.logs.topic(t.name);
      const allowed = authorized(ctx, ACL_OPERATION.DELETE, RESOURCE_TYPE.TOPIC, t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          const result = { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: 0 };
          if (!allowed) return { ...result, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
          const log = topic ? broker.logs.partition(topic.name, p.partitionIndex) : undefined;
          if (!log) return { ...result, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          if (!log.config.delete) return { ...result, errorCode: ErrorCode.POLICY_VIOLATION };
          const offset = p.offset === HIGH_WATERMARK ? log.highWatermark : p.offset < 0n || p.offset > BigInt(log.highWatermark) ? -1 : Number(p.offset);
          if (offset < 0) return { ...result, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
          try {
            return { ...result, lowWatermark: BigInt(broker.logs.deleteRecordsBefore(log, offset)) };
          } catch (err) {
            broker.logger.error(`DeleteRecords on ${t.name}-${p.partitionIndex} failed`, { cause: err });
            return { ...result, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
          }
        }),
      };
    });
    return response;
  },
});
