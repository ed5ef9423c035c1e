// The group family (issue 3): consumer groups (classic and KIP-848), committed offsets and
// share groups. This file gathers the family's handlers and the components it needs from
// the start (the group coordinator loading __consumer_offsets).

import type { Component, ComponentKey } from '../component.ts';
import type { ApiHandler } from '../dispatch.ts';

export const GROUP_HANDLERS: readonly ApiHandler[] = [];
export const GROUP_STARTUP: readonly ComponentKey<Component>[] = [];
