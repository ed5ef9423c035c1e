import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, DataDirLockedError, StorageError } from '../../../src/errors.ts';
import { LogManager, MemoryFileSystem, validateTopicName } from '../../../src/storage/index.ts';
import { FS_KINDS, buildBatch, countingSyncs, defaults, openManager, recordingLogger } from './helpers.ts';

for (const kind of FS_KINDS) {
  const name = (s: string) => `${kind.name} fs: ${s}`;

  test(name('a second LogManager on the same directory is refused'), (t) => {
    const { fs, dir } = kind.make(t);
    const a = openManager(fs, dir);
    assert.throws(
      () => openManager(fs, dir),
      (err: unknown) => err instanceof DataDirLockedError && err.code === 'RUNNEL_DATA_DIR_LOCKED' && err.message.includes(dir),
    );
    a.close();
    const b = openManager(fs, dir);
    b.close();
  });

  test(name('topic metadata survives restarts, config changes, new partitions and deletion'), (t) => {
    const { fs, dir } = kind.make(t);
    let m = openManager(fs, dir);
    const a = m.createTopic('alpha', { partitions: 2, configs: { 'cleanup.policy': 'compact' } });
    const b = m.createTopic('beta.v1_x-y', { partitions: 1, topicId: 'q1Y2aW3rR5S7tUvWxYz01A' });
    m.createTopic('gamma', { partitions: 1 });
    assert.equal(a.topicId.length, 22);
    assert.equal(b.topicId, 'q1Y2aW3rR5S7tUvWxYz01A');
    m.alterTopicConfigs('alpha', { 'retention.ms': '1000', 'cleanup.policy': null });
    m.createPartitions('beta.v1_x-y', 3);
    m.partition('beta.v1_x-y', 2)!.append(buildBatch({ records: 4 }));
    assert.equal(m.deleteTopic('gamma')?.name, 'gamma');
    assert.equal(m.deleteTopic('gamma'), undefined);
    assert.equal(fs.stat(join(dir, 'gamma-0')), undefined);
    const clusterId = m.clusterId;
    m.close();

    m = openManager(fs, dir);
    t.after(() => m.close());
    assert.equal(m.clusterId, clusterId);
    assert.deepEqual(
      m.topics().map((x) => x.name).sort(),
      ['alpha', 'beta.v1_x-y'],
    );
    assert.deepEqual(m.topic('alpha'), { name: 'alpha', topicId: a.topicId, partitions: 2, configs: { 'retention.ms': '1000' } });
    assert.equal(m.topicById(b.topicId)?.name, 'beta.v1_x-y');
    assert.equal(m.topic('beta.v1_x-y')?.partitions, 3);
    assert.equal(m.partition('beta.v1_x-y', 2)?.logEndOffset, 4);
    assert.equal(m.partition('beta.v1_x-y', 3), undefined);
    assert.equal(m.topic('gamma'), undefined);
    assert.equal(m.partition('gamma', 0), undefined);
    assert.match(fs.readFile(join(dir, 'alpha-1', 'partition.metadata')).toString(), new RegExp(`^version: 0\ntopic_id: ${a.topicId}\n$`));
  });

  test(name('deleting a topic removes its directories; the name can be reused'), async (t) => {
    const { fs, dir } = kind.make(t);
    const m = openManager(fs, dir);
    t.after(() => m.close());
    const first = m.createTopic('t', { partitions: 2 });
    const log = m.partition('t', 0)!;
    log.append(buildBatch({ records: 3 }));
    m.deleteTopic('t');
    assert.equal(log.closed, true);
    assert.throws(() => log.read(0, 100), StorageError);
    // Renamed to -delete at once (what the next start would sweep), removed off the event loop.
    assert.deepEqual(fs.readdir(dir).filter((n) => n.startsWith('t-') && !n.endsWith('-delete')), []);
    for (let i = 0; i < 500 && fs.readdir(dir).some((n) => n.startsWith('t-')); i++) await sleep(10);
    assert.deepEqual(fs.readdir(dir).filter((n) => n.startsWith('t-')), []);
    const second = m.createTopic('t', { partitions: 1 });
    assert.notEqual(second.topicId, first.topicId);
    assert.equal(m.partition('t', 0)!.logEndOffset, 0);
  });

  test(name('a gradual deletion renames its directories a slice at a time; a new topic of the same name finishes it first'), async (t) => {
    const { fs, dir } = kind.make(t);
    const m = openManager(fs, dir);
    t.after(() => m.close());
    const oldDirs = (): string[] => fs.readdir(dir).filter((n) => /^wide-\d+$/.test(n));
    const first = m.createTopic('wide', { partitions: 250 });
    m.partition('wide', 220)!.append(buildBatch({ records: 5 })); // in the last slice
    const held: (() => void)[] = [];
    const pause = (): Promise<void> => new Promise((resolve) => held.push(resolve));
    assert.equal(m.deleteTopic('wide', pause)?.topicId, first.topicId);
    // Gone from the metadata at once; the first slice of 100 directories renamed.
    assert.equal(m.topic('wide'), undefined);
    assert.equal(m.partition('wide', 0), undefined);
    assert.equal(oldDirs().length, 150);
    assert.equal(held.length, 1);
    held.shift()!();
    await sleep(0);
    assert.equal(oldDirs().length, 50);
    // Recreated before the last slice: the old directories go first, the new partitions are empty.
    const second = m.createTopic('wide', { partitions: 250 });
    assert.notEqual(second.topicId, first.topicId);
    assert.equal(oldDirs().length, 250);
    assert.equal(m.partition('wide', 220)!.logEndOffset, 0);
    // The deletion's runner, resumed, finds its work done and leaves the new topic alone.
    held.shift()!();
    await sleep(0);
    assert.equal(held.length, 0);
    assert.equal(oldDirs().length, 250);
    assert.equal(m.partition('wide', 220)!.read(0, 100).bytes, 0);
  });

  test(name('closing the log manager finishes a gradual deletion'), (t) => {
    const { fs, dir } = kind.make(t);
    let m = openManager(fs, dir);
    m.createTopic('gone', { partitions: 150 });
    m.deleteTopic('gone', () => new Promise(() => {})); // never resumed
    assert.equal(fs.readdir(dir).filter((n) => /^gone-\d+$/.test(n)).length, 50);
    m.close();
    assert.deepEqual(fs.readdir(dir).filter((n) => /^gone-\d+$/.test(n)), []);
    m = openManager(fs, dir);
    t.after(() => m.close());
    assert.equal(m.topic('gone'), undefined);
    assert.equal(m.cleanShutdown, true);
  });

  test(name('createTopic refuses bad names, bad counts and duplicates'), (t) => {
    const { fs, dir } = kind.make(t);
    const m = openManager(fs, dir);
    t.after(() => m.close());
    assert.throws(() => m.createTopic('bad name', { partitions: 1 }), ConfigError);
    assert.throws(() => m.createTopic('ok', { partitions: 0 }), ConfigError);
    m.createTopic('ok', { partitions: 1 });
    assert.throws(() => m.createTopic('ok', { partitions: 1 }), StorageError);
    assert.throws(() => m.createPartitions('ok', 1), ConfigError);
    assert.throws(() => m.alterTopicConfigs('missing', {}), StorageError);
  });

  test(name('meta.properties is created once and checked against the node id'), (t) => {
    const { fs, dir } = kind.make(t);
    const m = openManager(fs, dir);
    const text = fs.readFile(join(dir, 'meta.properties')).toString();
    assert.match(m.clusterId, /^[A-Za-z0-9_-]{22}$/);
    assert.match(text, new RegExp(`^cluster\\.id=${m.clusterId.replace(/[-]/g, '\\-')}$`, 'm'));
    assert.match(text, /^node\.id=1$/m);
    assert.match(text, /^version=1$/m);
    m.close();
    assert.throws(() => openManager(fs, dir, { nodeId: 2 }), /doesn't match/);
    // the failed open released the lock
    openManager(fs, dir).close();
  });

  test(name('checkpoint files use Kafka\'s text format'), (t) => {
    const { fs, dir } = kind.make(t);
    const m = openManager(fs, dir);
    m.createTopic('t', { partitions: 2 });
    m.partition('t', 1)!.append(buildBatch({ records: 7 }));
    m.close();
    const lines = (f: string) => fs.readFile(join(dir, f)).toString().split('\n');
    const rp = lines('recovery-point-offset-checkpoint');
    assert.deepEqual(rp.slice(0, 2), ['0', '2']);
    assert.deepEqual(rp.slice(2).sort(), ['', 't 0 0', 't 1 7']);
    assert.deepEqual(lines('log-start-offset-checkpoint').slice(2).sort(), ['', 't 0 0', 't 1 0']);
  });

  test(name('topic configs override the broker defaults, and changes apply live'), (t) => {
    const { fs, dir } = kind.make(t);
    const m = openManager(fs, dir, { defaults: defaults({ segmentBytes: 1 << 20 }) });
    t.after(() => m.close());
    const size = buildBatch().length;
    m.createTopic('small', { partitions: 1, configs: { 'segment.bytes': String(size * 2) } });
    m.createTopic('big', { partitions: 1 });
    for (let i = 0; i < 5; i++) {
      m.partition('small', 0)!.append(buildBatch());
      m.partition('big', 0)!.append(buildBatch());
    }
    assert.equal(m.partition('small', 0)!.segmentCount, 3);
    assert.equal(m.partition('big', 0)!.segmentCount, 1);
    m.alterTopicConfigs('big', { 'segment.bytes': String(size) });
    m.partition('big', 0)!.append(buildBatch());
    assert.equal(m.partition('big', 0)!.segmentCount, 2);
    assert.equal(m.logConfig({ 'flush.ms': '9223372036854775807' }).flushMs > Number.MAX_SAFE_INTEGER, true);
  });

  test(name('partition directories of no live topic are set aside as -stray'), (t) => {
    const { fs, dir } = kind.make(t);
    openManager(fs, dir).close();
    fs.mkdir(join(dir, 'ghost-0'));
    fs.mkdir(join(dir, 'ghost-0.0123456789abcdef0123456789abcdef-delete'));
    const logger = recordingLogger();
    const m = openManager(fs, dir, { logger });
    t.after(() => m.close());
    const names = fs.readdir(dir);
    assert.equal(names.includes('ghost-0'), false);
    assert.equal(names.filter((n) => /^ghost-0\.[0-9a-f]{32}-stray$/.test(n)).length, 1);
    assert.equal(names.some((n) => n.endsWith('-delete')), false);
    assert.ok(logger.warnings.some((w) => w.includes('ghost-0')));
  });

  test(name('a topic made gradually is invisible and its name taken until it is whole; one cut short leaves only -stray directories'), async (t) => {
    const { fs, dir } = kind.make(t);
    const m = openManager(fs, dir);
    let pauses = 0;
    const made = m.createTopicGradually('wide', { partitions: 25 }, async () => {
      pauses++;
      assert.equal(m.topic('wide'), undefined, 'not visible while being made');
      assert.throws(() => m.createTopic('wide', { partitions: 1 }), /already exists/);
    });
    assert.equal((await made).partitions, 25);
    assert.equal(pauses, 2, 'a pause after every ten partitions');
    assert.equal(m.partition('wide', 24)!.logEndOffset, 0);
    // Cut short: the process ends during a pause (here, the manager is closed).
    const cut = m.createTopicGradually('cut', { partitions: 30 }, async () => m.close());
    await assert.rejects(cut);
    const reopened = openManager(fs, dir);
    t.after(() => reopened.close());
    assert.equal(reopened.topic('cut'), undefined);
    assert.equal(reopened.topic('wide')?.partitions, 25);
    const names = fs.readdir(dir);
    assert.equal(names.filter((n) => /^cut-\d+$/.test(n)).length, 0);
    assert.equal(names.filter((n) => /^cut-\d+\.[0-9a-f]{32}-stray$/.test(n)).length, 10, 'the first slice, set aside');
    reopened.createTopic('cut', { partitions: 2 });
    assert.equal(reopened.topic('cut')?.partitions, 2);
  });

  test(name('a topic grown gradually takes configs changed meanwhile; one deleted meanwhile stops growing'), async (t) => {
    const { fs, dir } = kind.make(t);
    const m = openManager(fs, dir);
    t.after(() => m.close());
    m.createTopic('g', { partitions: 1 });
    const grown = await m.createPartitionsGradually('g', 26, async () => {
      assert.equal(m.topic('g')!.partitions, 1, 'the new count is written last');
      m.alterTopicConfigs('g', { 'segment.bytes': '2000000' });
    });
    assert.equal(grown.partitions, 26);
    assert.equal(m.partition('g', 25)!.config.segmentBytes, 2000000, 'a partition made before the change has it too');
    m.createTopic('h', { partitions: 1 });
    await assert.rejects(m.createPartitionsGradually('h', 30, async () => void m.deleteTopic('h')), /deleted or changed/);
    assert.equal(m.topic('h'), undefined);
    assert.equal(m.partition('h', 5), undefined);
  });

  test(name('flush.ms flushes in the background and the checkpoint timer writes recovery points'), async (t) => {
    const { fs, dir } = kind.make(t);
    const m = openManager(fs, dir, { defaults: { ...defaults({ flushMs: 20 }), flushOffsetCheckpointIntervalMs: 30 } });
    t.after(() => m.close());
    m.createTopic('t', { partitions: 1 });
    const log = m.partition('t', 0)!;
    log.append(buildBatch({ records: 5 }));
    assert.equal(log.recoveryPoint, 0);
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && !fs.readFile(join(dir, 'recovery-point-offset-checkpoint')).toString().includes('t 0 5')) await sleep(10);
    assert.equal(log.recoveryPoint, 5);
    assert.match(fs.readFile(join(dir, 'recovery-point-offset-checkpoint')).toString(), /^t 0 5$/m);
  });

  test(name('a closed manager refuses changes; close is idempotent'), (t) => {
    const { fs, dir } = kind.make(t);
    const m = openManager(fs, dir);
    m.close();
    m.close();
    assert.equal(m.closed, true);
    assert.throws(() => m.createTopic('x', { partitions: 1 }), StorageError);
  });
}

