// Group configs (KIP-848/KIP-932 GROUP config resources): @platformatic/kafka's admin
// describes and alters them (IncrementalAlterConfigs with resource type GROUP, 32); bad values
// and unknown names are INVALID_CONFIG with Kafka's bounds checks against the broker's group.*
// configs; the coordinators apply them (a consumer group's heartbeat interval and session
// timeout, a share group starting at the earliest offset with its own lock duration); the
// overrides survive a broker restart; ListConfigResources lists configured groups; ACLs
// (GROUP DESCRIBE_CONFIGS / ALTER_CONFIGS) refuse with GROUP_AUTHORIZATION_FAILED.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { API, ApiKey, ErrorCode, encodeRecordBatch } from '../../src/protocol/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { RawClient, createTopic } from '../helpers/raw-client.ts';
import { FAST_GROUPS, waitFor } from './groups-support.ts';

const GROUP = 32;
const SET = 0;
const DELETE = 1;
const GROUP_CONFIG_SOURCE = 8;
const DEFAULT_CONFIG_SOURCE = 5;

const CONFIG = {
  ...FAST_GROUPS,
  'group.consumer.heartbeat.interval.ms': '6000',
  'group.consumer.min.session.timeout.ms': '500',
  'group.consumer.min.heartbeat.interval.ms': '100',
  'group.share.min.record.lock.duration.ms': '1000',
};

function incremental(c: RawClient, group: string, configs: { name: string; op: number; value: string | null }[], validateOnly = false): Promise<any> {
  return c.request(ApiKey.IncrementalAlterConfigs, 1, {
    ...API.IncrementalAlterConfigs.createRequest(),
    validateOnly,
    resources: [{ resourceType: GROUP, resourceName: group, configs: configs.map((x) => ({ name: x.name, configOperation: x.op, value: x.value })) }],
  });
}

async function describeGroup(admin: Admin, group: string): Promise<Map<string, { value: string | null | undefined; source: number }>> {
  const [described] = await admin.describeConfigs({ resources: [{ resourceType: GROUP, resourceName: group }] });
  return new Map(described!.configs.map((c) => [c.name, { value: c.value, source: c.configSource }]));
}


/**
 * One ShareFetch of partition 0 by member `<group>-m`, which joins the group (subscribed to
 * `topic`) first when `epoch` is 0. The offsets it acquired, and the lock duration.
 */
async function shareFetchOnce(c: RawClient, group: string, topic: string, topicId: string, epoch: number, maxRecords: number): Promise<{ offsets: number[]; lockMs: number }> {
  if (epoch === 0) {
    const joined: any = await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...API.ShareGroupHeartbeat.createRequest(), groupId: group, memberId: `${group}-m`, memberEpoch: 0, subscribedTopicNames: [topic] });
    assert.equal(joined.errorCode, 0);
  }
  const fetched: any = await c.request(ApiKey.ShareFetch, 1, {
    ...API.ShareFetch.createRequest(),
    groupId: group,
    memberId: `${group}-m`,
    shareSessionEpoch: epoch,
    maxWaitMs: 0,
    minBytes: 1,
    maxRecords,
    batchSize: maxRecords,
    topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }],
  });
  assert.equal(fetched.errorCode, 0);
  const ranges = fetched.responses[0]?.partitions[0]?.acquiredRecords ?? [];
  const offsets = ranges.flatMap((r: any) => Array.from({ length: Number(r.lastOffset - r.firstOffset) + 1 }, (_, i) => Number(r.firstOffset) + i));
  return { offsets, lockMs: fetched.acquisitionLockTimeoutMs };
}

