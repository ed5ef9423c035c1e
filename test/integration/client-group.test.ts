// Consumer groups with our consumer: partitions shared without overlap, committed offsets
// where the next member resumes, range and cooperative-sticky assignors, and a mixed group
// of our consumers and kafkajs consumers; the KIP-848 consumer protocol (coordinator-side
// assignment, leave, fencing after an expired session, joining a kafkajs classic group).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Consumer, KafkaError, Producer, roundRobinAssignor, type ConsumerRecord } from '../../src/client/index.ts';
import { spawnBrokerProcess, startTestBroker, tempDir } from '../helpers/broker.ts';

const CONFIG = { 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '3' };
const GROUP_TIMING = { heartbeatIntervalMs: 100, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, maxWaitMs: 100 };

/**
 * Runs each consumer's poll loop on its own, as applications do (a member rejoins only when
 * it polls), until `done()`; returns what each got.
 */
async function readUntil(consumers: Consumer[], done: (got: ConsumerRecord[][]) => boolean, timeoutMs = 30_000): Promise<ConsumerRecord[][]> {
  const got: ConsumerRecord[][] = consumers.map(() => []);
  const deadline = Date.now() + timeoutMs;
  let finished = false;
  await Promise.all(
    consumers.map(async (c, i) => {
      while (!finished) {
        if (done(got)) {
          finished = true;
          return;
        }
        if (Date.now() > deadline) {
          finished = true;
          throw new Error(`not done after ${timeoutMs} ms: ${got.map((g) => g.length).join(', ')} records`);
        }
        got[i]!.push(...(await c.poll()));
      }
    }),
  );
  return got;
}

const values = (records: ConsumerRecord[]) => records.map((r) => r.value!.toString()).sort();

test('group: two consumers share partitions, commit, and the survivor resumes from the commits', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'shared', numPartitions: 4 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  t.after(() => producer.close());
  await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ topic: 'shared', partition: i % 4, value: `a${i}` })));

  const options = { bootstrapServers: broker.bootstrap, groupId: 'g1', autoOffsetReset: 'earliest' as const, assignors: ['range'], ...GROUP_TIMING };
  const c1 = new Consumer(options);
  const c2 = new Consumer(options);
  t.after(() => Promise.all([c1.close(), c2.close()]));
  c1.subscribe(['shared']);
  c2.subscribe(['shared']);
  // Both members in one generation, each with two partitions.
  const got = await readUntil([c1, c2], (g) => g[0]!.length + g[1]!.length >= 40 && c1.assignment().length === 2 && c2.assignment().length === 2 && c1.groupState()!.generationId === c2.groupState()!.generationId);
  const p1 = c1.assignment().map((tp) => tp.partition).sort();
  const p2 = c2.assignment().map((tp) => tp.partition).sort();
  assert.deepEqual([...p1, ...p2].sort(), [0, 1, 2, 3], 'disjoint and complete');
  assert.equal(c1.groupState()!.protocol, 'range');
  assert.deepEqual(values([...got[0]!, ...got[1]!]).filter((v, i, a) => a.indexOf(v) === i).length, 40);

  await c1.commit();
  await c2.commit();
  const committed = await admin.listGroupOffsets('g1');
  assert.deepEqual(committed.map((o) => [o.partition, o.offset]), [[0, 10], [1, 10], [2, 10], [3, 10]]);

  // c2 leaves; c1 takes everything over and starts at the commits: only new records arrive.
  await c2.close();
  await producer.sendBatch(Array.from({ length: 8 }, (_, i) => ({ topic: 'shared', partition: i % 4, value: `b${i}` })));
  const after = await readUntil([c1], (g) => g[0]!.filter((r) => r.value!.toString().startsWith('b')).length >= 8 && c1.assignment().length === 4);
  assert.deepEqual(values(after[0]!).filter((v) => v.startsWith('a')).filter((v) => !got[0]!.some((r) => r.value!.toString() === v)).length, 0, 'no record of c2 read twice');
  assert.deepEqual(values(after[0]!).filter((v) => v.startsWith('b')), ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7']);

  const groups = await admin.describeGroups(['g1']);
  assert.equal(groups[0]!.members.length, 1);
  assert.equal(groups[0]!.protocol, 'range');
});

test('group: cooperative-sticky moves partitions to a new member without taking all away', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'coop', numPartitions: 6 }]);
  const options = { bootstrapServers: broker.bootstrap, groupId: 'g2', autoOffsetReset: 'earliest' as const, assignors: ['cooperative-sticky'], ...GROUP_TIMING };
  const c1 = new Consumer(options);
  t.after(() => c1.close());
  c1.subscribe(['coop']);
  await readUntil([c1], () => c1.assignment().length === 6);
  const c2 = new Consumer(options);
  t.after(() => c2.close());
  c2.subscribe(['coop']);
  let minKept = 6;
  await readUntil([c1, c2], () => {
    minKept = Math.min(minKept, c1.assignment().length);
    return c1.assignment().length === 3 && c2.assignment().length === 3;
  });
  assert.equal(minKept, 3, 'c1 never gave up more than it had to');
  const all = [...c1.assignment(), ...c2.assignment()].map((tp) => tp.partition).sort();
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5]);
  assert.equal(c2.groupState()!.protocol, 'cooperative-sticky');
});

