// Issue 4, acceptance 4: bad admin input gets Kafka's error codes and changes nothing:
// invalid config names and values, operations that do not fit the config's type, read-only
// broker configs, negative or shrinking partition counts, deleting records above the high
// watermark, unknown topics and partitions, bad quota entities. Plus persistence: topic
// configs, dynamic broker configs and client quotas survive a restart.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, ErrorCode } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { brokerOf } from './admin-helpers.ts';

const TOPIC = 2;
const BROKER = 4;

async function setup(t: Parameters<typeof startTestBroker>[0]) {
  const running = await startTestBroker(t, { dataDir: 'memory' });
  const broker = brokerOf(running);
  broker.logs.createTopic('bad', { partitions: 2, configs: { 'retention.ms': '1000000' } });
  const raw = await RawClient.connect(running.port);
  t.after(() => raw.close());
  return { running, broker, raw };
}

function incremental(raw: RawClient, resources: { resourceType: number; resourceName: string; configs: { name: string; configOperation: number; value: string | null }[] }[], validateOnly = false) {
  return raw.request(API.IncrementalAlterConfigs.apiKey, 1, { resources, validateOnly });
}

test('IncrementalAlterConfigs and AlterConfigs refuse bad input with Kafka codes and change nothing', async (t) => {
  const { broker, raw } = await setup(t);
  const before = { ...broker.logs.topic('bad')!.configs };
  const id = String(broker.nodeId);
  const cases: [string, Parameters<typeof incremental>[1], number, RegExp][] = [
    ['unknown topic config', [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'retention.msx', configOperation: 0, value: '1' }] }], ErrorCode.INVALID_CONFIG, /Unknown topic config name: retention.msx/],
    ['not a number', [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'retention.ms', configOperation: 0, value: 'abc' }] }], ErrorCode.INVALID_CONFIG, /Invalid value abc for configuration retention.ms/],
    ['below the minimum', [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'segment.bytes', configOperation: 0, value: '1' }] }], ErrorCode.INVALID_CONFIG, /at least 14/],
    ['not one of', [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'cleanup.policy', configOperation: 2, value: 'shred' }] }], ErrorCode.INVALID_CONFIG, /String must be one of/],
    ['append to a non-list', [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'retention.ms', configOperation: 2, value: '5' }] }], ErrorCode.INVALID_CONFIG, /append is not allowed/],
    ['duplicate keys', [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'retention.ms', configOperation: 0, value: '5' }, { name: 'retention.ms', configOperation: 1, value: null }] }], ErrorCode.INVALID_REQUEST, /duplicate/],
    ['null SET', [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'retention.ms', configOperation: 0, value: null }] }], ErrorCode.INVALID_REQUEST, /Null value/],
    ['unknown operation', [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'retention.ms', configOperation: 9, value: '1' }] }], ErrorCode.INVALID_REQUEST, /operation/],
    ['unknown topic', [{ resourceType: TOPIC, resourceName: 'nope', configs: [{ name: 'retention.ms', configOperation: 0, value: '1' }] }], ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /does not exist/],
    ['read-only broker config', [{ resourceType: BROKER, resourceName: id, configs: [{ name: 'node.id', configOperation: 0, value: '7' }] }], ErrorCode.INVALID_REQUEST, /Cannot update these configs dynamically: Set\(node.id\)/],
    ['bad broker value', [{ resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.bytes', configOperation: 0, value: 'lots' }] }], ErrorCode.INVALID_REQUEST, /Invalid config value for resource ConfigResource\(type=BROKER, name=''\)/],
    ['another broker id', [{ resourceType: BROKER, resourceName: '99', configs: [{ name: 'log.retention.bytes', configOperation: 0, value: '1' }] }], ErrorCode.INVALID_REQUEST, /Unexpected broker id/],
    ['a broker name that is not a number', [{ resourceType: BROKER, resourceName: 'b1', configs: [] }], ErrorCode.INVALID_REQUEST, /must be an integer/],
    ['unsupported resource type', [{ resourceType: 99, resourceName: 'x', configs: [] }], ErrorCode.INVALID_REQUEST, /Unsupported resource type/],
  ];
  for (const [what, resources, code, message] of cases) {
    for (const validateOnly of [false, true]) {
      const res = await incremental(raw, resources, validateOnly);
      assert.equal(res.responses[0].errorCode, code, what);
      assert.match(res.responses[0].errorMessage, message, what);
    }
  }
  // One resource failing does not stop the next one.
  const mixed = await incremental(raw, [
    { resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'retention.ms', configOperation: 0, value: '-5' }] },
    { resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'segment.ms', configOperation: 0, value: '60000' }] },
  ]);
  assert.deepEqual(mixed.responses.map((r: any) => r.errorCode), [ErrorCode.INVALID_CONFIG, 0]);
  assert.deepEqual(broker.logs.topic('bad')!.configs, { ...before, 'segment.ms': '60000' });
  assert.deepEqual(Object.fromEntries(broker.config.dynamic('default')), {});
  assert.deepEqual(Object.fromEntries(broker.config.dynamic('broker')), {});

  // Legacy AlterConfigs: a null value and an unknown name on a topic are INVALID_CONFIG.
  for (const [configs, message] of [
    [[{ name: 'retention.ms', value: null }], /Null value not supported/],
    [[{ name: 'bogus', value: '1' }], /Unknown topic config name/],
  ] as const) {
    const res = await raw.request(API.AlterConfigs.apiKey, 2, { resources: [{ resourceType: TOPIC, resourceName: 'bad', configs }], validateOnly: false });
    assert.equal(res.responses[0].errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(res.responses[0].errorMessage, message);
  }
  assert.deepEqual(broker.logs.topic('bad')!.configs, { ...before, 'segment.ms': '60000' });

  // DescribeConfigs: unknown topic, other broker; v0 answers IsDefault.
  const d = await raw.request(API.DescribeConfigs.apiKey, 0, {
    resources: [
      { resourceType: TOPIC, resourceName: 'nope', configurationKeys: null },
      { resourceType: BROKER, resourceName: '99', configurationKeys: null },
      { resourceType: TOPIC, resourceName: 'bad', configurationKeys: ['retention.ms', 'retention.bytes'] },
    ],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  assert.deepEqual(d.results.map((r: any) => r.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, 0]);
  assert.deepEqual(d.results[2].configs.map((c: any) => [c.name, c.value, c.isDefault]), [
    ['retention.bytes', '-1', true],
    ['retention.ms', '1000000', false],
  ]);
});

test('CreatePartitions and DeleteRecords refuse bad input and change nothing', async (t) => {
  const { broker, raw } = await setup(t);
  const log = broker.logs.partition('bad', 0)!;
  // Ten records in ten batches, through the real produce path.
  const { encodeRecordBatch } = await import('../../src/protocol/index.ts');
  for (let i = 0; i < 10; i++) log.append(encodeRecordBatch([{ key: `k${i}`, value: `v${i}` }]));

  const cp = await raw.request(API.CreatePartitions.apiKey, 3, {
    topics: [
      { name: 'bad', count: -1, assignments: null },
      { name: 'nope', count: 4, assignments: null },
    ],
    timeoutMs: 1000,
    validateOnly: false,
  });
  assert.deepEqual(cp.results.map((r: any) => r.errorCode), [ErrorCode.INVALID_PARTITIONS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const cp2 = await raw.request(API.CreatePartitions.apiKey, 3, {
    topics: [
      { name: 'bad', count: 2, assignments: null },
      { name: 'bad', count: 4, assignments: null },
    ],
    timeoutMs: 1000,
    validateOnly: false,
  });
  assert.deepEqual(cp2.results.map((r: any) => r.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  const cp3 = await raw.request(API.CreatePartitions.apiKey, 3, {
    topics: [{ name: 'bad', count: 2, assignments: null }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  assert.equal(cp3.results[0].errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.match(cp3.results[0].errorMessage, /already has 2 partitions/);
  const cp4 = await raw.request(API.CreatePartitions.apiKey, 3, {
    topics: [{ name: 'bad', count: 3, assignments: [{ brokerIds: [42] }] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  assert.equal(cp4.results[0].errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  assert.equal(broker.logs.topic('bad')!.partitions, 2);

  const dr = await raw.request(API.DeleteRecords.apiKey, 2, {
    topics: [
      { name: 'bad', partitions: [{ partitionIndex: 0, offset: 11n }, { partitionIndex: 1, offset: 1n }, { partitionIndex: 7, offset: 0n }, { partitionIndex: 0, offset: -2n }] },
      { name: 'nope', partitions: [{ partitionIndex: 0, offset: 0n }] },
    ],
    timeoutMs: 1000,
  });
  assert.deepEqual(
    dr.topics.map((tp: any) => tp.partitions.map((p: any) => [p.partitionIndex, p.errorCode, p.lowWatermark])),
    [
      [
        [0, ErrorCode.OFFSET_OUT_OF_RANGE, -1n],
        [1, ErrorCode.OFFSET_OUT_OF_RANGE, -1n],
        [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
        [0, ErrorCode.OFFSET_OUT_OF_RANGE, -1n],
      ],
      [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n]],
    ],
  );
  assert.equal(log.logStartOffset, 0);
  // -1 is the high watermark; a lower offset afterwards changes nothing.
  const all = await raw.request(API.DeleteRecords.apiKey, 1, { topics: [{ name: 'bad', partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 1000 });
  assert.equal(all.topics[0].partitions[0].lowWatermark, 10n);
  const lower = await raw.request(API.DeleteRecords.apiKey, 0, { topics: [{ name: 'bad', partitions: [{ partitionIndex: 0, offset: 3n }] }], timeoutMs: 1000 });
  assert.deepEqual(lower.topics[0].partitions[0], { partitionIndex: 0, lowWatermark: 10n, errorCode: 0 });
  assert.equal(log.logEndOffset, 10);
  // A compact-only topic refuses DeleteRecords (Kafka's POLICY_VIOLATION).
  broker.logs.alterTopicConfigs('bad', { 'cleanup.policy': 'compact' });
  const compact = await raw.request(API.DeleteRecords.apiKey, 2, { topics: [{ name: 'bad', partitions: [{ partitionIndex: 1, offset: 0n }] }], timeoutMs: 1000 });
  assert.equal(compact.topics[0].partitions[0].errorCode, ErrorCode.POLICY_VIOLATION);
});

test('min.insync.replicas above the ISR refuses acks=-1 produces with NOT_ENOUGH_REPLICAS', async (t) => {
  const { broker, raw } = await setup(t);
  const { encodeRecordBatch } = await import('../../src/protocol/index.ts');
  await incremental(raw, [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'min.insync.replicas', configOperation: 0, value: '2' }] }]);
  const produce = (acks: number) =>
    raw.request(API.Produce.apiKey, 9, {
      transactionalId: null,
      acks,
      timeoutMs: 1000,
      topicData: [{ name: 'bad', partitionData: [{ index: 0, records: encodeRecordBatch([{ key: 'k', value: 'v' }]) }] }],
    });
  const refused = await produce(-1);
  assert.equal(refused.responses[0].partitionResponses[0].errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  assert.equal(broker.logs.partition('bad', 0)!.logEndOffset, 0);
  const accepted = await produce(1);
  assert.equal(accepted.responses[0].partitionResponses[0].errorCode, 0);
  assert.equal(broker.logs.partition('bad', 0)!.logEndOffset, 1);
});

test('message.timestamp.after.max.ms and before.max.ms refuse out-of-window CreateTime records', async (t) => {
  const { broker, raw } = await setup(t);
  const { encodeRecordBatch } = await import('../../src/protocol/index.ts');
  const produce = (timestamp: number) =>
    raw.request(API.Produce.apiKey, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 'bad', partitionData: [{ index: 0, records: encodeRecordBatch([{ key: 'k', value: 'v', timestamp }]) }] }],
    });
  const codeOf = async (timestamp: number) => (await produce(timestamp)).responses[0].partitionResponses[0].errorCode;
  assert.equal(await codeOf(Date.now() + 2 * 3_600_000), ErrorCode.INVALID_TIMESTAMP, 'default after.max.ms is one hour');
  assert.equal(await codeOf(1000), 0, 'default before.max.ms is unbounded');
  await incremental(raw, [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'message.timestamp.before.max.ms', configOperation: 0, value: '60000' }] }]);
  const refused = (await produce(Date.now() - 3_600_000)).responses[0].partitionResponses[0];
  assert.equal(refused.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.match(refused.errorMessage ?? '', /^Timestamp \d+ of message with offset 0 is out of range\. The timestamp should be within \[\d+, \d+\]$/);
  assert.equal(await codeOf(Date.now()), 0);
  // LogAppendTime topics take any producer timestamp.
  await incremental(raw, [{ resourceType: TOPIC, resourceName: 'bad', configs: [{ name: 'message.timestamp.type', configOperation: 0, value: 'LogAppendTime' }] }]);
  assert.equal(await codeOf(Date.now() + 10 * 3_600_000), 0);
  assert.equal(broker.logs.partition('bad', 0)!.logEndOffset, 3);
});

test('client quotas, log dirs and config resources; configs and quotas survive a restart', async (t) => {
  const dataDir = await tempDir(t);
  let running = await startTestBroker(t, { dataDir });
  let raw = await RawClient.connect(running.port);
  brokerOf(running).logs.createTopic('keep', { partitions: 1 });
  const id = String(brokerOf(running).nodeId);

  const alter = (entries: unknown[]) => raw.request(API.AlterClientQuotas.apiKey, 1, { entries, validateOnly: false });
  const ok = await alter([
    { entity: [{ entityType: 'user', entityName: 'alice' }, { entityType: 'client-id', entityName: null }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] },
    { entity: [{ entityType: 'ip', entityName: '10.0.0.1' }], ops: [{ key: 'connection_creation_rate', value: 5, remove: false }] },
  ]);
  assert.deepEqual(ok.entries.map((e: any) => e.errorCode), [0, 0]);
  const bad = await alter([
    { entity: [{ entityType: 'user', entityName: 'bob' }], ops: [{ key: 'no_such_quota', value: 1, remove: false }] },
    { entity: [{ entityType: 'ip', entityName: 'x' }, { entityType: 'user', entityName: 'y' }], ops: [{ key: 'producer_byte_rate', value: 1, remove: false }] },
    { entity: [{ entityType: 'martian', entityName: 'x' }], ops: [] },
    { entity: [{ entityType: 'user', entityName: 'bob' }], ops: [{ key: 'producer_byte_rate', value: -1, remove: false }] },
  ]);
  assert.deepEqual(bad.entries.map((e: any) => e.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  await incremental(raw, [
    { resourceType: TOPIC, resourceName: 'keep', configs: [{ name: 'retention.ms', configOperation: 0, value: '42000' }] },
    { resourceType: BROKER, resourceName: id, configs: [{ name: 'log.retention.bytes', configOperation: 0, value: '777777' }] },
    { resourceType: BROKER, resourceName: '', configs: [{ name: 'log.segment.bytes', configOperation: 0, value: '555555' }] },
  ]);

  const logDirs = await raw.request(API.DescribeLogDirs.apiKey, 4, { topics: null });
  assert.equal(logDirs.results[0].errorCode, 0);
  assert.deepEqual(logDirs.results[0].topics.map((x: any) => x.name), ['keep']);
  assert.ok(logDirs.results[0].totalBytes > 0n);
  const move = await raw.request(API.AlterReplicaLogDirs.apiKey, 2, {
    dirs: [
      { path: logDirs.results[0].logDir, topics: [{ name: 'keep', partitions: [0, 3] }] },
      { path: '/somewhere/else', topics: [{ name: 'keep', partitions: [0] }] },
    ],
  });
  assert.deepEqual(move.results.map((r: any) => r.partitions.map((p: any) => p.errorCode)), [[0, ErrorCode.REPLICA_NOT_AVAILABLE], [ErrorCode.LOG_DIR_NOT_FOUND]]);
  const resources = await raw.request(API.ListConfigResources.apiKey, 1, { resourceTypes: [] });
  assert.deepEqual(resources.configResources.map((r: any) => [r.resourceName, r.resourceType]), [['keep', TOPIC], [id, BROKER], [id, 8]]);

  raw.close();
  await running.stop();
  running = await startTestBroker(t, { dataDir });
  raw = await RawClient.connect(running.port);
  const broker = brokerOf(running);
  assert.equal(broker.logs.topic('keep')!.configs['retention.ms'], '42000');
  assert.equal(broker.config.get('log.retention.bytes'), '777777');
  assert.equal(broker.config.get('log.segment.bytes'), '555555');
  assert.equal(broker.logs.partition('keep', 0)!.config.segmentBytes, 555555, 'dynamic defaults reach the logs after a restart');
  const described = await raw.request(API.DescribeClientQuotas.apiKey, 1, { components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: false });
  assert.deepEqual(described.entries, [
    {
      entity: [
        { entityType: 'client-id', entityName: null },
        { entityType: 'user', entityName: 'alice' },
      ],
      values: [{ key: 'producer_byte_rate', value: 1024 }],
    },
  ]);
  const strict = await raw.request(API.DescribeClientQuotas.apiKey, 1, { components: [{ entityType: 'user', matchType: 2, match: null }], strict: true });
  assert.deepEqual(strict.entries, []);
  const ips = await raw.request(API.DescribeClientQuotas.apiKey, 0, { components: [{ entityType: 'ip', matchType: 2, match: null }], strict: false });
  assert.equal(ips.entries.length, 1);
  // Stopped here: the data directory's removal hook runs before the broker's.
  raw.close();
  await running.stop();
});
