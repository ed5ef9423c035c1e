// SaslHandshake (key 17) v0-1 and SaslAuthenticate (key 36) v0-2.
//
// During authentication on a SASL listener the connection hands these requests to its
// Authenticator (auth/authenticator.ts), which runs the exchange. They reach these handlers
// only when no exchange is expected: on a PLAINTEXT or SSL listener, or after a SASL
// connection has authenticated (without re-authentication enabled). Kafka's KafkaApis
// answers ILLEGAL_SASL_STATE then, and so do we.

import { API, ErrorCode } from '../../protocol/index.ts';
import { defineHandler } from '../dispatch.ts';

export const saslHandshakeHandler = defineHandler(API.SaslHandshake, {
  handle() {
    const response = API.SaslHandshake.createResponse();
    response.errorCode = ErrorCode.ILLEGAL_SASL_STATE;
    return response;
  },
});

export const saslAuthenticateHandler = defineHandler(API.SaslAuthenticate, {
  handle() {
    const response = API.SaslAuthenticate.createResponse();
    response.errorCode = ErrorCode.ILLEGAL_SASL_STATE;
    response.errorMessage = 'SaslAuthenticate request received after successful authentication';
    return response;
  },
});
