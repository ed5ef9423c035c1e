// The dynamic broker config store (a broker component): loads the per-broker and
// cluster-wide dynamic configs from the metadata log into the broker's config at start,
// and applies changes live: persisted first, then the config layer replaced and the log
// defaults recomputed, so that e.g. a new log.segment.bytes or log.retention.ms takes
// effect on every topic without an override, with no restart.

import { defineComponent } from '../component.ts';
import type { Broker } from '../broker.ts';
import { logDefaultsFrom } from './log-defaults.ts';

export interface DynamicConfigs {
  start(): void;
  /** entity: "" for the cluster-wide default, else this broker's id. */
  alter(entity: string, changes: Readonly<Record<string, string | null>>): void;
  /** Recomputes the log defaults from the current configs. */
  refresh(): void;
}

export const DYNAMIC_CONFIGS = defineComponent('dynamic-configs', (broker: Broker): DynamicConfigs => {
  const load = (): void => {
    broker.config.setDynamic('default', broker.logs.dynamicBrokerConfigs(''));
    broker.config.setDynamic('broker', broker.logs.dynamicBrokerConfigs(String(broker.nodeId)));
    broker.logs.setDefaults(logDefaultsFrom(broker.config));
  };
  return {
    start: load,
    refresh: load,
    alter(entity, changes) {
      if (Object.keys(changes).length > 0) broker.logs.alterDynamicBrokerConfigs(entity, changes);
      load();
    },
  };
});
