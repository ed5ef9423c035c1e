// The ACL authorizer's decisions (Kafka's StandardAuthorizer rules): literal, wildcard and
// prefixed patterns, deny before allow, operation implications, hosts, super.users and
// allow.everyone.if.no.acl.found.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker } from '../../../../src/index.ts';
import { ACL_OPERATION as OP, AUTHORIZER, PATTERN_TYPE, PERMISSION_TYPE, RESOURCE_TYPE } from '../../../../src/broker/auth/authorizer.ts';
import { SECURITY } from '../../../../src/broker/auth/security.ts';

const topic = (name: string) => ({ type: RESOURCE_TYPE.TOPIC, name });
const acl = (principal: string, resourceName: string, operation: number, permissionType: number = PERMISSION_TYPE.ALLOW, patternType: number = PATTERN_TYPE.LITERAL, host = '*') => ({
  resourceType: RESOURCE_TYPE.TOPIC,
  resourceName,
  patternType,
  principal,
  host,
  operation,
  permissionType,
});

test('authorizer: patterns, deny over allow, implications, hosts, super users, no-ACL default', async (t) => {
  const running = await startBroker({ port: 0, dataDir: 'memory', config: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:admin;User:CN=ops' } });
  t.after(() => running.stop());
  const store = running.broker.component(SECURITY).store;
  const authz = running.broker.component(AUTHORIZER);
  store.addAcl(acl('User:alice', 'orders', OP.WRITE));
  store.addAcl(acl('User:alice', 'logs-', OP.READ, PERMISSION_TYPE.ALLOW, PATTERN_TYPE.PREFIXED));
  store.addAcl(acl('User:alice', 'logs-secret', OP.READ, PERMISSION_TYPE.DENY));
  store.addAcl(acl('User:*', 'public', OP.ALL));
  store.addAcl(acl('User:bob', 'orders', OP.READ, PERMISSION_TYPE.ALLOW, PATTERN_TYPE.LITERAL, '10.0.0.1'));

  assert.equal(authz.authorize('User:alice', OP.WRITE, topic('orders')), true);
  assert.equal(authz.authorize('User:alice', OP.DESCRIBE, topic('orders')), true, 'WRITE implies DESCRIBE');
  assert.equal(authz.authorize('User:alice', OP.READ, topic('orders')), false);
  assert.equal(authz.authorize('User:alice', OP.READ, topic('logs-app')), true, 'prefixed');
  assert.equal(authz.authorize('User:alice', OP.READ, topic('logs-secret')), false, 'deny wins');
  assert.equal(authz.authorize('User:alice', OP.DESCRIBE, topic('logs-secret')), true, 'a DENY READ does not deny DESCRIBE');
  assert.equal(authz.authorize('User:carol', OP.DELETE, topic('public')), true, 'User:* and ALL');
  assert.equal(authz.authorize('User:bob', OP.READ, topic('orders'), '10.0.0.1'), true);
  assert.equal(authz.authorize('User:bob', OP.READ, topic('orders'), '10.0.0.2'), false, 'host');
  assert.equal(authz.authorize('User:alice', OP.READ, topic('unknown')), false, 'no ACL: denied by default');
  assert.equal(authz.authorize('User:admin', OP.DELETE, topic('orders')), true, 'super user');
  assert.equal(authz.authorize('User:CN=ops', OP.ALTER, { type: RESOURCE_TYPE.CLUSTER, name: 'kafka-cluster' }), true);
  assert.equal(authz.authorize(undefined, OP.DESCRIBE, topic('orders')), false);

  const open = await startBroker({ port: 0, dataDir: 'memory', config: { 'authorizer.class.name': 'x', 'allow.everyone.if.no.acl.found': 'true' } });
  t.after(() => open.stop());
  assert.equal(open.broker.component(AUTHORIZER).authorize('User:anyone', OP.READ, topic('free')), true);
  const off = await startBroker({ port: 0, dataDir: 'memory' });
  t.after(() => off.stop());
  assert.equal(off.broker.component(AUTHORIZER).authorize('User:anyone', OP.READ, topic('x')), true, 'no authorizer configured');
});
