// Group administration: DescribeGroups (key 15, v0-6), ListGroups (16, v0-5), DeleteGroups
// (42, v0-2).
//
// DescribeGroups: members' metadata and assignments only while the group is Stable, and
// protocolData (the selected protocol) likewise, as Kafka's group summary. An unknown group
// is described as Dead with no error before v6 and with GROUP_ID_NOT_FOUND from v6.
// Authorized operations (v3+), without an authorizer: READ, DELETE, DESCRIBE.
// ListGroups: the states filter (v4+) matches case-insensitively; the types filter (v5+)
// knows "classic", "consumer" (KIP-848 groups) and "share" (KIP-932).
// DeleteGroups: GROUP_ID_NOT_FOUND for unknown groups, NON_EMPTY_GROUP while members
// remain; otherwise tombstones for the group's offsets and metadata are written.

import { ClassicGroup } from '../../coordinator/index.ts';
import { API, ErrorCode } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';
import { groupCoordinator, shareCoordinator } from './group-component.ts';

const GROUP_OPERATIONS = [3, 6, 8].reduce((bits, op) => bits | (1 << op), 0);
const NO_OPERATIONS = -2147483648;

export const describeGroupsHandler = defineHandler(API.DescribeGroups, {
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const coordinator = groupCoordinator(broker);
    const response = API.DescribeGroups.createResponse();
    for (const groupId of request.groups) {
      const described = await coordinator.run(groupId, () => {
        const base = {
          errorCode: 0 as number,
          errorMessage: null as string | null,
          groupId,
          groupState: 'Dead',
          protocolType: '',
          protocolData: '',
          members: [] as ReturnType<ClassicGroup['describe']>['members'],
          authorizedOperations: request.includeAuthorizedOperations ? GROUP_OPERATIONS : NO_OPERATIONS,
        };
        if (groupId === '' && apiVersion >= 6) return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: 'The group id is invalid.' };
        const group = coordinator.group(groupId);
        if (!group || group.state === 'Dead') {
          return apiVersion >= 6 ? { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.` } : base;
        }
        if (group instanceof ClassicGroup) return { ...base, ...group.describe() };
        // A consumer (KIP-848) group seen through the classic API: its state and members.
        return {
          ...base,
          groupState: group.state,
          protocolType: 'consumer',
          members: [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.instanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: Buffer.alloc(0),
            memberAssignment: Buffer.alloc(0),
          })),
        };
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
    for (const group of groupCoordinator(broker).groups()) {
      if (group.state === 'Dead') continue;
      if (states.size > 0 && !states.has(group.state.toLowerCase())) continue;
      if (types.size > 0 && !types.has(group.type)) continue;
      response.groups.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', groupState: group.state, groupType: group.type });
    }
    for (const group of shareCoordinator(broker).groups()) {
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
      const errorCode = await coordinator.run(groupId, () => coordinator.deleteGroup(groupId));
      response.results.push({ groupId, errorCode });
    }
    return response;
  },
});
