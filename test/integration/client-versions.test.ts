// The client at older protocol versions, as it would talk to an older Kafka: the same
// round trip (create a topic, produce with compression, read in a group, commit) with
// versions capped to Kafka 2.0's and to the oldest that carry record batches (magic 2).

import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { test } from 'node:test';
import { Admin, Consumer, Producer, type ClientOptions, type ConsumerRecord } from '../../src/client/index.ts';
import { startTestBroker } from '../helpers/broker.ts';

const PROFILES: Record<string, NonNullable<ClientOptions['maxVersions']>> = {
  'Kafka 2.0': { Produce: 6, Fetch: 8, Metadata: 6, ListOffsets: 3, CreateTopics: 3, DeleteTopics: 2, FindCoordinator: 2, JoinGroup: 3, SyncGroup: 2, Heartbeat: 2, LeaveGroup: 2, OffsetCommit: 4, OffsetFetch: 4, DescribeGroups: 2, ListGroups: 2 },
  'magic 2 minimum': { Produce: 3, Fetch: 4, Metadata: 1, ListOffsets: 0, CreateTopics: 2, DeleteTopics: 1, FindCoordinator: 1, JoinGroup: 2, SyncGroup: 1, Heartbeat: 1, LeaveGroup: 1, OffsetCommit: 2, OffsetFetch: 2, DescribeGroups: 1, ListGroups: 1 },
};

for (const [profile, maxVersions] of Object.entries(PROFILES)) {
  test(`client at ${profile} versions: topics, produce, group consume, commits`, async (t) => {
    const broker = await startTestBroker(t, { dataDir: 'memory', config: { 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1' } });
    const options = { bootstrapServers: broker.bootstrap, maxVersions };
    // Every request goes out at the capped version (the broker serves newer ones).
    const used = new Map<string, Set<number>>();
    const onRequest = (m: unknown) => {
      const { apiName, apiVersion } = m as { apiName: string; apiVersion: number };
      if (!used.has(apiName)) used.set(apiName, new Set());
      used.get(apiName)!.add(apiVersion);
    };
    diagnostics.subscribe('runnel:client:request', onRequest);
    t.after(() => diagnostics.unsubscribe('runnel:client:request', onRequest));
    const admin = new Admin(options);
    t.after(() => admin.close());
    await admin.createTopics([{ name: 'old', numPartitions: 2 }]);
    assert.deepEqual(await admin.listTopics(), ['old']);

    const producer = new Producer({ ...options, compression: 'gzip' });
    const sent = await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic: 'old', key: `k${i}`, value: `v${i}`, headers: { i: String(i) } })));
    await producer.close();
    assert.deepEqual(sent.filter((m) => m.partition === 0).map((m) => m.offset), sent.filter((m) => m.partition === 0).map((_, i) => i));
    assert.deepEqual((await admin.listOffsets('old', 'latest')).map((o) => o.offset).reduce((a, b) => a + b, 0), 20);

    const consumer = new Consumer({ ...options, groupId: 'old-group', autoOffsetReset: 'earliest', heartbeatIntervalMs: 100, maxWaitMs: 100 });
    t.after(() => consumer.close());
    consumer.subscribe(['old']);
    const got: ConsumerRecord[] = [];
    while (got.length < 20) got.push(...(await consumer.poll()));
    assert.deepEqual(got.map((r) => r.value!.toString()).sort(), sent.map((_, i) => `v${i}`).sort());
    assert.equal(got.find((r) => r.value!.toString() === 'v3')!.headers[0]!.value!.toString(), '3');
    await consumer.commit();
    const committed = await admin.listGroupOffsets('old-group');
    assert.equal(committed.reduce((sum, o) => sum + o.offset, 0), 20);
    await admin.deleteTopics(['old']);
    for (const name of ['Produce', 'Fetch', 'Metadata', 'JoinGroup', 'OffsetCommit', 'OffsetFetch', 'CreateTopics']) {
      assert.deepEqual([...(used.get(name) ?? [])], [maxVersions[name as keyof typeof maxVersions]], name);
    }
  });
}