test('group: our consumers and kafkajs consumers in one group share the partitions', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: CONFIG });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'mixed', numPartitions: 4 }]);

  const kafka = new Kafka({ clientId: 'kafkajs-member', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const js = kafka.consumer({ groupId: 'mixed-group', heartbeatInterval: 100, sessionTimeout: 10_000, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 });
  await js.connect();
  t.after(() => js.disconnect());
  await js.subscribe({ topics: ['mixed'], fromBeginning: true });
  const jsSeen: string[] = [];
  let jsPartitions: number[] = [];
  js.on(js.events.GROUP_JOIN, (e) => {
    jsPartitions = (e.payload.memberAssignment['mixed'] ?? []).slice().sort();
  });
  await js.run({ eachMessage: async ({ message }) => void jsSeen.push(message.value!.toString()) });

  // kafkajs offers only its round-robin assigner, named RoundRobinAssigner.
  const ours = new Consumer({ bootstrapServers: broker.bootstrap, groupId: 'mixed-group', autoOffsetReset: 'earliest', assignors: [roundRobinAssignor('RoundRobinAssigner')], ...GROUP_TIMING });
  t.after(() => ours.close());
  ours.subscribe(['mixed']);

  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  t.after(() => producer.close());
  // Wait for a generation where each member has two partitions, then produce.
  await readUntil([ours], () => ours.assignment().length === 2 && jsPartitions.length === 2);
  await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ topic: 'mixed', partition: i % 4, value: `m${i}` })));
  const got = await readUntil([ours], (g) => g[0]!.length + jsSeen.length >= 40);
  const oursPartitions = ours.assignment().map((tp) => tp.partition).sort();
  assert.deepEqual([...oursPartitions, ...jsPartitions].sort(), [0, 1, 2, 3], 'disjoint and complete');
  assert.deepEqual([...values(got[0]!), ...jsSeen].sort(), Array.from({ length: 40 }, (_, i) => `m${i}`).sort(), 'every record once');
  assert.ok(got[0]!.every((r) => oursPartitions.includes(r.partition)));
});

test('group, consumer protocol (KIP-848): the coordinator assigns; members share, commit, hand over on leave; an unknown assignor is refused', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...CONFIG, 'group.consumer.heartbeat.interval.ms': '100', 'group.consumer.session.timeout.ms': '10000' } });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'kip848', numPartitions: 4 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  t.after(() => producer.close());
  await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ topic: 'kip848', partition: i % 4, value: `a${i}` })));

  const options = { bootstrapServers: broker.bootstrap, groupId: 'g848', groupProtocol: 'consumer' as const, groupRemoteAssignor: 'range', autoOffsetReset: 'earliest' as const, maxWaitMs: 100 };
  const c1 = new Consumer(options);
  const c2 = new Consumer(options);
  t.after(() => Promise.all([c1.close(), c2.close()]));
  c1.subscribe(['kip848']);
  c2.subscribe(['kip848']);
  const got = await readUntil([c1, c2], (g) => g[0]!.length + g[1]!.length >= 40 && c1.assignment().length === 2 && c2.assignment().length === 2);
  const p1 = c1.assignment().map((tp) => tp.partition).sort();
  const p2 = c2.assignment().map((tp) => tp.partition).sort();
  assert.deepEqual([...p1, ...p2].sort(), [0, 1, 2, 3], 'disjoint and complete');
  assert.deepEqual(values([...got[0]!, ...got[1]!]), values(Array.from({ length: 40 }, (_, i) => ({ value: Buffer.from(`a${i}`) }) as ConsumerRecord)), 'each record once');
  assert.ok(c1.groupState()!.generationId > 0, 'a member epoch');
  // The admin describes it with ConsumerGroupDescribe: the coordinator's assignor and each member's partitions.
  const [described] = await admin.describeGroups(['g848']);
  assert.equal(described!.protocolType, 'consumer');
  assert.equal(described!.protocol, 'range');
  assert.deepEqual(described!.members.map((m) => m.memberId).sort(), [c1.groupState()!.memberId, c2.groupState()!.memberId].sort());
  assert.deepEqual(described!.members.flatMap((m) => m.assignment.flatMap((a) => a.partitions)).sort(), [0, 1, 2, 3]);
  assert.match(c1.groupState()!.memberId, /^[0-9a-f-]{36}$|^.{22}$/);

  // Commits carry the member epoch; the coordinator takes them.
  await c1.commit();
  await c2.commit();
  assert.deepEqual((await admin.listGroupOffsets('g848')).map((o) => [o.partition, o.offset]), [[0, 10], [1, 10], [2, 10], [3, 10]]);

  // c2 leaves (epoch -1): c1 gets all four partitions and reads only what is new.
  await c2.close();
  await producer.sendBatch(Array.from({ length: 8 }, (_, i) => ({ topic: 'kip848', partition: i % 4, value: `b${i}` })));
  const after = await readUntil([c1], (g) => g[0]!.filter((r) => r.value!.toString().startsWith('b')).length >= 8 && c1.assignment().length === 4);
  assert.deepEqual(values(after[0]!), ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7']);

  // An assignor the coordinator does not have: UNSUPPORTED_ASSIGNOR, not retried.
  const wrong = new Consumer({ ...options, groupId: 'g848-wrong', groupRemoteAssignor: 'nope' });
  t.after(() => wrong.close());
  wrong.subscribe(['kip848']);
  await assert.rejects(wrong.poll(), (e: unknown) => e instanceof KafkaError && e.kafkaName === 'UNSUPPORTED_ASSIGNOR');
});

