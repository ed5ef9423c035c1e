import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokerConfig, parseListeners } from '../../../src/broker/config/broker-config.ts';
import { parseProperties } from '../../../src/broker/config/properties.ts';

test('parseProperties reads server.properties as java.util.Properties does', () => {
  const text = [
    '# a comment',
    '! another comment',
    'num.partitions=3',
    'log.dirs : /var/lib/runnel',
    'listeners PLAINTEXT://127.0.0.1:9092',
    '  log.retention.hours = 24  ',
    'listener.name.x.plain.sasl.jaas.config=org.Plain required \\',
    '    user_alice="alice-secret";',
    'escaped\\=key=tab\\tand\\u0041',
    'empty=',
  ].join('\n');
  const p = parseProperties(text);
  assert.equal(p.get('num.partitions'), '3');
  assert.equal(p.get('log.dirs'), '/var/lib/runnel');
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:9092');
  assert.equal(p.get('log.retention.hours'), '24  ');
  assert.equal(p.get('listener.name.x.plain.sasl.jaas.config'), 'org.Plain required user_alice="alice-secret";');
  assert.equal(p.get('escaped=key'), 'tab\tandA');
  assert.equal(p.get('empty'), '');
  assert.equal(p.size, 7);
});

test('BrokerConfig applies Kafka defaults and precedence between related keys', () => {
  const c = new BrokerConfig({});
  assert.equal(c.number('num.partitions'), 1);
  assert.equal(c.boolean('auto.create.topics.enable'), true);
  assert.equal(c.number('message.max.bytes'), 1048588);
  assert.equal(c.retentionMs, 168 * 3_600_000);
  assert.equal(c.segmentMs, 168 * 3_600_000);
  assert.equal(c.dataDir, './runnel-data');
  assert.equal(c.nodeId, 1);

  const d = new BrokerConfig({ 'log.retention.hours': '1', 'log.retention.minutes': '5', 'log.dirs': '/a,/b', 'broker.id': '7' });
  assert.equal(d.retentionMs, 5 * 60_000, 'minutes win over hours');
  assert.equal(d.with({ 'log.retention.ms': '1234' }).retentionMs, 1234, 'ms wins over minutes');
  assert.equal(d.dataDir, '/a');
  assert.equal(d.nodeId, 7, 'broker.id is honoured when node.id is not set');
  assert.equal(d.topicDefault('retention.ms'), String(5 * 60_000));
  assert.equal(d.topicDefault('max.message.bytes'), '1048588');
  assert.equal(c.topicDefault('flush.ms'), '9223372036854775807', 'Long.MAX_VALUE keeps every digit');
  assert.equal(c.with({ 'log.retention.ms': '9223372036854775807' }).topicDefault('retention.ms'), '9223372036854775807');
});

test('BrokerConfig rejects invalid values and remembers unknown keys', () => {
  assert.throws(() => new BrokerConfig({ 'num.partitions': 'three' }), /Invalid value three for configuration num.partitions/);
  assert.throws(() => new BrokerConfig({ 'num.partitions': '0' }), /at least 1/);
  assert.throws(() => new BrokerConfig({ 'auto.create.topics.enable': 'maybe' }), /true or false/);
  assert.throws(() => new BrokerConfig({ 'log.cleanup.policy': 'delete,shred' }), /must be one of/);
  assert.deepEqual(new BrokerConfig({ 'num.network.threads': '3' }).unknownKeys, ['num.network.threads']);
});

test('parseListeners handles names, IPv6 and bad URIs', () => {
  assert.deepEqual(parseListeners('PLAINTEXT://127.0.0.1:9092, ssl://[::1]:9093'), [
    { name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
    { name: 'SSL', host: '::1', port: 9093 },
  ]);
  assert.deepEqual(parseListeners('PLAINTEXT://:9092'), [{ name: 'PLAINTEXT', host: '', port: 9092 }]);
  assert.throws(() => parseListeners('127.0.0.1:9092'), /expected NAME:\/\/host:port/);
});
