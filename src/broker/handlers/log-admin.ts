// The log management and admin family (issue 4): configs, partitions, records deletion,
// log dirs, client quotas. This file gathers the family's handlers and the components it
// needs from the start (retention schedule, log cleaner, dynamic configs).

import type { Component, ComponentKey } from '../component.ts';
import type { ApiHandler } from '../dispatch.ts';

export const LOG_ADMIN_HANDLERS: readonly ApiHandler[] = [];
export const LOG_ADMIN_STARTUP: readonly ComponentKey<Component>[] = [];
