// The exactly-once family (issue 5). Handlers are thin: authorize, call the transaction
// coordinator (src/coordinator/txn: state machine, __transaction_state, markers, schedules)
// or the group coordinator, and map codes to what each version knows.
//
// InitProducerId (key 22) v0-6: without a transactional id, a fresh producer id at epoch 0
// (ids by persisted blocks; KIP-360 callers too, as Kafka). With one: the coordinator's
// fencing rules (transaction.max.timeout.ms: INVALID_TRANSACTION_TIMEOUT).
// DescribeProducers (61) v0: a partition's producer state.
// AddPartitionsToTxn (24) v0-3 (clients), v4-5 (brokers: batched; verifyOnly checks, else the
// transactions v2 add). AddOffsetsToTxn (25): the group's __consumer_offsets partition joins.
// TxnOffsetCommit (28) v0-5: the offsets partition must be in the transaction (v0-4) or is
// added (v5, KIP-890 part 2); the offsets are written as transactional records in
// __consumer_offsets and become visible with the COMMIT marker. EndTxn (26) v0-5: v5 bumps
// the epoch and answers with the producer id and epoch to use next (transactions v2).
// WriteTxnMarkers (27) v1-2 (inter-broker, CLUSTER_ACTION): markers written to local
// partitions; an epoch older than the partition's producer epoch is INVALID_PRODUCER_EPOCH
// (for a v2 marker, KIP-1228, also an equal one).
// DescribeTransactions (65) v0, ListTransactions (66) v0-2 (state, producer id, duration and
// transactional id pattern filters).
//
// Version notes: PRODUCER_FENCED from the versions that know it (KIP-588: InitProducerId 3,
// AddPartitionsToTxn 2, AddOffsetsToTxn 2, EndTxn 2, TxnOffsetCommit 3), INVALID_PRODUCER_EPOCH
// before; TRANSACTION_ABORTABLE from AddPartitionsToTxn 5 and TxnOffsetCommit 4 (KIP-890),
// INVALID_TXN_STATE before. Transactions v2 is advertised as the finalized feature
// transaction.version=2 (api-versions.ts), as a Kafka 4 cluster does.
//
// ACLs (Kafka's KafkaApis rules): WRITE on the TransactionalId for InitProducerId,
// AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and TxnOffsetCommit
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); InitProducerId without one needs IDEMPOTENT_WRITE on
// the cluster or WRITE on some topic (CLUSTER_AUTHORIZATION_FAILED); WRITE on each topic for
// AddPartitionsToTxn, READ on the group for AddOffsetsToTxn and TxnOffsetCommit
// (GROUP_AUTHORIZATION_FAILED) and READ on each topic for TxnOffsetCommit
// (TOPIC_AUTHORIZATION_FAILED); CLUSTER_ACTION for AddPartitionsToTxn v4+ and WriteTxnMarkers;
// DESCRIBE on the TransactionalId for DescribeTransactions (its topics filtered by DESCRIBE),
// ListTransactions lists only the ids the principal may DESCRIBE; READ on the topic for
// DescribeProducers.
//
// TxnOffsetCommit v3+ with member fields is checked against the group (KIP-447).

