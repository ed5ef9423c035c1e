// The group coordinator as a broker component: one per broker, started before the broker
// accepts clients (it loads __consumer_offsets) and stopped with it (timers cleared,
// parked JoinGroup/SyncGroup requests answered).

import { GroupCoordinator } from '../../coordinator/index.ts';
import type { Broker } from '../broker.ts';
import { defineComponent, type Component, type ComponentKey } from '../component.ts';

export interface GroupCoordinatorComponent extends Component {
  readonly coordinator: GroupCoordinator;
}

export const GROUP_COORDINATOR: ComponentKey<GroupCoordinatorComponent> = defineComponent('group-coordinator', (broker) => {
  const coordinator = new GroupCoordinator({
    logs: broker.logs,
    config: (name) => broker.config.number(name),
    assignors: () => (broker.config.get('group.consumer.assignors') ?? 'uniform,range').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    log: (level, message, fields) => broker.logger[level](message, fields),
    appended: (log) => broker.appends.notify(log),
  });
  return {
    coordinator,
    start: () => coordinator.start(),
    stop: () => coordinator.stop(),
  };
});


export function groupCoordinator(broker: Broker): GroupCoordinator {
  return broker.component(GROUP_COORDINATOR).coordinator;
}
