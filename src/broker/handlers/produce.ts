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
// Topic configs (live: an AlterConfigs applies to the next produce): max.message.bytes and
// segment.bytes as above; message.timestamp.type=LogAppendTime stamps each batch with the
// broker's clock (storage rewrites maxTimestamp, the attribute bit and the CRC) and answers
// it as LogAppendTimeMs; compression.type other than `producer` recompresses a batch whose
// codec differs (decode and re-encode, keeping offsets, timestamps, producer fields and
// headers), and leaves a batch with the same codec untouched, off the slow path.
// message.timestamp.after.max.ms / before.max.ms (CreateTime topics): a record timestamp
// further in the future or past than allowed is INVALID_TIMESTAMP, as Kafka 3.6+ checks
// (the batch's max timestamp for the future; the records, decoded, only when before.max.ms
// is set below its default of Long.MAX_VALUE).
// min.insync.replicas above 1 with acks=-1: NOT_ENOUGH_REPLICAS (a single broker's ISR is 1).
// cleanup.policy with compact: every record needs a key (INVALID_RECORD otherwise, as Kafka:
// "Compacted topic cannot accept message without key"); this decodes the batch.
// Idempotent producers (storage/log/producer-state.ts): a batch with a producer id is
// checked against the partition's producer state before it is written. A retry of one of
// the producer's last five batches is answered with that batch's base offset and not
// written again (Kafka's DUPLICATE_SEQUENCE_NUMBER handling: success, original offset); a
// gap in sequences is OUT_OF_ORDER_SEQUENCE_NUMBER, an epoch from the past
// INVALID_PRODUCER_EPOCH. A transactional batch is first checked with the transaction
// coordinator (txn.ts verifyTransactionalBatch, KIP-890): v12+ adds its partition to the
// transaction (transactions v2), older versions must have added it.

import { API, ATTRIBUTES, COMPRESSION_MASK, CONTROL_FLAG, ErrorCode, MAX_TIMESTAMP, decodeRecordBatch, encodeRecordBatch, readInt64Number, validateProducedRecords } from '../../protocol/index.ts';
import { ACL_OPERATION, authorized, RESOURCE_TYPE } from '../auth/authorizer.ts';
import type { TopicMetadata } from '../../storage/index.ts';
import type { Broker } from '../broker.ts';
import { defineHandler } from '../dispatch.ts';
import { topicConfigNumber, topicConfigValue } from '../topic-admin.ts';
import { isInternalTopic } from './metadata.ts';
import { verifyTransactionalBatch } from './txn.ts';

/** The client id Kafka lets write internal topics (AdminUtils.ADMIN_CLIENT_ID). */
const ADMIN_CLIENT_ID = '__admin_client';

const CODEC_IDS: Readonly<Record<string, number>> = { uncompressed: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const LEVEL_CONFIG: Readonly<Record<number, string>> = { 1: 'compression.gzip.level', 3: 'compression.lz4.level', 4: 'compression.zstd.level' };

/** The batch recompressed with codec `target` (Kafka's compression.type on the topic). */
export function recompressBatch(batch: Buffer, target: number, level: number | undefined, maxDecompressedBytes: number): Buffer {
  const b = decodeRecordBatch(batch, 0, { verifyCrc: false, maxDecompressedBytes });
  return encodeRecordBatch(
    b.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offsetDelta, attributes: r.attributes })),
    {
      compression: target,
      ...(level === undefined ? {} : { compressionLevel: level }),
      baseOffset: 0,
      partitionLeaderEpoch: b.partitionLeaderEpoch,
      baseTimestamp: b.baseTimestamp,
      maxTimestamp: b.maxTimestamp,
      isTransactional: b.isTransactional,
      producerId: b.producerId,
      producerEpoch: b.producerEpoch,
      baseSequence: b.baseSequence,
      lastOffsetDelta: b.lastOffsetDelta,
    },
  );
}

