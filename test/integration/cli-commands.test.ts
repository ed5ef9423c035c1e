// Every `runnel` client command end to end: the CLI runs as a child process against a
// broker started in the test process, as a user would run it, and its exit codes and
// output are checked, error cases included (one line, no stack trace).

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Producer } from '../../src/client/index.ts';
import { startBroker } from '../../src/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { createScramUser, makeCertificates } from './security-support.ts';
import { assertOneLineFailure, runnel } from './cli-support.ts';

test('cli: help on every command, usage errors exit 2', async () => {
  const top = await runnel(['--help']);
  assert.equal(top.code, 0);
  const commands = ['topics', 'produce', 'consume', 'configs', 'groups', 'perf', 'acls', 'users'];
  const helps = await Promise.all(commands.map((command) => runnel([command, '--help'])));
  commands.forEach((command, i) => {
    assert.match(top.stdout, new RegExp(`\\b${command}\\b`));
    assert.equal(helps[i]!.code, 0, command);
    assert.match(helps[i]!.stdout, /^Usage: runnel /);
    assert.match(helps[i]!.stdout, /Examples:/);
  });
  const unknown = await runnel(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^runnel: unknown command 'frobnicate'/);
  const badFlag = await runnel(['topics', 'list', '--no-such-flag']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /^runnel: Unknown option '--no-such-flag'/);
  const badValue = await runnel(['topics', 'create', 'x', '--partitions', 'many']);
  assert.equal(badValue.code, 2);
  assert.match(badValue.stderr, /^runnel: --partitions must be an integer/);
});

test('cli: topics create, list, describe, alter and delete, with their error cases', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const b = { bootstrap: broker.bootstrap };
  const created = await runnel(['topics', 'create', 'orders', '--partitions', '3'], b);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'created topic orders with 3 partitions\n');
  assertOneLineFailure(await runnel(['topics', 'create', 'orders'], b), /^runnel: TOPIC_ALREADY_EXISTS \(orders\)/);
  assert.equal((await runnel(['topics', 'create', 'orders', '--if-not-exists'], b)).code, 0);

  // RUNNEL_BOOTSTRAP works as --bootstrap does.
  const listed = await runnel(['topics', 'list'], { env: { RUNNEL_BOOTSTRAP: broker.bootstrap } });
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, 'orders\n');
  assert.deepEqual(JSON.parse((await runnel(['topics', 'list', '--json'], b)).stdout), ['orders']);

  const table = await runnel(['topics', 'describe', 'orders'], b);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^TOPIC\s+PARTITION\s+LEADER\s+REPLICAS\s+ISR\s+EARLIEST\s+LATEST\s+RECORDS\n/);
  assert.equal(table.stdout.trim().split('\n').length, 4);
  const described = JSON.parse((await runnel(['topics', 'describe', 'orders', '--json'], b)).stdout);
  assert.equal(described[0].partitions.length, 3);
  assertOneLineFailure(await runnel(['topics', 'describe', 'nope'], b), /^runnel: UNKNOWN_TOPIC_OR_PARTITION \(nope\)/);

  const altered = await runnel(['topics', 'alter', 'orders', '--partitions', '5', '--config', 'retention.ms=3600000'], b);
  assert.equal(altered.code, 0, altered.stderr);
  assert.equal(JSON.parse((await runnel(['topics', 'describe', 'orders', '--json'], b)).stdout)[0].partitions.length, 5);
  const config = JSON.parse((await runnel(['configs', 'get', 'orders', 'retention.ms', '--json'], b)).stdout);
  assert.equal(config['retention.ms'].value, '3600000');
  assertOneLineFailure(await runnel(['topics', 'alter', 'orders', '--partitions', '2'], b), /^runnel: INVALID_PARTITIONS \(orders\)/);

  const deleted = await runnel(['topics', 'delete', 'orders'], b);
  assert.equal(deleted.code, 0);
  assert.equal(deleted.stdout, 'deleted topic orders\n');
  assertOneLineFailure(await runnel(['topics', 'delete', 'orders'], b), /^runnel: UNKNOWN_TOPIC_OR_PARTITION \(orders\)/);
  assert.equal((await runnel(['topics', 'delete', 'orders', '--if-exists'], b)).code, 0);
  assert.equal((await runnel(['topics', 'list'], b)).stdout, '');
});