test("dataDir 'memory' needs no disk and each one is separate", () => {
  const d = defaults();
  const a = LogManager.open({ dataDir: 'memory', nodeId: 1, defaults: d });
  const b = LogManager.open({ dataDir: 'memory', nodeId: 1, defaults: d });
  a.createTopic('t', { partitions: 1 });
  a.partition('t', 0)!.append(buildBatch({ records: 2 }));
  assert.equal(b.topic('t'), undefined);
  assert.notEqual(a.clusterId, b.clusterId);
  a.close();
  b.close();
});

test('memory fs: a topic deletion survives a crash', () => {
  const fs = new MemoryFileSystem();
  let m = openManager(fs, '/d');
  m.createTopic('keep', { partitions: 1 });
  m.createTopic('drop', { partitions: 2 });
  m.deleteTopic('drop');
  fs.crash();
  m = openManager(fs, '/d');
  assert.deepEqual(m.topics().map((x) => x.name), ['keep']);
  m.close();
});

test('validateTopicName follows Kafka', () => {
  assert.equal(validateTopicName('orders.v1_x-Y9'), null);
  assert.equal(validateTopicName('a'.repeat(249)), null);
  assert.match(validateTopicName('')!, /empty/);
  assert.match(validateTopicName('.')!, /"\." or "\.\."/);
  assert.match(validateTopicName('..')!, /"\." or "\.\."/);
  assert.match(validateTopicName('a'.repeat(250))!, /longer than 249/);
  for (const bad of ['a b', 'a/b', 'ü', 'a:b', 'a*']) assert.match(validateTopicName(bad)!, /illegal/, bad);
});

