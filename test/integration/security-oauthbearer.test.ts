// SASL OAUTHBEARER (issue 6, KIP-255): the RFC 7628 client initial response, Kafka's unsecured
// JWS validator (the default) with its JAAS options, the JSON error challenge and the client's
// \x01 before SASL_AUTHENTICATION_FAILED, session lifetime from the token's exp with
// connections.max.reauth.ms, a validator supplied through startBroker, and ACLs on the token's
// principal. Real clients: kcat (librdkafka's unsecured JWT) and kafkajs (oauthBearerProvider).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { OAuthBearerValidationError, startBroker, type BrokerOptions, type RunningBroker } from '../../src/index.ts';
import { API, ErrorCode, ZERO_UUID } from '../../src/protocol/index.ts';
import { kcat } from '../helpers/kcat.ts';
import { RawClient } from '../helpers/raw-client.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } = kafkajs;

const OAUTH_JAAS = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin"';

async function oauthBroker(t: { after(fn: () => unknown): void }, extra: Record<string, string> = {}, options: Partial<BrokerOptions> = {}): Promise<RunningBroker & { sasl: number }> {
  const running = await startBroker({
    dataDir: 'memory',
    config: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': `${OAUTH_JAAS};`,
      'num.partitions': '1',
      ...extra,
    },
    ...options,
  });
  t.after(() => running.stop());
  return Object.assign(running, { sasl: running.listeners[0]!.port });
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An unsecured JWS ("alg":"none", empty signature), as a developer would make one. */
const jws = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'none' }) => `${b64url(header)}.${b64url(claims)}.`;
const nowS = () => Math.floor(Date.now() / 1000);
const token = (sub: string, more: Record<string, unknown> = {}) => jws({ sub, iat: nowS(), exp: nowS() + 3600, ...more });
/** The RFC 7628 client initial response. */
const initial = (tok: string, authzid = '', extensions = '') => Buffer.from(`n,${authzid === '' ? '' : `a=${authzid}`},\x01auth=Bearer ${tok}\x01${extensions}\x01`);

const handshake = () => Object.assign(API.SaslHandshake.createRequest(), { mechanism: 'OAUTHBEARER' });
const authenticate = (authBytes: Buffer) => Object.assign(API.SaslAuthenticate.createRequest(), { authBytes });
const metadata = () => Object.assign(API.Metadata.createRequest(), { topics: null });

/** Handshake and first SaslAuthenticate on a fresh connection. */
async function firstAuth(port: number, bytes: Buffer) {
  const c = await RawClient.connect(port);
  const hs = await c.request(API.SaslHandshake.apiKey, 1, handshake());
  assert.equal(hs.errorCode, 0);
  return { c, auth: await c.request(API.SaslAuthenticate.apiKey, 2, authenticate(bytes)) };
}