test('cli: produce lines with keys, headers and compression; consume them back in text and JSON', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const b = { bootstrap: broker.bootstrap };
  assert.equal((await runnel(['topics', 'create', 'events', '--partitions', '2'], b)).code, 0);
  const lines = Array.from({ length: 30 }, (_, i) => `user-${i % 5}:event ${i}`);
  const produced = await runnel(['produce', 'events', '-K', ':', '-H', 'source=cli', '-H', 'n=1', '--compression', 'zstd', '--json'], { ...b, input: lines.join('\n') + '\n' });
  assert.equal(produced.code, 0, produced.stderr);
  const summary = JSON.parse(produced.stdout);
  assert.equal(summary.records, 30);

  const json = await runnel(['consume', 'events', '--format', 'json'], b);
  assert.equal(json.code, 0, json.stderr);
  const records = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(records.length, 30);
  assert.deepEqual(records.map((r) => `${r.key}:${r.value}`).sort(), [...lines].sort());
  assert.deepEqual(records[0].headers, { source: 'cli', n: '1' });
  // The same key always lands on the same partition.
  const partitionOf = new Map<string, number>();
  for (const r of records) {
    assert.equal(partitionOf.get(r.key) ?? r.partition, r.partition);
    partitionOf.set(r.key, r.partition);
  }

  // JSON lines out of consume go back into produce: same keys, values, headers and partitions.
  assert.equal((await runnel(['topics', 'create', 'events-copy', '--partitions', '2'], b)).code, 0);
  const copied = await runnel(['produce', 'events-copy', '--format', 'json'], { ...b, input: json.stdout });
  assert.equal(copied.code, 0, copied.stderr);
  const copy = (await runnel(['consume', 'events-copy', '--format', 'json'], b)).stdout.trim().split('\n').map((l) => JSON.parse(l));
  const strip = (r: { key: string; value: string; headers: object; partition: number; timestamp: number }) => ({ key: r.key, value: r.value, headers: r.headers, partition: r.partition, timestamp: r.timestamp });
  const byValue = (a: { value: string }, b2: { value: string }) => a.value.localeCompare(b2.value);
  assert.deepEqual(copy.map(strip).sort(byValue), records.map(strip).sort(byValue));
  assertOneLineFailure(await runnel(['produce', 'events-copy', '--format', 'json'], { ...b, input: '{"value":"ok"}\nnot json\n' }), /^runnel: line 2 is not JSON: not json$/);

  const one = await runnel(['consume', 'events', '--partition', '0', '--offset', '1', '--max-messages', '2', '--print-key'], b);
  assert.equal(one.code, 0, one.stderr);
  const p0 = records.filter((r) => r.partition === 0);
  assert.equal(one.stdout, p0.slice(1, 3).map((r) => `${r.key}\t${r.value}\n`).join(''));

  // Produce from a file, to one partition; read by timestamp.
  const dir = await tempDir(t);
  const file = join(dir, 'lines.txt');
  await writeFile(file, 'first\nsecond\nthird\n');
  const before = Date.now();
  assert.equal((await runnel(['produce', 'plain', '--file', file, '--partition', '0'], b)).code, 0);
  const text = await runnel(['consume', 'plain'], b);
  assert.equal(text.stdout, 'first\nsecond\nthird\n');
  const fromTime = await runnel(['consume', 'plain', '--timestamp', String(before - 60_000)], b);
  assert.equal(fromTime.stdout, 'first\nsecond\nthird\n');
  const future = await runnel(['consume', 'plain', '--timestamp', new Date(Date.now() + 3_600_000).toISOString()], b);
  assert.equal(future.code, 0);
  assert.equal(future.stdout, '');
});

