// CreatePartitions (key 37), v0-3.
//
// Grows a topic to Count partitions (new partition directories, the count persisted in the
// metadata log). As Kafka: an unknown topic is UNKNOWN_TOPIC_OR_PARTITION; a count below the
// current one is INVALID_PARTITIONS ("Topic currently has 3 partitions, which is higher than
// the requested 2."), an equal one INVALID_PARTITIONS too ("Topic already has 3
// partitions."); manual assignments must give one list per new partition naming only this
// broker (INVALID_REPLICA_ASSIGNMENT); a topic named twice is INVALID_REQUEST. ValidateOnly
// checks without creating. ACLs (issue 6): ALTER on the topic, checked after the duplicate
// check and before existence (TOPIC_AUTHORIZATION_FAILED), as KafkaApis. More than 10,000 new
// partitions in one request is POLICY_VIOLATION for every topic, as Kafka's controller bounds
// one request's metadata records (topic-admin.ts).

import { API, ErrorCode } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';
import { EXCESSIVE_BATCH_MESSAGE, MAX_RECORDS_PER_USER_OP } from '../topic-admin.ts';
import { ACL_OPERATION, authorized, RESOURCE_TYPE } from '../auth/authorizer.ts';

export const createPartitionsHandler = defineHandler(API.CreatePartitions, {
  handle(request, ctx) {
    const { broker } = ctx;
    const response = API.CreatePartitions.createResponse();
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const added = request.topics.reduce((sum, t) => sum + Math.max(t.count - (broker.logs.topic(t.name)?.partitions ?? t.count), 0), 0);
    if (added > MAX_RECORDS_PER_USER_OP) {
      response.results = request.topics.map((t) => ({ name: t.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: EXCESSIVE_BATCH_MESSAGE }));
      return response;
    }
    response.results = request.topics.map((t) => {
      const fail = (errorCode: number, errorMessage: string) => ({ name: t.name, errorCode, errorMessage });
      if (counts.get(t.name)! > 1) return fail(ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.');
      if (!authorized(ctx, ACL_OPERATION.ALTER, RESOURCE_TYPE.TOPIC, t.name)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.');
      const topic = broker.logs.topic(t.name);
      if (!topic) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`);
      if (t.count < topic.partitions) {
        return fail(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${topic.partitions} partitions, which is higher than the requested ${t.count}.`);
      }
      if (t.count === topic.partitions) return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${topic.partitions} partitions.`);
      if (t.assignments !== null) {
        const added = t.count - topic.partitions;
        if (t.assignments.length !== added) {
          return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${added} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`);
        }
        for (const a of t.assignments) {
          const unknown = a.brokerIds.find((id) => id !== broker.nodeId);
          if (a.brokerIds.length === 0 || unknown !== undefined) {
            return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${unknown ?? '(none)'}, but no such broker is registered.`);
          }
          if (new Set(a.brokerIds).size !== a.brokerIds.length) {
            return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes duplicate broker ids: ${a.brokerIds.join(',')}`);
          }
        }
      }
      if (!request.validateOnly) {
        broker.logs.createPartitions(topic.name, t.count);
        broker.logger.info(`topic ${topic.name} grew to ${t.count} partitions`);
      }
      return { name: t.name, errorCode: 0, errorMessage: null };
    });
    return response;
  },
});