import type { EnlistMode, TopicPartitionRef, TransactionCoordinator } from '../../coordinator/txn/index.ts';
import { ConsumerGroup, GROUP_METADATA_TOPIC, partitionForGroup, type Group } from '../../coordinator/index.ts';
import { API, ATTRIBUTES, CONTROL_FLAG, ErrorCode, PRODUCER_EPOCH, PRODUCER_ID, TRANSACTIONAL_FLAG, type TxnOffsetCommitRequest } from '../../protocol/index.ts';
import { ACL_OPERATION, authorized, CLUSTER_NAME, PATTERN_TYPE, PERMISSION_TYPE, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { SECURITY } from '../auth/security.ts';
import { groupCoordinator } from './group-component.ts';
import type { Broker } from '../broker.ts';
import type { Component, ComponentKey } from '../component.ts';
import type { ApiHandler, RequestContext } from '../dispatch.ts';
import { PRODUCER_STATE, TXN_COORDINATOR } from './txn-component.ts';
import { defineHandler } from '../dispatch.ts';

function txns(broker: Broker): TransactionCoordinator {
  return broker.component(TXN_COORDINATOR).coordinator;
}

/** PRODUCER_FENCED for the versions that know it (KIP-588), INVALID_PRODUCER_EPOCH before. */
function fenced(code: number, apiVersion: number, firstVersion: number): number {
  return code === ErrorCode.PRODUCER_FENCED && apiVersion < firstVersion ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
}

/** TRANSACTION_ABORTABLE for the versions that know it (KIP-890), INVALID_TXN_STATE before. */
function abortable(code: number, apiVersion: number, firstVersion: number): number {
  return code === ErrorCode.TRANSACTION_ABORTABLE && apiVersion < firstVersion ? ErrorCode.INVALID_TXN_STATE : code;
}

/**
 * Kafka's Authorizer.authorizeByResourceType(WRITE, TOPIC): may the principal write some topic,
 * existing or not? A super user (or anyone, with no ACL and allow.everyone.if.no.acl.found)
 * may; otherwise an ALLOW binding for WRITE or ALL on topics (principal or User:*, host or *)
 * counts unless a DENY covers it: a wildcard DENY covers all, a literal DENY its own name, a
 * prefixed DENY every name that starts with it.
 */
function mayWriteSomeTopic(ctx: RequestContext): boolean {
  if (authorized(ctx, ACL_OPERATION.WRITE, RESOURCE_TYPE.TOPIC, 'hardcode')) return true;
  const principal = ctx.principal ?? 'User:ANONYMOUS';
  const deniedLiteral = new Set<string>();
  const deniedPrefixes: string[] = [];
  const allowed: { name: string; literal: boolean }[] = [];
  let wildcardAllowed = false;
  for (const acl of ctx.broker.component(SECURITY).store.acls()) {
    if (acl.resourceType !== RESOURCE_TYPE.TOPIC) continue;
    if (acl.host !== '*' && acl.host !== ctx.clientHost) continue;
    if (acl.principal !== principal && acl.principal !== 'User:*') continue;
    if (acl.operation !== ACL_OPERATION.WRITE && acl.operation !== ACL_OPERATION.ALL) continue;
    const literal = acl.patternType === PATTERN_TYPE.LITERAL;
    if (!literal && acl.patternType !== PATTERN_TYPE.PREFIXED) continue;
    if (acl.permissionType === PERMISSION_TYPE.DENY) {
      if (literal && acl.resourceName === '*') return false;
      if (literal) deniedLiteral.add(acl.resourceName);
      else deniedPrefixes.push(acl.resourceName);
    } else if (acl.permissionType === PERMISSION_TYPE.ALLOW) {
      if (literal && acl.resourceName === '*') wildcardAllowed = true;
      else allowed.push({ name: acl.resourceName, literal });
    }
  }
  if (wildcardAllowed) return true;
  return allowed.some((a) => !(a.literal && deniedLiteral.has(a.name)) && !deniedPrefixes.some((d) => a.name.startsWith(d)));
}

const clusterAuthorized = (ctx: RequestContext, operation: number) => authorized(ctx, operation, RESOURCE_TYPE.CLUSTER, CLUSTER_NAME);
const mayWriteTxn = (ctx: RequestContext, transactionalId: string) => authorized(ctx, ACL_OPERATION.WRITE, RESOURCE_TYPE.TRANSACTIONAL_ID, transactionalId);

/**
 * The partition leader's check of a transactional batch before it is written (KIP-890):
 * Produce v12+ adds the partition to the transaction (transactions v2); older versions must
 * have added it (part 1, transaction.partition.verification.enable), so that a batch cannot
 * start a transaction the coordinator does not know (a hanging transaction). Returns 0 or
 * the code for the partition, mapped as Kafka's leader does: PRODUCER_FENCED becomes
 * INVALID_PRODUCER_EPOCH, TRANSACTION_ABORTABLE INVALID_TXN_STATE before Produce v11, and a
 * coordinator that is busy NOT_ENOUGH_REPLICAS, which every client retries.
 */
export function verifyTransactionalBatch(ctx: RequestContext, transactionalId: string | null, batch: Buffer, tp: TopicPartitionRef): number {
  const attributes = batch.readInt16BE(ATTRIBUTES);
  if ((attributes & TRANSACTIONAL_FLAG) === 0 || (attributes & CONTROL_FLAG) !== 0) return 0;
  // Kafka refuses transactional records without a transactional id to authorize.
  if (transactionalId === null) return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  const v2 = ctx.apiVersion >= 12;
  if (!v2 && !ctx.broker.config.boolean('transaction.partition.verification.enable')) return 0;
  const producerId = batch.readBigInt64BE(PRODUCER_ID);
  const producerEpoch = batch.readInt16BE(PRODUCER_EPOCH);
  const code = txns(ctx.broker).enlist(transactionalId, producerId, producerEpoch, [tp], v2 ? 'implicit' : 'verify')[0]!;
  switch (code) {
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case ErrorCode.TRANSACTION_ABORTABLE:
      return abortable(code, ctx.apiVersion, 11);
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    default:
      return code;
  }
}

export const initProducerIdHandler = defineHandler(API.InitProducerId, {
  handle(request, ctx) {
    const response = API.InitProducerId.createResponse();
    if (request.transactionalId !== null) {
      if (!mayWriteTxn(ctx, request.transactionalId)) {
        response.errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        return response;
      }
      if (request.transactionalId === '') {
        response.errorCode = ErrorCode.INVALID_REQUEST;
        return response;
      }
      const r = txns(ctx.broker).initProducerId(request.transactionalId, request.transactionTimeoutMs, ctx.apiVersion >= 3 ? request.producerId : -1n, ctx.apiVersion >= 3 ? request.producerEpoch : -1);
      response.errorCode = fenced(r.errorCode, ctx.apiVersion, 3);
      response.producerId = r.producerId;
      response.producerEpoch = r.producerEpoch;
      return response;
    }
    // Kafka 4 (KIP-679): IDEMPOTENT_WRITE on the cluster, or WRITE on some topic.
    if (!clusterAuthorized(ctx, ACL_OPERATION.IDEMPOTENT_WRITE) && !mayWriteSomeTopic(ctx)) {
      response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return response;
    }
    response.producerId = ctx.broker.component(PRODUCER_STATE).generateProducerId();
    response.producerEpoch = 0;
    return response;
  },
});

export const describeProducersHandler = defineHandler(API.DescribeProducers, {
  handle(request, ctx) {
    const response = API.DescribeProducers.createResponse();
    for (const t of request.topics) {
      const allowed = authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.TOPIC, t.name);
      const partitions = t.partitionIndexes.map((partitionIndex) => {
        const failed = (errorCode: number) => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] });
        if (!allowed) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        const log = ctx.broker.logs.partition(t.name, partitionIndex);
        if (!log) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        return {
          partitionIndex,
          errorCode: 0,
          errorMessage: null,
          activeProducers: log.producers().map((e) => ({
            producerId: e.producerId,
            producerEpoch: e.producerEpoch,
            lastSequence: e.batches.length > 0 ? e.batches[e.batches.length - 1]!.lastSeq : -1,
            lastTimestamp: BigInt(e.lastTimestamp),
            coordinatorEpoch: e.coordinatorEpoch,
            currentTxnStartOffset: BigInt(e.currentTxnFirstOffset),
          })),
        };
      });
      response.topics.push({ name: t.name, partitions });
    }
    return response;
  },
});

