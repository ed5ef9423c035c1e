// Issue 4, acceptance 2: with small segments and retention.ms / retention.bytes set, old
// segments disappear on the log.retention.check.interval.ms schedule, the earliest offset
// advances, and a consumer that was behind gets OFFSET_OUT_OF_RANGE and resets as configured
// (confluent-kafka with auto.offset.reset=error, then earliest). No timed assertions: the
// tests poll, bounded, until the schedule has run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { API, ErrorCode } from '../../src/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { runPython, PythonScriptError, type PyConsumedRecord } from '../helpers/python.ts';
import { brokerOf } from './admin-helpers.ts';

async function until(what: string, check: () => boolean, limitMs = 15_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('retention.ms and retention.bytes delete old segments on schedule; consumers behind reset', async (t) => {
  const running = await startTestBroker(t, { dataDir: 'memory', config: { 'log.retention.check.interval.ms': '50' } });
  const broker = brokerOf(running);
  const kafka = new Kafka({ clientId: 'runnel-retention', brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({
    topics: [
      { topic: 'ret-time', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1024' }, { name: 'retention.ms', value: '600000' }] },
      { topic: 'ret-size', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1024' }, { name: 'retention.bytes', value: '3000' }] },
    ],
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  t.after(() => producer.disconnect());
  const hourAgo = Date.now() - 3_600_000;
  // 40 records an hour old (past retention.ms), then 10 fresh ones, one batch each.
  for (let i = 0; i < 50; i++) {
    const timestamp = String(i < 40 ? hourAgo + i : Date.now());
    await producer.send({ topic: 'ret-time', messages: [{ key: `k${i}`, value: `value-${i}-${'x'.repeat(100)}`, timestamp }] });
    await producer.send({ topic: 'ret-size', messages: [{ key: `k${i}`, value: `value-${i}-${'x'.repeat(100)}` }] });
  }
  const timeLog = broker.logs.partition('ret-time', 0)!;
  const sizeLog = broker.logs.partition('ret-size', 0)!;
  await until('time retention', () => timeLog.logStartOffset > 0 && timeLog.segmentBaseOffsets[0]! > 30);
  await until('size retention', () => sizeLog.logStartOffset > 0);
  broker.logs.deleteOldSegments(); // settle: the schedule may be between passes
  // Kafka's rule: whole segments go while the rest stays at or above retention.bytes.
  assert.ok(sizeLog.size <= 3000 + 1024, `size ${sizeLog.size}`);
  // Only whole segments of old records went, and the fresh ones all stayed.
  assert.ok(timeLog.logStartOffset <= 40, `log start ${timeLog.logStartOffset}`);
  assert.equal(timeLog.logEndOffset, 50);
  assert.ok(sizeLog.size > 3000 - 1024, `size ${sizeLog.size}`);
  const offsets = await admin.fetchTopicOffsets('ret-time');
  assert.equal(offsets[0]!.low, String(timeLog.logStartOffset));

  // A fetch below the earliest offset: OFFSET_OUT_OF_RANGE with the log start offset.
  const raw = await RawClient.connect(running.port);
  t.after(() => raw.close());
  const fetch = { ...API.Fetch.createRequest(), maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20 };
  fetch.topics = [{ ...API.Fetch.messages().createFetchTopic(), topic: 'ret-time', partitions: [{ ...API.Fetch.messages().createFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }];
  const fetched = await raw.request(API.Fetch.apiKey, 12, fetch);
  const p = fetched.responses[0].partitions[0];
  assert.equal(p.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(p.logStartOffset, BigInt(timeLog.logStartOffset));

  // confluent-kafka behind at offset 0: auto.offset.reset=error reports it, earliest resets.
  const assignment = [{ topic: 'ret-time', partition: 0, offset: 0 }];
  await assert.rejects(
    runPython('ck_consume', { bootstrap: running.bootstrap, assignments: assignment, count: 1, timeout: 10 }),
    (err: unknown) => err instanceof PythonScriptError && /out of range|OFFSET_OUT_OF_RANGE|offset reset/i.test(err.message),
  );
  const start = timeLog.logStartOffset;
  const { records } = await runPython<{ records: PyConsumedRecord[] }>('ck_consume', {
    bootstrap: running.bootstrap,
    assignments: assignment,
    count: 50 - start,
    config: { 'auto.offset.reset': 'earliest' },
    timeout: 20,
  });
  assert.deepEqual(records.map((r) => r.offset), Array.from({ length: 50 - start }, (_, i) => start + i));
});

test('a new retention.ms applies live through AlterConfigs; the broker-wide log.retention.minutes too', async (t) => {
  const running = await startTestBroker(t, { dataDir: 'memory', config: { 'log.retention.check.interval.ms': '50' } });
  const broker = brokerOf(running);
  broker.logs.createTopic('live', { partitions: 1, configs: { 'segment.bytes': '300' } });
  broker.logs.createTopic('other', { partitions: 1, configs: { 'segment.bytes': '300' } });
  const { encodeRecordBatch } = await import('../../src/protocol/index.ts');
  const old = Date.now() - 60_000;
  for (const name of ['live', 'other']) {
    for (let i = 0; i < 10; i++) broker.logs.partition(name, 0)!.append(encodeRecordBatch([{ value: 'x'.repeat(100), timestamp: old }]));
  }
  await sleep(200);
  assert.equal(broker.logs.partition('live', 0)!.logStartOffset, 0, 'the default 7 days keeps them');
  const raw = await RawClient.connect(running.port);
  t.after(() => raw.close());
  const res = await raw.request(API.IncrementalAlterConfigs.apiKey, 1, {
    resources: [{ resourceType: 2, resourceName: 'live', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }],
    validateOnly: false,
  });
  assert.equal(res.responses[0].errorCode, 0);
  await until('topic retention', () => broker.logs.partition('live', 0)!.logStartOffset === 10);
  assert.equal(broker.logs.partition('other', 0)!.logStartOffset, 0);
  const res2 = await raw.request(API.IncrementalAlterConfigs.apiKey, 1, {
    resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'log.retention.minutes', configOperation: 0, value: '0' }] }],
    validateOnly: false,
  });
  assert.equal(res2.responses[0].errorCode, 0);
  await until('broker-wide retention', () => broker.logs.partition('other', 0)!.logStartOffset === 10);
});
