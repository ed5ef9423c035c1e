// SASL OAUTHBEARER (RFC 7628, KIP-255) as Kafka's OAuthBearerSaslServer serves it.
//
//   client  n,[a=<authzid>],\x01auth=Bearer <token>\x01[<key>=<value>\x01]...\x01
//   server  (empty)                                   the token is valid: authenticated
//       or  {"status":"invalid_token"}                a challenge saying why not; then
//   client  \x01                                      the client gives up, and the server
//                                                     fails with that JSON as the message
//
// The token goes to a validator: the embedding application's (startBroker's
// oauthBearerValidator), else Kafka's unsecured one (oauthbearer-unsecured.ts). It returns the
// principal name and when the token expires, which caps the session lifetime when
// re-authentication is on (authenticator.ts). Extensions other than `auth` are accepted and
// ignored, as Kafka does when no extensions callback is configured.

import type { SaslServer, SaslStep } from './sasl-server.ts';

/** What a validator returns for a good token. */
export interface OAuthBearerToken {
  /** The principal's name: the session's principal is `User:<principalName>`. */
  readonly principalName: string;
  /** When the token expires, in ms since the epoch (Kafka's OAuthBearerToken.lifetimeMs()). */
  readonly lifetimeMs: number;
  readonly scope?: readonly string[];
}

export interface OAuthBearerValidationContext {
  /** The listener the client connected to. */
  readonly listener: string;
  /** The SASL extensions the client sent (without `auth`). */
  readonly extensions: ReadonlyMap<string, string>;
  /** `sasl.oauthbearer.sub.claim.name` and `sasl.oauthbearer.scope.claim.name`. */
  readonly subClaimName: string;
  readonly scopeClaimName: string;
}

/**
 * Validates a bearer token; throws (best an OAuthBearerValidationError) when it is not good.
 * Synchronous, because the SASL exchange is answered in line: fetch keys ahead of time.
 */
export type OAuthBearerValidator = (token: string, context: OAuthBearerValidationContext) => OAuthBearerToken;

/** A refused token, with the RFC 7628 error status (and scope) the client is told. */
export class OAuthBearerValidationError extends Error {
  readonly status: string;
  readonly scope: string | undefined;
  readonly openidConfiguration: string | undefined;

  constructor(message: string, options: { status?: string; scope?: string; openidConfiguration?: string } = {}) {
    super(message);
    this.name = 'OAuthBearerValidationError';
    this.status = options.status ?? 'invalid_token';
    this.scope = options.scope;
    this.openidConfiguration = options.openidConfiguration;
  }
}

export interface ClientInitialResponse {
  readonly authorizationId: string;
  readonly token: string;
  readonly extensions: ReadonlyMap<string, string>;
}

const SEPARATOR = '\x01';
// RFC 7628 3.1 as Kafka's OAuthBearerClientInitialResponse matches it.
const MESSAGE = /^n,(?:a=((?:[\x01-\x2B\x2D-\x3C\x3E-\x7F]|=2C|=3D)+))?,\x01((?:[A-Za-z]+=[\x21-\x7E \t\r\n]+\x01)*)\x01$/;
const AUTH = /^(\w+) +([-_.a-zA-Z0-9]+)$/;

/** Parses the client's first message, or returns why it is not one. */
export function parseClientInitialResponse(message: Buffer): ClientInitialResponse | { invalid: string } {
  const match = MESSAGE.exec(message.toString('utf8'));
  if (!match) return { invalid: 'Invalid OAUTHBEARER client first message' };
  const extensions = new Map<string, string>();
  for (const pair of match[2]!.split(SEPARATOR)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    extensions.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const auth = extensions.get('auth');
  if (auth === undefined) return { invalid: "Invalid OAUTHBEARER client first message: 'auth' not specified" };
  extensions.delete('auth');
  const bearer = AUTH.exec(auth);
  if (!bearer || bearer[1]!.toLowerCase() !== 'bearer') return { invalid: "Invalid OAUTHBEARER client first message: invalid 'auth' format" };
  return { authorizationId: match[1] ?? '', token: bearer[2]!, extensions };
}

/** Kafka's JSON error answer (OAuthBearerSaslServer.jsonErrorResponse), byte for byte. */
function jsonError(err: OAuthBearerValidationError): string {
  let json = `{"status":"${err.status}"`;
  if (err.scope !== undefined) json += `, "scope":"${err.scope}"`;
  if (err.openidConfiguration !== undefined) json += `, "openid-configuration":"${err.openidConfiguration}"`;
  return `${json}}`;
}

export class OAuthBearerServer implements SaslServer {
  readonly mechanism = 'OAUTHBEARER';
  readonly #validate: OAuthBearerValidator;
  readonly #context: Omit<OAuthBearerValidationContext, 'extensions'>;
  readonly #log: (message: string) => void;
  /** The JSON error sent as a challenge, until the client's \x01. */
  #errorMessage: string | undefined;

  constructor(validate: OAuthBearerValidator, context: Omit<OAuthBearerValidationContext, 'extensions'>, log: (message: string) => void) {
    this.#validate = validate;
    this.#context = context;
    this.#log = log;
  }

  step(token: Buffer): SaslStep {
    if (token.length === 1 && token[0] === 1 && this.#errorMessage !== undefined) return { failure: this.#errorMessage };
    this.#errorMessage = undefined;
    const response = parseClientInitialResponse(token);
    if ('invalid' in response) {
      this.#log(response.invalid);
      // Kafka answers a SaslException with this generic message, not the parser's.
      return { failure: 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER' };
    }
    let valid: OAuthBearerToken;
    try {
      valid = this.#validate(response.token, { ...this.#context, extensions: response.extensions });
      if (typeof valid?.principalName !== 'string' || valid.principalName === '' || !Number.isFinite(valid.lifetimeMs)) {
        throw new OAuthBearerValidationError('the validator returned no principal name or lifetime');
      }
    } catch (err) {
      const refusal = err instanceof OAuthBearerValidationError ? err : new OAuthBearerValidationError(err instanceof Error ? err.message : String(err));
      this.#log(`OAUTHBEARER token refused: ${refusal.message}`);
      this.#errorMessage = jsonError(refusal);
      return { response: Buffer.from(this.#errorMessage, 'utf8') };
    }
    if (response.authorizationId !== '' && response.authorizationId !== valid.principalName) {
      return {
        failure: `Authentication failed: Client requested an authorization id (${response.authorizationId}) that is different from the token's principal name (${valid.principalName})`,
      };
    }
    return { response: Buffer.alloc(0), principal: `User:${valid.principalName}`, expiresAtMs: valid.lifetimeMs };
  }
}
