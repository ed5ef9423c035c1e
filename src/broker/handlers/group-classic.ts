// The classic group protocol: FindCoordinator (key 10, v0-6), JoinGroup (11, v0-9),
// SyncGroup (14, v0-5), Heartbeat (12, v0-4), LeaveGroup (13, v0-5).
//
// FindCoordinator: one key (v0-3) or a batch of keys (v4+). GROUP keys are answered with
// this broker, after creating __consumer_offsets on first need as Kafka does; TRANSACTION
// keys too (issue 5); SHARE keys ("groupId:topicId:partition", else INVALID_REQUEST) after
// creating __share_group_state; an unknown key type gets INVALID_REQUEST.
// JoinGroup: an empty group id is INVALID_GROUP_ID, a session timeout outside
// group.min/max.session.timeout.ms is INVALID_SESSION_TIMEOUT; v0 has no rebalance timeout,
// so the session timeout stands in for it (as Kafka does). The group state machine is
// src/coordinator/group/classic-group.ts; requests that wait for a rebalance park there
// without blocking the group's queue. Before v7 the protocol name cannot be null on the
// wire, so an error answer carries "". A group id used by a share group gets
// INCONSISTENT_GROUP_PROTOCOL.
// LeaveGroup: v0-2 name one member (its error is the top-level error); v3+ a batch of
// members by id or group.instance.id, each with its own error.
// ACLs (issue 6), as KafkaApis: FindCoordinator needs DESCRIBE on the group
// (GROUP_AUTHORIZATION_FAILED) or transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), and
// CLUSTER_ACTION on the cluster for a share key; JoinGroup, SyncGroup, Heartbeat and LeaveGroup
// need READ on the group, checked before anything else (GROUP_AUTHORIZATION_FAILED).
// A consumer group with members answers these requests for its classic members (KIP-848
// online migration, see src/coordinator/group/consumer-group.ts).

import { API, ErrorCode, ERRORS } from '../../protocol/index.ts';
import { defineHandler, type RequestContext } from '../dispatch.ts';
import { clusterAuthorized } from '../auth/access.ts';
import { ACL_OPERATION, authorized, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { groupCoordinator, shareCoordinator, shareStateCoordinator } from './group-component.ts';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;
const KEY_TYPE_SHARE = 2;

/** The error that refuses a JoinGroup, SyncGroup, Heartbeat or LeaveGroup before the group is looked at, or 0. */
function membershipRefusal(ctx: RequestContext, groupId: string): number {
  if (!authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.GROUP, groupId)) return ErrorCode.GROUP_AUTHORIZATION_FAILED;
  if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
  return 0;
}

function errorMessage(code: number): string | null {
  return code === 0 ? null : (ERRORS.get(code)?.message ?? null);
}

export const findCoordinatorHandler = defineHandler(API.FindCoordinator, {
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const coordinator = groupCoordinator(broker);
    const { host, port } = broker.advertisedFor(ctx.listenerName);
    const find = (key: string) => {
      let errorCode: number = 0;
      if (request.keyType === KEY_TYPE_GROUP) {
        if (!authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.GROUP, key)) errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        else if (!coordinator.ensureOffsetsTopic()) errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      } else if (request.keyType === KEY_TYPE_TRANSACTION) {
        // Issue 5: this broker coordinates every transactional id (handlers/txn.ts).
        if (!authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TRANSACTIONAL_ID, key)) errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      } else if (request.keyType === KEY_TYPE_SHARE) {
        // A share partition "groupId:topicId:partition" (KIP-932): this broker keeps the state
        // of every one, in __share_group_state (created here on first need).
        if (!clusterAuthorized(ctx, ACL_OPERATION.CLUSTER_ACTION)) errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        else if (!/^.+:[A-Za-z0-9_-]{22}:\d+$/.test(key)) errorCode = ErrorCode.INVALID_REQUEST;
        else if (!shareStateCoordinator(broker).ensureTopic()) errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      } else {
        errorCode = ErrorCode.INVALID_REQUEST;
      }
      return errorCode === 0
        ? { key, nodeId: broker.nodeId, host, port, errorCode, errorMessage: null }
        : { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: errorMessage(errorCode) };
    };
    const response = API.FindCoordinator.createResponse();
    if (apiVersion >= 4) {
      response.coordinators = request.coordinatorKeys.map(find);
      return response;
    }
    const found = find(request.key);
    response.errorCode = found.errorCode;
    response.errorMessage = found.errorMessage;
    response.nodeId = found.nodeId;
    response.host = found.host;
    response.port = found.port;
    return response;
  },
});