test('group configs: @platformatic/kafka describes and alters them; Kafka bounds give INVALID_CONFIG; they survive a restart', async (t) => {
  const dataDir = await tempDir(t);
  let broker = await startTestBroker(t, { dataDir, config: CONFIG });
  let admin = new Admin({ clientId: 'group-configs', bootstrapBrokers: [`127.0.0.1:${broker.port}`] });
  t.after(() => admin.close());

  // Every Kafka 4.2 group config, defaults from the broker's group.* configs.
  const before = await describeGroup(admin, 'cfg-group');
  assert.deepEqual([...before.keys()].sort(), [
    'consumer.heartbeat.interval.ms',
    'consumer.session.timeout.ms',
    'share.auto.offset.reset',
    'share.heartbeat.interval.ms',
    'share.isolation.level',
    'share.record.lock.duration.ms',
    'share.session.timeout.ms',
    'streams.heartbeat.interval.ms',
    'streams.initial.rebalance.delay.ms',
    'streams.num.standby.replicas',
    'streams.session.timeout.ms',
  ]);
  assert.deepEqual(before.get('consumer.heartbeat.interval.ms'), { value: '6000', source: DEFAULT_CONFIG_SOURCE }, 'the broker group.consumer.heartbeat.interval.ms');
  assert.deepEqual(before.get('share.auto.offset.reset'), { value: 'latest', source: DEFAULT_CONFIG_SOURCE });
  assert.deepEqual(before.get('share.isolation.level'), { value: 'read_uncommitted', source: DEFAULT_CONFIG_SOURCE });

  await admin.incrementalAlterConfigs({
    resources: [{
      resourceType: GROUP,
      resourceName: 'cfg-group',
      configs: [
        { name: 'share.auto.offset.reset', configOperation: SET, value: 'earliest' },
        { name: 'consumer.session.timeout.ms', configOperation: SET, value: '50000' },
        { name: 'share.isolation.level', configOperation: SET, value: 'read_committed' },
      ],
    }],
  });
  const after = await describeGroup(admin, 'cfg-group');
  assert.deepEqual(after.get('share.auto.offset.reset'), { value: 'earliest', source: GROUP_CONFIG_SOURCE });
  assert.deepEqual(after.get('consumer.session.timeout.ms'), { value: '50000', source: GROUP_CONFIG_SOURCE });
  assert.deepEqual(after.get('share.isolation.level'), { value: 'read_committed', source: GROUP_CONFIG_SOURCE });
  assert.deepEqual((await describeGroup(admin, 'other-group')).get('share.auto.offset.reset'), { value: 'latest', source: DEFAULT_CONFIG_SOURCE }, 'per group');

  // Bad input, through our codec: Kafka's codes and messages.
  const c = await RawClient.connect(broker.port);
  const refused = async (configs: { name: string; op: number; value: string | null }[], code: number, message: RegExp | null) => {
    const r = (await incremental(c, 'cfg-group', configs)).responses[0];
    assert.equal(r.errorCode, code, `${JSON.stringify(configs)}: ${r.errorMessage}`);
    if (message) assert.match(r.errorMessage, message);
  };
  await refused([{ name: 'no.such.config', op: SET, value: '1' }], ErrorCode.INVALID_CONFIG, /Unknown group config name: no.such.config/);
  await refused([{ name: 'share.auto.offset.reset', op: SET, value: 'sometimes' }], ErrorCode.INVALID_CONFIG, null);
  await refused([{ name: 'share.isolation.level', op: SET, value: 'read_maybe' }], ErrorCode.INVALID_CONFIG, null);
  await refused([{ name: 'consumer.session.timeout.ms', op: SET, value: 'soon' }], ErrorCode.INVALID_CONFIG, null);
  await refused([{ name: 'consumer.session.timeout.ms', op: SET, value: '70000' }], ErrorCode.INVALID_CONFIG, /must be less than or equal to group.consumer.max.session.timeout.ms/);
  await refused([{ name: 'consumer.heartbeat.interval.ms', op: SET, value: '50' }], ErrorCode.INVALID_CONFIG, /must be greater than or equal to group.consumer.min.heartbeat.interval.ms/);
  await refused([{ name: 'consumer.session.timeout.ms', op: SET, value: '1000' }, { name: 'consumer.heartbeat.interval.ms', op: SET, value: '1000' }], ErrorCode.INVALID_CONFIG, /consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms/);
  await refused([{ name: 'share.record.lock.duration.ms', op: SET, value: '999' }], ErrorCode.INVALID_CONFIG, null);
  await refused([{ name: 'streams.num.standby.replicas', op: SET, value: '3' }], ErrorCode.INVALID_CONFIG, /group.streams.max.standby.replicas/);
  await refused([{ name: 'share.auto.offset.reset', op: SET, value: 'earliest' }, { name: 'share.auto.offset.reset', op: DELETE, value: null }], ErrorCode.INVALID_REQUEST, null);
  // by_duration with an ISO-8601 duration is accepted (validateOnly: nothing changes).
  assert.equal((await incremental(c, 'cfg-group', [{ name: 'share.auto.offset.reset', op: SET, value: 'by_duration:PT1H' }], true)).responses[0].errorCode, 0);
  assert.equal((await describeGroup(admin, 'cfg-group')).get('share.auto.offset.reset')!.value, 'earliest', 'validateOnly changed nothing');
  const emptyName: any = await c.request(ApiKey.DescribeConfigs, 4, { ...API.DescribeConfigs.createRequest(), resources: [{ resourceType: GROUP, resourceName: '', configurationKeys: null }] });
  assert.equal(emptyName.results[0].errorCode, ErrorCode.INVALID_REQUEST);

  // DELETE returns a config to the broker default; ListConfigResources lists configured groups.
  assert.equal((await incremental(c, 'cfg-group', [{ name: 'share.isolation.level', op: DELETE, value: null }])).responses[0].errorCode, 0);
  const listed: any = await c.request(ApiKey.ListConfigResources, 1, { ...API.ListConfigResources.createRequest(), resourceTypes: [GROUP] });
  assert.deepEqual(listed.configResources.map((r: any) => r.resourceName), ['cfg-group']);
  c.close();

  // A restart keeps the overrides (metadata log).
  await admin.close();
  await broker.stop();
  broker = await startTestBroker(t, { dataDir, config: CONFIG });
  admin = new Admin({ clientId: 'group-configs-2', bootstrapBrokers: [`127.0.0.1:${broker.port}`] });
  const restarted = await describeGroup(admin, 'cfg-group');
  assert.deepEqual(restarted.get('share.auto.offset.reset'), { value: 'earliest', source: GROUP_CONFIG_SOURCE });
  assert.deepEqual(restarted.get('consumer.session.timeout.ms'), { value: '50000', source: GROUP_CONFIG_SOURCE });
  assert.deepEqual(restarted.get('share.isolation.level'), { value: 'read_uncommitted', source: DEFAULT_CONFIG_SOURCE }, 'the deletion survived too');
  await admin.close();
  await broker.stop(); // before tempDir's removal hook, which runs first
});

