// Metadata (key 3), versions 0-13, and DescribeTopicPartitions (key 75), version 0.
//
// Metadata: a null topic list (v1+), or an empty one in v0, asks for every topic. Unknown
// names are auto-created when both the request (v4+ AllowAutoTopicCreation; always for
// older versions) and the broker (auto.create.topics.enable) allow it, with num.partitions
// and default.replication.factor; otherwise UNKNOWN_TOPIC_OR_PARTITION. Topics asked for
// by id (v10+) that do not exist get UNKNOWN_TOPIC_ID. Kafka answers a just auto-created
// topic with LEADER_NOT_AVAILABLE and no partitions because its creation is asynchronous;
// Runnel creates the topic before answering, so it returns the topic ready to use and the
// client saves a metadata round trip.
// Authorized operations: without an authorizer every supported operation is allowed, as
// Kafka reports it when no authorizer is configured.
// ACLs (issue 6): a topic the principal may not DESCRIBE is left out of an all-topics answer
// and is TOPIC_AUTHORIZATION_FAILED when asked for by name, whether it exists or not.
//
// DescribeTopicPartitions (KIP-966): topics in name order, paginated by a cursor and
// ResponsePartitionLimit (capped at Kafka's max.request.partition.size.limit, 2000). ACLs: a
// topic the principal may not DESCRIBE is left out of an all-topics answer and
// TOPIC_AUTHORIZATION_FAILED by name; each topic carries the operations allowed on it.

import { API, ErrorCode, ZERO_UUID } from '../../protocol/index.ts';
import type { TopicMetadata } from '../../storage/index.ts';
import type { Broker } from '../broker.ts';
import { ACL_OPERATION, authorized, CLUSTER_NAME, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { defineHandler } from '../dispatch.ts';
import { authorizedNames, authorizedOperations, clusterAuthorized } from '../auth/access.ts';
import { createTopic } from '../topic-admin.ts';

const NO_OPERATIONS = -2147483648;
const LEADER_EPOCH = 0;
const MAX_PARTITION_LIMIT = 2000;

export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state' || name === '__share_group_state';
}

/** Leader, replicas and ISR of every partition of a topic: this broker, on a single node. */
function describePartitions(broker: Broker, topic: TopicMetadata, from = 0, to = topic.partitions) {
  const partitions = [];
  for (let i = from; i < to; i++) {
    partitions.push({
      errorCode: 0,
      partitionIndex: i,
      leaderId: broker.nodeId,
      leaderEpoch: LEADER_EPOCH,
      replicaNodes: [broker.nodeId],
      isrNodes: [broker.nodeId],
      offlineReplicas: [] as number[],
    });
  }
  return partitions;
}

