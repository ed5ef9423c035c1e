// Dynamic broker configs and client quotas in the metadata log: replayed on open, kept by
// the compacting snapshot rewrite, and removed entries stay removed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryFileSystem } from '../../../src/storage/fs.ts';
import { openManager } from './helpers.ts';

test('broker configs and quotas survive restarts and the snapshot rewrite', () => {
  const fs = new MemoryFileSystem();
  let m = openManager(fs, '/data');
  m.createTopic('t', { partitions: 1, configs: { 'retention.ms': '5' } });
  for (let i = 0; i < 300; i++) {
    m.alterDynamicBrokerConfigs('', { 'log.retention.bytes': String(i) });
    m.alterDynamicBrokerConfigs('1', { 'log.segment.bytes': String(1000 + i), 'log.roll.ms': i % 2 ? '5000' : null });
    m.alterClientQuotas([['user', 'alice']], { producer_byte_rate: i + 1 });
  }
  m.alterClientQuotas([['client-id', null]], { consumer_byte_rate: 7 });
  m.alterClientQuotas([['client-id', null]], { consumer_byte_rate: null });
  m.alterDynamicBrokerConfigs('2', { 'log.retention.ms': '1' });
  m.alterDynamicBrokerConfigs('2', { 'log.retention.ms': null });
  const check = () => {
    assert.deepEqual(m.dynamicBrokerConfigs(''), { 'log.retention.bytes': '299' });
    assert.deepEqual(m.dynamicBrokerConfigs('1'), { 'log.segment.bytes': '1299', 'log.roll.ms': '5000' });
    assert.deepEqual(m.dynamicBrokerConfigs('2'), {});
    assert.deepEqual(m.clientQuotas(), [{ entity: [['user', 'alice']], quotas: { producer_byte_rate: 300 } }]);
    assert.deepEqual(m.topic('t')!.configs, { 'retention.ms': '5' });
  };
  check();
  m.close();
  const size = fs.stat('/data/runnel-metadata.log')!.size;
  assert.ok(size < 20_000, `the log was compacted (${size} bytes)`);
  m = openManager(fs, '/data');
  check();
  fs.crash();
  m = openManager(fs, '/data');
  check();
  m.close();
});
