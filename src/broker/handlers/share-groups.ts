// Share groups (KIP-932): ShareGroupHeartbeat (key 76, v1), ShareGroupDescribe (77, v1),
// ShareFetch (78, v1-2), ShareAcknowledge (79, v1-2). State is in src/coordinator/share.
//
// ShareFetch: checks the member and its share session (see share-coordinator.ts), applies
// the acknowledgements it carries (acknowledgeErrorCode per partition; none are allowed when
// opening a session: INVALID_REQUEST), then acquires up to MaxRecords records across the
// session's partitions, whole batches at a time, and returns those batches with the acquired
// offset ranges and their delivery counts. With nothing to acquire it waits up to MaxWaitMs
// for an append. AcquisitionLockTimeoutMs is group.share.record.lock.duration.ms.
// ShareAcknowledge: the acknowledgements only (0 gap, 1 accept, 2 release, 3 reject,
// 4 renew from v2); an acknowledgement of a record the member has not acquired gets
// INVALID_RECORD_STATE for its partition.
// DescribeShareGroupOffsets (90, v0-1): each partition's start offset (-1 when the group has
// not consumed it yet) and, from v1, its lag (high watermark - start offset - records
// finished in the in-flight window). AlterShareGroupOffsets (91) and DeleteShareGroupOffsets
// (92): only for a share group without members (NON_EMPTY_GROUP); GROUP_ID_NOT_FOUND for
// an unknown group on delete (alter creates it, as Kafka initializes the state).
// ACLs (issue 6), as KafkaApis: the heartbeat needs READ on the group and DESCRIBE on the
// subscribed topics; ShareGroupDescribe and DescribeShareGroupOffsets DESCRIBE on the group
// (and on each topic, for offsets); ShareFetch, ShareAcknowledge and AlterShareGroupOffsets
// READ on the group and on each topic (TOPIC_AUTHORIZATION_FAILED per partition, nothing
// acquired or acknowledged there); DeleteShareGroupOffsets DELETE on the group and READ on each
// topic. A denied group is GROUP_AUTHORIZATION_FAILED.
// Share-partition state is kept by the share coordinator (__share_group_state, see
// share-state.ts), so the offset APIs answer from it for partitions not loaded since a restart.
// ShareAcquireMode (v2): record-limit acquires at most MaxRecords records, splitting a batch;
// batch-optimized (the default) acquires whole batches.
// Omitted: IsRenewAck (v2) is not used to skip acquisition.

import { API, ErrorCode, iterateBatches, readBatchHeader } from '../../protocol/index.ts';
import type { PartitionLog } from '../../storage/index.ts';
import type { Broker } from '../broker.ts';
import { defineHandler, type RequestContext } from '../dispatch.ts';
import { authorizedNames, authorizedOperations, heartbeatRefusal, splitAuthorized } from '../auth/access.ts';
import { ACL_OPERATION, authorized, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { answerHeartbeat, groupConfig, groupCoordinator, shareCoordinator } from './group-component.ts';
import { parseShareAutoOffsetReset } from '../config/group-configs.ts';

const LEADER_EPOCH = 0;
/** ShareFetch v2's ShareAcquireMode: 0 batch-optimized, 1 record-limit. */
const SHARE_ACQUIRE_RECORD_LIMIT = 1;

export const shareGroupHeartbeatHandler = defineHandler(API.ShareGroupHeartbeat, {
  async handle(request, ctx) {
    const { broker } = ctx;
    const share = shareCoordinator(broker);
    const response = API.ShareGroupHeartbeat.createResponse();
    response.heartbeatIntervalMs = Number(groupConfig(broker, request.groupId, 'share.heartbeat.interval.ms'));
    const refused = heartbeatRefusal(ctx, request.groupId, request.subscribedTopicNames);
    if (refused) return Object.assign(response, refused);
    const result = await groupCoordinator(broker).run(request.groupId, () =>
      share.heartbeat({
        groupId: request.groupId,
        memberId: request.memberId,
        memberEpoch: request.memberEpoch,
        rackId: request.rackId,
        subscribedTopicNames: request.subscribedTopicNames,
        clientId: ctx.clientId ?? '',
        clientHost: `/${ctx.clientHost}`,
      }),
    );
    return answerHeartbeat(response, result);
  },
});

export const shareGroupDescribeHandler = defineHandler(API.ShareGroupDescribe, {
  handle(request, ctx) {
    const { broker } = ctx;
    const share = shareCoordinator(broker);
    const response = API.ShareGroupDescribe.createResponse();
    for (const groupId of request.groupIds) {
      const group = share.group(groupId);
      const base = {
        errorCode: 0 as number,
        errorMessage: null as string | null,
        groupId,
        groupState: 'Dead',
        groupEpoch: -1,
        assignmentEpoch: -1,
        assignorName: '',
        members: [] as ReturnType<typeof API.ShareGroupDescribe.createResponse>['groups'][number]['members'],
        authorizedOperations: authorizedOperations(ctx, request.includeAuthorizedOperations, RESOURCE_TYPE.GROUP, groupId),
      };
      if (!authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.GROUP, groupId)) {
        response.groups.push({ ...base, groupState: '', errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, authorizedOperations: authorizedOperations(ctx, false, RESOURCE_TYPE.GROUP, groupId) });
        continue;
      }
      if (!group) {
        const other = groupCoordinator(broker).group(groupId);
        response.groups.push({ ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: other ? `Group ${groupId} is not a share group.` : `Group ${groupId} not found.` });
        continue;
      }
      response.groups.push({
        ...base,
        groupState: group.state,
        groupEpoch: group.groupEpoch,
        assignmentEpoch: group.groupEpoch,
        assignorName: 'simple',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: m.subscribedTopicNames,
          assignment: {
            topicPartitions: [...m.assignment].map(([topicId, partitions]) => ({ topicId, topicName: broker.logs.topicById(topicId)?.name ?? '', partitions })),
          },
        })),
      });
    }
    return response;
  },
});