type AddTopics = ReturnType<typeof API.AddPartitionsToTxn.createRequest>['v3AndBelowTopics'];

export const addPartitionsToTxnHandler = defineHandler(API.AddPartitionsToTxn, {
  handle(request, ctx) {
    const response = API.AddPartitionsToTxn.createResponse();
    const coordinator = txns(ctx.broker);
    const add = (transactionalId: string, producerId: bigint, producerEpoch: number, topics: AddTopics, mode: EnlistMode) => {
      const results = (code: (topic: string) => number) =>
        topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: code(t.name) })) }));
      if (ctx.apiVersion <= 3 && !mayWriteTxn(ctx, transactionalId)) return results(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      // A topic the principal may not write: TOPIC_AUTHORIZATION_FAILED, the others not attempted.
      const denied = new Set(topics.filter((t) => !authorized(ctx, ACL_OPERATION.WRITE, RESOURCE_TYPE.TOPIC, t.name)).map((t) => t.name));
      if (denied.size > 0) return results((topic) => (denied.has(topic) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED));
      const tps = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
      const codes = coordinator.enlist(transactionalId, producerId, producerEpoch, tps, mode);
      let i = 0;
      return topics.map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: abortable(fenced(codes[i++]!, ctx.apiVersion, 2), ctx.apiVersion, 5) })),
      }));
    };
    if (ctx.apiVersion <= 3) {
      response.resultsByTopicV3AndBelow = add(request.v3AndBelowTransactionalId, request.v3AndBelowProducerId, request.v3AndBelowProducerEpoch, request.v3AndBelowTopics, 'add');
      return response;
    }
    if (!clusterAuthorized(ctx, ACL_OPERATION.CLUSTER_ACTION)) {
      response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return response;
    }
    response.resultsByTransaction = request.transactions.map((t) => ({
      transactionalId: t.transactionalId,
      topicResults: add(t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly ? 'verify' : 'implicit'),
    }));
    return response;
  },
});

