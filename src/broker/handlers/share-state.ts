// The share coordinator's inter-broker APIs (KIP-932), which a share-partition leader uses to
// keep share-partition state in __share_group_state: InitializeShareGroupState (key 83, v0),
// ReadShareGroupState (84, v0), WriteShareGroupState (85, v0-1), DeleteShareGroupState
// (86, v0), ReadShareGroupStateSummary (87, v0-1). This broker is the share coordinator of
// every share partition, so each request is answered here, per partition, from
// src/coordinator/share/state-coordinator.ts; the broker's own share partitions call that
// object directly rather than over the wire.
//
// As Kafka: CLUSTER_ACTION on the cluster is required (CLUSTER_AUTHORIZATION_FAILED for
// every partition otherwise); an empty group id, a start offset below -1 or a state batch
// with offsets out of order or a delivery state other than 0, 2 or 4 is INVALID_REQUEST
// (for that partition), as is an offset past 2^53 - 1, which no log here can reach and the
// state records (offsets kept as numbers) could not encode; a state that was never
// initialized reads as start offset -1 with no batches; fencing errors are per partition
// (FENCED_LEADER_EPOCH, FENCED_STATE_EPOCH).

import { API, ErrorCode } from '../../protocol/index.ts';
import { ACL_OPERATION, authorized, CLUSTER_NAME, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { defineHandler, type RequestContext } from '../dispatch.ts';
import { shareStateCoordinator } from './group-component.ts';

/** The error every partition gets when the request as a whole is refused, or 0. */
function refusal(ctx: RequestContext, groupId: string): number {
  if (!authorized(ctx, ACL_OPERATION.CLUSTER_ACTION, RESOURCE_TYPE.CLUSTER, CLUSTER_NAME)) return ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
  if (groupId === '') return ErrorCode.INVALID_REQUEST;
  if (!shareStateCoordinator(ctx.broker).ensureTopic()) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  return 0;
}

const message = (errorCode: number): string | null => (errorCode === 0 ? null : errorCode === ErrorCode.INVALID_REQUEST ? 'Group id must be set.' : null);

export const initializeShareGroupStateHandler = defineHandler(API.InitializeShareGroupState, {
  handle(request, ctx) {
    const state = shareStateCoordinator(ctx.broker);
    const refused = refusal(ctx, request.groupId);
    const response = API.InitializeShareGroupState.createResponse();
    response.results = request.topics.map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map((p) => {
        const invalid = !refused && !validStartOffset(p.startOffset);
        const errorCode = refused || (invalid ? ErrorCode.INVALID_REQUEST : state.initialize({ groupId: request.groupId, topicId: t.topicId, partition: p.partition }, p.stateEpoch, Number(p.startOffset)));
        return { partition: p.partition, errorCode, errorMessage: invalid ? 'Invalid start offset.' : message(errorCode) };
      }),
    }));
    return response;
  },
});

export const readShareGroupStateHandler = defineHandler(API.ReadShareGroupState, {
  handle(request, ctx) {
    const state = shareStateCoordinator(ctx.broker);
    const refused = refusal(ctx, request.groupId);
    const response = API.ReadShareGroupState.createResponse();
    response.results = request.topics.map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map((p) => {
        const base = { partition: p.partition, errorCode: refused, errorMessage: message(refused), stateEpoch: 0, startOffset: -1n, stateBatches: [] as { firstOffset: bigint; lastOffset: bigint; deliveryState: number; deliveryCount: number }[] };
        if (refused !== 0) return base;
        const read = state.read({ groupId: request.groupId, topicId: t.topicId, partition: p.partition }, p.leaderEpoch);
        if (read.errorCode !== 0) return { ...base, errorCode: read.errorCode };
        if (!read.state) return base;
        return {
          ...base,
          stateEpoch: read.state.stateEpoch,
          startOffset: BigInt(read.state.startOffset),
          stateBatches: read.state.stateBatches.map((b) => ({ firstOffset: BigInt(b.firstOffset), lastOffset: BigInt(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount })),
        };
      }),
    }));
    return response;
  },
});

