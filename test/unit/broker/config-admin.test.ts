// Config layers, DescribeConfigs entries and alter plans (src/broker/config/): sources and
// synonyms in Kafka's order, dynamic layers over static ones, APPEND/SUBTRACT on lists, and
// Kafka's error codes for topics and brokers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/index.ts';
import { BrokerConfig, CONFIG_SOURCE } from '../../../src/broker/config/broker-config.ts';
import { planAlter, ALTER_OP } from '../../../src/broker/config/alter.ts';
import { describeBrokerConfigs, describeTopicConfigs } from '../../../src/broker/config/describe.ts';
import { logDefaultsFrom } from '../../../src/broker/config/log-defaults.ts';

test('sources and synonyms: dynamic broker over dynamic default over static over default', () => {
  const config = new BrokerConfig({ 'log.retention.hours': '100' });
  const topic = () => new Map(describeTopicConfigs(config, { 'cleanup.policy': 'compact' }).map((e) => [e.name, e]));
  let retention = topic().get('retention.ms')!;
  assert.equal(retention.value, String(100 * 3_600_000));
  assert.equal(retention.source, CONFIG_SOURCE.STATIC_BROKER_CONFIG);
  assert.deepEqual(retention.synonyms.map((s) => [s.name, s.value, s.source]), [
    ['log.retention.hours', '100', 4],
    ['log.retention.hours', '168', 5],
  ]);
  assert.equal(topic().get('cleanup.policy')!.source, CONFIG_SOURCE.TOPIC_CONFIG);
  config.setDynamic('default', { 'log.retention.minutes': '30' });
  config.setDynamic('broker', { 'log.retention.ms': '1234' });
  retention = topic().get('retention.ms')!;
  assert.equal(retention.value, '1234');
  assert.deepEqual(retention.synonyms.map((s) => [s.name, s.source]), [
    ['log.retention.ms', 2],
    ['log.retention.minutes', 3],
    ['log.retention.hours', 4],
    ['log.retention.hours', 5],
  ]);
  assert.equal(logDefaultsFrom(config).retentionMs, 1234);
  config.setDynamic('broker', {});
  assert.equal(logDefaultsFrom(config).retentionMs, 30 * 60_000);

  const broker = new Map(describeBrokerConfigs(config, true).map((e) => [e.name, e]));
  assert.equal(broker.get('log.retention.ms')!.value, null, 'the key itself is unset, as Kafka reports it');
  assert.equal(broker.get('log.retention.ms')!.source, CONFIG_SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG);
  assert.equal(broker.get('log.dirs')!.readOnly, true);
  assert.equal(broker.get('log.segment.bytes')!.readOnly, false);
  assert.equal(broker.get('log.segment.bytes')!.configType, 3);
  assert.deepEqual(describeBrokerConfigs(config, false).map((e) => [e.name, e.value, e.source]), [['log.retention.minutes', '30', 3]]);
});

test('alter plans: replace, incremental operations, list APPEND/SUBTRACT and error codes', () => {
  const topic = (current: Record<string, string>, replace = false) => ({ kind: 'topic' as const, resource: "ConfigResource(type=TOPIC, name='t')", current, replace });
  const broker = (current: Record<string, string> = {}) => ({ kind: 'broker' as const, resource: "ConfigResource(type=BROKER, name='1')", current, replace: false });
  assert.deepEqual(planAlter(topic({ 'retention.ms': '1', 'segment.ms': '2' }, true), [{ name: 'segment.ms', op: ALTER_OP.SET, value: '5' }]), {
    ok: true,
    changes: { 'retention.ms': null, 'segment.ms': '5' },
  });
  assert.deepEqual(planAlter(topic({}), [{ name: 'cleanup.policy', op: ALTER_OP.APPEND, value: 'compact' }]), { ok: true, changes: { 'cleanup.policy': 'delete,compact' } });
  assert.deepEqual(planAlter(topic({ 'cleanup.policy': 'delete,compact' }), [{ name: 'cleanup.policy', op: ALTER_OP.SUBTRACT, value: 'delete' }]), {
    ok: true,
    changes: { 'cleanup.policy': 'compact' },
  });
  assert.deepEqual(planAlter(topic({}), [{ name: 'retention.ms', op: ALTER_OP.DELETE, value: null }]), { ok: true, changes: {} });
  const code = (plan: ReturnType<typeof planAlter>) => (plan.ok ? 0 : plan.errorCode);
  assert.equal(code(planAlter(topic({}), [{ name: 'nope', op: 0, value: '1' }])), ErrorCode.INVALID_CONFIG);
  assert.equal(code(planAlter(topic({}), [{ name: 'min.cleanable.dirty.ratio', op: 0, value: 'half' }])), ErrorCode.INVALID_CONFIG);
  assert.equal(code(planAlter(topic({}), [{ name: 'segment.ms', op: ALTER_OP.APPEND, value: '1' }])), ErrorCode.INVALID_CONFIG);
  assert.equal(code(planAlter(broker(), [{ name: 'listeners', op: 0, value: 'PLAINTEXT://:1' }])), ErrorCode.INVALID_REQUEST);
  assert.equal(code(planAlter(broker(), [{ name: 'log.segment.bytes', op: 0, value: '1' }])), ErrorCode.INVALID_REQUEST);
  assert.deepEqual(planAlter(broker(), [{ name: 'custom.thing', op: 0, value: 'x' }]), { ok: true, changes: { 'custom.thing': 'x' } });
});