test('cli: consume --follow waits for new records and stops at --max-messages', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const b = { bootstrap: broker.bootstrap };
  assert.equal((await runnel(['topics', 'create', 'live', '--partitions', '1'], b)).code, 0);
  assert.equal((await runnel(['produce', 'live'], { ...b, input: 'old\n' })).code, 0);
  const following = runnel(['consume', 'live', '--follow', '--max-messages', '2'], b);
  // Produce until the follower has seen two new records (it may join after the first).
  let done = false;
  void following.then(() => (done = true));
  for (let i = 0; !done && i < 100; i++) {
    await runnel(['produce', 'live'], { ...b, input: `new ${i}\n` });
  }
  const run = await following;
  assert.equal(run.code, 0, run.stderr);
  const got = run.stdout.trim().split('\n');
  assert.equal(got.length, 2);
  assert.ok(got.every((l) => l.startsWith('new ')), run.stdout);
});

test('cli: configs get and set', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const b = { bootstrap: broker.bootstrap };
  assert.equal((await runnel(['topics', 'create', 'conf'], b)).code, 0);
  const set = await runnel(['configs', 'set', 'conf', 'retention.ms=60000', 'cleanup.policy=compact'], b);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'updated 2 configs of topic conf\n');
  const table = await runnel(['configs', 'get', 'conf'], b);
  assert.match(table.stdout, /^NAME\s+VALUE\s+SOURCE\n/);
  assert.match(table.stdout, /\nretention\.ms\s+60000\s+DYNAMIC_TOPIC_CONFIG\n/);
  assert.equal((await runnel(['configs', 'set', 'conf', '--delete', 'retention.ms'], b)).code, 0);
  const after = JSON.parse((await runnel(['configs', 'get', 'conf', 'retention.ms', 'cleanup.policy', '--json'], b)).stdout);
  assert.equal(after['retention.ms'].source, 'DEFAULT_CONFIG');
  assert.equal(after['cleanup.policy'].value, 'compact');
  assertOneLineFailure(await runnel(['configs', 'set', 'conf', 'retention.ms=soon'], b), /^runnel: INVALID_CONFIG \(conf\)/);
  assertOneLineFailure(await runnel(['configs', 'get', 'missing'], b), /^runnel: UNKNOWN_TOPIC_OR_PARTITION/);
  const usage = await runnel(['configs', 'set', 'conf', 'novalue'], b);
  assert.equal(usage.code, 2);
});

test('cli: unknown topic, broker down and a missing file fail with one line and exit 1', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { 'auto.create.topics.enable': 'false' } });
  const b = { bootstrap: broker.bootstrap };
  const [consume, produce, file] = await Promise.all([
    runnel(['consume', 'nope'], b),
    runnel(['produce', 'nope'], { ...b, input: 'x\n' }),
    runnel(['produce', 'nope', '--file', '/nonexistent/file'], b),
  ]);
  assertOneLineFailure(consume, /^runnel: UNKNOWN_TOPIC_OR_PARTITION \(nope\): topic 'nope' does not exist$/);
  assertOneLineFailure(produce, /^runnel: UNKNOWN_TOPIC_OR_PARTITION \(nope\)/);
  assertOneLineFailure(file, /^runnel: no such file or directory/);
  const down = [['topics', 'list'], ['consume', 'x'], ['produce', 'x'], ['configs', 'get', 'x'], ['groups', 'list']];
  const runs = await Promise.all(down.map((args) => runnel(args, { bootstrap: '127.0.0.1:1', input: 'x\n' })));
  for (const run of runs) {
    assertOneLineFailure(run, /^runnel: cannot reach the broker: could not connect to 127\.0\.0\.1:1: ECONNREFUSED.*is it running\?/);
  }
});

