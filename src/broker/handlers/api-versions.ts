// ApiVersions (key 18), versions 0-4.
// Answers with exactly the (key, min, max) ranges that the dispatcher has handlers for.
// An unsupported ApiVersions version is answered in src/broker/connection.ts (a v0 body with
// UNSUPPORTED_VERSION, KIP-511), since its body cannot be parsed. From v3 the client's
// software name and version must match Kafka's pattern, else INVALID_REQUEST.
// Omitted: supported/finalized features (none are finalized on a Runnel broker yet).

import { API, ErrorCode } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';

const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersionsHandler = defineHandler(API.ApiVersions, {
  handle(request, ctx) {
    const response = API.ApiVersions.createResponse();
    response.apiKeys = ctx.broker.dispatcher.versions();
    if (
      ctx.apiVersion >= 3 &&
      (!SOFTWARE_PATTERN.test(request.clientSoftwareName) || !SOFTWARE_PATTERN.test(request.clientSoftwareVersion))
    ) {
      response.errorCode = ErrorCode.INVALID_REQUEST;
    }
    return response;
  },
});