/**
 * Where a share group starts on a partition it has no state for: its share.auto.offset.reset
 * (latest: the high watermark; earliest: the log start; by_duration: the first record at or
 * after now minus the duration, else the high watermark), as Kafka's SharePartition does.
 */
function initialShareOffset(broker: Broker, groupId: string, log: PartitionLog): number {
  const reset = parseShareAutoOffsetReset(groupConfig(broker, groupId, 'share.auto.offset.reset'));
  if (reset?.kind === 'earliest') return log.logStartOffset;
  if (reset?.kind === 'by_duration') return log.offsetForTimestamp(Date.now() - reset.ms)?.offset ?? log.highWatermark;
  return log.highWatermark;
}

/**
 * Batch boundaries of a partition log, for acquisition: up to the high watermark, or under
 * share.isolation.level=read_committed up to the last stable offset (no record of an open
 * transaction is acquired), with the batches of aborted transactions marked to be archived.
 */
function shareLog(log: PartitionLog, readCommitted: boolean) {
  return {
    get highWatermark() {
      return readCommitted ? Math.min(log.lastStableOffset, log.highWatermark) : log.highWatermark;
    },
    get logStartOffset() {
      return log.logStartOffset;
    },
    batchAt(offset: number) {
      const read = log.read(offset, 1, { minOneBatch: true, maxOffset: log.highWatermark });
      if (read.errorCode !== 0 || read.bytes === 0) return null;
      const header = readBatchHeader(read.chunks[0]!, 0);
      const archive =
        readCommitted &&
        header.isTransactional &&
        !header.isControl &&
        log.abortedTransactions(header.baseOffset, header.baseOffset + 1).some((a) => a.producerId === BigInt(header.producerId));
      return { baseOffset: header.baseOffset, lastOffset: header.baseOffset + header.lastOffsetDelta, archive };
    },
  };
}

/** The batches holding the acquired ranges, each once, in offset order. */
function batchesFor(log: PartitionLog, ranges: { firstOffset: number; lastOffset: number }[]): Buffer {
  const byBase = new Map<number, Buffer>();
  for (const r of ranges) {
    const read = log.read(r.firstOffset, 64 << 20, { minOneBatch: true, maxOffset: r.lastOffset + 1 });
    if (read.errorCode !== 0) continue;
    const buf = read.chunks.length === 1 ? read.chunks[0]! : Buffer.concat(read.chunks);
    for (const b of iterateBatches(buf)) byBase.set(b.baseOffset, buf.subarray(b.position, b.position + b.size));
  }
  return Buffer.concat([...byBase].sort((a, b) => a[0] - b[0]).map(([, buf]) => buf));
}

type Acks = { topicId: string; partitions: { partitionIndex: number; acknowledgementBatches: { firstOffset: bigint; lastOffset: bigint; acknowledgeTypes: number[] }[] }[] }[];