test('group, consumer protocol: a member whose session expired is fenced, joins again at epoch 0 with its id, and reads on', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const broker = await spawnBrokerProcess({ dataDir, t, config: { ...CONFIG, 'group.consumer.heartbeat.interval.ms': '100', 'group.consumer.session.timeout.ms': '800' } });
  t.after(() => broker.stop());
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  t.after(() => producer.close());
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'fence', numPartitions: 2 }]);
  await producer.sendBatch([{ topic: 'fence', partition: 0, value: 'x0' }, { topic: 'fence', partition: 1, value: 'x1' }]);
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, groupId: 'g-fence', groupProtocol: 'consumer', autoOffsetReset: 'earliest', maxWaitMs: 100 });
  t.after(() => consumer.close());
  consumer.subscribe(['fence']);
  await readUntil([consumer], (g) => g[0]!.length >= 2);
  const before = consumer.groupState()!;
  await consumer.commit();
  // Block this process past the session timeout: no heartbeat leaves, the broker (another
  // process) expires the member.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
  await producer.sendBatch([{ topic: 'fence', partition: 0, value: 'y0' }, { topic: 'fence', partition: 1, value: 'y1' }]);
  const after = await readUntil([consumer], (g) => g[0]!.length >= 2 && consumer.assignment().length === 2);
  assert.deepEqual(values(after[0]!), ['y0', 'y1'], 'resumes at the commits');
  const state = consumer.groupState()!;
  assert.equal(state.memberId, before.memberId, 'the same member id');
  assert.notEqual(state.generationId, before.generationId, 'a new member epoch');
});

test('group, consumer protocol: our KIP-848 consumer joins a kafkajs (classic) group, which the coordinator upgrades; they share the partitions', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { ...CONFIG, 'group.consumer.heartbeat.interval.ms': '100', 'group.consumer.session.timeout.ms': '10000' } });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'upgrade', numPartitions: 4 }]);

  const kafka = new Kafka({ clientId: 'kafkajs-member', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const js = kafka.consumer({ groupId: 'upgrade-group', heartbeatInterval: 100, sessionTimeout: 10_000, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 });
  await js.connect();
  t.after(() => js.disconnect());
  await js.subscribe({ topics: ['upgrade'], fromBeginning: true });
  const jsSeen: string[] = [];
  let jsPartitions: number[] = [];
  js.on(js.events.GROUP_JOIN, (e) => {
    jsPartitions = (e.payload.memberAssignment['upgrade'] ?? []).slice().sort();
  });
  await js.run({ eachMessage: async ({ message }) => void jsSeen.push(message.value!.toString()) });
  // kafkajs alone first: a classic group with all four partitions.
  for (const deadline = Date.now() + 30_000; jsPartitions.length !== 4; ) {
    if (Date.now() > deadline) throw new Error('kafkajs never got the partitions');
    await sleep(50);
  }

  const ours = new Consumer({ bootstrapServers: broker.bootstrap, groupId: 'upgrade-group', groupProtocol: 'consumer', autoOffsetReset: 'earliest', maxWaitMs: 100 });
  t.after(() => ours.close());
  ours.subscribe(['upgrade']);
  await readUntil([ours], () => ours.assignment().length === 2 && jsPartitions.length === 2);
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  t.after(() => producer.close());
  await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ topic: 'upgrade', partition: i % 4, value: `u${i}` })));
  const got = await readUntil([ours], (g) => g[0]!.length + jsSeen.length >= 40);
  const oursPartitions = ours.assignment().map((tp) => tp.partition).sort();
  assert.deepEqual([...oursPartitions, ...jsPartitions].sort(), [0, 1, 2, 3], 'disjoint and complete');
  assert.deepEqual([...values(got[0]!), ...jsSeen].sort(), Array.from({ length: 40 }, (_, i) => `u${i}`).sort(), 'every record once');
});
