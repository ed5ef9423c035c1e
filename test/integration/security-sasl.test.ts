// SASL (issue 6, priority 2): SaslHandshake v0 (raw tokens) and v1 with SaslAuthenticate
// v0-2; PLAIN users from the listener's JAAS config; SCRAM-SHA-256/512 credentials managed
// with AlterUserScramCredentials and DescribeUserScramCredentials and kept across restarts;
// nothing but ApiVersions and SaslHandshake before authentication; re-authentication
// (KIP-368). Real clients: kcat, confluent-kafka, kafka-python, kafkajs, over SASL_PLAINTEXT
// and SASL_SSL.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { API, ErrorCode } from '../../src/protocol/index.ts';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { saltPassword } from '../../src/broker/auth/scram.ts';
import { tempDir } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';
import { PYTHON, runPython, b64 } from '../helpers/python.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { createScramUser, makeCertificates, plainJaas } from './security-support.ts';


async function saslBroker(t: { after(fn: () => unknown): void }, extra: Record<string, string> = {}, dataDir = 'memory'): Promise<RunningBroker & { sasl: number; plain: number }> {
  const running = await startBroker({
    dataDir,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas({ alice: 'alice-secret', bob: 'bob-secret' }),
      'num.partitions': '1',
      ...extra,
    },
  });
  t.after(() => running.stop());
  return Object.assign(running, { plain: running.listeners[0]!.port, sasl: running.listeners[1]!.port });
}

const handshake = (mechanism: string) => Object.assign(API.SaslHandshake.createRequest(), { mechanism });
const authenticate = (authBytes: Buffer) => Object.assign(API.SaslAuthenticate.createRequest(), { authBytes });
const metadata = () => Object.assign(API.Metadata.createRequest(), { topics: null });