/** Applies acknowledgements; returns the error code per "topicId:partition". */
function applyAcks(broker: Broker, groupId: string, memberId: string, topics: Acks): Map<string, number> {
  const share = shareCoordinator(broker);
  const errors = new Map<string, number>();
  for (const t of topics) {
    for (const p of t.partitions) {
      if (p.acknowledgementBatches.length === 0) continue;
      const code = share.acknowledge(groupId, memberId, {
        topicId: t.topicId,
        partition: p.partitionIndex,
        batches: p.acknowledgementBatches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), acknowledgeTypes: b.acknowledgeTypes })),
      });
      errors.set(`${t.topicId}:${p.partitionIndex}`, code);
    }
  }
  return errors;
}

/** The topic ids of a share request that exist and that the principal may not READ. */
function unreadableTopicIds(ctx: RequestContext, topicIds: Iterable<string>): Set<string> {
  const mayRead = authorizedNames(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.TOPIC);
  const denied = new Set<string>();
  for (const id of topicIds) {
    const topic = ctx.broker.logs.topicById(id);
    if (topic && !mayRead(topic.name)) denied.add(id);
  }
  return denied;
}

function hasAcks(topics: Acks): boolean {
  return topics.some((t) => t.partitions.some((p) => p.acknowledgementBatches.length > 0));
}

export const shareFetchHandler = defineHandler(API.ShareFetch, {
  async handle(request, ctx) {
    const { broker } = ctx;
    const share = shareCoordinator(broker);
    const response = API.ShareFetch.createResponse();
    const groupId = request.groupId ?? '';
    response.acquisitionLockTimeoutMs = Number(groupConfig(broker, groupId, 'share.record.lock.duration.ms'));
    const memberId = request.memberId ?? '';
    const top = (errorCode: number, errorMessage: string | null = null) => {
      response.errorCode = errorCode;
      response.errorMessage = errorMessage;
      return response;
    };
    if (!authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.GROUP, groupId)) return top(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    if (groupId === '' || memberId === '') return top(ErrorCode.INVALID_REQUEST, 'GroupId and MemberId must be set.');
    const denied = unreadableTopicIds(ctx, request.topics.map((t) => t.topicId));
    const epoch = request.shareSessionEpoch;
    if (epoch === 0 && hasAcks(request.topics)) return top(ErrorCode.INVALID_REQUEST, 'Acknowledge data present on initial fetch request.');
    const add = request.topics.filter((t) => !denied.has(t.topicId)).flatMap((t) => t.partitions.map((p) => ({ topicId: t.topicId, partition: p.partitionIndex })));
    const forget = request.forgottenTopicsData.flatMap((t) => t.partitions.map((partition) => ({ topicId: t.topicId, partition })));
    const sessionError = share.session(groupId, memberId, epoch, add, forget, true);
    if (sessionError !== 0) return top(sessionError);
    const ackErrors = applyAcks(broker, groupId, memberId, request.topics.filter((t) => !denied.has(t.topicId)));
    const partitionOut = (topicId: string, partitionIndex: number) => ({
      partitionIndex,
      errorCode: (denied.has(topicId) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : 0) as number,
      errorMessage: null as string | null,
      acknowledgeErrorCode: ackErrors.get(`${topicId}:${partitionIndex}`) ?? 0,
      acknowledgeErrorMessage: null as string | null,
      currentLeader: { leaderId: broker.nodeId, leaderEpoch: LEADER_EPOCH },
      records: Buffer.alloc(0) as Buffer,
      acquiredRecords: [] as { firstOffset: bigint; lastOffset: bigint; deliveryCount: number }[],
    });
    const byTopic = new Map<string, ReturnType<typeof partitionOut>[]>();
    const out = (topicId: string, partitionIndex: number) => {
      let list = byTopic.get(topicId);
      if (!list) byTopic.set(topicId, (list = []));
      let p = list.find((x) => x.partitionIndex === partitionIndex);
      if (!p) list.push((p = partitionOut(topicId, partitionIndex)));
      return p;
    };
    for (const t of request.topics) for (const p of t.partitions) out(t.topicId, p.partitionIndex);

    if (epoch === -1) {
      share.closeSession(groupId, memberId);
    } else {
      const maxRecords = request.maxRecords > 0 ? request.maxRecords : 500;
      const deadline = Date.now() + Math.max(request.maxWaitMs, 0);
      for (;;) {
        let acquiredCount = 0;
        const logs: PartitionLog[] = [];
        for (const { topicId, partition } of share.sessionPartitions(groupId, memberId)) {
          const topic = broker.logs.topicById(topicId);
          const log = topic ? broker.logs.partition(topic.name, partition) : undefined;
          if (!log) {
            out(topicId, partition).errorCode = topic ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID;
            continue;
          }
          // A topic added to the session earlier whose READ was revoked since.
          if (unreadableTopicIds(ctx, [topicId]).size > 0) {
            out(topicId, partition).errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
            continue;
          }
          logs.push(log);
          if (acquiredCount >= maxRecords) continue;
          const sp = share.partition(groupId, topicId, partition, log.highWatermark, () => initialShareOffset(broker, groupId, log));
          if (!sp) continue;
          const readCommitted = groupConfig(broker, groupId, 'share.isolation.level') === 'read_committed';
          const ranges = share.acquire(sp, memberId, maxRecords - acquiredCount, shareLog(log, readCommitted), ctx.apiVersion >= 2 && request.shareAcquireMode === SHARE_ACQUIRE_RECORD_LIMIT);
          if (ranges.length === 0) continue;
          const p = out(topicId, partition);
          p.records = batchesFor(log, ranges);
          p.acquiredRecords = ranges.map((r) => ({ firstOffset: BigInt(r.firstOffset), lastOffset: BigInt(r.lastOffset), deliveryCount: r.deliveryCount }));
          for (const r of ranges) acquiredCount += r.lastOffset - r.firstOffset + 1;
        }
        const waitMs = deadline - Date.now();
        if (acquiredCount > 0 || waitMs <= 0 || ctx.signal.aborted || logs.length === 0) break;
        // Wake on an append, or after a short while, since released and expired locks make
        // records available again without an append.
        await broker.appends.wait(logs, Math.min(waitMs, 100), ctx.signal);
      }
    }
    response.responses = [...byTopic].map(([topicId, partitions]) => ({ topicId, partitions }));
    return response;
  },
});