/** A topic's configs that produce applies, resolved once per topic in a request. */
interface ProduceSettings {
  readonly maxMessageBytes: number;
  readonly segmentBytes: number;
  readonly minInsyncReplicas: number;
  readonly logAppendTime: boolean;
  readonly timestampAfterMaxMs: number;
  readonly timestampBeforeMaxMs: number;
  readonly compacted: boolean;
  /** The codec batches must be stored in, or undefined to keep the producer's. */
  readonly targetCodec: number | undefined;
  readonly level: number | undefined;
  readonly maxDecompressedBytes: number;
}

function produceSettings(broker: Broker, topic: TopicMetadata): ProduceSettings {
  const number = (name: string) => topicConfigNumber(broker, topic, name);
  const maxMessageBytes = number('max.message.bytes');
  const compressionType = topicConfigValue(broker, topic, 'compression.type');
  const targetCodec = compressionType === null ? undefined : CODEC_IDS[compressionType];
  const levelConfig = targetCodec === undefined ? undefined : LEVEL_CONFIG[targetCodec];
  const level = levelConfig ? number(levelConfig) : undefined;
  return {
    maxMessageBytes,
    segmentBytes: number('segment.bytes'),
    minInsyncReplicas: number('min.insync.replicas'),
    logAppendTime: topicConfigValue(broker, topic, 'message.timestamp.type') === 'LogAppendTime',
    timestampAfterMaxMs: number('message.timestamp.after.max.ms'),
    timestampBeforeMaxMs: number('message.timestamp.before.max.ms'),
    compacted: (topicConfigValue(broker, topic, 'cleanup.policy') ?? '').includes('compact'),
    targetCodec,
    level: level === -1 ? undefined : level,
    maxDecompressedBytes: Math.max(maxMessageBytes * 64, 64 << 20),
  };
}

type ProduceResponse = ReturnType<typeof API.Produce.createResponse>;
type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

function partitionError(index: number, errorCode: number, errorMessage: string | null = null): PartitionResponse {
  return { ...API.Produce.messages().createPartitionProduceResponse(), index, errorCode, errorMessage };
}

/** Kafka's timestamp window check for a CreateTime batch; the error message, or null. */
function timestampProblem(batch: Buffer, now: number, afterMaxMs: number, beforeMaxMs: number): string | null {
  // Built only for an answer: formatting it for every batch cost more than the check.
  const window = () => `The timestamp should be within [${now - beforeMaxMs}, ${now + afterMaxMs}]`;
  const maxTimestamp = readInt64Number(batch, MAX_TIMESTAMP);
  if (maxTimestamp !== -1 && maxTimestamp > now + afterMaxMs) return `Timestamp ${maxTimestamp} of message is out of range. ${window()}`;
  if (!(beforeMaxMs < Number.MAX_SAFE_INTEGER)) return null;
  try {
    for (const r of decodeRecordBatch(batch, 0, { verifyCrc: false }).records) {
      if (r.timestamp !== -1 && r.timestamp < now - beforeMaxMs) return `Timestamp ${r.timestamp} of message with offset ${r.offsetDelta} is out of range. ${window()}`;
    }
  } catch {
    return null; // validated already; the append path reports anything else
  }
  return null;
}

