// Every API handler the broker serves. The dispatcher builds ApiVersions from this list.

import type { ApiHandler } from '../dispatch.ts';
import { apiVersionsHandler } from './api-versions.ts';
import { describeClusterHandler } from './cluster.ts';
import { fetchHandler } from './fetch.ts';
import { listOffsetsHandler } from './list-offsets.ts';
import { describeTopicPartitionsHandler, metadataHandler } from './metadata.ts';
import { produceHandler } from './produce.ts';
import { createTopicsHandler, deleteTopicsHandler } from './topics.ts';

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
];
