// Committed offsets: OffsetCommit (key 8, v0-10), OffsetFetch (9, v0-10), OffsetDelete
// (47, v0). Versions below Kafka 4's minimum (OffsetCommit 2, OffsetFetch 1) are served
// from the pre-4.0 definitions, with the same meaning.
//
// OffsetCommit: topics are checked first (UNKNOWN_TOPIC_OR_PARTITION, or UNKNOWN_TOPIC_ID
// for v10's topic ids), as Kafka's request handler does before the coordinator sees them.
// Then the group: a commit with generation < 0 to an unknown or Empty group is a "simple"
// commit (the group is created, Empty, with no protocol); one with a generation to an
// unknown group gets ILLEGAL_GENERATION; otherwise the member and generation must match
// (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, ILLEGAL_GENERATION) and the group must not be
// CompletingRebalance (REBALANCE_IN_PROGRESS). Metadata longer than offset.metadata.max.bytes
// gets OFFSET_METADATA_TOO_LARGE for its partition. RetentionTimeMs (v2-4) sets an explicit
// expiry, stored in OffsetCommitValue v1 as Kafka does.
// OffsetFetch: one group (v0-7, null topics = all from v2) or a batch of groups (v8+),
// topics by id from v10. A partition without a committed offset answers offset -1 and
// metadata "". RequireStable (v7+, KIP-447): a partition an ongoing transaction has
// committed an offset of answers UNSTABLE_OFFSET_COMMIT (offset -1) until the transaction ends.
// A share group's id gets GROUP_ID_NOT_FOUND from all three (Kafka's ShareGroup: "not a
// consumer group"); its start offsets are the share-group offset APIs' business.
// OffsetDelete: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP (members and a protocol type other than
// "consumer"), GROUP_SUBSCRIBED_TO_TOPIC for topics the members subscribe to.
// ACLs (issue 6), as KafkaApis: OffsetCommit needs READ on the group (every partition
// GROUP_AUTHORIZATION_FAILED) and READ on each topic (TOPIC_AUTHORIZATION_FAILED, after an
// unknown topic id); OffsetFetch DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED: per group
// from v8, top level v2-7, per partition v0-1) and DESCRIBE on each topic (all topics: the
// others are left out; named: TOPIC_AUTHORIZATION_FAILED); OffsetDelete DELETE on the group
// (top level) and READ on each topic.

import { ClassicGroup, ConsumerGroup, type Group } from '../../coordinator/index.ts';
import { API, ErrorCode } from '../../protocol/index.ts';
import type { Broker } from '../broker.ts';
import { defineHandler } from '../dispatch.ts';
import { authorizedNames } from '../auth/access.ts';
import { ACL_OPERATION, authorized, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { groupCoordinator, shareCoordinator } from './group-component.ts';

function partitionExists(broker: Broker, topic: string, partition: number): boolean {
  const t = broker.logs.topic(topic);
  return t !== undefined && partition >= 0 && partition < t.partitions;
}

export const offsetCommitHandler = defineHandler(API.OffsetCommit, {
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const coordinator = groupCoordinator(broker);
    const response = API.OffsetCommit.createResponse();
    const maxMetadata = broker.config.number('offset.metadata.max.bytes');
    // Per partition: an error now, or a slot the group validation fills in.
    type Slot = { partitionIndex: number; errorCode: number };
    const accepted: { slot: Slot; topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string }[] = [];
    const groupAllowed = authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.GROUP, request.groupId);
    const mayRead = authorizedNames(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.TOPIC);
    for (const t of request.topics) {
      const name = apiVersion >= 10 ? (broker.logs.topicById(t.topicId)?.name ?? null) : t.name;
      const partitions: Slot[] = [];
      for (const p of t.partitions) {
        const slot = { partitionIndex: p.partitionIndex, errorCode: 0 };
        partitions.push(slot);
        if (!groupAllowed) slot.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        else if (name === null) slot.errorCode = ErrorCode.UNKNOWN_TOPIC_ID;
        else if (!mayRead(name)) slot.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        else if (!partitionExists(broker, name, p.partitionIndex)) slot.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata) > maxMetadata) slot.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else {
          accepted.push({
            slot,
            topic: name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: apiVersion >= 6 ? p.committedLeaderEpoch : -1,
            metadata: p.committedMetadata ?? '',
          });
        }
      }
      response.topics.push({ name: t.name, topicId: t.topicId, partitions });
    }
    const fillAll = (code: number) => {
      for (const a of accepted) a.slot.errorCode = code;
    };
    if (!groupAllowed) return response;
    // A share group keeps no committed offsets: "not a consumer group", as Kafka's ShareGroup says.
    if (shareCoordinator(broker).knows(request.groupId)) {
      fillAll(ErrorCode.GROUP_ID_NOT_FOUND);
      return response;
    }
    const generationId = request.generationIdOrMemberEpoch;
    await coordinator.run(request.groupId, () => {
      let group: Group | null | undefined = coordinator.group(request.groupId);
      if (!group || group.state === 'Dead') {
        if (generationId >= 0) return fillAll(ErrorCode.ILLEGAL_GENERATION);
        if (accepted.length === 0) return;
        group = coordinator.getOrCreate(request.groupId)!;
      }
      const error =
        group instanceof ConsumerGroup
          ? group.validateOffsetCommit(request.memberId, generationId, apiVersion)
          : group.validateOffsetCommit(request.memberId, apiVersion >= 7 ? request.groupInstanceId : null, generationId);
      if (error !== 0) return fillAll(error);
      const retention = apiVersion >= 2 && apiVersion <= 4 ? Number(request.retentionTimeMs) : -1;
      fillAll(coordinator.commitOffsets(group, accepted, retention));
    });
    return response;
  },
});

