// The group coordinator (with the share-group coordinator and the share coordinator of
// __share_group_state beside it) as a broker component: one per broker, started before the
// broker accepts clients (it loads __consumer_offsets and __share_group_state) and stopped
// with it (timers cleared, parked JoinGroup/SyncGroup requests answered).

import { GroupCoordinator, ShareCoordinator, ShareStateCoordinator, type HeartbeatResult } from '../../coordinator/index.ts';
import { groupConfigValue } from '../config/group-configs.ts';
import type { Broker } from '../broker.ts';
import { defineComponent, type Component, type ComponentKey } from '../component.ts';

export interface GroupCoordinatorComponent extends Component {
  readonly coordinator: GroupCoordinator;
  readonly share: ShareCoordinator;
  readonly shareState: ShareStateCoordinator;
}

export const GROUP_COORDINATOR: ComponentKey<GroupCoordinatorComponent> = defineComponent('group-coordinator', (broker) => {
  const coordinator: GroupCoordinator = new GroupCoordinator({
    logs: broker.logs,
    config: (name) => broker.config.number(name),
    groupConfig: (groupId, name) => groupConfig(broker, groupId, name),
    assignors: () => (broker.config.get('group.consumer.assignors') ?? 'uniform,range').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    migrationPolicy: () => broker.config.get('group.consumer.migration.policy') ?? 'bidirectional',
    log: (level, message, fields) => broker.logger[level](message, fields),
    appended: (log) => broker.appends.notify(log),
    shareGroups: {
      replay: (recordType, groupId, memberId, value) => share.replay(recordType, groupId, memberId, value),
      loaded: () => share.loaded(),
      deleteGroup: (groupId) => share.deleteGroup(groupId),
    },
  });
  const shareState = new ShareStateCoordinator({
    logs: broker.logs,
    config: (name) => broker.config.number(name),
    log: (level, message, fields) => broker.logger[level](message, fields),
    appended: (log) => broker.appends.notify(log),
  });
  const share: ShareCoordinator = new ShareCoordinator({
    state: shareState,
    logs: broker.logs,
    config: (name) => broker.config.number(name),
    groupConfig: (groupId, name) => groupConfig(broker, groupId, name),
    log: (message) => broker.logger.info(message),
    persist: (groupId, records) => coordinator.appendGroupRecords(groupId, records),
    otherGroupExists: (groupId) => {
      const group = coordinator.group(groupId);
      return group !== undefined && group.state !== 'Dead';
    },
  });
  return {
    coordinator,
    share,
    shareState,
    start: () => {
      coordinator.start();
      shareState.start();
    },
    stop: () => {
      share.stop();
      shareState.stop();
      coordinator.stop();
    },
  };
});

/** A group config's effective value for `groupId`: its override (IncrementalAlterConfigs on the GROUP resource), else the broker's default. */
export function groupConfig(broker: Broker, groupId: string, name: string): string {
  return groupConfigValue(broker.config, broker.logs.groupConfigs(groupId), name);
}

export function groupCoordinator(broker: Broker): GroupCoordinator {
  return broker.component(GROUP_COORDINATOR).coordinator;
}

export function shareCoordinator(broker: Broker): ShareCoordinator {
  return broker.component(GROUP_COORDINATOR).share;
}

export function shareStateCoordinator(broker: Broker): ShareStateCoordinator {
  return broker.component(GROUP_COORDINATOR).shareState;
}

/** The fields ConsumerGroupHeartbeat and ShareGroupHeartbeat responses share. */
interface HeartbeatResponse {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  assignment: { topicPartitions: { topicId: string; partitions: number[] }[] } | null;
}

/** Fills a Consumer/ShareGroupHeartbeat response from the coordinator's answer. */
export function answerHeartbeat<R extends HeartbeatResponse>(response: R, result: HeartbeatResult): R {
  response.errorCode = result.errorCode;
  response.errorMessage = result.errorMessage;
  response.memberId = result.memberId;
  response.memberEpoch = result.memberEpoch;
  response.assignment = result.assignment === null ? null : { topicPartitions: result.assignment };
  return response;
}
