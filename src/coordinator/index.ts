// The coordinators' public face. Group coordinator (issue 3): classic and consumer groups,
// committed offsets, their records in __consumer_offsets; share groups and the share
// coordinator of __share_group_state.

export { GroupCoordinator, GROUP_METADATA_TOPIC, type CoordinatorOptions, type Group, type OffsetCommitEntry } from './group/coordinator.ts';
export { ConsumerGroup, toWire, type ConsumerGroupState, type ConsumerMember, type HeartbeatResult } from './group/consumer-group.ts';
export { ASSIGNORS, rangeAssignor, uniformAssignor, type Assignment, type Assignor } from './group/assignors.ts';
export { ClassicGroup, decodeSubscriptionTopics, type ClassicGroupState, type CommittedOffset, type JoinResult, type SyncResult } from './group/classic-group.ts';
export { partitionForGroup, javaStringHashCode } from './group/records.ts';
export { ShareCoordinator, ShareGroup, type ShareMember } from './share/share-coordinator.ts';
export { SharePartition, type RecordState } from './share/share-partition.ts';
export { ShareStateCoordinator, SHARE_STATE_TOPIC, partitionForShareState, shareCoordinatorKey, type ShareState } from './share/state-coordinator.ts';
export { ensureInternalTopic, replayInternalTopic } from './internal-topic.ts';
