// DescribeCluster (key 60), versions 0-2.
// A single broker is its own controller. Kafka answers a request for controller endpoints
// (EndpointType 2) sent to a broker with UNSUPPORTED_ENDPOINT_TYPE.
// ACLs (issue 6), as KafkaApis: no check for the answer itself; the cluster's authorized
// operations, when asked for, are those allowed to a principal with DESCRIBE on the cluster,
// and 0 for one without.

import { API, ErrorCode } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';
import { authorizedOperations, clusterAuthorized } from '../auth/access.ts';
import { ACL_OPERATION, CLUSTER_NAME, RESOURCE_TYPE } from '../auth/authorizer.ts';

const ENDPOINT_TYPE_BROKER = 1;

export const describeClusterHandler = defineHandler(API.DescribeCluster, {
  handle(request, ctx) {
    const { broker } = ctx;
    const response = API.DescribeCluster.createResponse();
    response.endpointType = request.endpointType;
    if (request.endpointType !== ENDPOINT_TYPE_BROKER) {
      response.errorCode = ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
      response.errorMessage = `The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type ${request.endpointType === 2 ? 'CONTROLLER' : 'UNKNOWN'}`;
      return response;
    }
    response.clusterId = broker.clusterId;
    response.controllerId = broker.nodeId;
    const { host, port } = broker.advertisedFor(ctx.listenerName);
    response.brokers = [{ brokerId: broker.nodeId, host, port, rack: null, isFenced: false }];
    if (request.includeClusterAuthorizedOperations) {
      response.clusterAuthorizedOperations = clusterAuthorized(ctx, ACL_OPERATION.DESCRIBE) ? authorizedOperations(ctx, true, RESOURCE_TYPE.CLUSTER, CLUSTER_NAME) : 0;
    }
    return response;
  },
});
