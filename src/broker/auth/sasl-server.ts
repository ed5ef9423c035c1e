// The server side of a SASL mechanism: fed the client's tokens one at a time, it answers
// with a challenge, a final response with the authenticated principal, or a failure message
// (which Kafka sends back as SASL_AUTHENTICATION_FAILED before closing the connection).
//
// PLAIN (RFC 4616): one message, [authzid] NUL user NUL password, checked against the JAAS
// users of the listener (user_<name>="<password>").

import { timingSafeEqual, createHash } from 'node:crypto';

export type SaslStep =
  | { response: Buffer; principal?: undefined; failure?: undefined }
  | { response: Buffer; principal: string; failure?: undefined; /** When the credential expires (OAUTHBEARER's token). */ expiresAtMs?: number }
  | { failure: string; response?: undefined; principal?: undefined };

export interface SaslServer {
  readonly mechanism: string;
  step(token: Buffer): SaslStep;
}

export class PlainServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  readonly #users: ReadonlyMap<string, string>;
  #done = false;

  constructor(users: ReadonlyMap<string, string>) {
    this.#users = users;
  }

  step(token: Buffer): SaslStep {
    if (this.#done) return { failure: 'PLAIN exchange already complete' };
    this.#done = true;
    const parts = token.toString('utf8').split('\0');
    if (parts.length !== 3) return { failure: 'Invalid SASL/PLAIN response: expected 3 tokens' };
    const [authzid, user, password] = parts as [string, string, string];
    if (user === '') return { failure: 'Authentication failed: username not specified' };
    if (password === '') return { failure: 'Authentication failed: password not specified' };
    if (authzid !== '' && authzid !== user) return { failure: 'Authentication failed: Client requested an authorization id that is different from username' };
    const expected = this.#users.get(user);
    if (expected === undefined || !sameSecret(expected, password)) return { failure: 'Authentication failed: Invalid username or password' };
    return { response: Buffer.alloc(0), principal: `User:${user}` };
  }
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