test('PLAIN with SaslHandshake v1 + SaslAuthenticate; nothing else is served before authentication', async (t) => {
  const broker = await saslBroker(t);
  // ApiVersions is answered before authentication and lists the SASL APIs.
  const c = await RawClient.connect(broker.sasl);
  const versions = await c.request(API.ApiVersions.apiKey, 3, Object.assign(API.ApiVersions.createRequest(), { clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
  assert.ok(versions.apiKeys.some((k: { apiKey: number }) => k.apiKey === API.SaslAuthenticate.apiKey));
  const hs = await c.request(API.SaslHandshake.apiKey, 1, handshake('PLAIN'));
  assert.equal(hs.errorCode, 0);
  assert.deepEqual(hs.mechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
  const auth = await c.request(API.SaslAuthenticate.apiKey, 2, authenticate(Buffer.from('\0alice\0alice-secret')));
  assert.equal(auth.errorCode, 0);
  assert.equal(auth.sessionLifetimeMs, 0n, 're-authentication off by default');
  const md = await c.request(API.Metadata.apiKey, 12, metadata());
  assert.equal(md.brokers.length, 1);
  // After authentication, another handshake is ILLEGAL_SASL_STATE (KafkaApis' answer).
  assert.equal((await c.request(API.SaslHandshake.apiKey, 1, handshake('PLAIN'))).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  c.close();

  // Metadata before authentication: the connection closes.
  const early = await RawClient.connect(broker.sasl);
  early.write(early.frame(API.Metadata.apiKey, 12, metadata()));
  assert.equal(await early.waitClosed(), true);
  // Metadata between handshake and authentication: closes too.
  const between = await RawClient.connect(broker.sasl);
  await between.request(API.SaslHandshake.apiKey, 1, handshake('PLAIN'));
  between.write(between.frame(API.Metadata.apiKey, 12, metadata()));
  assert.equal(await between.waitClosed(), true);
});

test('wrong PLAIN password: SASL_AUTHENTICATION_FAILED, then the connection closes; unknown mechanism: the enabled list', async (t) => {
  const broker = await saslBroker(t, { 'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN' });
  const c = await RawClient.connect(broker.sasl);
  await c.request(API.SaslHandshake.apiKey, 1, handshake('PLAIN'));
  const auth = await c.request(API.SaslAuthenticate.apiKey, 1, authenticate(Buffer.from('\0alice\0wrong')));
  assert.equal(auth.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.match(auth.errorMessage, /Invalid username or password/);
  assert.equal(await c.waitClosed(), true);

  const d = await RawClient.connect(broker.sasl);
  const hs = await d.request(API.SaslHandshake.apiKey, 1, handshake('SCRAM-SHA-256'));
  assert.equal(hs.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
  assert.deepEqual(hs.mechanisms, ['PLAIN'], 'the per-listener list');
  assert.equal(await d.waitClosed(), true);

  // On a PLAINTEXT listener the SASL APIs answer ILLEGAL_SASL_STATE.
  const p = await RawClient.connect(broker.plain);
  assert.equal((await p.request(API.SaslHandshake.apiKey, 1, handshake('PLAIN'))).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  assert.equal((await p.request(API.SaslAuthenticate.apiKey, 0, authenticate(Buffer.alloc(0)))).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  p.close();
});

test('SaslHandshake v0: raw int32-framed tokens follow, for PLAIN and SCRAM', async (t) => {
  const broker = await saslBroker(t);
  await createScramUser(broker.plain, 'carol', 'carol-secret', ['SCRAM-SHA-256']);
  const raw = async (c: RawClient, token: Buffer) => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(token.length);
    c.write(Buffer.concat([size, token]));
    return c.readFrame();
  };
  const c = await RawClient.connect(broker.sasl);
  assert.equal((await c.request(API.SaslHandshake.apiKey, 0, handshake('PLAIN'))).errorCode, 0);
  assert.equal((await raw(c, Buffer.from('\0bob\0bob-secret'))).length, 0);
  assert.equal((await c.request(API.Metadata.apiKey, 1, metadata())).brokers.length, 1);
  c.close();

  const s = await RawClient.connect(broker.sasl);
  await s.request(API.SaslHandshake.apiKey, 0, handshake('SCRAM-SHA-256'));
  const scram = new ScramClient('sha256', 'carol', 'carol-secret');
  const serverFirst = await raw(s, scram.first());
  const serverFinal = await raw(s, scram.final(serverFirst));
  scram.verify(serverFinal);
  assert.equal((await s.request(API.Metadata.apiKey, 1, metadata())).brokers.length, 1);
  s.close();

  const bad = await RawClient.connect(broker.sasl);
  await bad.request(API.SaslHandshake.apiKey, 0, handshake('PLAIN'));
  const size = Buffer.alloc(4);
  size.writeInt32BE(10);
  bad.write(Buffer.concat([size, Buffer.from('\0bob\0wrong')]));
  assert.equal(await bad.waitClosed(), true);
});

test('SCRAM credentials: AlterUserScramCredentials / DescribeUserScramCredentials, errors, kept across a restart', async (t) => {
  const dir = await tempDir(t);
  let broker = await saslBroker(t, {}, dir);
  await createScramUser(broker.plain, 'dave', 'dave-secret', ['SCRAM-SHA-512'], 8192);
  const c = await RawClient.connect(broker.plain);
  const salt = randomBytes(8);
  const upsert = (name: string, mechanism: number, iterations: number) => ({ name, mechanism, iterations, salt, saltedPassword: saltPassword('SCRAM-SHA-256', 'x', salt, 4096) });
  const alter = await c.request(API.AlterUserScramCredentials.apiKey, 0, Object.assign(API.AlterUserScramCredentials.createRequest(), {
    deletions: [{ name: 'nobody', mechanism: 1 }],
    upsertions: [upsert('', 1, 4096), upsert('few', 1, 100), upsert('odd', 9, 4096), upsert('twice', 1, 4096), upsert('twice', 1, 4096)],
  }));
  assert.deepEqual(
    alter.results.map((r: { user: string; errorCode: number }) => [r.user, r.errorCode]),
    [['nobody', ErrorCode.RESOURCE_NOT_FOUND], ['', ErrorCode.UNACCEPTABLE_CREDENTIAL], ['few', ErrorCode.UNACCEPTABLE_CREDENTIAL], ['odd', ErrorCode.UNSUPPORTED_SASL_MECHANISM], ['twice', ErrorCode.DUPLICATE_RESOURCE]],
  );
  const described = await c.request(API.DescribeUserScramCredentials.apiKey, 0, Object.assign(API.DescribeUserScramCredentials.createRequest(), { users: [{ name: 'dave' }, { name: 'ghost' }] }));
  assert.deepEqual(described.results.map((r: { user: string; errorCode: number; credentialInfos: unknown[] }) => [r.user, r.errorCode, r.credentialInfos]), [
    ['dave', 0, [{ mechanism: 2, iterations: 8192 }]],
    ['ghost', ErrorCode.RESOURCE_NOT_FOUND, []],
  ]);
  c.close();
  await broker.stop();

  broker = await saslBroker(t, {}, dir);
  const all = await new Promise<any>((resolve, reject) => {
    RawClient.connect(broker.plain).then((d) => d.request(API.DescribeUserScramCredentials.apiKey, 0, Object.assign(API.DescribeUserScramCredentials.createRequest(), { users: null })).then((r) => (d.close(), resolve(r)), reject), reject);
  });
  assert.deepEqual(all.results.map((r: { user: string }) => r.user), ['dave']);
  await kcat(['-b', `127.0.0.1:${broker.sasl}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=dave', '-X', 'sasl.password=dave-secret', '-L']);
  // Deleting the credential locks the user out.
  const e = await RawClient.connect(broker.plain);
  const del = await e.request(API.AlterUserScramCredentials.apiKey, 0, Object.assign(API.AlterUserScramCredentials.createRequest(), { deletions: [{ name: 'dave', mechanism: 2 }], upsertions: [] }));
  assert.equal(del.results[0].errorCode, 0);
  e.close();
  const denied = await kcat(['-b', `127.0.0.1:${broker.sasl}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=dave', '-X', 'sasl.password=dave-secret', '-L', '-m', '5'], { check: false, timeoutMs: 30_000 });
  assert.notEqual(denied.code, 0);
  await broker.stop();
});

test('re-authentication (KIP-368): session lifetime, a second handshake with the same principal, expiry closes', async (t) => {
  const broker = await saslBroker(t, { 'connections.max.reauth.ms': '600' });
  const c = await RawClient.connect(broker.sasl);
  await c.request(API.SaslHandshake.apiKey, 1, handshake('PLAIN'));
  const auth = await c.request(API.SaslAuthenticate.apiKey, 1, authenticate(Buffer.from('\0alice\0alice-secret')));
  assert.ok(auth.sessionLifetimeMs > 0n && auth.sessionLifetimeMs <= 600n);
  // Re-authenticating as alice works; as bob it fails and closes.
  assert.equal((await c.request(API.SaslHandshake.apiKey, 1, handshake('PLAIN'))).errorCode, 0);
  assert.equal((await c.request(API.SaslAuthenticate.apiKey, 2, authenticate(Buffer.from('\0alice\0alice-secret')))).errorCode, 0);
  assert.equal((await c.request(API.SaslHandshake.apiKey, 1, handshake('PLAIN'))).errorCode, 0);
  const other = await c.request(API.SaslAuthenticate.apiKey, 2, authenticate(Buffer.from('\0bob\0bob-secret')));
  assert.equal(other.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.match(other.errorMessage, /Cannot change principals/);
  assert.equal(await c.waitClosed(), true);

  const d = await RawClient.connect(broker.sasl);
  await d.request(API.SaslHandshake.apiKey, 1, handshake('PLAIN'));
  await d.request(API.SaslAuthenticate.apiKey, 1, authenticate(Buffer.from('\0bob\0bob-secret')));
  await new Promise((resolve) => setTimeout(resolve, 700));
  d.write(d.frame(API.Metadata.apiKey, 12, metadata()));
  assert.equal(await d.waitClosed(), true, 'a request after the session expired closes the connection');
});

test('kcat and confluent-kafka over SASL_PLAINTEXT with PLAIN and SCRAM-SHA-512; kafka-python with PLAIN and SCRAM-SHA-256', { timeout: 120_000 }, async (t) => {
  const broker = await saslBroker(t);
  await createScramUser(broker.plain, 'erin', 'erin-secret');
  const bootstrap = `127.0.0.1:${broker.sasl}`;
  const sasl = (mechanism: string, user: string, password: string) => ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`];
  await kcat(['-b', bootstrap, ...sasl('PLAIN', 'alice', 'alice-secret'), '-P', '-t', 'sasl-topic'], { input: 'a1\n' });
  await kcat(['-b', bootstrap, ...sasl('SCRAM-SHA-512', 'erin', 'erin-secret'), '-P', '-t', 'sasl-topic'], { input: 'e1\n' });
  const wrong = await kcat(['-b', bootstrap, ...sasl('PLAIN', 'alice', 'nope'), '-L', '-m', '5'], { check: false, timeoutMs: 30_000 });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /Authentication failed|SASL/i);

  const ck = (mechanism: string, user: string, password: string) => ({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': mechanism, 'sasl.username': user, 'sasl.password': password });
  await runPython('ck_produce', { bootstrap, topic: 'sasl-topic', records: [{ key: null, value: b64('c1') }], config: ck('SCRAM-SHA-512', 'erin', 'erin-secret') });
  const read = await runPython<{ records: { value: string }[] }>('ck_consume', { bootstrap, assignments: [{ topic: 'sasl-topic', partition: 0, offset: 0 }], count: 3, config: ck('PLAIN', 'bob', 'bob-secret') });
  assert.deepEqual(read.records.map((r) => Buffer.from(r.value, 'base64').toString()), ['a1', 'e1', 'c1']);
  await assert.rejects(runPython('ck_produce', { bootstrap, topic: 'sasl-topic', records: [{ key: null, value: b64('x') }], config: ck('SCRAM-SHA-512', 'erin', 'bad'), timeout: 5 }));

  for (const [mechanism, user, password] of [['PLAIN', 'alice', 'alice-secret'], ['SCRAM-SHA-256', 'erin', 'erin-secret']] as const) {
    const script = `
import sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=[${JSON.stringify(bootstrap)}], security_protocol="SASL_PLAINTEXT", sasl_mechanism=${JSON.stringify(mechanism)}, sasl_plain_username=${JSON.stringify(user)}, sasl_plain_password=${JSON.stringify(password)}, max_block_ms=20000, request_timeout_ms=20000)
print(p.send("sasl-topic", b"kp").get(timeout=20).offset)
p.close()
`;
    // Asynchronously: the broker runs in this process.
    const run = await promisify(execFile)(PYTHON, ['-E', '-s', '-B', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    assert.match(run.stdout.trim(), /^\d+$/);
  }
});

test('SASL_SSL: kcat with SCRAM-SHA-512 and PLAIN, kafkajs with SCRAM-SHA-256 and SCRAM-SHA-512', { timeout: 120_000 }, async (t) => {
  const certs = await makeCertificates(t);
  const broker = await saslBroker(t, {
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': plainJaas({ alice: 'alice-secret' }),
    'ssl.keystore.location': certs.serverKeystore,
  });
  await createScramUser(broker.plain, 'frank', 'frank-secret');
  const bootstrap = `127.0.0.1:${broker.sasl}`;
  const ssl = ['-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${certs.caCert}`];
  await kcat(['-b', bootstrap, ...ssl, '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=frank', '-X', 'sasl.password=frank-secret', '-P', '-t', 'ssl-sasl'], { input: 'k1\n' });
  await kcat(['-b', bootstrap, ...ssl, '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret', '-P', '-t', 'ssl-sasl'], { input: 'k2\n' });

  for (const mechanism of ['scram-sha-256', 'scram-sha-512'] as const) {
    const kafka = new Kafka({ clientId: 'sec', brokers: [bootstrap], ssl: { ca: [readFileSync(certs.caCert, 'utf8')], servername: 'localhost' }, sasl: { mechanism, username: 'frank', password: 'frank-secret' } as SASLOptions, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic: 'ssl-sasl', messages: [{ value: mechanism }] });
    await producer.disconnect();
    assert.equal(meta!.errorCode, 0);
    const bad = new Kafka({ clientId: 'sec', brokers: [bootstrap], ssl: { ca: [readFileSync(certs.caCert, 'utf8')], servername: 'localhost' }, sasl: { mechanism, username: 'frank', password: 'wrong' } as SASLOptions, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    const admin = bad.admin();
    await assert.rejects(admin.connect(), /SASL|authenticat/i);
    await admin.disconnect();
  }
  const consumed = await kcat(['-b', bootstrap, ...ssl, '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=frank', '-X', 'sasl.password=frank-secret', '-C', '-t', 'ssl-sasl', '-o', 'beginning', '-c', '4', '-e']);
  assert.deepEqual(consumed.stdout.toString().trim().split('\n'), ['k1', 'k2', 'scram-sha-256', 'scram-sha-512']);
});

/** A minimal SCRAM client (RFC 5802) for the raw-token test. */
class ScramClient {
  readonly #hash: string;
  readonly #user: string;
  readonly #password: string;
  readonly #nonce = randomBytes(12).toString('base64url');
  #bare = '';
  #serverSignature = Buffer.alloc(0);
  constructor(hash: string, user: string, password: string) {
    this.#hash = hash;
    this.#user = user;
    this.#password = password;
  }
  first(): Buffer {
    this.#bare = `n=${this.#user},r=${this.#nonce}`;
    return Buffer.from(`n,,${this.#bare}`);
  }
  final(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString();
    const attrs = new Map(text.split(',').map((p) => [p[0]!, p.slice(2)]));
    const salted = saltPassword(this.#hash === 'sha256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512', this.#password, Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')));
    const clientKey = createHmac(this.#hash, salted).update('Client Key').digest();
    const storedKey = createHash(this.#hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${attrs.get('r')}`;
    const authMessage = `${this.#bare},${text},${withoutProof}`;
    const signature = createHmac(this.#hash, storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
    this.#serverSignature = createHmac(this.#hash, createHmac(this.#hash, salted).update('Server Key').digest()).update(authMessage).digest();
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }
  verify(serverFinal: Buffer): void {
    assert.equal(serverFinal.toString(), `v=${this.#serverSignature.toString('base64')}`);
  }
}