/** A refused token: the JSON error as a challenge, then \x01 gets SASL_AUTHENTICATION_FAILED with it, then the close. */
async function assertRefused(port: number, bytes: Buffer, json: string): Promise<void> {
  const { c, auth } = await firstAuth(port, bytes);
  assert.equal(auth.errorCode, 0, 'the error is a challenge, not yet a failure');
  assert.equal(Buffer.from(auth.authBytes).toString(), json);
  // Nothing is served while the exchange is open: the connection would close. The client's \x01 ends it.
  const final = await c.request(API.SaslAuthenticate.apiKey, 2, authenticate(Buffer.from([1])));
  assert.equal(final.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.equal(final.errorMessage, json);
  assert.equal(await c.waitClosed(), true);
}

test('OAUTHBEARER with the unsecured validator: good token served; expired, no sub, iat in the future, signed, garbage refused with invalid_token', async (t) => {
  const broker = await oauthBroker(t);
  const { c, auth } = await firstAuth(broker.sasl, initial(token('alice'), 'alice', 'traceId=abc\x01'));
  assert.equal(auth.errorCode, 0);
  assert.equal(auth.authBytes.length, 0);
  assert.equal(auth.sessionLifetimeMs, 0n, 'without connections.max.reauth.ms the token expiry does not end the session');
  assert.equal((await c.request(API.Metadata.apiKey, 12, metadata())).brokers.length, 1);
  c.close();

  const invalid = '{"status":"invalid_token"}';
  await assertRefused(broker.sasl, initial(token('alice', { iat: nowS() - 7200, exp: nowS() - 60 })), invalid);
  await assertRefused(broker.sasl, initial(jws({ iat: nowS(), exp: nowS() + 3600 })), invalid);
  await assertRefused(broker.sasl, initial(token('alice', { exp: undefined })), invalid);
  await assertRefused(broker.sasl, initial(token('alice', { iat: nowS() + 600 })), invalid);
  await assertRefused(broker.sasl, initial(token('alice', { sub: 42 })), invalid);
  await assertRefused(broker.sasl, initial(`${token('alice')}c2lnbmF0dXJl`), invalid);
  await assertRefused(broker.sasl, initial(jws({ sub: 'alice', exp: nowS() + 60 }, { alg: 'HS256' })), invalid);
  await assertRefused(broker.sasl, initial('garbage'), invalid);

  // Not an RFC 7628 message at all: failure at once, with Kafka's generic message.
  const { c: bad, auth: badAuth } = await firstAuth(broker.sasl, Buffer.from('Bearer whatever'));
  assert.equal(badAuth.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.match(badAuth.errorMessage, /invalid credentials with SASL mechanism OAUTHBEARER/);
  assert.equal(await bad.waitClosed(), true);
  // An authorization id other than the token's principal fails.
  const { c: other, auth: otherAuth } = await firstAuth(broker.sasl, initial(token('alice'), 'mallory'));
  assert.equal(otherAuth.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.match(otherAuth.errorMessage, /different from the token's principal name \(alice\)/);
  assert.equal(await other.waitClosed(), true);
  // A request other than SaslAuthenticate after the error challenge closes the connection.
  const { c: pending } = await firstAuth(broker.sasl, initial('garbage'));
  pending.write(pending.frame(API.Metadata.apiKey, 12, metadata()));
  assert.equal(await pending.waitClosed(), true);
  // Before the handshake nothing but ApiVersions is served.
  const early = await RawClient.connect(broker.sasl);
  early.write(early.frame(API.Metadata.apiKey, 12, metadata()));
  assert.equal(await early.waitClosed(), true);
});

test('JAAS options: required scope (insufficient_scope), principal and scope claim names, clock skew', async (t) => {
  const broker = await oauthBroker(t, {
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config':
      `${OAUTH_JAAS} unsecuredValidatorRequiredScope="kafka produce" unsecuredValidatorPrincipalClaimName="user" unsecuredValidatorScopeClaimName="roles" unsecuredValidatorAllowableClockSkewMs="120000";`,
  });
  const good = jws({ user: 'carol', roles: ['kafka', 'produce', 'other'], iat: nowS(), exp: nowS() + 600 });
  const { c, auth } = await firstAuth(broker.sasl, initial(good));
  assert.equal(auth.errorCode, 0);
  c.close();
  // Expired 60 s ago, within the 120 s skew: still good.
  const { c: skewed, auth: skewedAuth } = await firstAuth(broker.sasl, initial(jws({ user: 'carol', roles: ['kafka', 'produce'], exp: nowS() - 60 })));
  assert.equal(skewedAuth.errorCode, 0);
  skewed.close();
  await assertRefused(broker.sasl, initial(jws({ user: 'carol', roles: ['kafka'], exp: nowS() + 600 })), '{"status":"insufficient_scope", "scope":"kafka produce"}');
  // The scope under the default claim name does not count here, and sub is not the principal claim.
  await assertRefused(broker.sasl, initial(jws({ user: 'carol', scope: ['kafka', 'produce'], exp: nowS() + 600 })), '{"status":"insufficient_scope", "scope":"kafka produce"}');
  await assertRefused(broker.sasl, initial(jws({ sub: 'carol', roles: ['kafka', 'produce'], exp: nowS() + 600 })), '{"status":"invalid_token"}');
});

test('session lifetime: the token exp caps connections.max.reauth.ms; re-authentication keeps the principal', async (t) => {
  const broker = await oauthBroker(t, { 'connections.max.reauth.ms': '3600000' });
  const { c, auth } = await firstAuth(broker.sasl, initial(token('alice', { exp: nowS() + 60 })));
  assert.equal(auth.errorCode, 0);
  assert.ok(auth.sessionLifetimeMs > 0n && auth.sessionLifetimeMs <= 60_000n, `lifetime ${auth.sessionLifetimeMs} is the token's remaining time`);
  // Re-authenticate with a longer token: the configured maximum applies.
  assert.equal((await c.request(API.SaslHandshake.apiKey, 1, handshake())).errorCode, 0);
  const again = await c.request(API.SaslAuthenticate.apiKey, 2, authenticate(initial(token('alice', { exp: nowS() + 7200 }))));
  assert.equal(again.errorCode, 0);
  assert.equal(again.sessionLifetimeMs, 3_600_000n);
  assert.equal((await c.request(API.Metadata.apiKey, 12, metadata())).brokers.length, 1);
  // Another principal's token on re-authentication fails.
  await c.request(API.SaslHandshake.apiKey, 1, handshake());
  const changed = await c.request(API.SaslAuthenticate.apiKey, 2, authenticate(initial(token('bob'))));
  assert.equal(changed.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.match(changed.errorMessage, /Cannot change principals/);
  assert.equal(await c.waitClosed(), true);
});

test('connections.max.reauth.ms with Kafka\'s listener and mechanism prefix', async (t) => {
  const broker = await oauthBroker(t, { 'listener.name.sasl_plaintext.oauthbearer.connections.max.reauth.ms': '600000' });
  const { c, auth } = await firstAuth(broker.sasl, initial(token('alice', { exp: nowS() + 7200 })));
  assert.equal(auth.errorCode, 0);
  assert.equal(auth.sessionLifetimeMs, 600_000n);
  c.close();
});

test('kcat (librdkafka unsecured JWT) and kafkajs (oauthBearerProvider): ACLs apply to the token principal; bad tokens fail', { timeout: 120_000 }, async (t) => {
  const broker = await oauthBroker(t, {
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:admin',
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': `${OAUTH_JAAS} unsecuredValidatorRequiredScope="kafka";`,
  });
  const kafka = (tok: () => string) =>
    new Kafka({ clientId: 'oauth-test', brokers: [broker.bootstrap], sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: tok() }) }, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
  const admin = kafka(() => token('admin', { scope: 'kafka' })).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders' }, { topic: 'secret' }] });
  const allow = (resourceName: string, operation: kafkajs.AclOperationTypes) => ({
    resourceType: AclResourceTypes.TOPIC,
    resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:alice',
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  });
  await admin.createAcls({ acl: [allow('orders', AclOperationTypes.WRITE), allow('orders', AclOperationTypes.READ), { ...allow('*', AclOperationTypes.READ), resourceType: AclResourceTypes.GROUP }] });
  await admin.disconnect();

  // kcat: librdkafka builds {"alg":"none"} tokens itself from sasl.oauthbearer.config.
  const kcatAs = (principal: string, scope = 'kafka') => [
    '-b', broker.bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=OAUTHBEARER',
    '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', `sasl.oauthbearer.config=principal=${principal} scope=${scope}`,
  ];
  await kcat([...kcatAs('alice'), '-P', '-t', 'orders'], { input: 'k1\nk2\n' });
  const consumed = await kcat([...kcatAs('alice'), '-C', '-t', 'orders', '-o', 'beginning', '-e', '-q']);
  assert.deepEqual(consumed.stdout.toString().trim().split('\n'), ['k1', 'k2']);
  const denied = await kcat([...kcatAs('alice'), '-P', '-t', 'secret'], { input: 'nope\n', check: false, timeoutMs: 30_000 });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /authoriz/i);
  const noScope = await kcat([...kcatAs('alice', 'other'), '-L', '-m', '5'], { check: false, timeoutMs: 30_000 });
  assert.notEqual(noScope.code, 0);
  assert.match(noScope.stderr, /SASL authentication error: {"status":"insufficient_scope", "scope":"kafka"}/);

  // kafkajs as alice: writes orders, is refused secret.
  const producer = kafka(() => token('alice', { scope: ['kafka'] })).producer();
  await producer.connect();
  await producer.send({ topic: 'orders', messages: [{ value: 'j1' }] });
  await assert.rejects(producer.send({ topic: 'secret', messages: [{ value: 'x' }] }), /authoriz/i);
  await producer.disconnect();
  // Expired token: kafkajs takes the challenge for success, then its next request closes the connection.
  const expired = kafka(() => token('alice', { scope: 'kafka', iat: nowS() - 7200, exp: nowS() - 3600 })).producer();
  await assert.rejects(expired.connect().then(() => expired.send({ topic: 'orders', messages: [{ value: 'x' }] })));
  await expired.disconnect();
  const garbage = kafka(() => 'garbage').admin();
  await assert.rejects(garbage.connect().then(() => garbage.listTopics()));
  await garbage.disconnect();
});

test('startBroker oauthBearerValidator replaces the unsecured validator; its principal meets the ACLs', { timeout: 60_000 }, async (t) => {
  const seen: { token: string; listener: string; sub: string; ext: string | undefined }[] = [];
  const broker = await oauthBroker(
    t,
    { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'allow.everyone.if.no.acl.found': 'false', 'sasl.oauthbearer.sub.claim.name': 'uid' },
    {
      oauthBearerValidator: (tok, context) => {
        seen.push({ token: tok, listener: context.listener, sub: context.subClaimName, ext: context.extensions.get('tenant') });
        if (tok === 'opaque-dave') return { principalName: 'dave', lifetimeMs: Date.now() + 60_000 };
        if (tok === 'opaque-noscope') throw new OAuthBearerValidationError('no scope', { status: 'insufficient_scope', scope: 'kafka' });
        throw new Error('unknown token');
      },
    },
  );
  const { c, auth } = await firstAuth(broker.sasl, initial('opaque-dave', '', 'tenant=acme\x01'));
  assert.equal(auth.errorCode, 0);
  assert.deepEqual(seen[0], { token: 'opaque-dave', listener: 'SASL_PLAINTEXT', sub: 'uid', ext: 'acme' });
  // dave has no ACL: Metadata of a topic is TOPIC_AUTHORIZATION_FAILED for him.
  const md = await c.request(API.Metadata.apiKey, 12, Object.assign(API.Metadata.createRequest(), { topics: [{ name: 'orders', topicId: ZERO_UUID }], allowAutoTopicCreation: false }));
  assert.equal(md.topics[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  c.close();
  await assertRefused(broker.sasl, initial('opaque-noscope'), '{"status":"insufficient_scope", "scope":"kafka"}');
  await assertRefused(broker.sasl, initial('opaque-other'), '{"status":"invalid_token"}');
  // An unsecured JWS means nothing to this validator.
  await assertRefused(broker.sasl, initial(token('admin')), '{"status":"invalid_token"}');
});

test('a bad unsecuredValidatorAllowableClockSkewMs stops the start', async () => {
  await assert.rejects(
    startBroker({
      dataDir: 'memory',
      config: {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'OAUTHBEARER',
        'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': `${OAUTH_JAAS} unsecuredValidatorAllowableClockSkewMs="-5";`,
      },
    }),
    /unsecuredValidatorAllowableClockSkewMs/,
  );
});

test('SaslHandshake v0: OAUTHBEARER over raw int32-framed tokens, the error challenge included', async (t) => {
  const broker = await oauthBroker(t);
  const raw = async (c: RawClient, bytes: Buffer) => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(bytes.length);
    c.write(Buffer.concat([size, bytes]));
    return c.readFrame();
  };
  const c = await RawClient.connect(broker.sasl);
  assert.equal((await c.request(API.SaslHandshake.apiKey, 0, handshake())).errorCode, 0);
  assert.equal((await raw(c, initial(token('alice')))).length, 0);
  assert.equal((await c.request(API.Metadata.apiKey, 1, metadata())).brokers.length, 1);
  c.close();

  const bad = await RawClient.connect(broker.sasl);
  await bad.request(API.SaslHandshake.apiKey, 0, handshake());
  assert.equal((await raw(bad, initial(token('alice', { exp: nowS() - 10, iat: nowS() - 20 })))).toString(), '{"status":"invalid_token"}');
  const size = Buffer.alloc(4);
  size.writeInt32BE(1);
  bad.write(Buffer.concat([size, Buffer.from([1])]));
  assert.equal(await bad.waitClosed(), true);
});
