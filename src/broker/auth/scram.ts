// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka serves them (KIP-84): the
// server side of one exchange, and the credential derivation that AlterUserScramCredentials
// and tests use.
//
//   client-first  n,[a=authzid],n=<user>,r=<client nonce>[,extensions]
//   server-first  r=<client nonce + server nonce>,s=<salt>,i=<iterations>
//   client-final  c=<base64 gs2 header>,r=<nonce>,p=<proof>
//   server-final  v=<server signature>            (or e=<error>, then failure)
//
// Kafka allows 4096..16384 iterations for both mechanisms. Extensions are accepted and
// ignored, except tokenauth=true: delegation tokens are not served, so that fails.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StoredScramCredential } from '../../storage/meta/security-store.ts';
import type { SaslServer, SaslStep } from './sasl-server.ts';

export const SCRAM_MECHANISMS = { 'SCRAM-SHA-256': { hash: 'sha256', size: 32, type: 1 }, 'SCRAM-SHA-512': { hash: 'sha512', size: 64, type: 2 } } as const;
export type ScramMechanism = keyof typeof SCRAM_MECHANISMS;
export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16384;

export function isScramMechanism(m: string): m is ScramMechanism {
  return m === 'SCRAM-SHA-256' || m === 'SCRAM-SHA-512';
}

/** The mechanism name of AlterUserScramCredentials' mechanism byte (1, 2), or undefined. */
export function scramMechanismByType(type: number): ScramMechanism | undefined {
  return type === 1 ? 'SCRAM-SHA-256' : type === 2 ? 'SCRAM-SHA-512' : undefined;
}

const hmac = (hash: string, key: Buffer, data: Buffer | string) => createHmac(hash, key).update(data).digest();
const digest = (hash: string, data: Buffer) => createHash(hash).update(data).digest();

export function saltPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  const { hash, size } = SCRAM_MECHANISMS[mechanism];
  return pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, size, hash);
}

/** StoredKey and ServerKey from a salted password, as the broker keeps them. */
export function scramKeys(mechanism: ScramMechanism, saltedPassword: Buffer): { storedKey: Buffer; serverKey: Buffer } {
  const { hash } = SCRAM_MECHANISMS[mechanism];
  return { storedKey: digest(hash, hmac(hash, saltedPassword, 'Client Key')), serverKey: hmac(hash, saltedPassword, 'Server Key') };
}

/** SCRAM usernames escape ',' as =2C and '=' as =3D. */
function unescapeName(s: string): string | null {
  if (/=(?!2C|3D)/.test(s)) return null;
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function attributes(message: string): Map<string, string> | null {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m) {
      // Extensions are key=value with longer keys.
      const ext = /^([A-Za-z]+)=(.*)$/s.exec(part);
      if (!ext) return null;
      out.set(ext[1]!, ext[2]!);
      continue;
    }
    out.set(m[1]!, m[2]!);
  }
  return out;
}

export class ScramServer implements SaslServer {
  readonly mechanism: ScramMechanism;
  readonly #lookup: (user: string) => StoredScramCredential | undefined;
  #state: 'first' | 'final' | 'done' = 'first';
  #user = '';
  #credential: StoredScramCredential | undefined;
  #nonce = '';
  #clientFirstBare = '';
  #serverFirst = '';
  #gs2Header = '';

  readonly #serverNonce: () => string;

  /** `serverNonce` is for tests (RFC 7677's example); the default is 18 random bytes. */
  constructor(mechanism: ScramMechanism, lookup: (user: string) => StoredScramCredential | undefined, serverNonce = () => randomBytes(18).toString('base64url')) {
    this.mechanism = mechanism;
    this.#lookup = lookup;
    this.#serverNonce = serverNonce;
  }

  step(token: Buffer): SaslStep {
    const message = token.toString('utf8');
    if (this.#state === 'first') return this.#first(message);
    if (this.#state === 'final') return this.#final(message);
    return { failure: 'SCRAM exchange already complete' };
  }

  #first(message: string): SaslStep {
    // gs2-header: "n," or "y," (no channel binding), optional "a=authzid", then ','.
    const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(message);
    if (!m) return { failure: 'Invalid SCRAM client first message' };
    this.#gs2Header = message.slice(0, message.length - m[3]!.length);
    this.#clientFirstBare = m[3]!;
    const attrs = attributes(this.#clientFirstBare);
    const name = attrs?.get('n');
    const clientNonce = attrs?.get('r');
    if (!attrs || name === undefined || clientNonce === undefined || clientNonce === '') return { failure: 'Invalid SCRAM client first message' };
    if (attrs.get('tokenauth') === 'true') return { failure: 'Authentication failed: delegation tokens are not supported' };
    const user = unescapeName(name);
    if (user === null) return { failure: 'Invalid SCRAM username' };
    const authzid = m[2] ? unescapeName(m[2].slice(2)) : null;
    if (authzid && authzid !== user) return { failure: 'Authentication failed: Client requested an authorization id that is different from username' };
    this.#user = user;
    this.#credential = this.#lookup(user);
    if (!this.#credential) return { failure: 'Authentication failed: Invalid user credentials' };
    this.#nonce = clientNonce + this.#serverNonce();
    this.#serverFirst = `r=${this.#nonce},s=${this.#credential.salt.toString('base64')},i=${this.#credential.iterations}`;
    this.#state = 'final';
    return { response: Buffer.from(this.#serverFirst, 'utf8') };
  }

  #final(message: string): SaslStep {
    this.#state = 'done';
    const credential = this.#credential!;
    const proofAt = message.lastIndexOf(',p=');
    if (proofAt < 0) return { failure: 'Invalid SCRAM client final message' };
    const withoutProof = message.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    // Kafka checks that the nonce *ends with* the server's: librdkafka sends the client nonce
    // again in front of it.
    if (!attrs || !attrs.get('r')?.endsWith(this.#nonce)) return { failure: 'Invalid SCRAM client final message: nonce mismatch' };
    if (attrs.get('c') !== Buffer.from(this.#gs2Header, 'utf8').toString('base64')) return { failure: 'Invalid SCRAM client final message: channel binding mismatch' };
    const proof = Buffer.from(message.slice(proofAt + 3), 'base64');
    const { hash, size } = SCRAM_MECHANISMS[this.mechanism];
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const clientSignature = hmac(hash, credential.storedKey, authMessage);
    if (proof.length !== size) return { failure: 'Authentication failed: Invalid user credentials' };
    const clientKey = Buffer.alloc(size);
    for (let i = 0; i < size; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    if (!timingSafeEqual(digest(hash, clientKey), credential.storedKey)) return { failure: 'Authentication failed: Invalid user credentials' };
    const serverSignature = hmac(hash, credential.serverKey, authMessage);
    return { response: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), principal: `User:${this.#user}` };
  }
}
