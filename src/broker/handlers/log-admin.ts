// The log management and admin family (issue 4): configs, partitions, records deletion,
// log dirs, client quotas. This file gathers the family's handlers and the components it
// needs from the start: the dynamic broker configs (loaded before anything reads a config),
// the retention schedule and the log cleaner.

import type { Component, ComponentKey } from '../component.ts';
import { DYNAMIC_CONFIGS } from '../config/dynamic.ts';
import type { ApiHandler } from '../dispatch.ts';
import { LOG_CLEANER } from '../log-cleaner.ts';
import { RETENTION } from '../retention.ts';
import { listConfigResourcesHandler } from './config-resources.ts';
import { alterConfigsHandler, describeConfigsHandler, incrementalAlterConfigsHandler } from './configs.ts';
import { deleteRecordsHandler } from './delete-records.ts';
import { alterReplicaLogDirsHandler, describeLogDirsHandler } from './log-dirs.ts';
import { createPartitionsHandler } from './partitions.ts';
import { alterClientQuotasHandler, describeClientQuotasHandler } from './quotas.ts';

export const LOG_ADMIN_HANDLERS: readonly ApiHandler[] = [
  describeConfigsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  listConfigResourcesHandler,
  createPartitionsHandler,
  deleteRecordsHandler,
  describeLogDirsHandler,
  alterReplicaLogDirsHandler,
  describeClientQuotasHandler,
  alterClientQuotasHandler,
];

export const LOG_ADMIN_STARTUP: readonly ComponentKey<Component>[] = [DYNAMIC_CONFIGS, RETENTION, LOG_CLEANER];