test('group configs applied: a KIP-848 member gets the group heartbeat interval and is fenced after the group session timeout', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  await c.request(ApiKey.CreateTopics, 7, { ...API.CreateTopics.createRequest(), topics: [{ name: 'kc', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }] });
  const hb = (body: Record<string, unknown>): Promise<any> =>
    c.request(ApiKey.ConsumerGroupHeartbeat, 1, { ...API.ConsumerGroupHeartbeat.createRequest(), groupId: 'kcg', rebalanceTimeoutMs: 5000, topicPartitions: [], ...body });

  // Without a group config: the broker's 6000 ms.
  const first = await hb({ groupId: 'plain', memberId: 'p1', memberEpoch: 0, subscribedTopicNames: ['kc'] });
  assert.equal(first.errorCode, 0);
  assert.equal(first.heartbeatIntervalMs, 6000);

  const set = await incremental(c, 'kcg', [
    { name: 'consumer.heartbeat.interval.ms', op: SET, value: '250' },
    { name: 'consumer.session.timeout.ms', op: SET, value: '800' },
  ]);
  assert.equal(set.responses[0].errorCode, 0, set.responses[0].errorMessage);
  const joined = await hb({ memberId: 'k1', memberEpoch: 0, subscribedTopicNames: ['kc'] });
  assert.equal(joined.errorCode, 0);
  assert.equal(joined.heartbeatIntervalMs, 250);
  // DescribeGroups describes classic groups only, as Kafka: a KIP-848 group is Dead, and from
  // v6 GROUP_ID_NOT_FOUND (admins use ConsumerGroupDescribe for it, and fall back on that code).
  const v5: any = await c.request(ApiKey.DescribeGroups, 5, { ...API.DescribeGroups.createRequest(), groups: ['kcg'] });
  assert.deepEqual([v5.groups[0].errorCode, v5.groups[0].groupState, v5.groups[0].members.length], [0, 'Dead', 0]);
  const v6: any = await c.request(ApiKey.DescribeGroups, 6, { ...API.DescribeGroups.createRequest(), groups: ['kcg'] });
  assert.deepEqual([v6.groups[0].errorCode, v6.groups[0].errorMessage], [ErrorCode.GROUP_ID_NOT_FOUND, 'Group kcg is not a classic group.']);

  // The member stops heartbeating: the group's 800 ms session (not the broker's 45 s) removes it.
  const members = async (): Promise<number> => {
    const described: any = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...API.ConsumerGroupDescribe.createRequest(), groupIds: ['kcg'] });
    return described.groups[0].members.length;
  };
  assert.equal(await members(), 1);
  await waitFor('the silent member to be removed', async () => (await members()) === 0, 20_000);
  assert.equal((await hb({ memberId: 'k1', memberEpoch: joined.memberEpoch })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('group configs applied: share.auto.offset.reset (earliest, by_duration) starts a share group before the log end; its lock duration', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const topicId = await createTopic(c, 'sq');
  // Three records written two hours ago (CreateTime), then one now.
  const twoHoursAgo = Date.now() - 2 * 3600_000;
  for (const records of [encodeRecordBatch(['a', 'b', 'c'].map((value) => ({ value, timestamp: twoHoursAgo }))), encodeRecordBatch([{ value: 'd' }])]) {
    const produced: any = await c.request(ApiKey.Produce, 9, { ...API.Produce.createRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: 'sq', partitionData: [{ index: 0, records }] }] });
    assert.equal(produced.responses[0].partitionResponses[0].errorCode, 0);
  }

  const shareFirst = async (group: string): Promise<{ acquired: number; lockMs: number }> => {
    const { offsets, lockMs } = await shareFetchOnce(c, group, 'sq', topicId, 0, 10);
    return { acquired: offsets.length, lockMs };
  };

  // Latest (the default): the records already there are not delivered.
  assert.deepEqual(await shareFirst('late'), { acquired: 0, lockMs: 30000 });
  const set = await incremental(c, 'early', [
    { name: 'share.auto.offset.reset', op: SET, value: 'earliest' },
    { name: 'share.record.lock.duration.ms', op: SET, value: '20000' },
  ]);
  assert.equal(set.responses[0].errorCode, 0, set.responses[0].errorMessage);
  assert.deepEqual(await shareFirst('early'), { acquired: 4, lockMs: 20000 });
  // by_duration:PT1H: from the first record of the last hour.
  assert.equal((await incremental(c, 'recent', [{ name: 'share.auto.offset.reset', op: SET, value: 'by_duration:PT1H' }])).responses[0].errorCode, 0);
  assert.deepEqual(await shareFirst('recent'), { acquired: 1, lockMs: 30000 });
});