export const shareAcknowledgeHandler = defineHandler(API.ShareAcknowledge, {
  handle(request, ctx) {
    const { broker } = ctx;
    const share = shareCoordinator(broker);
    const response = API.ShareAcknowledge.createResponse();
    const groupId = request.groupId ?? '';
    response.acquisitionLockTimeoutMs = Number(groupConfig(broker, groupId, 'share.record.lock.duration.ms'));
    const memberId = request.memberId ?? '';
    if (!authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.GROUP, groupId)) {
      response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
      return response;
    }
    if (groupId === '' || memberId === '') {
      response.errorCode = ErrorCode.INVALID_REQUEST;
      return response;
    }
    const denied = unreadableTopicIds(ctx, request.topics.map((t) => t.topicId));
    const sessionError = share.session(groupId, memberId, request.shareSessionEpoch, [], [], false);
    if (sessionError !== 0) {
      response.errorCode = sessionError;
      return response;
    }
    const errors = applyAcks(broker, groupId, memberId, request.topics.filter((t) => !denied.has(t.topicId)));
    if (request.shareSessionEpoch === -1) share.closeSession(groupId, memberId);
    response.responses = request.topics.map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: denied.has(t.topicId) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : (errors.get(`${t.topicId}:${p.partitionIndex}`) ?? 0),
        errorMessage: null,
        currentLeader: { leaderId: broker.nodeId, leaderEpoch: LEADER_EPOCH },
      })),
    }));
    return response;
  },
});