test('creating a topic fsyncs only its metadata record; a partition directory becomes durable at its first flush', () => {
  const fs = new MemoryFileSystem();
  const { counting, syncs } = countingSyncs(fs);
  let m = openManager(counting, '/d');
  syncs.length = 0;
  const t = m.createTopic('wide', { partitions: 50 });
  assert.deepEqual(syncs, ['fsync fd'], 'one fsync: the metadata log');

  const u = m.createTopic('flushed', { partitions: 1 });
  m.partition('flushed', 0)!.append(buildBatch({ records: 3 }));
  syncs.length = 0;
  m.partition('flushed', 0)!.flush();
  // The segment's files, partition.metadata, the partition directory and the data directory.
  assert.ok(syncs.filter((s) => s.startsWith('fsyncDir')).length >= 2, syncs.join(' '));
  fs.crash();
  assert.match(fs.readFile('/d/flushed-0/partition.metadata').toString(), new RegExp(`topic_id: ${u.topicId}\n`));
  assert.equal(fs.readFile('/d/wide-7/partition.metadata').length, 0, 'never flushed: lost in the crash');

  m = openManager(fs, '/d');
  assert.equal(m.partition('flushed', 0)!.logEndOffset, 3);
  assert.equal(m.topic('wide')!.partitions, 50);
  assert.match(fs.readFile('/d/wide-7/partition.metadata').toString(), new RegExp(`topic_id: ${t.topicId}\n`), 'written again at start');
  m.close();
});

