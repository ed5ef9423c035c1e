// The group family (issue 3): consumer groups (classic and KIP-848), committed offsets and
// group administration. This file gathers the family's handlers and the group
// coordinator component, started with the broker so that it loads __consumer_offsets
// before any client connects.
//
// Handlers: group-classic.ts (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup),
// group-consumer.ts (KIP-848: ConsumerGroupHeartbeat, ConsumerGroupDescribe), share-groups.ts
// (KIP-932: ShareGroupHeartbeat, ShareGroupDescribe, ShareFetch, ShareAcknowledge and the
// share-group offset APIs), share-state.ts (the share coordinator's inter-broker APIs:
// Initialize/Read/Write/DeleteShareGroupState, ReadShareGroupStateSummary),
// offsets.ts (OffsetCommit, OffsetFetch, OffsetDelete), group-admin.ts (DescribeGroups,
// ListGroups, DeleteGroups). The state lives in src/coordinator/group.
// Not yet served: streams groups, TxnOffsetCommit (issue 5).

import type { Component, ComponentKey } from '../component.ts';
import type { ApiHandler } from '../dispatch.ts';
import { GROUP_COORDINATOR } from './group-component.ts';
import { describeGroupsHandler, deleteGroupsHandler, listGroupsHandler } from './group-admin.ts';
import { consumerGroupDescribeHandler, consumerGroupHeartbeatHandler } from './group-consumer.ts';
import { findCoordinatorHandler, heartbeatHandler, joinGroupHandler, leaveGroupHandler, syncGroupHandler } from './group-classic.ts';
import {
  alterShareGroupOffsetsHandler,
  deleteShareGroupOffsetsHandler,
  describeShareGroupOffsetsHandler,
  shareAcknowledgeHandler,
  shareFetchHandler,
  shareGroupDescribeHandler,
  shareGroupHeartbeatHandler,
} from './share-groups.ts';
import { offsetCommitHandler, offsetDeleteHandler, offsetFetchHandler } from './offsets.ts';
import { SHARE_STATE_HANDLERS } from './share-state.ts';

export const GROUP_HANDLERS: readonly ApiHandler[] = [
  findCoordinatorHandler,
  joinGroupHandler,
  syncGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  offsetDeleteHandler,
  describeGroupsHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  consumerGroupHeartbeatHandler,
  consumerGroupDescribeHandler,
  shareGroupHeartbeatHandler,
  shareGroupDescribeHandler,
  shareFetchHandler,
  shareAcknowledgeHandler,
  describeShareGroupOffsetsHandler,
  alterShareGroupOffsetsHandler,
  deleteShareGroupOffsetsHandler,
  ...SHARE_STATE_HANDLERS,
];
export const GROUP_STARTUP: readonly ComponentKey<Component>[] = [GROUP_COORDINATOR];
