// Group administration: DescribeGroups (key 15, v0-6), ListGroups (16, v0-5), DeleteGroups
// (42, v0-2).
//
// DescribeGroups: members' metadata and assignments only while the group is Stable, and
// protocolData (the selected protocol) likewise, as Kafka's group summary. An unknown group
// is described as Dead with no error before v6 and with GROUP_ID_NOT_FOUND from v6. So is a
// consumer (KIP-848) group, as Kafka's GroupMetadataManager.describeGroups only describes
// classic groups ("Group g is not a classic group."): Kafka's admin describes those with
// ConsumerGroupDescribe and falls back to DescribeGroups on GROUP_ID_NOT_FOUND.
// ACLs (issue 6), as KafkaApis: DescribeGroups needs DESCRIBE on each group
// (GROUP_AUTHORIZATION_FAILED for that group) and reports the operations allowed on it (v3+);
// ListGroups lists every group to a principal with DESCRIBE on the cluster, else only the
// groups it may describe; DeleteGroups needs DELETE on each group.
// ListGroups: the states filter (v4+) matches case-insensitively; the types filter (v5+)
// knows "classic", "consumer" (KIP-848 groups) and "share" (KIP-932).
// DeleteGroups: GROUP_ID_NOT_FOUND for unknown groups, NON_EMPTY_GROUP while members
// remain; otherwise tombstones for the group's offsets and metadata are written.

import { ClassicGroup } from '../../coordinator/index.ts';
import { API, ErrorCode } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedNames, authorizedOperations, clusterAuthorized } from '../auth/access.ts';
import { ACL_OPERATION, authorized, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { groupCoordinator, shareCoordinator } from './group-component.ts';

export const describeGroupsHandler = defineHandler(API.DescribeGroups, {
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const coordinator = groupCoordinator(broker);
    const response = API.DescribeGroups.createResponse();
    for (const groupId of request.groups) {
      if (!authorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.GROUP, groupId)) {
        // Kafka's DescribeGroupsResponse.groupError: empty state, protocol and members.
        response.groups.push({ errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED });
        continue;
      }
      const described = await coordinator.run(groupId, () => {
        const base = {
          errorCode: 0 as number,
          errorMessage: null as string | null,
          groupId,
          groupState: 'Dead',
          protocolType: '',
          protocolData: '',
          members: [] as ReturnType<ClassicGroup['describe']>['members'],
          authorizedOperations: authorizedOperations(ctx, request.includeAuthorizedOperations, RESOURCE_TYPE.GROUP, groupId),
        };
        if (groupId === '' && apiVersion >= 6) return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: 'The group id is invalid.' };
        const group = coordinator.group(groupId);
        if (!group || group.state === 'Dead') {
          return apiVersion >= 6 ? { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.` } : base;
        }
        if (group instanceof ClassicGroup) return { ...base, ...group.describe() };
        return apiVersion >= 6 ? { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} is not a classic group.` } : base;
      });
      response.groups.push(described);
    }
    return response;
  },
});

export const listGroupsHandler = defineHandler(API.ListGroups, {
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.ListGroups.createResponse();
    const states = apiVersion >= 4 ? new Set(request.statesFilter.map((s) => s.toLowerCase())) : new Set<string>();
    const types = apiVersion >= 5 ? new Set(request.typesFilter.map((s) => s.toLowerCase())) : new Set<string>();
    const mayDescribe = clusterAuthorized(ctx, ACL_OPERATION.DESCRIBE) ? () => true : authorizedNames(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.GROUP);
    for (const group of groupCoordinator(broker).groups()) {
      if (group.state === 'Dead' || !mayDescribe(group.groupId)) continue;
      if (states.size > 0 && !states.has(group.state.toLowerCase())) continue;
      if (types.size > 0 && !types.has(group.type)) continue;
      response.groups.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', groupState: group.state, groupType: group.type });
    }
    for (const group of shareCoordinator(broker).groups()) {
      if (!mayDescribe(group.groupId)) continue;
      if (states.size > 0 && !states.has(group.state.toLowerCase())) continue;
      if (types.size > 0 && !types.has('share')) continue;
      response.groups.push({ groupId: group.groupId, protocolType: 'share', groupState: group.state, groupType: 'share' });
    }
    return response;
  },
});

export const deleteGroupsHandler = defineHandler(API.DeleteGroups, {
  async handle(request, ctx) {
    const coordinator = groupCoordinator(ctx.broker);
    const response = API.DeleteGroups.createResponse();
    for (const groupId of request.groupsNames) {
      const errorCode = authorized(ctx, ACL_OPERATION.DELETE, RESOURCE_TYPE.GROUP, groupId)
        ? await coordinator.run(groupId, () => coordinator.deleteGroup(groupId))
        : ErrorCode.GROUP_AUTHORIZATION_FAILED;
      response.results.push({ groupId, errorCode });
    }
    return response;
  },
});
