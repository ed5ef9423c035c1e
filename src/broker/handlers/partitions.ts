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
// one request's metadata records (topic-admin.ts). Requests are handled one at a time and the
// new partitions made ten at a time, with the event loop free in between.

import { API, ErrorCode } from '../../protocol/index.ts';
import type { Broker } from '../broker.ts';
import { defineHandler, type RequestContext } from '../dispatch.ts';
import { EXCESSIVE_BATCH_MESSAGE, letOthersRun, MAX_RECORDS_PER_USER_OP } from '../topic-admin.ts';
import { ACL_OPERATION, authorized, RESOURCE_TYPE } from '../auth/authorizer.ts';

/**
 * One CreatePartitions at a time per broker, as Kafka's controller handles them in turn:
 * partitions are made a slice at a time (LogManager.createPartitionsGradually), and a request
 * arriving meanwhile is checked against the count the one before it left.
 */
const inTurn = new WeakMap<Broker, Promise<unknown>>();

export const createPartitionsHandler = defineHandler(API.CreatePartitions, {
  handle(request, ctx) {
    const turn = (inTurn.get(ctx.broker) ?? Promise.resolve()).then(() => createPartitions(request, ctx));
    inTurn.set(ctx.broker, turn.catch(() => {}));
    return turn;
  },
});

type CreatePartitionsRequest = ReturnType<typeof API.CreatePartitions.createRequest>;

async function createPartitions(request: CreatePartitionsRequest, ctx: RequestContext) {
  const { broker } = ctx;
  const response = API.CreatePartitions.createResponse();
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const added = request.topics.reduce((sum, t) => sum + Math.max(t.count - (broker.logs.topic(t.name)?.partitions ?? t.count), 0), 0);
  if (added > MAX_RECORDS_PER_USER_OP) {
    response.results = request.topics.map((t) => ({ name: t.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: EXCESSIVE_BATCH_MESSAGE }));
    return response;
  }
  for (const t of request.topics) {
    const fail = (errorCode: number, errorMessage: string) => response.results.push({ name: t.name, errorCode, errorMessage });
    if (counts.get(t.name)! > 1) {
      fail(ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.');
      continue;
    }
    if (!authorized(ctx, ACL_OPERATION.ALTER, RESOURCE_TYPE.TOPIC, t.name)) {
      fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.');
      continue;
    }
    const topic = broker.logs.topic(t.name);
    const problem = !topic ? ([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`] as const) : checkCount(broker, topic.partitions, t);
    if (problem) {
      fail(...problem);
      continue;
    }
    if (!request.validateOnly) {
      try {
        await broker.logs.createPartitionsGradually(t.name, t.count, letOthersRun);
      } catch (err) {
        // Deleted while it grew (the only change a broker makes to a topic meanwhile).
        if (broker.logs.topic(t.name)?.topicId === topic!.topicId) throw err;
        fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`);
        continue;
      }
      broker.logger.info(`topic ${t.name} grew to ${t.count} partitions`);
    }
    response.results.push({ name: t.name, errorCode: 0, errorMessage: null });
  }
  return response;
}

/** Kafka's checks of the new count and of manual assignments; undefined when they pass. */
function checkCount(broker: Broker, current: number, t: CreatePartitionsRequest['topics'][number]): readonly [number, string] | undefined {
  if (t.count < current) return [ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${t.count}.`];
  if (t.count === current) return [ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`];
  if (t.assignments === null) return undefined;
  const added = t.count - current;
  if (t.assignments.length !== added) {
    return [ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${added} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`];
  }
  for (const a of t.assignments) {
    const unknown = a.brokerIds.find((id) => id !== broker.nodeId);
    if (a.brokerIds.length === 0 || unknown !== undefined) {
      return [ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${unknown ?? '(none)'}, but no such broker is registered.`];
    }
    if (new Set(a.brokerIds).size !== a.brokerIds.length) {
      return [ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes duplicate broker ids: ${a.brokerIds.join(',')}`];
    }
  }
  return undefined;
}
