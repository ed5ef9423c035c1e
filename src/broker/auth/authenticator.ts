// A SASL connection's authentication state, as Kafka's SaslServerAuthenticator keeps it.
//
//   handshake ──SaslHandshake v1──► authenticate ──SaslAuthenticate (done)──► complete
//       │                              ▲ (challenges)                  │
//       └──SaslHandshake v0──► raw tokens (int32-framed, no header) ──►┘
//
// Before authentication only ApiVersions and SaslHandshake are served (then only
// SaslAuthenticate, or raw tokens after a v0 handshake); any other request closes the
// connection, as Kafka does. An unknown mechanism is answered UNSUPPORTED_SASL_MECHANISM with
// the enabled list, then the connection closes; bad credentials get SASL_AUTHENTICATION_FAILED
// with a message, then the connection closes.
//
// Re-authentication (KIP-368): with connections.max.reauth.ms > 0 the session lasts that
// long, or until the OAUTHBEARER token expires if sooner (SaslAuthenticate v1+ tells the
// client as session_lifetime_ms). A SaslHandshake on an authenticated connection starts
// re-authentication with the same mechanism, which must yield the same principal. Once the session has expired, any request other than that
// handshake closes the connection. With re-authentication off, a SaslHandshake after
// authentication reaches the handler, which answers ILLEGAL_SASL_STATE as Kafka does.

import { API, ErrorCode } from '../../protocol/index.ts';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../../protocol/index.ts';
import type { Broker } from '../broker.ts';
import { OAuthBearerServer } from './oauthbearer.ts';
import { PlainServer, type SaslServer } from './sasl-server.ts';
import { isScramMechanism, ScramServer } from './scram.ts';
import { SECURITY } from './security.ts';

type State = 'handshake' | 'authenticate' | 'raw' | 'complete' | 'failed';

export type Admission = 'handler' | 'sasl' | { close: string };

export class Authenticator {
  readonly #broker: Broker;
  readonly #listener: string;
  #state: State = 'handshake';
  #server: SaslServer | undefined;
  #principal: string | undefined;
  #mechanism: string | undefined;
  #expiresAt = Infinity;
  #reauthenticating = false;

  constructor(broker: Broker, listener: string) {
    this.#broker = broker;
    this.#listener = listener;
  }

  /** The authenticated principal (kept during re-authentication), or undefined before. */
  get principal(): string | undefined {
    return this.#principal;
  }

  /** True while the next frame is a raw SASL token (after SaslHandshake v0). */
  get expectsRawToken(): boolean {
    return this.#state === 'raw';
  }