type FetchTopic = { name: string; topicId: string; partitionIndexes: number[] | null };
type FetchedPartition = { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number };

/**
 * Offsets of one group: the requested topics, or every topic with a committed offset. KIP-447:
 * `unstable` names the partitions a transaction holds an offset of (requireStable), answered
 * UNSTABLE_OFFSET_COMMIT, which clients retry until the transaction ends.
 */
function fetchGroupOffsets(broker: Broker, group: Group | undefined, topics: FetchTopic[] | null, byId: boolean, mayDescribe: (topic: string) => boolean, unstable: (topic: string, partition: number) => boolean) {
  const none = (partitionIndex: number, errorCode = 0): FetchedPartition => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode });
  const out: { name: string; topicId: string; partitions: FetchedPartition[] }[] = [];
  const requested: FetchTopic[] =
    topics ??
    [...(group?.offsets.keys() ?? [])].sort().flatMap((name) => {
      const topicId = broker.logs.topic(name)?.topicId;
      // Offsets of a deleted topic are gone for clients (the expiry check removes them).
      if (topicId === undefined || !mayDescribe(name)) return [];
      return [{ name, topicId: topicId ?? '', partitionIndexes: null }];
    });
  for (const t of requested) {
    let name: string | null = t.name;
    if (byId && topics !== null) name = broker.logs.topicById(t.topicId)?.name ?? null;
    const committed = name !== null ? group?.offsets.get(name) : undefined;
    const indexes = t.partitionIndexes ?? [...(committed?.keys() ?? [])].sort((a, b) => a - b);
    out.push({
      name: t.name,
      topicId: t.topicId,
      partitions: indexes.map((i) => {
        if (name === null) return none(i, ErrorCode.UNKNOWN_TOPIC_ID);
        if (!mayDescribe(name)) return none(i, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        if (unstable(name, i)) return none(i, ErrorCode.UNSTABLE_OFFSET_COMMIT);
        const o = committed?.get(i);
        return o ? { partitionIndex: i, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: 0 } : none(i);
      }),
    });
  }
  return out;
}