test('closing partitions that never got a record costs no fsync per partition; one flush makes all new names durable', () => {
  const fs = new MemoryFileSystem();
  const { counting, syncs } = countingSyncs(fs);
  let m = openManager(counting, '/d');
  m.createTopic('idle', { partitions: 40 });
  m.createTopic('busy', { partitions: 2 });
  for (const p of [0, 1]) m.partition('busy', p)!.append(buildBatch({ records: 2 }));
  syncs.length = 0;
  m.close();
  // The two busy partitions: their files and directories, the data directory once; then the
  // checkpoints. Nothing for the 40 idle ones, and no producer snapshot of an empty log.
  assert.equal(syncs.filter((s) => s === 'fsyncDir /d').length, 1 + 3, syncs.join('\n')); // 1 for the new names, 3 for checkpoint renames
  assert.ok(syncs.length < 30, `${syncs.length} syncs:\n${syncs.join('\n')}`);
  assert.equal(fs.readdir('/d/idle-0').filter((n) => n.endsWith('.snapshot')).length, 0);
  assert.equal(fs.readdir('/d/busy-0').filter((n) => n.endsWith('.snapshot')).length, 1);

  m = openManager(fs, '/d');
  assert.equal(m.partition('idle', 39)!.logEndOffset, 0);
  assert.equal(m.partition('busy', 1)!.logEndOffset, 2);
  m.close();
});