export const produceHandler = defineHandler(API.Produce, {
  minVersion: 3,
  advertisedMinVersion: 0,
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const acks = request.acks;
    const response = API.Produce.createResponse();
    let failures = 0;
    // ACLs (issue 6): WRITE on the transactional id, if any, then WRITE on each topic.
    const txnDenied = request.transactionalId !== null && !authorized(ctx, ACL_OPERATION.WRITE, RESOURCE_TYPE.TRANSACTIONAL_ID, request.transactionalId);

    for (const topicData of request.topicData) {
      const topic = apiVersion >= 13 ? broker.logs.topicById(topicData.topicId) : broker.logs.topic(topicData.name);
      const settings = topic ? produceSettings(broker, topic) : undefined;
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
        if (txnDenied) {
          fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
          continue;
        }
        if ((topic || apiVersion < 13) && !authorized(ctx, ACL_OPERATION.WRITE, RESOURCE_TYPE.TOPIC, topic?.name ?? topicData.name)) {
          fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          continue;
        }
        if (!topic || !settings) {
          fail(apiVersion >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        const log = broker.logs.partition(topic.name, index);
        if (!log) {
          fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        // Kafka's ReplicaManager: clients may not write the coordinators' topics (their
        // records, transactional offsets included, are read back as coordinator state).
        if (isInternalTopic(topic.name) && ctx.clientId !== ADMIN_CLIENT_ID) {
          fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`);
          continue;
        }
        const records = partitionData.records;
        const validation = validateProducedRecords(records ?? Buffer.alloc(0), apiVersion);
        if (validation.errorCode !== 0) {
          fail(validation.errorCode, validation.errorMessage);
          continue;
        }
        const size = records!.length;
        const { maxMessageBytes } = settings;
        if (size > maxMessageBytes) {
          fail(
            ErrorCode.MESSAGE_TOO_LARGE,
            `The request included a message larger than the max message size the server will accept (${size} > ${maxMessageBytes}).`,
          );
          continue;
        }
        if (size > settings.segmentBytes) {
          fail(ErrorCode.RECORD_LIST_TOO_LARGE);
          continue;
        }
        if (acks === -1) {
          const minIsr = settings.minInsyncReplicas;
          if (minIsr > 1) {
            fail(ErrorCode.NOT_ENOUGH_REPLICAS, `The size of the current ISR Set(${broker.nodeId}) is insufficient to satisfy the min.isr requirement of ${minIsr} for partition ${topic.name}-${index}`);
            continue;
          }
        }
        const txnCode = verifyTransactionalBatch(ctx, request.transactionalId, records!, { topic: topic.name, partition: index });
        if (txnCode !== 0) {
          fail(txnCode);
          continue;
        }
        const check = log.checkProducerBatch(records!);
        if (check.kind === 'error') {
          fail(ErrorCode[check.error], check.message);
          continue;
        }
        if (check.kind === 'duplicate') {
          partitionResponses.push({
            ...API.Produce.messages().createPartitionProduceResponse(),
            index,
            baseOffset: BigInt(check.firstOffset),
            logAppendTimeMs: -1n,
            logStartOffset: BigInt(log.logStartOffset),
          });
          continue;
        }
        const { logAppendTime } = settings;
        if (!logAppendTime) {
          const problem = timestampProblem(records!, log.clock(), settings.timestampAfterMaxMs, settings.timestampBeforeMaxMs);
          if (problem) {
            fail(ErrorCode.INVALID_TIMESTAMP, problem);
            continue;
          }
        }
        if (settings.compacted && (records!.readInt16BE(ATTRIBUTES) & CONTROL_FLAG) === 0) {
          let keyless = false;
          try {
            keyless = decodeRecordBatch(records!, 0, { verifyCrc: false, maxDecompressedBytes: settings.maxDecompressedBytes }).records.some((r) => r.key === null);
          } catch {
            keyless = false; // validated above; a decoding failure is left to the append path
          }
          if (keyless) {
            fail(ErrorCode.INVALID_RECORD, `Compacted topic cannot accept message without key in topic partition ${topic.name}-${index}.`);
            continue;
          }
        }
        try {
          let batch = records!;
          const target = settings.targetCodec;
          const attributes = batch.readInt16BE(ATTRIBUTES);
          if (target !== undefined && (attributes & COMPRESSION_MASK) !== target && (attributes & CONTROL_FLAG) === 0) {
            batch = recompressBatch(batch, target, settings.level, settings.maxDecompressedBytes);
          }
          const appended = log.append(batch, logAppendTime ? { timestampType: 'LogAppendTime' } : {});
          broker.appends.notify(log);
          partitionResponses.push({
            ...API.Produce.messages().createPartitionProduceResponse(),
            index,
            baseOffset: BigInt(appended.baseOffset),
            logAppendTimeMs: logAppendTime ? BigInt(appended.logAppendTime) : -1n,
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