/** The group's __consumer_offsets partition (the topic created if needed), or null. */
function offsetsPartition(broker: Broker, groupId: string): TopicPartitionRef | null {
  const groups = groupCoordinator(broker);
  if (!groups.ensureOffsetsTopic()) return null;
  const partitions = broker.logs.topic(GROUP_METADATA_TOPIC)!.partitions;
  return { topic: GROUP_METADATA_TOPIC, partition: partitionForGroup(groupId, partitions) };
}

export const addOffsetsToTxnHandler = defineHandler(API.AddOffsetsToTxn, {
  handle(request, ctx) {
    const response = API.AddOffsetsToTxn.createResponse();
    if (!mayWriteTxn(ctx, request.transactionalId)) response.errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    else if (!authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.GROUP, request.groupId)) response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
    else {
      const tp = offsetsPartition(ctx.broker, request.groupId);
      if (!tp) response.errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      else response.errorCode = fenced(txns(ctx.broker).enlist(request.transactionalId, request.producerId, request.producerEpoch, [tp])[0]!, ctx.apiVersion, 2);
    }
    return response;
  },
});

/**
 * TxnOffsetCommit v3+ from a group member (KIP-447: member id, generation, instance id) is
 * checked as Kafka's coordinator checks a transactional commit: ILLEGAL_GENERATION for a
 * generation of a group that does not exist, else the group's own rules, a consumer
 * group's stale member epoch answered ILLEGAL_GENERATION. A commit without member fields
 * (older clients, or consumers outside group management) is not checked.
 */
function memberError(group: Group | undefined, request: TxnOffsetCommitRequest, apiVersion: number): number {
  if (apiVersion < 3 || (request.generationId < 0 && request.memberId === '' && request.groupInstanceId === null)) return 0;
  if (!group || group.state === 'Dead') return request.generationId >= 0 ? ErrorCode.ILLEGAL_GENERATION : 0;
  if (group instanceof ConsumerGroup) return group.validateOffsetCommit(request.memberId, request.generationId, 0);
  return group.validateOffsetCommit(request.memberId, request.groupInstanceId, request.generationId);
}

export const txnOffsetCommitHandler = defineHandler(API.TxnOffsetCommit, {
  async handle(request, ctx) {
    const response = API.TxnOffsetCommit.createResponse();
    const { broker, apiVersion } = ctx;
    const answer = (code: (topic: string) => number) => {
      response.topics = request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t.name) })) }));
      return response;
    };
    if (!mayWriteTxn(ctx, request.transactionalId)) return answer(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.GROUP, request.groupId)) return answer(() => ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const topicCode = new Map<string, number>();
    for (const t of request.topics) {
      if (!authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.TOPIC, t.name)) topicCode.set(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      else if (!broker.logs.topic(t.name)) topicCode.set(t.name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    const tp = offsetsPartition(broker, request.groupId);
    if (!tp) return answer((topic) => topicCode.get(topic) ?? ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const offsets = request.topics
      .filter((t) => !topicCode.has(t.name))
      .flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: apiVersion >= 2 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata ?? '' })),
      );
    const groups = groupCoordinator(broker);
    // In one turn with the write: the offsets partition joins (v5, transactions v2) or must
    // have joined (AddOffsetsToTxn), and no EndTxn can complete the transaction in between.
    const code = await groups.run(request.groupId, () => {
      const member = memberError(groups.group(request.groupId), request, apiVersion);
      if (member !== 0) return member;
      let c = txns(broker).enlist(request.transactionalId, request.producerId, request.producerEpoch, [tp], apiVersion >= 5 ? 'implicit' : 'verify')[0]!;
      c = abortable(fenced(c, apiVersion, 3), apiVersion, 4);
      if (c === ErrorCode.CONCURRENT_TRANSACTIONS) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return c !== 0 ? c : groups.commitTransactionalOffsets(request.groupId, request.producerId, request.producerEpoch, offsets);
    });
    return answer((topic) => topicCode.get(topic) ?? code);
  },
});