test('group configs applied: share.isolation.level=read_committed acquires nothing of an open transaction and archives an aborted one (kafkajs transactional producer)', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...CONFIG, 'transaction.state.log.num.partitions': '1' } });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const kafka = new Kafka({ clientId: 'group-configs-txn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'txq', numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer({ transactionalId: 'gc-tx', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  const committed = await producer.transaction();
  await committed.send({ topic: 'txq', messages: [{ partition: 0, value: 'c0' }, { partition: 0, value: 'c1' }] });
  await committed.commit();
  const open = await producer.transaction(); // left open: its records stay above the last stable offset
  await open.send({ topic: 'txq', messages: [{ partition: 0, value: 'o0' }, { partition: 0, value: 'o1' }] });

  const md: any = await c.request(ApiKey.Metadata, 12, { ...API.Metadata.createRequest(), topics: [{ name: 'txq', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
  const topicId: string = md.topics[0].topicId;
  const acquiredOffsets = async (group: string, isolation: string | null, epoch = 0): Promise<number[]> => {
    if (epoch === 0) {
      const configs = [{ name: 'share.auto.offset.reset', op: SET, value: 'earliest' }];
      if (isolation) configs.push({ name: 'share.isolation.level', op: SET, value: isolation });
      assert.equal((await incremental(c, group, configs)).responses[0].errorCode, 0);
    }
    return (await shareFetchOnce(c, group, 'txq', topicId, epoch, 100)).offsets;
  };
  // c0 c1 at 0-1, the commit marker at 2, o0 o1 at 3-4 (open).
  assert.ok((await acquiredOffsets('uncommitted-reader', null)).includes(4), 'read_uncommitted acquires the open transaction');
  const committedOnly = await acquiredOffsets('committed-reader', 'read_committed');
  assert.ok(committedOnly.includes(0) && committedOnly.includes(1) && Math.max(...committedOnly) < 3, `read_committed stops at the last stable offset (acquired ${committedOnly})`);
  // The open transaction aborts (marker at 5); a committed one follows (6-7, marker at 8).
  await open.abort();
  const after = await producer.transaction();
  await after.send({ topic: 'txq', messages: [{ partition: 0, value: 'c2' }, { partition: 0, value: 'c3' }] });
  await after.commit();
  const next = await acquiredOffsets('committed-reader', 'read_committed', 1);
  assert.ok(next.includes(6) && next.includes(7), `the next committed records are acquired (${next})`);
  assert.ok(!next.includes(3) && !next.includes(4), `the aborted records are archived, never delivered (${next})`);
});

test('group configs: GROUP DESCRIBE_CONFIGS / ALTER_CONFIGS ACLs', async (t) => {
  // An anonymous principal with no ACL at all: refused for the group, as KafkaApis does.
  const broker = await startTestBroker(t, {
    dataDir: 'memory',
    config: { ...CONFIG, 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:admin' },
  });
  const c = await RawClient.connect(broker.port);
  t.after(() => c.close());
  const described: any = await c.request(ApiKey.DescribeConfigs, 4, { ...API.DescribeConfigs.createRequest(), resources: [{ resourceType: GROUP, resourceName: 'g', configurationKeys: null }] });
  assert.equal(described.results[0].errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const altered = await incremental(c, 'g', [{ name: 'share.auto.offset.reset', op: SET, value: 'earliest' }]);
  assert.equal(altered.responses[0].errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
});