export const describeShareGroupOffsetsHandler = defineHandler(API.DescribeShareGroupOffsets, {
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const share = shareCoordinator(broker);
    const response = API.DescribeShareGroupOffsets.createResponse();
    const mayDescribe = authorizedNames(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TOPIC);
    for (const g of request.groups) {
      if (!authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.GROUP, g.groupId)) {
        response.groups.push({ groupId: g.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null });
        continue;
      }
      if (!share.knows(g.groupId)) {
        response.groups.push({ groupId: g.groupId, topics: [], errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${g.groupId} not found.` });
        continue;
      }
      const withState = share.partitionsWithState(g.groupId);
      const requested =
        g.topics ??
        [...new Set([...withState].map((k) => k.slice(0, k.lastIndexOf(':'))))]
          .map((id) => broker.logs.topicById(id))
          .filter((t) => t !== undefined)
          .filter((t) => mayDescribe(t.name))
          .map((t) => ({ topicName: t.name, partitions: [...withState].filter((k) => k.startsWith(`${t.topicId}:`)).map((k) => Number(k.slice(k.lastIndexOf(':') + 1))).sort((a, b) => a - b) }));
      response.groups.push({
        groupId: g.groupId,
        errorCode: 0,
        errorMessage: null,
        topics: requested.map((t) => {
          const topic = broker.logs.topic(t.topicName);
          return {
            topicName: t.topicName,
            topicId: topic?.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA',
            partitions: t.partitions.map((partitionIndex) => {
              if (!mayDescribe(t.topicName)) return { partitionIndex, startOffset: -1n, leaderEpoch: -1, lag: -1n, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null };
              const log = topic ? broker.logs.partition(topic.name, partitionIndex) : undefined;
              if (!topic || !log) {
                return { partitionIndex, startOffset: -1n, leaderEpoch: -1, lag: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
              }
              const sp = share.startOffset(g.groupId, topic.topicId, partitionIndex);
              if (!sp) return { partitionIndex, startOffset: -1n, leaderEpoch: -1, lag: -1n, errorCode: 0, errorMessage: null };
              const lag = Math.max(log.highWatermark - sp.startOffset - sp.deliveryCompleteCount, 0);
              return { partitionIndex, startOffset: BigInt(sp.startOffset), leaderEpoch: LEADER_EPOCH, lag: apiVersion >= 1 ? BigInt(lag) : -1n, errorCode: 0, errorMessage: null };
            }),
          };
        }),
      });
    }
    return response;
  },
});

export const alterShareGroupOffsetsHandler = defineHandler(API.AlterShareGroupOffsets, {
  handle(request, ctx) {
    const { broker } = ctx;
    const share = shareCoordinator(broker);
    const response = API.AlterShareGroupOffsets.createResponse();
    if (!authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.GROUP, request.groupId)) {
      response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
      return response;
    }
    const mayRead = authorizedNames(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.TOPIC);
    const group = share.group(request.groupId);
    if (group && group.members.size > 0) {
      response.errorCode = ErrorCode.NON_EMPTY_GROUP;
      response.errorMessage = `The group ${request.groupId} is not empty.`;
      return response;
    }
    if (!group && groupCoordinator(broker).group(request.groupId)) {
      response.errorCode = ErrorCode.GROUP_ID_NOT_FOUND;
      response.errorMessage = `Group ${request.groupId} is not a share group.`;
      return response;
    }
    response.responses = request.topics.map((t) => {
      const topic = broker.logs.topic(t.topicName);
      return {
        topicName: t.topicName,
        topicId: topic?.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA',
        partitions: t.partitions.map((p) => {
          if (!mayRead(t.topicName)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null };
          const log = topic ? broker.logs.partition(topic.name, p.partitionIndex) : undefined;
          if (!topic || !log) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
          const offset = Number(p.startOffset);
          if (offset < 0 || offset > log.highWatermark) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Start offset ${offset} is outside the log.` };
          const errorCode = share.alterStartOffset(request.groupId, topic.topicId, p.partitionIndex, Math.max(offset, log.logStartOffset));
          return { partitionIndex: p.partitionIndex, errorCode, errorMessage: null };
        }),
      };
    });
    return response;
  },
});

export const deleteShareGroupOffsetsHandler = defineHandler(API.DeleteShareGroupOffsets, {
  handle(request, ctx) {
    const { broker } = ctx;
    const share = shareCoordinator(broker);
    const response = API.DeleteShareGroupOffsets.createResponse();
    if (!authorized(ctx, ACL_OPERATION.DELETE, RESOURCE_TYPE.GROUP, request.groupId)) {
      response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
      return response;
    }
    const mayRead = authorizedNames(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.TOPIC);
    if (!share.knows(request.groupId)) {
      response.errorCode = ErrorCode.GROUP_ID_NOT_FOUND;
      response.errorMessage = `Group ${request.groupId} not found.`;
      return response;
    }
    if ((share.group(request.groupId)?.members.size ?? 0) > 0) {
      response.errorCode = ErrorCode.NON_EMPTY_GROUP;
      response.errorMessage = `The group ${request.groupId} is not empty.`;
      return response;
    }
    response.responses = request.topics.map((t) => {
      const topic = broker.logs.topic(t.topicName);
      if (!mayRead(t.topicName)) return { topicName: t.topicName, topicId: topic?.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null };
      if (!topic) return { topicName: t.topicName, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
      const errorCode = share.deleteTopicState(request.groupId, topic.topicId);
      return { topicName: t.topicName, topicId: topic.topicId, errorCode, errorMessage: null };
    });
    return response;
  },
});