export const joinGroupHandler = defineHandler(API.JoinGroup, {
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.JoinGroup.createResponse();
    const answer = (r: Partial<typeof response>) => {
      Object.assign(response, r);
      if (apiVersion < 7 && response.protocolName === null) response.protocolName = '';
      return response;
    };
    const fail = (errorCode: number) => answer({ errorCode, generationId: -1, memberId: request.memberId, protocolName: null, protocolType: null, leader: '' });
    const refused = membershipRefusal(ctx, request.groupId);
    if (refused !== 0) return fail(refused);
    const sessionTimeoutMs = request.sessionTimeoutMs;
    if (sessionTimeoutMs < broker.config.number('group.min.session.timeout.ms') || sessionTimeoutMs > broker.config.number('group.max.session.timeout.ms')) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const coordinator = groupCoordinator(broker);
    if (shareCoordinator(broker).group(request.groupId)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const pending = await coordinator.run(request.groupId, () => {
      if (request.memberId !== '' && !coordinator.group(request.groupId)) return null;
      // A classic group, or a consumer (KIP-848) group with members, which hosts classic members.
      const group = coordinator.joinableGroup(request.groupId);
      // The result may be a promise that a later state change resolves; it is returned
      // wrapped so that the queue moves on without waiting for it.
      return {
        result: group.join({
          memberId: request.memberId,
          groupInstanceId: apiVersion >= 5 ? request.groupInstanceId : null,
          protocolType: request.protocolType,
          protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
          sessionTimeoutMs,
          rebalanceTimeoutMs: apiVersion >= 1 ? request.rebalanceTimeoutMs : sessionTimeoutMs,
          clientId: ctx.clientId ?? '',
          clientHost: `/${ctx.clientHost}`,
          apiVersion,
        }),
      };
    });
    if (pending === null) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const result = await pending.result;
    return answer({ ...result, members: result.members.map((m) => ({ ...m })) });
  },
});

export const syncGroupHandler = defineHandler(API.SyncGroup, {
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.SyncGroup.createResponse();
    response.errorCode = membershipRefusal(ctx, request.groupId);
    if (response.errorCode !== 0) return response;
    const coordinator = groupCoordinator(broker);
    const pending = await coordinator.run(request.groupId, () => {
      const group = coordinator.classicMembership(request.groupId);
      if (!group) return null;
      return {
        result: group.sync({
          memberId: request.memberId,
          groupInstanceId: apiVersion >= 3 ? request.groupInstanceId : null,
          generationId: request.generationId,
          protocolType: apiVersion >= 5 ? request.protocolType : null,
          protocolName: apiVersion >= 5 ? request.protocolName : null,
          assignments: request.assignments,
        }),
      };
    });
    if (pending === null) {
      response.errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
      return response;
    }
    const result = await pending.result;
    response.errorCode = result.errorCode;
    response.protocolType = result.protocolType;
    response.protocolName = result.protocolName;
    response.assignment = result.assignment;
    return response;
  },
});

export const heartbeatHandler = defineHandler(API.Heartbeat, {
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.Heartbeat.createResponse();
    response.errorCode = membershipRefusal(ctx, request.groupId);
    if (response.errorCode !== 0) return response;
    const coordinator = groupCoordinator(broker);
    response.errorCode = await coordinator.run(request.groupId, () => {
      const group = coordinator.classicMembership(request.groupId);
      if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
      return group.heartbeat(request.memberId, apiVersion >= 3 ? request.groupInstanceId : null, request.generationId);
    });
    return response;
  },
});

export const leaveGroupHandler = defineHandler(API.LeaveGroup, {
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.LeaveGroup.createResponse();
    const members = apiVersion >= 3 ? request.members : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
    response.errorCode = membershipRefusal(ctx, request.groupId);
    if (response.errorCode !== 0) return response;
    const coordinator = groupCoordinator(broker);
    await coordinator.run(request.groupId, () => {
      const group = coordinator.classicMembership(request.groupId);
      if (!group) {
        response.errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        return;
      }
      const results = members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        errorCode: group.leave(m.memberId, m.groupInstanceId, m.reason ?? null),
      }));
      if (apiVersion >= 3) response.members = results;
      else response.errorCode = results[0]!.errorCode;
    });
    return response;
  },
});