  /** Who handles a request with this API key now: the handler, this authenticator, or nobody. */
  admit(apiKey: number, now: number): Admission {
    const name = (k: number) => API_NAME.get(k) ?? `key ${k}`;
    switch (this.#state) {
      case 'handshake':
        if (apiKey === API.ApiVersions.apiKey && !this.#reauthenticating) return 'handler';
        if (apiKey === API.SaslHandshake.apiKey) return 'sasl';
        return { close: `unexpected ${name(apiKey)} request during SASL handshake` };
      case 'authenticate':
        if (apiKey === API.SaslAuthenticate.apiKey) return 'sasl';
        return { close: `unexpected ${name(apiKey)} request during SASL authentication` };
      case 'complete':
        if (apiKey === API.SaslHandshake.apiKey && this.#expiresAt !== Infinity) {
          this.#reauthenticating = true;
          this.#state = 'handshake';
          return 'sasl';
        }
        if (now >= this.#expiresAt) return { close: 'SASL session expired without re-authentication (connections.max.reauth.ms)' };
        return 'handler';
      default:
        return { close: 'SASL authentication failed' };
    }
  }

  /** SaslHandshake during authentication. `close` is set when the connection must close after the answer. */
  handshake(mechanism: string, version: number): { response: SaslHandshakeResponse; close?: string } {
    const { mechanisms } = this.#broker.component(SECURITY).sasl(this.#listener);
    const response = API.SaslHandshake.createResponse();
    response.mechanisms = [...mechanisms];
    if (!mechanisms.includes(mechanism)) {
      this.#state = 'failed';
      response.errorCode = ErrorCode.UNSUPPORTED_SASL_MECHANISM;
      return { response, close: `unsupported SASL mechanism ${mechanism}` };
    }
    if (this.#reauthenticating && (mechanism !== this.#mechanism || version === 0)) {
      this.#state = 'failed';
      response.errorCode = ErrorCode.ILLEGAL_SASL_STATE;
      return { response, close: `re-authentication must use SaslHandshake v1+ and the same mechanism (${this.#mechanism})` };
    }
    this.#mechanism = mechanism;
    this.#server = this.#createServer(mechanism);
    this.#state = version === 0 ? 'raw' : 'authenticate';
    return { response };
  }

  /** SaslAuthenticate (v0-2). */
  authenticate(token: Buffer, version: number, now: number): { response: SaslAuthenticateResponse; close?: string } {
    const response = API.SaslAuthenticate.createResponse();
    const result = this.#step(token, now);
    if ('failure' in result) {
      response.errorCode = ErrorCode.SASL_AUTHENTICATION_FAILED;
      response.errorMessage = result.failure;
      return { response, close: `SASL authentication failed: ${result.failure}` };
    }
    response.authBytes = result.response;
    if (this.#state === 'complete' && version >= 1 && this.#expiresAt !== Infinity) response.sessionLifetimeMs = BigInt(this.#expiresAt - now);
    return { response };
  }

  /** A raw token after SaslHandshake v0: the answer token, or null to close. */
  rawToken(token: Buffer, now: number): { response: Buffer } | { failure: string } {
    return this.#step(token, now);
  }

  #step(token: Buffer, now: number): { response: Buffer } | { failure: string } {
    const step = this.#server!.step(token);
    if (step.failure !== undefined) {
      this.#state = 'failed';
      return { failure: step.failure };
    }
    if (step.principal !== undefined) {
      if (this.#reauthenticating && step.principal !== this.#principal) {
        this.#state = 'failed';
        return { failure: `Cannot change principals during re-authentication from ${this.#principal}: ${step.principal}` };
      }
      this.#principal = step.principal;
      this.#state = 'complete';
      this.#reauthenticating = false;
      this.#server = undefined;
      const reauthMs = this.#reauthMs(this.#mechanism!);
      // A token's expiry shortens the session, but only with re-authentication on: without
      // it Kafka keeps the connection past the token's exp.
      this.#expiresAt = reauthMs > 0 ? Math.max(now, Math.min(now + reauthMs, step.expiresAtMs ?? Infinity)) : Infinity;
    }
    return { response: step.response };
  }

  /**
   * connections.max.reauth.ms, which Kafka also reads with the listener prefix and the
   * mechanism's: listener.name.<l>.<mechanism>.connections.max.reauth.ms, then
   * listener.name.<l>.connections.max.reauth.ms.
   */
  #reauthMs(mechanism: string): number {
    const config = this.#broker.config;
    const prefix = `listener.name.${this.#listener.toLowerCase()}.`;
    const value = config.get(`${prefix}${mechanism.toLowerCase()}.connections.max.reauth.ms`) ?? config.get(`${prefix}connections.max.reauth.ms`);
    return value === null ? config.number('connections.max.reauth.ms') : Number(value);
  }

  #createServer(mechanism: string): SaslServer {
    const security = this.#broker.component(SECURITY);
    if (isScramMechanism(mechanism)) return new ScramServer(mechanism, (user) => security.store.scramCredential(user, mechanism));
    if (mechanism === 'OAUTHBEARER') {
      const { validator, subClaimName, scopeClaimName } = security.sasl(this.#listener).oauthBearer;
      return new OAuthBearerServer(validator, { listener: this.#listener, subClaimName, scopeClaimName }, (m) => this.#broker.logger.debug(m));
    }
    return new PlainServer(security.sasl(this.#listener).plainUsers);
  }
}

const API_NAME = new Map<number, string>(Object.values(API).map((a) => [a.apiKey, a.name]));
