// Which broker answers which API: the routing facts beside the protocol's API table (as
// franz-go marks its request types). Leader-routed requests go to each partition's leader,
// coordinator-routed ones to the group's or transactional id's coordinator (FindCoordinator),
// controller-routed ones to the controller Metadata names, and the rest to any broker.

import type { ApiName } from '../protocol/index.ts';

export type Route = 'any' | 'controller' | 'leader' | 'group-coordinator' | 'txn-coordinator';

export const ROUTES: Readonly<Partial<Record<ApiName, Route>>> = {
  Produce: 'leader',
  Fetch: 'leader',
  ListOffsets: 'leader',
  DeleteRecords: 'leader',
  OffsetForLeaderEpoch: 'leader',
  Metadata: 'any',
  ApiVersions: 'any',
  DescribeCluster: 'any',
  DescribeConfigs: 'any',
  IncrementalAlterConfigs: 'any',
  AlterConfigs: 'any',
  ListGroups: 'any',
  FindCoordinator: 'any',
  CreateTopics: 'controller',
  DeleteTopics: 'controller',
  CreatePartitions: 'controller',
  ElectLeaders: 'controller',
  AlterPartitionReassignments: 'controller',
  ListPartitionReassignments: 'controller',
  CreateAcls: 'controller',
  DeleteAcls: 'controller',
  AlterUserScramCredentials: 'controller',
  JoinGroup: 'group-coordinator',
  SyncGroup: 'group-coordinator',
  Heartbeat: 'group-coordinator',
  LeaveGroup: 'group-coordinator',
  OffsetCommit: 'group-coordinator',
  OffsetFetch: 'group-coordinator',
  OffsetDelete: 'group-coordinator',
  DescribeGroups: 'group-coordinator',
  DeleteGroups: 'group-coordinator',
  ConsumerGroupHeartbeat: 'group-coordinator',
  ConsumerGroupDescribe: 'group-coordinator',
  TxnOffsetCommit: 'group-coordinator',
  InitProducerId: 'txn-coordinator',
  AddPartitionsToTxn: 'txn-coordinator',
  AddOffsetsToTxn: 'txn-coordinator',
  EndTxn: 'txn-coordinator',
  DescribeTransactions: 'txn-coordinator',
};

/** The route of an API; 'any' when the table does not name it. */
export function routeOf(api: { name: ApiName }): Route {
  return ROUTES[api.name] ?? 'any';
}
