// `runnel users` and `runnel acls` end to end against a broker with SCRAM and the
// authorizer on: an administrator (a super user over PLAINTEXT) creates SCRAM users and
// ACLs with the CLI, and the CLI, signed in as those users over SASL_PLAINTEXT, is refused
// or let through accordingly. Error cases: bad options exit 2 with the help; refusals and
// unknown users exit 1 with one line.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker } from '../../src/index.ts';
import { assertOneLineFailure, runnel } from './cli-support.ts';

test('cli: users set, list and delete; acls create, list and delete; both decide what a SCRAM user may do', { timeout: 120_000 }, async (t) => {
  const broker = await startBroker({
    dataDir: 'memory',
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:ANONYMOUS',
      'num.partitions': '1',
    },
  });
  t.after(() => broker.stop());
  const [plain, sasl] = broker.listeners.map((l) => `127.0.0.1:${l.port}`);
  const admin = { bootstrap: plain! };
  const as = (user: string, password: string, mechanism = 'SCRAM-SHA-256') => ({
    args: ['--sasl-mechanism', mechanism, '--sasl-username', user],
    options: { bootstrap: sasl!, env: { RUNNEL_SASL_PASSWORD: password } },
  });

  // Users: set (password from the environment or stdin), list, and refusals.
  const setAlice = await runnel(['users', 'set', 'alice'], { ...admin, env: { RUNNEL_USER_PASSWORD: 'alice-secret' } });
  assert.equal(setAlice.code, 0, setAlice.stderr);
  assert.equal(setAlice.stdout, 'set SCRAM-SHA-256 credential of user alice\n');
  const setBob = await runnel(['users', 'set', 'bob', '--mechanism', 'scram-sha-512', '--iterations', '8192', '--password-stdin'], { ...admin, input: 'bob-secret\n' });
  assert.equal(setBob.code, 0, setBob.stderr);
  const listed = await runnel(['users', 'list', '--json'], admin);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout), [
    { user: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] },
    { user: 'bob', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }] },
  ]);
  const table = await runnel(['users', 'list', 'bob'], admin);
  assert.match(table.stdout, /^USER\s+MECHANISM\s+ITERATIONS\nbob\s+SCRAM-SHA-512\s+8192\n$/);
  assertOneLineFailure(await runnel(['users', 'list', 'nobody'], admin), /^runnel: RESOURCE_NOT_FOUND/);
  const noPassword = await runnel(['users', 'set', 'carol'], admin);
  assert.equal(noPassword.code, 2);
  assert.match(noPassword.stderr, /^runnel: users set needs a password/);
  assert.equal((await runnel(['users', 'set', 'carol', '--mechanism', 'MD5'], { ...admin, env: { RUNNEL_USER_PASSWORD: 'x' } })).code, 2);

  // Both users sign in; with no ACLs they may do nothing (allow.everyone.if.no.acl.found is false).
  assert.equal((await runnel(['topics', 'create', 'orders'], admin)).code, 0);
  assert.equal((await runnel(['topics', 'create', 'logs-app'], admin)).code, 0);
  const alice = as('alice', 'alice-secret');
  const bob = as('bob', 'bob-secret', 'SCRAM-SHA-512');
  assertOneLineFailure(await runnel(['produce', 'orders', ...alice.args], { ...alice.options, input: 'a1\n' }), /^runnel: TOPIC_AUTHORIZATION_FAILED/);
  assertOneLineFailure(await runnel(['topics', 'list', ...as('alice', 'wrong').args], as('alice', 'wrong').options), /^runnel: .*SASL_AUTHENTICATION_FAILED|[Aa]uthentication failed/);

  // ACLs: alice may write and describe orders; bob may read topics starting with logs-.
  const created = await runnel(['acls', 'create', '--allow-principal', 'User:alice', '--operation', 'Write', '--operation', 'describe', '--topic', 'orders'], admin);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'created 2 ACLs\n');
  const prefixed = await runnel(['acls', 'create', '--allow-principal', 'User:bob', '--operation', 'Read', '--operation', 'Describe', '--topic', 'logs-', '--resource-pattern-type', 'prefixed', '--json'], admin);
  assert.equal(prefixed.code, 0, prefixed.stderr);
  assert.equal(JSON.parse(prefixed.stdout).length, 2);
  const denied = await runnel(['acls', 'create', '--deny-principal', 'User:bob', '--deny-host', '10.0.0.7', '--operation', 'All', '--topic', 'orders'], admin);
  assert.equal(denied.code, 0, denied.stderr);

  const all = await runnel(['acls', 'list', '--json'], admin);
  assert.equal(all.code, 0, all.stderr);
  const acls = (JSON.parse(all.stdout) as Record<string, string>[]).map((a) => `${a['resourceType']} ${a['resourceName']} ${a['patternType']} ${a['principal']} ${a['host']} ${a['operation']} ${a['permission']}`).sort();
  assert.deepEqual(acls, [
    'TOPIC logs- PREFIXED User:bob * DESCRIBE ALLOW',
    'TOPIC logs- PREFIXED User:bob * READ ALLOW',
    'TOPIC orders LITERAL User:alice * DESCRIBE ALLOW',
    'TOPIC orders LITERAL User:alice * WRITE ALLOW',
    'TOPIC orders LITERAL User:bob 10.0.0.7 ALL DENY',
  ]);
  const matching = await runnel(['acls', 'list', '--topic', 'logs-app', '--resource-pattern-type', 'match'], admin);
  assert.match(matching.stdout, /^RESOURCE\s+NAME\s+PATTERN\s+PRINCIPAL\s+HOST\s+OPERATION\s+PERMISSION\n/);
  assert.equal(matching.stdout.trimEnd().split('\n').length, 3, matching.stdout);
  assert.match(matching.stdout, /TOPIC\s+logs-\s+PREFIXED\s+User:bob\s+\*\s+READ\s+ALLOW/);
  const byPrincipal = await runnel(['acls', 'list', '--principal', 'User:alice', '--json'], admin);
  assert.equal(JSON.parse(byPrincipal.stdout).length, 2);

  // The ACLs take effect: alice writes orders; bob may read logs-* topics but not orders.
  const produced = await runnel(['produce', 'orders', ...alice.args], { ...alice.options, input: 'a1\na2\n' });
  assert.equal(produced.code, 0, produced.stderr);
  assertOneLineFailure(await runnel(['consume', 'orders', '-n', '1', ...bob.args], bob.options), /^runnel: TOPIC_AUTHORIZATION_FAILED/);
  assert.equal((await runnel(['produce', 'logs-app'], { ...admin, input: 'l1\n' })).code, 0);
  const read = await runnel(['consume', 'logs-app', '-n', '1', ...bob.args], bob.options);
  assert.equal(read.code, 0, read.stderr);
  assert.equal(read.stdout, 'l1\n');

  // Delete alice's WRITE: her produce is refused again; the DESCRIBE stays.
  const deleted = await runnel(['acls', 'delete', '--topic', 'orders', '--allow-principal', 'User:alice', '--operation', 'Write'], admin);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout, 'deleted 1 ACL\n');
  // She may still describe the topic, so the refusal comes from InitProducerId: our producer is
  // idempotent, which needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic (KIP-679).
  assertOneLineFailure(await runnel(['produce', 'orders', ...alice.args], { ...alice.options, input: 'a3\n' }), /^runnel: CLUSTER_AUTHORIZATION_FAILED/);
  const rest = await runnel(['acls', 'delete', '--topic', 'orders', '--json'], admin);
  assert.deepEqual((JSON.parse(rest.stdout) as { principal: string }[]).map((a) => a.principal).sort(), ['User:alice', 'User:bob']);

  // Usage errors exit 2 with the help.
  for (const bad of [
    ['acls', 'create', '--topic', 'orders'],
    ['acls', 'create', '--allow-principal', 'alice', '--topic', 'orders'],
    ['acls', 'create', '--allow-principal', 'User:alice', '--operation', 'Fly', '--topic', 'orders'],
    ['acls', 'delete', '--allow-principal', 'User:alice'],
    ['acls', 'list', '--resource-pattern-type', 'glob'],
    ['acls', 'grant'],
  ]) {
    const r = await runnel(bad, admin);
    assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^runnel: .*\nUsage: runnel acls/);
  }

  // users delete: every mechanism of the user; she can no longer sign in.
  const gone = await runnel(['users', 'delete', 'alice'], admin);
  assert.equal(gone.code, 0, gone.stderr);
  assert.equal(gone.stdout, 'deleted 1 credential\n');
  assertOneLineFailure(await runnel(['topics', 'list', ...alice.args], alice.options), /SASL_AUTHENTICATION_FAILED|[Aa]uthentication failed/);
  assertOneLineFailure(await runnel(['users', 'delete', 'alice', '--mechanism', 'SCRAM-SHA-256'], admin), /^runnel: RESOURCE_NOT_FOUND/);
  // Broker down: one line, exit 1.
  assertOneLineFailure(await runnel(['acls', 'list'], { bootstrap: '127.0.0.1:1' }), /^runnel: cannot reach the broker/);
  assertOneLineFailure(await runnel(['users', 'list'], { bootstrap: '127.0.0.1:1' }), /^runnel: cannot reach the broker/);
});
