// Issue 4, acceptance 1 with confluent-kafka-python's AdminClient (Debian's 1.7.0 on
// librdkafka 2.0.2): describe and alter topic configs and broker configs (per broker and the
// cluster-wide default ""), read them back with sources and synonyms; create partitions
// 3 -> 6 (validateOnly first) and produce to the new ones; see the earliest offset move after
// DeleteRecords. This client version has no incremental_alter_configs and no delete_records,
// and (like kafkajs) refuses the broker resource "": those are sent with our raw protocol
// client here, and the first two are exercised with the JS clients in admin-js.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { runPython, type PythonScript } from '../helpers/python.ts';
import { brokerOf } from './admin-helpers.ts';

const SCRIPT = 'ck_configs' as unknown as PythonScript;

interface Described {
  configs: Record<string, { value: string | null; source: string; isDefault: boolean; readOnly: boolean; sensitive: boolean; synonyms: [string, string | null, string][] }>;
}

test('confluent-kafka AdminClient: configs, partitions 3 -> 6, earliest offset after DeleteRecords', async (t) => {
  const running = await startTestBroker(t, { config: { 'log.retention.hours': '100' } });
  const broker = brokerOf(running);
  broker.logs.createTopic('py-cfg', { partitions: 3, configs: { 'retention.bytes': '999999' } });
  const id = String(broker.nodeId);
  const raw = await RawClient.connect(running.port);
  t.after(() => raw.close());

  // The cluster-wide default, raw: IncrementalAlterConfigs and DescribeConfigs on "".
  const inc = await raw.request(API.IncrementalAlterConfigs.apiKey, 1, {
    resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'log.retention.bytes', configOperation: 0, value: '5000000' }] }],
    validateOnly: false,
  });
  assert.deepEqual(inc.responses.map((r: any) => [r.errorCode, r.resourceName]), [[0, '']]);
  const dDefault = await raw.request(API.DescribeConfigs.apiKey, 4, {
    resources: [{ resourceType: 4, resourceName: '', configurationKeys: null }],
    includeSynonyms: true,
    includeDocumentation: true,
  });
  assert.deepEqual(
    dDefault.results[0].configs.map((c: any) => [c.name, c.value, c.configSource, c.readOnly, c.configType, c.synonyms.map((s: any) => [s.name, s.source])]),
    [['log.retention.bytes', '5000000', 3, false, 5, [['log.retention.bytes', 3], ['log.retention.bytes', 5]]]],
  );
  assert.match(dDefault.results[0].configs[0].documentation, /maximum size of the log/);

  const out = await runPython<{ results: any[] }>(SCRIPT, {
    bootstrap: running.bootstrap,
    steps: [
      { op: 'describe', type: 'topic', name: 'py-cfg' },
      { op: 'alter', type: 'topic', name: 'py-cfg', configs: { 'retention.ms': '123456', 'cleanup.policy': 'compact,delete' } },
      { op: 'describe', type: 'topic', name: 'py-cfg' },
      { op: 'alter', type: 'broker', name: id, configs: { 'log.segment.bytes': '2000000' } },
      { op: 'describe', type: 'broker', name: id },
      { op: 'alter', type: 'topic', name: 'py-cfg', configs: { 'retention.ms': 'soon' } },
      { op: 'alter', type: 'topic', name: 'py-cfg', configs: { 'no.such.config': '1' } },
      { op: 'alter', type: 'topic', name: 'missing-topic', configs: { 'retention.ms': '1' } },
      { op: 'alter', type: 'broker', name: id, configs: { 'log.dirs': '/elsewhere' } },
      { op: 'create_partitions', topic: 'py-cfg', count: 6, validateOnly: true },
      { op: 'create_partitions', topic: 'py-cfg', count: 2 },
      { op: 'create_partitions', topic: 'py-cfg', count: 6 },
      { op: 'produce', topic: 'py-cfg', partitions: [3, 4, 5], count: 10 },
    ],
  });
  const [d0, a1, d2, a4, dBroker, bad1, bad2, bad3, bad4, cpValidate, cpShrink, cpGrow, produced] = out.results as [
    Described, any, Described, any, Described, any, any, any, any, any, any, any, any,
  ];
  assert.equal(d0.configs['retention.bytes']!.value, '999999');
  assert.equal(d0.configs['retention.bytes']!.source, 'DYNAMIC_TOPIC_CONFIG'); // librdkafka's name for source 1
  assert.equal(d0.configs['retention.ms']!.value, String(100 * 3_600_000));
  assert.equal(d0.configs['retention.ms']!.source, 'STATIC_BROKER_CONFIG');
  // confluent-kafka keeps synonyms in a dict by name, so of the two log.retention.hours
  // synonyms (STATIC 100, DEFAULT 168) only the last survives on the client side.
  assert.deepEqual(d0.configs['retention.ms']!.synonyms, [['log.retention.hours', '168', 'DEFAULT_CONFIG']]);
  assert.deepEqual(a1, { ok: true });
  // AlterConfigs replaces the overrides: retention.bytes is back to the broker's.
  assert.equal(d2.configs['retention.ms']!.value, '123456');
  assert.equal(d2.configs['cleanup.policy']!.value, 'compact,delete');
  assert.equal(d2.configs['retention.bytes']!.source, 'DYNAMIC_DEFAULT_BROKER_CONFIG');
  assert.deepEqual(a4, { ok: true });
  assert.equal(dBroker.configs['log.segment.bytes']!.value, '2000000');
  assert.equal(dBroker.configs['log.segment.bytes']!.source, 'DYNAMIC_BROKER_CONFIG');
  assert.equal(dBroker.configs['log.retention.bytes']!.value, '5000000');
  assert.equal(dBroker.configs['log.retention.bytes']!.source, 'DYNAMIC_DEFAULT_BROKER_CONFIG');
  assert.equal(dBroker.configs['log.dirs']!.readOnly, true);
  assert.equal(dBroker.configs['log.retention.hours']!.source, 'STATIC_BROKER_CONFIG');
  assert.deepEqual([bad1, bad2, bad3, bad4], [{ error: 'INVALID_CONFIG' }, { error: 'INVALID_CONFIG' }, { error: 'UNKNOWN_TOPIC_OR_PART' }, { error: 'INVALID_REQUEST' }]); // librdkafka's short name
  assert.deepEqual(cpValidate, { ok: true });
  assert.deepEqual(cpShrink, { error: 'INVALID_PARTITIONS' });
  assert.deepEqual(cpGrow, { ok: true });
  assert.equal(broker.logs.topic('py-cfg')!.partitions, 6);
  const delivered = produced.delivered as { partition: number; offset: number; error: string | null }[];
  assert.equal(delivered.length, 30);
  assert.ok(delivered.every((d) => d.error === null && d.partition >= 3));
  // Changes are applied to the logs, and survive in the metadata log.
  assert.equal(broker.logs.partition('py-cfg', 0)!.config.retentionMs, 123456);
  assert.equal(broker.logs.partition('py-cfg', 5)!.config.segmentBytes, 2000000);
  assert.equal(broker.logs.partition('py-cfg', 5)!.config.retentionBytes, 5000000);

  // DeleteRecords (raw), then confluent-kafka sees the earliest offset move.
  const res = await raw.request(API.DeleteRecords.apiKey, 2, {
    topics: [{ name: 'py-cfg', partitions: [{ partitionIndex: 4, offset: 7n }] }],
    timeoutMs: 1000,
  });
  assert.deepEqual(res.topics[0].partitions[0], { partitionIndex: 4, lowWatermark: 7n, errorCode: 0 });
  const marks = await runPython<{ results: any[] }>(SCRIPT, { bootstrap: running.bootstrap, steps: [{ op: 'watermarks', topic: 'py-cfg', partitions: [3, 4] }] });
  assert.deepEqual(marks.results[0].watermarks, { '3': [0, 10], '4': [7, 10] });
});
