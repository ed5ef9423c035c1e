// SASL mechanisms on their own: SCRAM-SHA-256 against RFC 7677's example exchange, failures
// (bad proof, unknown user, nonce, authzid), PLAIN, and the JAAS parser Kafka's
// server.properties values go through.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJaasConfig, plainUsers } from '../../../../src/broker/auth/jaas.ts';
import { PlainServer } from '../../../../src/broker/auth/sasl-server.ts';
import { saltPassword, scramKeys, ScramServer } from '../../../../src/broker/auth/scram.ts';

const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const credential = { user: 'user', mechanism: 'SCRAM-SHA-256', salt, iterations: 4096, ...scramKeys('SCRAM-SHA-256', saltPassword('SCRAM-SHA-256', 'pencil', salt, 4096)) };
const rfcServer = () => new ScramServer('SCRAM-SHA-256', (u) => (u === 'user' ? credential : undefined), () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');

test('SCRAM-SHA-256: the RFC 7677 example exchange, byte for byte', () => {
  const server = rfcServer();
  const first = server.step(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
  assert.equal(first.response?.toString(), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
  const final = server.step(Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='));
  assert.equal(final.response?.toString(), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  assert.equal(final.principal, 'User:user');
});

test('SCRAM failures: wrong proof, unknown user, foreign nonce, other authzid, delegation tokens, garbage', () => {
  let server = rfcServer();
  server.step(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
  assert.match(server.step(Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAAZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')).failure!, /Invalid user credentials/);
  server = rfcServer();
  server.step(Buffer.from('n,,n=user,r=abc'));
  assert.match(server.step(Buffer.from('c=biws,r=other,p=AAAA')).failure!, /nonce/);
  assert.match(rfcServer().step(Buffer.from('n,,n=nobody,r=abc')).failure!, /Invalid user credentials/);
  assert.match(rfcServer().step(Buffer.from('n,a=admin,n=user,r=abc')).failure!, /authorization id/);
  assert.match(rfcServer().step(Buffer.from('n,,n=user,r=abc,tokenauth=true')).failure!, /delegation tokens/);
  assert.match(rfcServer().step(Buffer.from('garbage')).failure!, /Invalid SCRAM/);
  assert.match(rfcServer().step(Buffer.from('n,,n=us=er,r=abc')).failure!, /username/);
});

test('PLAIN: user and password, authzid must match, one message only', () => {
  const users = new Map([['alice', 'secret']]);
  assert.equal(new PlainServer(users).step(Buffer.from('\0alice\0secret')).principal, 'User:alice');
  assert.equal(new PlainServer(users).step(Buffer.from('alice\0alice\0secret')).principal, 'User:alice');
  assert.match(new PlainServer(users).step(Buffer.from('bob\0alice\0secret')).failure!, /authorization id/);
  assert.match(new PlainServer(users).step(Buffer.from('\0alice\0nope')).failure!, /Invalid username or password/);
  assert.match(new PlainServer(users).step(Buffer.from('\0bob\0secret')).failure!, /Invalid username or password/);
  assert.match(new PlainServer(users).step(Buffer.from('alice-secret')).failure!, /expected 3 tokens/);
});

test('JAAS: Kafka server.properties entries, quoted and bare values, several modules', () => {
  const text = `org.apache.kafka.common.security.plain.PlainLoginModule required
    username="admin" password="admin-secret"
    user_admin="admin-secret" user_alice="a \\"quoted\\" pass" user_bob=bare;
  other.Module optional debug=true;`;
  const entries = parseJaasConfig(text);
  assert.deepEqual(entries.map((e) => [e.loginModule, e.flag]), [['org.apache.kafka.common.security.plain.PlainLoginModule', 'required'], ['other.Module', 'optional']]);
  assert.deepEqual([...plainUsers(text)], [['admin', 'admin-secret'], ['alice', 'a "quoted" pass'], ['bob', 'bare']]);
  assert.throws(() => parseJaasConfig('Module required user_a="x"'), /missing ";"/);
});
