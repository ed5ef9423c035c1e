// Every API handler the broker serves, and the components started with it. The
// dispatcher builds ApiVersions from the handler list. Each API family with several
// handlers gathers them in its own file, which its owners extend.

import type { Component, ComponentKey } from '../component.ts';
import type { ApiHandler } from '../dispatch.ts';
import { ACL_HANDLERS } from './acls.ts';
import { apiVersionsHandler } from './api-versions.ts';
import { describeClusterHandler } from './cluster.ts';
import { fetchHandler } from './fetch.ts';
import { GROUP_HANDLERS, GROUP_STARTUP } from './groups.ts';
import { listOffsetsHandler } from './list-offsets.ts';
import { LOG_ADMIN_HANDLERS, LOG_ADMIN_STARTUP } from './log-admin.ts';
import { describeTopicPartitionsHandler, metadataHandler } from './metadata.ts';
import { produceHandler } from './produce.ts';
import { saslAuthenticateHandler, saslHandshakeHandler } from './sasl.ts';
import { SECURITY_HANDLERS, SECURITY_STARTUP } from './scram.ts';
import { createTopicsHandler, deleteTopicsHandler } from './topics.ts';
import { TXN_HANDLERS, TXN_STARTUP } from './txn.ts';

export const ALL_HANDLERS: readonly ApiHandler[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  describeClusterHandler,
  describeTopicPartitionsHandler,
  ...LOG_ADMIN_HANDLERS,
  ...GROUP_HANDLERS,
  saslHandshakeHandler,
  saslAuthenticateHandler,
  ...SECURITY_HANDLERS,
  ...ACL_HANDLERS,
  ...TXN_HANDLERS,
];

/** Started in this order before the broker accepts clients; stopped in reverse. */
export const STARTUP_COMPONENTS: readonly ComponentKey<Component>[] = [...LOG_ADMIN_STARTUP, ...GROUP_STARTUP, ...SECURITY_STARTUP, ...TXN_STARTUP];
