// Issue 7: `runnel` runs dist/bundle/runnel.js, the command line bundled by bin/build.js
// (fewer modules to resolve: a smaller, faster broker), and `import 'runnel'` loads
// dist/bundle/index.js from the same bundle. The rest of the suite runs the sources, so this
// file runs the bundle itself, through what bundling could break: the codecs of the
// generated messages loaded on first use from beside the chunks, the native compression
// packages required from node_modules, the error classes the broker tells apart (one copy
// of each, shared with the codecs), class names, and the client commands' own chunk.
//
// It needs a build as fresh as the sources (`npm run build`; npm install and npm ci make
// one). Without it the file skips locally, and fails under CI, where npm ci has built one.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chooseEntry } from '../../bin/choose-entry.js';
import { API, ZERO_UUID } from '../../src/protocol/index.ts';
import { spawnBrokerProcess, tempDir } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { runnel } from './cli-support.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = join(root, 'dist', 'bundle', 'runnel.js');
const chosen = chooseEntry(root, {});
const stale = chosen.kind === 'compiled' ? false : `no fresh build to run (${chosen.reason}); npm run build`;
if (stale && process.env['CI']) throw new Error(`CI must run the bundled CLI, but ${stale}`);

test('the bundled runnel serves real clients and bad input as the sources do', { skip: stale, timeout: 120_000 }, async (t) => {
  assert.equal(chosen.path, BUNDLE);
  const broker = await spawnBrokerProcess({ t, dataDir: await tempDir(t), entry: BUNDLE, config: { 'num.partitions': '1' } });
  t.after(() => broker.stop());

  await t.test('records kcat compresses with each codec come back through `runnel consume`', async () => {
    // The client decompresses each batch: snappy and lz4 through their npm packages, gzip and
    // zstd through node:zlib, all loaded on first use.
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const lines = Array.from({ length: 50 }, (_, i) => `${codec} record ${i} ${'x'.repeat(i * 7)}`);
      await kcat(['-P', '-b', broker.bootstrap, '-t', `bundle-${codec}`, '-z', codec], { input: `${lines.join('\n')}\n`, timeoutMs: 30_000 });
      const consumed = await runnel(['consume', `bundle-${codec}`], { bootstrap: broker.bootstrap, entry: BUNDLE });
      assert.equal(consumed.code, 0, consumed.stderr);
      assert.deepEqual(consumed.stdout.trimEnd().split('\n'), lines, codec);
    }
    const listed = await runnel(['topics', 'list'], { bootstrap: broker.bootstrap, entry: BUNDLE });
    assert.equal(listed.code, 0, listed.stderr);
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) assert.match(listed.stdout, new RegExp(`^bundle-${codec}\\b`, 'm'));
  });

  await t.test('a truncated request and an unsupported version close their connections; the broker goes on', async () => {
    const raw = await RawClient.connect(broker.port);
    const metadata = API.Metadata.createRequest();
    metadata.topics = [{ name: 'bundle-zstd', topicId: ZERO_UUID }];
    const full = raw.frame(API.Metadata.apiKey, 12, metadata);
    const cut = Buffer.from(full.subarray(0, full.length - 3));
    cut.writeInt32BE(cut.length - 4);
    raw.write(cut);
    assert.equal(await raw.waitClosed(5000), true, 'truncated Metadata: connection closed');

    const wrongVersion = await RawClient.connect(broker.port);
    wrongVersion.write(wrongVersion.frame(API.Metadata.apiKey, 12, metadata).fill(0x7f, 6, 8));
    assert.equal(await wrongVersion.waitClosed(5000), true, 'Metadata v32639: connection closed');

    const good = await RawClient.connect(broker.port);
    t.after(() => good.close());
    const answer = await good.request(API.Metadata.apiKey, 12, metadata);
    assert.deepEqual(answer.topics.map((topic: { name: string; errorCode: number }) => [topic.name, topic.errorCode]), [['bundle-zstd', 0]]);
    assert.doesNotMatch(broker.output(), /TypeError|ReferenceError|Cannot find module/);
  });

  await t.test('usage errors exit 2 with their line and the help, as from the sources', async () => {
    // The CLI tells a UsageError by its `name`, set in a literal because bundling may rename the class.
    for (const [args, line] of [[['start', '--port', 'nope'], 'runnel: invalid --port nope'], [['consume'], 'runnel: missing topic']] as const) {
      const run = await runnel([...args], { entry: BUNDLE });
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr.split('\n')[0], line);
      assert.match(run.stderr, /^Usage: runnel /m);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
  });
});

test("import 'runnel' is the bundle's index: a broker and clients from it, and its error classes", { skip: stale, timeout: 60_000 }, async (t) => {
  // The package's own name resolves through its "exports", as it does for a project that
  // installed it. A variable specifier: the type check must not need a build.
  const name = 'runnel';
  assert.equal(import.meta.resolve(name), pathToFileURL(join(root, 'dist', 'bundle', 'index.js')).href);
  const runnel = (await import(name)) as typeof import('../../src/index.ts');

  const broker = await runnel.startBroker({ port: 0, dataDir: 'memory' });
  t.after(() => broker.stop());
  const admin = new runnel.Admin({ bootstrapServers: broker.bootstrap });
  t.after(() => admin.close());
  await admin.createTopics([{ name: 'bundle-library', numPartitions: 1 }]);
  const refused = await admin.createTopics([{ name: 'bundle-library', numPartitions: 1 }]).then(() => null, (err: unknown) => err);
  assert.ok(refused instanceof runnel.KafkaError, `a KafkaError from the bundle's own class: ${String(refused)}`);
  assert.equal(refused.kafkaName, 'TOPIC_ALREADY_EXISTS');

  const producer = new runnel.Producer({ bootstrapServers: broker.bootstrap, compression: 'lz4' });
  for (let i = 0; i < 20; i++) await producer.send({ topic: 'bundle-library', key: `k${i}`, value: `value ${i}` });
  await producer.close();
  const consumer = new runnel.Consumer({ bootstrapServers: broker.bootstrap, groupId: 'bundle-library', autoOffsetReset: 'earliest' });
  t.after(() => consumer.close());
  consumer.subscribe(['bundle-library']);
  const values: string[] = [];
  for await (const record of consumer) {
    values.push(record.value!.toString());
    if (values.length === 20) break;
  }
  assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => `value ${i}`));

  // Bundling may rename classes (bin/build.js); error classes keep the names they set.
  const bad = await runnel.startBroker({ port: 0, dataDir: 'memory', config: { 'num.partitions': 'many' } }).then(() => null, (err: unknown) => err);
  assert.ok(bad instanceof runnel.ConfigError, String(bad));
  assert.equal(bad.name, 'ConfigError');
  const errorClasses = Object.entries(runnel).filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error);
  assert.ok(errorClasses.length >= 8, `${errorClasses.length} error classes exported`);
  for (const [exported, ErrorClass] of errorClasses) assert.equal(new (ErrorClass as new (...args: unknown[]) => Error)(1, 'message').name, exported);
});

test('under --enable-source-maps, stack traces from the bundle name the TypeScript sources', { skip: stale, timeout: 30_000 }, async () => {
  const script = "import('runnel').then((m) => { try { new m.Producer({ bootstrapServers: '' }); } catch (err) { console.log(err.stack); } });";
  const child = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=commonjs', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /^TypeError: no bootstrap servers given$/m);
  assert.match(child.stdout, new RegExp(`\\(${join(root, 'src', 'client', 'pool.ts').replaceAll('/', '\\/')}:\\d+:\\d+\\)`));
});