test('cli: consume --group commits; groups list, describe (lag per partition), reset-offsets and delete', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '2' } });
  const b = { bootstrap: broker.bootstrap };
  assert.equal((await runnel(['topics', 'create', 'jobs', '--partitions', '2'], b)).code, 0);
  assert.equal((await runnel(['produce', 'jobs', '-K', ':'], { ...b, input: 'a:1\nb:2\nc:3\nd:4\n' })).code, 0);
  const first = await runnel(['consume', 'jobs', '--group', 'workers'], b);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(first.stdout.trim().split('\n').sort(), ['1', '2', '3', '4']);

  const listed = JSON.parse((await runnel(['groups', 'list', '--json'], b)).stdout);
  assert.deepEqual(listed.map((g: { groupId: string }) => g.groupId), ['workers']);
  assert.equal((await runnel(['produce', 'jobs', '-K', ':'], { ...b, input: 'e:5\nf:6\n' })).code, 0);
  const [described] = JSON.parse((await runnel(['groups', 'describe', 'workers', '--json'], b)).stdout);
  assert.equal(described.state, 'Empty');
  const lag = described.offsets.reduce((sum: number, o: { lag: number }) => sum + o.lag, 0);
  assert.equal(lag, 2, JSON.stringify(described.offsets));
  const table = await runnel(['groups', 'describe', 'workers'], b);
  assert.match(table.stdout, /^group workers: Empty, 0 members\nTOPIC\s+PARTITION\s+COMMITTED\s+END\s+LAG\s+MEMBER\n/);

  // The group resumes where it committed: only the new records.
  const second = await runnel(['consume', 'jobs', '--group', 'workers'], b);
  assert.deepEqual(second.stdout.trim().split('\n').sort(), ['5', '6']);

  // Reset: a dry run changes nothing; then back to the start, and the group reads everything again.
  const dry = JSON.parse((await runnel(['groups', 'reset-offsets', 'workers', '--topic', 'jobs', '--shift-by=-1', '--dry-run', '--json'], b)).stdout);
  assert.equal(dry.dryRun, true);
  assert.deepEqual(dry.offsets.map((o: { offset: number; from: number }) => o.from - o.offset), [1, 1]);
  const reset = await runnel(['groups', 'reset-offsets', 'workers', '--topic', 'jobs', '--to-earliest'], b);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /^TOPIC\s+PARTITION\s+FROM\s+TO\n/);
  const again = await runnel(['consume', 'jobs', '--group', 'workers'], b);
  assert.deepEqual(again.stdout.trim().split('\n').sort(), ['1', '2', '3', '4', '5', '6']);

  const usage = await runnel(['consume', 'jobs', '--group', 'workers', '--offset', '0'], b);
  assert.equal(usage.code, 2);
  assert.equal((await runnel(['groups', 'delete', 'workers'], b)).code, 0);
  assert.equal((await runnel(['groups', 'list'], b)).stdout, 'GROUP  STATE  TYPE  PROTOCOL\n');
});

test('cli: perf produce and perf consume report what they moved', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const b = { bootstrap: broker.bootstrap };
  const produced = await runnel(['perf', 'produce', 'load', '--records', '3000', '--record-size', '200', '--compression', 'lz4', '--json'], b);
  assert.equal(produced.code, 0, produced.stderr);
  const p = JSON.parse(produced.stdout);
  assert.equal(p.records, 3000);
  assert.equal(p.bytes, 600_000);
  assert.ok(p.recordsPerSecond > 0);
  const consumed = await runnel(['perf', 'consume', 'load'], b);
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.match(consumed.stdout, /^consumed 3000 records \(600000 bytes\) in [\d.]+ s: \d+ records\/s, [\d.]+ MB\/s\n$/);
  // --records stops there, even inside a fetched batch.
  const some = await runnel(['perf', 'consume', 'load', '--records', '1234', '--json'], b);
  assert.equal(some.code, 0, some.stderr);
  assert.deepEqual([JSON.parse(some.stdout).records, JSON.parse(some.stdout).bytes], [1234, 1234 * 200]);
});