export const endTxnHandler = defineHandler(API.EndTxn, {
  handle(request, ctx) {
    const response = API.EndTxn.createResponse();
    if (!mayWriteTxn(ctx, request.transactionalId)) {
      response.errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      return response;
    }
    const r = txns(ctx.broker).endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed, ctx.apiVersion >= 5);
    response.errorCode = fenced(r.errorCode, ctx.apiVersion, 2);
    response.producerId = r.producerId;
    response.producerEpoch = r.producerEpoch;
    return response;
  },
});

export const writeTxnMarkersHandler = defineHandler(API.WriteTxnMarkers, {
  handle(request, ctx) {
    const response = API.WriteTxnMarkers.createResponse();
    const allowed = clusterAuthorized(ctx, ACL_OPERATION.CLUSTER_ACTION);
    const manager = ctx.broker.component(TXN_COORDINATOR).manager;
    response.markers = request.markers.map((m) => ({
      producerId: m.producerId,
      topics: m.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          errorCode: allowed
            ? manager.writeMarker({ topic: t.name, partition: partitionIndex }, m.producerId, m.producerEpoch, m.transactionResult, ctx.apiVersion >= 2 && m.transactionVersion >= 2)
            : ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        })),
      })),
    }));
    return response;
  },
});

const STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

export const describeTransactionsHandler = defineHandler(API.DescribeTransactions, {
  handle(request, ctx) {
    const response = API.DescribeTransactions.createResponse();
    const coordinator = txns(ctx.broker);
    response.transactionStates = request.transactionalIds.map((transactionalId) => {
      const failed = (errorCode: number) => ({ errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] });
      if (!authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TRANSACTIONAL_ID, transactionalId)) return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      const t = coordinator.get(transactionalId);
      if (!t) return failed(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
      const byTopic = new Map<string, number[]>();
      for (const tp of t.partitions.values()) {
        // Kafka leaves out the topics the principal may not describe.
        if (!authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TOPIC, tp.topic)) continue;
        byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
      }
      return {
        errorCode: 0,
        transactionalId,
        transactionState: t.state,
        transactionTimeoutMs: t.timeoutMs,
        transactionStartTimeMs: BigInt(t.startTimestamp),
        producerId: t.producerId,
        producerEpoch: t.producerEpoch,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      };
    });
    return response;
  },
});

export const listTransactionsHandler = defineHandler(API.ListTransactions, {
  handle(request, ctx) {
    const response = API.ListTransactions.createResponse();
    response.unknownStateFilters = request.stateFilters.filter((f) => !STATES.includes(f));
    let pattern: RegExp | null = null;
    if (ctx.apiVersion >= 2 && request.transactionalIdPattern !== null && request.transactionalIdPattern !== '') {
      try {
        pattern = new RegExp(`^(?:${request.transactionalIdPattern})$`);
      } catch {
        response.errorCode = ErrorCode.INVALID_REGULAR_EXPRESSION;
        return response;
      }
    }
    const now = Date.now();
    const duration = ctx.apiVersion >= 1 ? Number(request.durationFilter) : -1;
    response.transactionStates = txns(ctx.broker)
      .all()
      .filter((t) => request.stateFilters.length === 0 || request.stateFilters.includes(t.state))
      .filter((t) => request.producerIdFilters.length === 0 || request.producerIdFilters.includes(t.producerId))
      // Kafka compares with the start time in any state (-1 before the first transaction).
      .filter((t) => duration < 0 || now - t.startTimestamp > duration)
      .filter((t) => pattern === null || pattern.test(t.transactionalId))
      .filter((t) => authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TRANSACTIONAL_ID, t.transactionalId))
      .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state }));
    return response;
  },
});

export const TXN_HANDLERS: readonly ApiHandler[] = [
  describeTransactionsHandler,
  listTransactionsHandler,
  initProducerIdHandler,
  describeProducersHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  txnOffsetCommitHandler,
  endTxnHandler,
  writeTxnMarkersHandler,
];

/** Started with the broker (after the group coordinator, which must hold its pending offsets first). */
export const TXN_STARTUP: readonly ComponentKey<Component>[] = [PRODUCER_STATE, TXN_COORDINATOR];
