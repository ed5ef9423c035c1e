// Produce (key 0), versions 3-13. Versions 0-2 carry the legacy message formats (magic 0
// and 1), which Kafka 4 no longer serves: a request at one of them closes the connection, as
// for any unsupported version. Yet ApiVersions advertises Produce from v0, as Kafka 4 does
// (KAFKA-18659): librdkafka sends compressed batches uncompressed unless the broker lists
// Produce v0, and since clients pick the highest common version they never send v0-2.
//
// Per partition: the topic must exist (by name, or by id from v13: UNKNOWN_TOPIC_ID);
// records are validated without decoding them (src/protocol/records/validate.ts: magic 2,
// one batch, CRC, counts, sizes); a batch above the topic's max.message.bytes gets
// MESSAGE_TOO_LARGE, above segment.bytes RECORD_LIST_TOO_LARGE; then the batch is appended
// as it came, its offsets assigned in place. acks must be 0, 1 or -1 (INVALID_REQUIRED_ACKS).
// On a single broker the ISR is this broker, so acks=-1 completes like acks=1.
// acks=0 gets no response; if any partition failed, the connection is closed so that the
// client notices, as Kafka does.
// Omitted until exactly-once (issue 5): producer id/epoch/sequence checks and transactions.

import { API, ErrorCode, Produce, validateProducedRecords } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';
import { topicConfigNumber } from '../topic-admin.ts';

type ProduceResponse = ReturnType<typeof API.Produce.createResponse>;
type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

function partitionError(index: number, errorCode: number, errorMessage: string | null = null): PartitionResponse {
  return { ...Produce.createPartitionProduceResponse(), index, errorCode, errorMessage };
}

export const produceHandler = defineHandler(API.Produce, {
  minVersion: 3,
  advertisedMinVersion: 0,
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const acks = request.acks;
    const response = API.Produce.createResponse();
    let failures = 0;

    for (const topicData of request.topicData) {
      const topic = apiVersion >= 13 ? broker.logs.topicById(topicData.topicId) : broker.logs.topic(topicData.name);
      const partitionResponses: PartitionResponse[] = [];
      for (const partitionData of topicData.partitionData) {
        const index = partitionData.index;
        const fail = (code: number, message: string | null = null) => {
          failures++;
          partitionResponses.push(partitionError(index, code, message));
        };
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          fail(ErrorCode.INVALID_REQUIRED_ACKS);
          continue;
        }
        if (!topic) {
          fail(apiVersion >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        const log = broker.logs.partition(topic.name, index);
        if (!log) {
          fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        const records = partitionData.records;
        const validation = validateProducedRecords(records ?? Buffer.alloc(0), apiVersion);
        if (validation.errorCode !== 0) {
          fail(validation.errorCode, validation.errorMessage);
          continue;
        }
        const size = records!.length;
        const maxMessageBytes = topicConfigNumber(broker, topic, 'max.message.bytes');
        if (size > maxMessageBytes) {
          fail(
            ErrorCode.MESSAGE_TOO_LARGE,
            `The request included a message larger than the max message size the server will accept (${size} > ${maxMessageBytes}).`,
          );
          continue;
        }
        if (size > topicConfigNumber(broker, topic, 'segment.bytes')) {
          fail(ErrorCode.RECORD_LIST_TOO_LARGE);
          continue;
        }
        try {
          const appended = log.append(records!);
          broker.appends.notify(log);
          partitionResponses.push({
            ...Produce.createPartitionProduceResponse(),
            index,
            baseOffset: BigInt(appended.baseOffset),
            logStartOffset: BigInt(log.logStartOffset),
          });
        } catch (err) {
          broker.logger.error(`append to ${topic.name}-${index} failed`, { cause: err });
          fail(ErrorCode.KAFKA_STORAGE_ERROR);
        }
      }
      response.responses.push({ name: topicData.name, topicId: topicData.topicId, partitionResponses });
    }

    if (acks === 0) {
      if (failures > 0) ctx.closeConnection('a produce request with acks=0 failed');
      return null;
    }
    return response;
  },
});
