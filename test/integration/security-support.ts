// Shared by the security tests: a throwaway certificate authority, server and client
// certificates made with Debian's openssl in a temp dir for each run (no private key is
// ever committed), and SCRAM credentials created through AlterUserScramCredentials.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { API, API_BY_KEY, Writer } from '../../src/protocol/index.ts';
import { saltPassword, SCRAM_MECHANISMS, type ScramMechanism } from '../../src/broker/auth/scram.ts';
import { tempDir, type CleanupContext } from '../helpers/broker.ts';
import { decodeResponse, RawClient } from '../helpers/raw-client.ts';

export interface Certificates {
  readonly dir: string;
  /** Paths of PEM files. */
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Key and chain in one file, as Kafka's ssl.keystore.type=PEM location takes it. */
  readonly serverKeystore: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate from another CA, which the broker must not trust. */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function keyAndCsr(dir: string, name: string, subject: string): void {
  openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
}

function selfSigned(dir: string, name: string, subject: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject]);
}

function sign(dir: string, name: string, ca: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
}

export async function makeCertificates(t: CleanupContext): Promise<Certificates> {
  const dir = await tempDir(t, 'runnel-certs-');
  selfSigned(dir, 'ca', '/CN=Runnel Test CA');
  keyAndCsr(dir, 'server', '/CN=localhost');
  sign(dir, 'server', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  keyAndCsr(dir, 'client', '/C=NO/O=Acme/OU=eng/CN=alice');
  sign(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth\n');
  selfSigned(dir, 'stranger-ca', '/CN=Someone Else');
  keyAndCsr(dir, 'stranger', '/CN=mallory');
  sign(dir, 'stranger', 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  const keystore = join(dir, 'server-keystore.pem');
  writeFileSync(keystore, Buffer.concat([readFileSync(join(dir, 'server.key')), readFileSync(join(dir, 'server.pem'))]));
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    serverKeystore: keystore,
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    strangerCert: join(dir, 'stranger.pem'),
    strangerKey: join(dir, 'stranger.key'),
  };
}

/** Creates SCRAM credentials through AlterUserScramCredentials on a PLAINTEXT port. */
export async function createScramUser(port: number, user: string, password: string, mechanisms: ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'], iterations = 4096): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    const request = API.AlterUserScramCredentials.createRequest();
    request.upsertions = mechanisms.map((m) => {
      const salt = randomBytes(16);
      return { name: user, mechanism: SCRAM_MECHANISMS[m].type, iterations, salt, saltedPassword: saltPassword(m, password, salt, iterations) };
    });
    const response = await client.request(API.AlterUserScramCredentials.apiKey, 0, request);
    for (const r of response.results) if (r.errorCode !== 0) throw new Error(`AlterUserScramCredentials ${r.user}: ${r.errorCode} ${r.errorMessage}`);
  } finally {
    client.close();
  }
}

/** A JAAS config with PLAIN users, as in a Kafka server.properties. */
export function plainJaas(users: Record<string, string>): string {
  const entries = Object.entries(users).map(([u, p]) => `user_${u}="${p}"`).join(' ');
  return `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ${entries};`;
}

/** A request frame (size, header v1/v2, body) made with our codec. */
export function requestFrame(apiKey: number, apiVersion: number, body: unknown, correlationId = 1): Buffer {
  const api = API_BY_KEY[apiKey]!;
  const w = new Writer();
  w.int16(apiKey).int16(apiVersion).int32(correlationId).nullableString('security-test');
  if (api.requestHeaderVersion(apiVersion) >= 2) w.uvarint(0);
  (api.encodeRequest as (w: Writer, v: number, m: unknown) => void)(w, apiVersion, body);
  const payload = w.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

/** Sends one request over TLS and decodes the answer; rejects if TLS or the connection fails. */
export function tlsRequest<T = any>(port: number, options: tls.ConnectionOptions, apiKey: number, apiVersion: number, body: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => socket.write(requestFrame(apiKey, apiVersion, body)));
    let data = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 4 && data.length >= 4 + data.readInt32BE(0)) {
        socket.destroy();
        try {
          resolve(decodeResponse(data.subarray(4, 4 + data.readInt32BE(0)), apiKey, apiVersion, 1) as T);
        } catch (err) {
          reject(err);
        }
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('connection closed')));
  });
}
