// Broker components: long-lived parts with their own state and timers (the group
// coordinator, the log retention scheduler and cleaner, the dynamic config store, ...).
// Each is defined once with a key, created on first use per broker, and stopped in
// reverse order of creation when the broker stops. Components that must run from the
// start (loading state, schedules) are listed in their API family's STARTUP list, which
// src/broker/handlers/index.ts gathers; the broker starts them before it accepts clients.

import type { Broker } from './broker.ts';

export interface Component {
  /** Called once before the broker accepts connections (for startup components). */
  start?(): void | Promise<void>;
  /** Called once when the broker stops, before the log is closed. */
  stop?(): void | Promise<void>;
}

export interface ComponentKey<T extends Component> {
  readonly name: string;
  create(broker: Broker): T;
}

export function defineComponent<T extends Component>(name: string, create: (broker: Broker) => T): ComponentKey<T> {
  return { name, create };
}
