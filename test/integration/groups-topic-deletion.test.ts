// Issue 3: deleting a topic removes what the coordinators keep about its partitions at once,
// as Kafka's onPartitionsDeleted does: committed offsets get tombstones in __consumer_offsets
// (so a topic created again under the same name starts with no committed offsets, and a
// restart does not bring them back), and share-partition state leaves __share_group_state.
// Offsets of other topics stay.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, ApiKey } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { RawClient, createTopic } from '../helpers/raw-client.ts';
import { FAST_GROUPS } from './groups-support.ts';

const CONFIG = { ...FAST_GROUPS, 'share.coordinator.state.topic.num.partitions': '2' };

async function commit(c: RawClient, groupId: string, topic: string, offsets: bigint[]): Promise<void> {
  const r: any = await c.request(ApiKey.OffsetCommit, 9, {
    ...API.OffsetCommit.createRequest(),
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    topics: [{ name: topic, topicId: '', partitions: offsets.map((o, i) => ({ partitionIndex: i, committedOffset: o, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' })) }],
  });
  for (const p of r.topics[0].partitions) assert.equal(p.errorCode, 0);
}

async function committed(c: RawClient, groupId: string): Promise<Record<string, bigint[]>> {
  const r: any = await c.request(ApiKey.OffsetFetch, 7, { ...API.OffsetFetch.createRequest(), groupId, topics: null });
  return Object.fromEntries(r.topics.map((t: any) => [t.name, t.partitions.map((p: any) => p.committedOffset)]));
}

test('deleting a topic tombstones its committed offsets and share state at once; a topic of the same name starts clean, also after a restart', async (t) => {
  const dataDir = await tempDir(t);
  let broker = await startTestBroker(t, { dataDir, config: CONFIG });
  let c = await RawClient.connect(broker.port);
  const oldTopicId = await createTopic(c, 'doomed', 2);
  await createTopic(c, 'kept', 1);
  await commit(c, 'g1', 'doomed', [5n, 7n]);
  await commit(c, 'g1', 'kept', [3n]);
  await commit(c, 'g2', 'doomed', [1n]);
  assert.deepEqual(await committed(c, 'g1'), { doomed: [5n, 7n], kept: [3n] });

  // A share group consumes the topic: its state is initialized in __share_group_state.
  await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId: 'sg', memberId: 'm', memberEpoch: 0, subscribedTopicNames: ['doomed'] });
  const fetched: any = await c.request(ApiKey.ShareFetch, 1, { ...API.ShareFetch.createRequest(), groupId: 'sg', memberId: 'm', shareSessionEpoch: 0, maxRecords: 1, topics: [{ topicId: oldTopicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }] });
  assert.equal(fetched.errorCode, 0);
  const readState = async (): Promise<bigint> => {
    const r: any = await c.request(ApiKey.ReadShareGroupState, 0, { ...API.ReadShareGroupState.createRequest(), groupId: 'sg', topics: [{ topicId: oldTopicId, partitions: [{ partition: 0, leaderEpoch: 0 }] }] });
    return r.results[0].partitions[0].startOffset;
  };
  assert.equal(await readState(), 0n);

  const deleted: any = await c.request(ApiKey.DeleteTopics, 6, { ...API.DeleteTopics.createRequest(), topics: [{ name: 'doomed', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 5000 });
  assert.equal(deleted.responses[0].errorCode, 0);
  assert.equal(await readState(), -1n, 'share state deleted with the topic');
  // The same name again: no committed offsets come back with it.
  await createTopic(c, 'doomed', 2);
  assert.deepEqual(await committed(c, 'g1'), { kept: [3n] });
  assert.deepEqual(await committed(c, 'g2'), {});

  // The tombstones are in __consumer_offsets: a restart keeps the offsets gone.
  c.close();
  await broker.stop();
  broker = await startTestBroker(t, { dataDir, config: CONFIG });
  c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  assert.deepEqual(await committed(c, 'g1'), { kept: [3n] });
  assert.deepEqual(await committed(c, 'g2'), {});
  assert.equal(await readState(), -1n);
  c.close();
  await broker.stop();
});