test('cli: --tls-ca and SASL flags against the broker TLS listeners; untrusted certificates, wrong passwords and bad flags fail clearly', async (t) => {
  const certs = await makeCertificates(t);
  const running = await startBroker({
    dataDir: 'memory',
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
      'ssl.keystore.location': certs.serverKeystore,
    },
  });
  t.after(() => running.stop());
  const [plaintext, ssl, saslSsl] = running.listeners.map((l) => l.port);
  await createScramUser(plaintext!, 'erin', 'erin-secret', ['SCRAM-SHA-256']);
  const overTls = { bootstrap: `localhost:${ssl}` };
  const overSasl = (password: string) => ({ bootstrap: `localhost:${saslSsl}`, env: { RUNNEL_SASL_PASSWORD: password } });
  const sasl = ['--tls-ca', certs.caCert, '--sasl-mechanism', 'SCRAM-SHA-256', '--sasl-username', 'erin'];
  const [created, untrusted, noUser, wrongPassword] = await Promise.all([
    runnel(['topics', 'create', 'secure', '--tls-ca', certs.caCert], overTls),
    runnel(['topics', 'list', '--tls'], overTls),
    runnel(['topics', 'list', '--sasl-mechanism', 'PLAIN'], overTls),
    runnel(['topics', 'list', ...sasl], overSasl('wrong')),
  ]);
  assert.equal(created.code, 0, created.stderr);
  assertOneLineFailure(untrusted, /^runnel: cannot reach the broker: could not connect to localhost:\d+: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  assert.equal(noUser.code, 2);
  assert.match(noUser.stderr, /^runnel: --sasl-mechanism needs --sasl-username/);
  assertOneLineFailure(wrongPassword, /^runnel: .*(SASL_AUTHENTICATION_FAILED|[Aa]uthentication failed)/);
  assert.equal((await runnel(['topics', 'list', ...sasl], overSasl('erin-secret'))).stdout, 'secure\n');
});

test('cli: consume --isolation-level read_committed skips aborted transactions; --group-protocol consumer reads as a KIP-848 member', async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { 'group.initial.rebalance.delay.ms': '0', 'group.consumer.heartbeat.interval.ms': '100' } });
  const b = { bootstrap: broker.bootstrap };
  assert.equal((await runnel(['topics', 'create', 'ledger', '--partitions', '1'], b)).code, 0);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'cli-ledger' });
  t.after(() => producer.close());
  await producer.initTransactions();
  for (const [values, commit] of [[['t1', 't2'], true], [['gone'], false], [['t3'], true]] as const) {
    producer.beginTransaction();
    await producer.sendBatch(values.map((value) => ({ topic: 'ledger', value })));
    if (commit) await producer.commitTransaction();
    else await producer.abortTransaction();
  }
  // An open transaction: read_committed stops before it instead of waiting.
  producer.beginTransaction();
  await producer.send({ topic: 'ledger', value: 'open' });

  const committed = await runnel(['consume', 'ledger', '--isolation-level', 'read_committed'], b);
  assert.equal(committed.code, 0, committed.stderr);
  assert.equal(committed.stdout, 't1\nt2\nt3\n');
  const all = await runnel(['consume', 'ledger'], b);
  assert.equal(all.stdout, 't1\nt2\ngone\nt3\nopen\n');
  await producer.abortTransaction();

  const member = await runnel(['consume', 'ledger', '--group', 'kip848-cli', '--group-protocol', 'consumer', '--isolation-level', 'read_committed', '--json'], b);
  assert.equal(member.code, 0, member.stderr);
  assert.deepEqual(member.stdout.trim().split('\n').map((l) => JSON.parse(l).value), ['t1', 't2', 't3']);
  const groups = await runnel(['groups', 'list', '--json'], b);
  assert.deepEqual((JSON.parse(groups.stdout) as { groupId: string; type: string }[]).filter((g) => g.groupId === 'kip848-cli').map((g) => g.type), ['consumer']);
  const described = await runnel(['groups', 'describe', 'kip848-cli'], b);
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /assignor uniform/); // the broker's default, from ConsumerGroupDescribe
  assert.match(described.stdout, /ledger\s+0\s+9\s+9\s+0/, described.stdout); // committed past the last marker: no lag

  for (const bad of [['--group-protocol', 'eager', '--group', 'g'], ['--group-protocol', 'consumer'], ['--isolation-level', 'dirty']]) {
    const r = await runnel(['consume', 'ledger', ...bad], b);
    assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
  }
});