/** A state batch a share partition could have written: ordered offsets, a persisted delivery state. */
const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);

/** A start offset as the APIs take it: -1 (unknown) or a reachable offset. */
const validStartOffset = (offset: bigint) => offset >= -1n && offset <= MAX_OFFSET;

function validBatch(b: { firstOffset: bigint; lastOffset: bigint; deliveryState: number; deliveryCount: number }): boolean {
  return b.firstOffset >= 0n && b.lastOffset >= b.firstOffset && b.lastOffset <= MAX_OFFSET && (b.deliveryState === 0 || b.deliveryState === 2 || b.deliveryState === 4) && b.deliveryCount >= 0;
}

export const writeShareGroupStateHandler = defineHandler(API.WriteShareGroupState, {
  handle(request, ctx) {
    const state = shareStateCoordinator(ctx.broker);
    const refused = refusal(ctx, request.groupId);
    const response = API.WriteShareGroupState.createResponse();
    response.results = request.topics.map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map((p) => {
        const invalid = !validStartOffset(p.startOffset) || !p.stateBatches.every(validBatch) ? ErrorCode.INVALID_REQUEST : 0;
        const errorCode =
          refused ||
          invalid ||
          state.write(
            { groupId: request.groupId, topicId: t.topicId, partition: p.partition },
            {
              stateEpoch: p.stateEpoch,
              leaderEpoch: p.leaderEpoch,
              startOffset: Number(p.startOffset),
              deliveryCompleteCount: p.deliveryCompleteCount,
              stateBatches: p.stateBatches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount })),
            },
          );
        return { partition: p.partition, errorCode, errorMessage: invalid && !refused ? 'Invalid start offset or state batches.' : message(errorCode) };
      }),
    }));
    return response;
  },
});

export const deleteShareGroupStateHandler = defineHandler(API.DeleteShareGroupState, {
  handle(request, ctx) {
    const state = shareStateCoordinator(ctx.broker);
    const refused = refusal(ctx, request.groupId);
    const response = API.DeleteShareGroupState.createResponse();
    response.results = request.topics.map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map((p) => {
        const errorCode = refused || state.delete({ groupId: request.groupId, topicId: t.topicId, partition: p.partition });
        return { partition: p.partition, errorCode, errorMessage: message(errorCode) };
      }),
    }));
    return response;
  },
});

export const readShareGroupStateSummaryHandler = defineHandler(API.ReadShareGroupStateSummary, {
  handle(request, ctx) {
    const state = shareStateCoordinator(ctx.broker);
    const refused = refusal(ctx, request.groupId);
    const response = API.ReadShareGroupStateSummary.createResponse();
    response.results = request.topics.map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map((p) => {
        const base = { partition: p.partition, errorCode: refused, errorMessage: message(refused), stateEpoch: 0, leaderEpoch: -1, startOffset: -1n, deliveryCompleteCount: -1 };
        if (refused !== 0) return base;
        const read = state.read({ groupId: request.groupId, topicId: t.topicId, partition: p.partition }, p.leaderEpoch);
        if (read.errorCode !== 0) return { ...base, errorCode: read.errorCode };
        if (!read.state) return base;
        return { ...base, stateEpoch: read.state.stateEpoch, leaderEpoch: read.state.leaderEpoch, startOffset: BigInt(read.state.startOffset), deliveryCompleteCount: read.state.deliveryCompleteCount };
      }),
    }));
    return response;
  },
});

export const SHARE_STATE_HANDLERS = [
  initializeShareGroupStateHandler,
  readShareGroupStateHandler,
  writeShareGroupStateHandler,
  deleteShareGroupStateHandler,
  readShareGroupStateSummaryHandler,
];