export const offsetFetchHandler = defineHandler(API.OffsetFetch, {
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const coordinator = groupCoordinator(broker);
    const response = API.OffsetFetch.createResponse();
    const byId = apiVersion >= 10;
    const mayDescribe = authorizedNames(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TOPIC);
    const groupAllowed = (groupId: string) => authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.GROUP, groupId);
    if (apiVersion >= 8) {
      for (const g of request.groups) {
        let errorCode: number = !groupAllowed(g.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : shareCoordinator(broker).knows(g.groupId) ? ErrorCode.GROUP_ID_NOT_FOUND : 0;
        const topics = errorCode !== 0 ? [] : await coordinator.run(g.groupId, () => {
          const group = coordinator.group(g.groupId);
          // v9+: a member of a consumer (KIP-848) group fetches at its current epoch.
          if (apiVersion >= 9 && group instanceof ConsumerGroup) errorCode = group.validateOffsetFetch(g.memberId, g.memberEpoch);
          if (errorCode !== 0) return [];
          return fetchGroupOffsets(
            broker,
            group,
            g.topics === null ? null : g.topics.map((t) => ({ name: t.name, topicId: t.topicId, partitionIndexes: t.partitionIndexes })),
            byId,
            mayDescribe,
            (topic, partition) => request.requireStable && coordinator.hasPendingTransactionalOffset(g.groupId, topic, partition),
          );
        });
        response.groups.push({
          ...API.OffsetFetch.messages().createOffsetFetchResponseGroup(),
          errorCode,
          groupId: g.groupId,
          topics: topics.map((t) => ({ ...API.OffsetFetch.messages().createOffsetFetchResponseTopics(), name: t.name, topicId: t.topicId, partitions: t.partitions.map((p) => ({ ...API.OffsetFetch.messages().createOffsetFetchResponsePartitions(), ...p })) })),
        });
      }
      return response;
    }
    const requested = request.topics === null ? null : request.topics.map((t) => ({ name: t.name, topicId: '', partitionIndexes: t.partitionIndexes }));
    const groupError = !groupAllowed(request.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : shareCoordinator(broker).knows(request.groupId) ? ErrorCode.GROUP_ID_NOT_FOUND : 0;
    if (groupError !== 0) {
      // Kafka's OffsetFetchRequest.getErrorResponse: per partition before v2, top level after.
      if (apiVersion >= 2) response.errorCode = groupError;
      else response.topics = (requested ?? []).map((t) => ({ ...API.OffsetFetch.messages().createOffsetFetchResponseTopic(), name: t.name, partitions: (t.partitionIndexes ?? []).map((partitionIndex) => ({ ...API.OffsetFetch.messages().createOffsetFetchResponsePartition(), partitionIndex, committedOffset: -1n, metadata: '', errorCode: groupError })) }));
      return response;
    }
    const topics = await coordinator.run(request.groupId, () => fetchGroupOffsets(broker, coordinator.group(request.groupId), requested, false, mayDescribe, (topic, partition) => apiVersion >= 7 && request.requireStable && coordinator.hasPendingTransactionalOffset(request.groupId, topic, partition)));
    response.topics = topics.map((t) => ({ ...API.OffsetFetch.messages().createOffsetFetchResponseTopic(), name: t.name, partitions: t.partitions.map((p) => ({ ...API.OffsetFetch.messages().createOffsetFetchResponsePartition(), ...p })) }));
    return response;
  },
});

export const offsetDeleteHandler = defineHandler(API.OffsetDelete, {
  async handle(request, ctx) {
    const { broker } = ctx;
    const coordinator = groupCoordinator(broker);
    const response = API.OffsetDelete.createResponse();
    if (!authorized(ctx, ACL_OPERATION.DELETE, RESOURCE_TYPE.GROUP, request.groupId)) {
      response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
      return response;
    }
    const mayRead = authorizedNames(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.TOPIC);
    await coordinator.run(request.groupId, () => {
      const group = coordinator.group(request.groupId);
      if (!group || group.state === 'Dead') {
        response.errorCode = ErrorCode.GROUP_ID_NOT_FOUND;
        return;
      }
      const subscribed = group instanceof ClassicGroup ? group.subscribedTopics() : group.subscribedTopicNames();
      if (group instanceof ClassicGroup && group.members.size > 0 && subscribed === null) {
        response.errorCode = ErrorCode.NON_EMPTY_GROUP;
        return;
      }
      const toDelete: { topic: string; partition: number; slot: { errorCode: number } }[] = [];
      response.topics = request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const slot = { partitionIndex: p.partitionIndex, errorCode: 0 };
          if (!mayRead(t.name)) slot.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
          else if (!partitionExists(broker, t.name, p.partitionIndex)) slot.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else if (subscribed?.has(t.name)) slot.errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
          else toDelete.push({ topic: t.name, partition: p.partitionIndex, slot });
          return slot;
        }),
      }));
      const error = coordinator.deleteOffsets(group, toDelete);
      if (error !== 0) response.errorCode = error;
    });
    return response;
  },
});
