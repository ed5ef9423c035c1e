import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROUTES, routeOf } from '../../../src/client/routing.ts';
import { API } from '../../../src/protocol/index.ts';

test('routing: partition data to leaders, groups to coordinators, topic changes to the controller', () => {
  assert.equal(routeOf(API.Produce), 'leader');
  assert.equal(routeOf(API.Fetch), 'leader');
  assert.equal(routeOf(API.JoinGroup), 'group-coordinator');
  assert.equal(routeOf(API.EndTxn), 'txn-coordinator');
  assert.equal(routeOf(API.CreateTopics), 'controller');
  assert.equal(routeOf(API.DescribeLogDirs), 'any');
  for (const name of Object.keys(ROUTES)) assert.ok(name in API, name);
});
