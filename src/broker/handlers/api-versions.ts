// ApiVersions (key 18), versions 0-4.
// Answers with exactly the (key, min, max) ranges that the dispatcher has handlers for.
// An unsupported ApiVersions version is answered in src/broker/connection.ts (a v0 body with
// UNSUPPORTED_VERSION, KIP-511), since its body cannot be parsed. From v3 the client's
// software name and version must match Kafka's pattern, else INVALID_REQUEST.
// Features (KIP-584), as a Kafka 4 broker lists them: transaction.version is supported from
// 0 to 2 and finalized at 2, so that Java 4.x producers use transactions v2 (KIP-890:
// EndTxn v5, implicit AddPartitions by Produce v12). Below ApiVersions v4 a supported
// feature whose minimum is 0 is left out (KAFKA-17492: older clients cannot parse it).
// FinalizedFeaturesEpoch is 0: the levels never change on a running Runnel broker.

import { API, ErrorCode } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';

/** name, supported range, finalized level. */
const FEATURES: readonly { name: string; minVersion: number; maxVersion: number; level: number }[] = [{ name: 'transaction.version', minVersion: 0, maxVersion: 2, level: 2 }];

const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersionsHandler = defineHandler(API.ApiVersions, {
  handle(request, ctx) {
    const response = API.ApiVersions.createResponse();
    response.apiKeys = ctx.broker.dispatcher.versions();
    response.supportedFeatures = FEATURES.filter((f) => ctx.apiVersion >= 4 || f.minVersion > 0).map((f) => ({ name: f.name, minVersion: f.minVersion, maxVersion: f.maxVersion }));
    response.finalizedFeaturesEpoch = 0n;
    response.finalizedFeatures = FEATURES.map((f) => ({ name: f.name, minVersionLevel: f.level, maxVersionLevel: f.level }));
    if (
      ctx.apiVersion >= 3 &&
      (!SOFTWARE_PATTERN.test(request.clientSoftwareName) || !SOFTWARE_PATTERN.test(request.clientSoftwareVersion))
    ) {
      response.errorCode = ErrorCode.INVALID_REQUEST;
    }
    return response;
  },
});
