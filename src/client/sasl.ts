// SASL authentication on a new connection (KIP-43, KIP-152): SaslHandshake names the
// mechanism, then SaslAuthenticate carries its messages. PLAIN sends "\0user\0password" in
// one round; SCRAM-SHA-256/512 (RFC 5802, RFC 7677) runs client-first, server-first,
// client-final and checks the server's signature, so a broker that does not know the
// password cannot pretend to. A refusal is a non-retriable KafkaError
// (SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM).

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { API, ErrorCode } from '../protocol/index.ts';
import type { Connection } from './connection.ts';
import { KafkaError } from './errors.ts';

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface SaslOptions {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export async function authenticate(connection: Connection, sasl: SaslOptions): Promise<void> {
  const handshake = await connection.request(API.SaslHandshake, { mechanism: sasl.mechanism });
  if (handshake.errorCode !== ErrorCode.NONE) {
    throw new KafkaError(handshake.errorCode, `the broker does not offer ${sasl.mechanism} (it offers ${handshake.mechanisms.join(', ') || 'none'})`, { retriable: false });
  }
  const send = async (authBytes: Buffer): Promise<Buffer> => {
    const response = await connection.request(API.SaslAuthenticate, { authBytes });
    if (response.errorCode !== ErrorCode.NONE) {
      throw new KafkaError(response.errorCode, undefined, { brokerMessage: response.errorMessage, retriable: false });
    }
    return response.authBytes;
  };
  if (sasl.mechanism === 'PLAIN') {
    await send(Buffer.from(`\0${sasl.username}\0${sasl.password}`, 'utf8'));
    return;
  }
  const scram = new ScramClient(sasl.mechanism, sasl.username, sasl.password);
  const serverFirst = await send(scram.first());
  const serverFinal = await send(scram.final(serverFirst));
  scram.verify(serverFinal);
}

/** SCRAM's SaltedPassword = Hi(password, salt, i): PBKDF2 with the mechanism's HMAC (RFC 5802). */
export function saltedPassword(password: string, salt: Buffer, iterations: number, hash: 'sha256' | 'sha512'): Buffer {
  return pbkdf2Sync(password, salt, iterations, hash === 'sha256' ? 32 : 64, hash);
}

function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/** The client side of SCRAM (RFC 5802) with SHA-256 or SHA-512. */
export class ScramClient {
  readonly #hash: 'sha256' | 'sha512';
  readonly #password: string;
  readonly #clientNonce: string;
  readonly #firstBare: string;
  #serverSignature: Buffer | undefined;

  constructor(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: string, password: string, clientNonce = randomBytes(24).toString('base64')) {
    this.#hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    this.#password = password;
    this.#clientNonce = clientNonce;
    this.#firstBare = `n=${saslName(username)},r=${clientNonce}`;
  }

  /** client-first-message (no channel binding). */
  first(): Buffer {
    return Buffer.from(`n,,${this.#firstBare}`, 'utf8');
  }

  /** client-final-message for the server-first-message. */
  final(serverFirstBytes: Buffer): Buffer {
    const serverFirst = serverFirstBytes.toString('utf8');
    const a = attributes(serverFirst);
    const nonce = a.get('r');
    const salt = a.get('s');
    const iterations = Number(a.get('i'));
    if (a.has('e')) throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, `SCRAM: the broker refused: ${a.get('e')}`, { retriable: false });
    if (nonce === undefined || salt === undefined || !Number.isInteger(iterations) || iterations < 1 || !nonce.startsWith(this.#clientNonce)) {
      throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'SCRAM: the broker sent an invalid server-first-message', { retriable: false });
    }
    const size = this.#hash === 'sha256' ? 32 : 64;
    const salted = saltedPassword(this.#password, Buffer.from(salt, 'base64'), iterations, this.#hash);
    const clientKey = createHmac(this.#hash, salted).update('Client Key').digest();
    const storedKey = createHash(this.#hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.#firstBare},${serverFirst},${withoutProof}`;
    const clientSignature = createHmac(this.#hash, storedKey).update(authMessage).digest();
    const proof = Buffer.alloc(size);
    for (let i = 0; i < size; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    const serverKey = createHmac(this.#hash, salted).update('Server Key').digest();
    this.#serverSignature = createHmac(this.#hash, serverKey).update(authMessage).digest();
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Checks the server-final-message: the broker proves it knows the password too. */
  verify(serverFinalBytes: Buffer): void {
    const a = attributes(serverFinalBytes.toString('utf8'));
    if (a.has('e')) throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, `SCRAM: the broker refused: ${a.get('e')}`, { retriable: false });
    const v = Buffer.from(a.get('v') ?? '', 'base64');
    if (this.#serverSignature === undefined || v.length !== this.#serverSignature.length || !timingSafeEqual(v, this.#serverSignature)) {
      throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, "SCRAM: the broker's signature does not match", { retriable: false });
    }
  }
}
