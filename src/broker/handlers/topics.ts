// CreateTopics (key 19), versions 2-7 (0-1 from the pre-4.0 definitions), and
// DeleteTopics (key 20), versions 1-6 (0 likewise).
//
// CreateTopics validates each topic as Kafka does (src/broker/topic-admin.ts): name,
// existence, partitions, replication factor, manual assignments, configs; ValidateOnly
// checks without creating. A name that appears twice in one request fails with
// INVALID_REQUEST for each occurrence. From v5 a created topic's result carries its
// partition count, replication factor and every config with its value and source.
// DeleteTopics deletes by name (v0-5, and v6 by name) or by topic id (v6); unknown topics get
// UNKNOWN_TOPIC_OR_PARTITION or UNKNOWN_TOPIC_ID; delete.topic.enable=false gives
// TOPIC_DELETION_DISABLED.
// ACLs (issue 6): creating needs CREATE on the cluster or the topic, deleting DELETE on the
// topic; otherwise TOPIC_AUTHORIZATION_FAILED for that topic.

import { API, ErrorCode, ZERO_UUID } from '../../protocol/index.ts';
import { ACL_OPERATION, authorized, CLUSTER_NAME, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { defineHandler } from '../dispatch.ts';
import { describeTopicConfigs } from '../config/describe.ts';
import { createTopic, createTopicGradually, EXCESSIVE_BATCH_MESSAGE, letOthersRun, MAX_RECORDS_PER_USER_OP, topicDeleted, topicRecords } from '../topic-admin.ts';

export const createTopicsHandler = defineHandler(API.CreateTopics, {
  // Async: topics are created a slice of partitions at a time (topic-admin.ts), one topic
  // after another, and answered together.
  async handle(request, ctx) {
    const { broker } = ctx;
    const response = API.CreateTopics.createResponse();
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    // One request, one bounded batch of metadata records, as Kafka's controller (topic-admin.ts).
    const records = request.topics.reduce((sum, t) => sum + topicRecords(broker, t), 0);

    for (const t of request.topics) {
      const result = API.CreateTopics.messages().createCreatableTopicResult();
      result.name = t.name;
      response.topics.push(result);
      if (records > MAX_RECORDS_PER_USER_OP) {
        result.errorCode = ErrorCode.POLICY_VIOLATION;
        result.errorMessage = EXCESSIVE_BATCH_MESSAGE;
        continue;
      }
      if (counts.get(t.name)! > 1) {
        result.errorCode = ErrorCode.INVALID_REQUEST;
        result.errorMessage = `Create topics request from client \`${ctx.clientId}\` contains multiple entries for the following topics: ${t.name}`;
        continue;
      }
      if (!authorized(ctx, ACL_OPERATION.CREATE, RESOURCE_TYPE.CLUSTER, CLUSTER_NAME) && !authorized(ctx, ACL_OPERATION.CREATE, RESOURCE_TYPE.TOPIC, t.name)) {
        result.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        result.errorMessage = 'Authorization failed.';
        continue;
      }
      const spec = {
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
        configs: t.configs.map((c) => ({ name: c.name, value: c.value })),
      };
      const created = request.validateOnly ? createTopic(broker, spec, true) : await createTopicGradually(broker, spec);
      if (!created.topic) {
        result.errorCode = created.errorCode;
        result.errorMessage = created.errorMessage;
        continue;
      }
      result.topicId = created.topic.topicId || ZERO_UUID;
      result.numPartitions = created.numPartitions;
      result.replicationFactor = created.replicationFactor;
      result.configs = describeTopicConfigs(broker.config, created.configs).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        configSource: c.source,
        isSensitive: c.isSensitive,
      }));
    }
    return response;
  },
});

export const deleteTopicsHandler = defineHandler(API.DeleteTopics, {
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.DeleteTopics.createResponse();
    const wanted = apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    response.responses = wanted.map(({ name, topicId }) => {
      const result = { name: name, topicId, errorCode: 0, errorMessage: null as string | null };
      const byId = name === null;
      const topic = byId ? broker.logs.topicById(topicId) : broker.logs.topic(name);
      const deniedName = byId ? topic?.name : name;
      if (deniedName !== undefined && !authorized(ctx, ACL_OPERATION.DELETE, RESOURCE_TYPE.TOPIC, deniedName)) {
        result.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        result.errorMessage = 'Authorization failed.';
        return result;
      }
      if (!topic) {
        result.errorCode = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        result.errorMessage = byId ? `Topic id ${topicId} not found.` : `This server does not host this topic-partition.`;
        return result;
      }
      if (!broker.config.boolean('delete.topic.enable')) {
        result.errorCode = ErrorCode.TOPIC_DELETION_DISABLED;
        result.errorMessage = 'Topic deletion is disabled.';
        return result;
      }
      result.name = topic.name;
      result.topicId = topic.topicId;
      const logs = Array.from({ length: topic.partitions }, (_, i) => broker.logs.partition(topic.name, i));
      broker.logs.deleteTopic(topic.name, letOthersRun);
      topicDeleted(broker, topic);
      // Wake fetches waiting on the deleted partitions so they answer now.
      for (const log of logs) if (log) broker.appends.notify(log);
      broker.logger.info(`deleted topic ${topic.name}`, { topicId: topic.topicId });
      return result;
    });
    return response;
  },
});