export const metadataHandler = defineHandler(API.Metadata, {
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.Metadata.createResponse();
    // Topic ids are asked for from v12 only; before, a null name or a topic id is
    // INVALID_REQUEST for every topic named, with "" for a null name (KafkaApis, and
    // MetadataRequest.getErrorResponse: those versions cannot carry a null name back).
    if (apiVersion < 12 && request.topics !== null && request.topics.some((t) => t.name === null || (apiVersion >= 10 && t.topicId !== ZERO_UUID))) {
      response.topics = request.topics.map((t) => ({ errorCode: ErrorCode.INVALID_REQUEST, name: t.name ?? '', topicId: t.topicId, isInternal: false, partitions: [], topicAuthorizedOperations: NO_OPERATIONS }));
      return response;
    }
    const { host, port } = broker.advertisedFor(ctx.listenerName);
    response.brokers = [{ nodeId: broker.nodeId, host, port, rack: null }];
    response.clusterId = broker.clusterId;
    response.controllerId = broker.nodeId;

    // v8-10: the cluster's operations, 0 without DESCRIBE on it (KafkaApis).
    if (apiVersion >= 8 && request.includeClusterAuthorizedOperations) {
      response.clusterAuthorizedOperations = clusterAuthorized(ctx, ACL_OPERATION.DESCRIBE) ? authorizedOperations(ctx, true, RESOURCE_TYPE.CLUSTER, CLUSTER_NAME) : 0;
    }
    const describe = (t: TopicMetadata) => ({
      errorCode: 0,
      name: t.name,
      topicId: t.topicId,
      isInternal: isInternalTopic(t.name),
      partitions: describePartitions(broker, t),
      topicAuthorizedOperations: authorizedOperations(ctx, request.includeTopicAuthorizedOperations, RESOURCE_TYPE.TOPIC, t.name),
    });
    const failed = (errorCode: number, name: string | null, topicId = ZERO_UUID) => ({
      errorCode,
      name,
      topicId,
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: NO_OPERATIONS,
    });

    const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
    if (all) {
      response.topics = broker.logs.topics().filter((t) => authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TOPIC, t.name)).map(describe);
      return response;
    }
    const autoCreate = (apiVersion < 4 || request.allowAutoTopicCreation) && broker.config.boolean('auto.create.topics.enable');
    response.topics = request.topics!.map((requested) => {
      if (requested.name === null) {
        const topic = broker.logs.topicById(requested.topicId);
        if (topic && !authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TOPIC, topic.name)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED, null, requested.topicId);
        return topic ? describe(topic) : failed(ErrorCode.UNKNOWN_TOPIC_ID, null, requested.topicId);
      }
      if (!authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TOPIC, requested.name)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED, requested.name);
      const existing = broker.logs.topic(requested.name);
      if (existing) return describe(existing);
      if (!autoCreate) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, requested.name);
      if (!authorized(ctx, ACL_OPERATION.CREATE, RESOURCE_TYPE.CLUSTER, CLUSTER_NAME) && !authorized(ctx, ACL_OPERATION.CREATE, RESOURCE_TYPE.TOPIC, requested.name)) {
        return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED, requested.name);
      }
      const created = createTopic(broker, { name: requested.name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] });
      if (created.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) return describe(broker.logs.topic(requested.name)!);
      if (!created.topic) return failed(created.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION ? created.errorCode : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, requested.name);
      return describe(created.topic);
    });
    return response;
  },
});

export const describeTopicPartitionsHandler = defineHandler(API.DescribeTopicPartitions, {
  handle(request, ctx) {
    const { broker } = ctx;
    const response = API.DescribeTopicPartitions.createResponse();
    let budget = Math.min(Math.max(request.responsePartitionLimit, 1), MAX_PARTITION_LIMIT);
    const mayDescribe = authorizedNames(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TOPIC);
    const names = request.topics.length > 0 ? [...new Set(request.topics.map((t) => t.name))] : broker.logs.topics().map((t) => t.name).filter(mayDescribe);
    names.sort();
    const cursor = request.cursor;
    for (const name of names) {
      if (cursor && name < cursor.topicName) continue;
      const topic = broker.logs.topic(name);
      if (!topic || !mayDescribe(name)) {
        response.topics.push({
          errorCode: mayDescribe(name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          name,
          topicId: ZERO_UUID,
          isInternal: false,
          partitions: [],
          topicAuthorizedOperations: NO_OPERATIONS,
        });
        continue;
      }
      const from = cursor && name === cursor.topicName ? Math.max(cursor.partitionIndex, 0) : 0;
      if (budget === 0) {
        response.nextCursor = { topicName: name, partitionIndex: from };
        break;
      }
      const to = Math.min(topic.partitions, from + budget);
      budget -= to - from;
      response.topics.push({
        errorCode: 0,
        name,
        topicId: topic.topicId,
        isInternal: isInternalTopic(name),
        partitions: describePartitions(broker, topic, from, to).map((p) => ({ ...p, eligibleLeaderReplicas: null, lastKnownElr: null })),
        topicAuthorizedOperations: authorizedOperations(ctx, true, RESOURCE_TYPE.TOPIC, name),
      });
      if (to < topic.partitions) {
        response.nextCursor = { topicName: name, partitionIndex: to };
        break;
      }
    }
    return response;
  },
});
