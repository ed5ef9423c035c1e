// ListConfigResources (key 74), v0-1 (KIP-1142; v0 was ListClientMetricsResources).
//
// v0 lists client metrics resources only: none here. v1 lists the resources of the types
// asked for, or of every supported type when the list is empty: TOPIC (every topic), BROKER
// and BROKER_LOGGER (this broker's id), GROUP (every group with config overrides, as Kafka
// lists the GROUP config resources of its metadata) and CLIENT_METRICS (none: client metrics
// subscriptions are not served). An unknown
// type is UNSUPPORTED_VERSION, as Kafka answers it. ACLs (issue 6): DESCRIBE_CONFIGS on the
// cluster, else CLUSTER_AUTHORIZATION_FAILED, as KafkaApis.

import { API, ErrorCode } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';
import { clusterAuthorized } from '../auth/access.ts';
import { ACL_OPERATION } from '../auth/authorizer.ts';
import { RESOURCE_TYPE } from './configs.ts';

const SUPPORTED: readonly number[] = [RESOURCE_TYPE.TOPIC, RESOURCE_TYPE.BROKER, RESOURCE_TYPE.BROKER_LOGGER, RESOURCE_TYPE.CLIENT_METRICS, RESOURCE_TYPE.GROUP];

export const listConfigResourcesHandler = defineHandler(API.ListConfigResources, {
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.ListConfigResources.createResponse();
    if (!clusterAuthorized(ctx, ACL_OPERATION.DESCRIBE_CONFIGS)) {
      response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return response;
    }
    if (apiVersion === 0) return response;
    const types = request.resourceTypes.length === 0 ? SUPPORTED : request.resourceTypes;
    if (types.some((t) => !SUPPORTED.includes(t))) {
      response.errorCode = ErrorCode.UNSUPPORTED_VERSION;
      return response;
    }
    for (const type of types) {
      if (type === RESOURCE_TYPE.TOPIC) {
        for (const t of broker.logs.topics()) response.configResources.push({ resourceName: t.name, resourceType: type });
      } else if (type === RESOURCE_TYPE.BROKER || type === RESOURCE_TYPE.BROKER_LOGGER) {
        response.configResources.push({ resourceName: String(broker.nodeId), resourceType: type });
      } else if (type === RESOURCE_TYPE.GROUP) {
        for (const group of broker.logs.configuredGroups()) response.configResources.push({ resourceName: group, resourceType: type });
      }
    }
    return response;
  },
});
