// kcat (librdkafka, the C client under most non-Java clients) against a broker in this process:
// `kcat -L` sees the broker and its topics, and 100,000 records go in from a file and come
// back byte for byte identical, once per compression codec. The codec runs share one broker.
// Topics are created by the first produce (auto.create.topics.enable, num.partitions=1).

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';

import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';

const RECORDS = 100_000;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** What `kcat -L -J` prints, as far as these tests read it. */
interface KcatMetadata {
  brokers: { id: number; name: string }[];
  topics: {
    topic: string;
    error?: string;
    partitions: { partition: number; leader: number; error?: string }[];
  }[];
}

test('kcat (librdkafka) against the broker', { timeout: 600_000 }, async (t) => {
  const broker = await startTestBroker(t, {
    config: { 'auto.create.topics.enable': 'true', 'num.partitions': '1' },
  });
  const bootstrap = broker.bootstrap;
  const dir = await tempDir(t);

  await t.test('kcat -L lists the broker and the topics', async () => {
    await kcat(['-P', '-b', bootstrap, '-t', 'kcat-metadata', '-p', '0'], { input: 'one\ntwo\n' });
    const { stdout } = await kcat(['-L', '-J', '-b', bootstrap]);
    const metadata = JSON.parse(stdout.toString('utf8')) as KcatMetadata;

    assert.deepEqual(metadata.brokers.map((b) => b.name), [bootstrap]);
    const topic = metadata.topics.find((entry) => entry.topic === 'kcat-metadata');
    assert.ok(topic, `kcat-metadata missing from ${JSON.stringify(metadata.topics.map((e) => e.topic))}`);
    assert.equal(topic.error, undefined);
    assert.equal(topic.partitions.length, 1);
    assert.equal(topic.partitions[0]!.error, undefined);
    assert.equal(topic.partitions[0]!.leader, metadata.brokers[0]!.id);

    const single = JSON.parse((await kcat(['-L', '-J', '-b', bootstrap, '-t', 'kcat-metadata'])).stdout.toString()) as KcatMetadata;
    assert.deepEqual(single.topics.map((entry) => entry.topic), ['kcat-metadata']);
  });

  // One file of "key:value" lines serves every codec; -K: splits each line into key and value.
  const file = join(dir, 'records.txt');
  const lines = makeLines(RECORDS);
  await writeFile(file, lines);

  for (const codec of CODECS) {
    await t.test(`${RECORDS} records through kcat -P -z ${codec}, read back by kcat -C`, { timeout: 115_000 }, async () => {
      const topic = `kcat-${codec}`;
      const produced = await kcat(['-P', '-b', bootstrap, '-t', topic, '-p', '0', '-z', codec, '-K', ':', '-l', file], { timeoutMs: 50_000 });
      const { stdout } = await kcat(
        ['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k:%s\\n'],
        { timeoutMs: 50_000 },
      );
      // kcat -P can exit 0 after failed deliveries; its stderr then explains a short read.
      assertSameLines(stdout, lines, produced.stderr);
    });
  }
});

/**
 * RECORDS lines "key-N:value", values 20 to 220 bytes of varied text (compressible, as real data
 * is, but not uniform), no ':' or newline inside. Deterministic, so a failure reproduces.
 */
function makeLines(count: number): Buffer {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,;!?{}[]()"=+*/';
  let seed = 0x9e3779b9;
  const random = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = 20 + Math.floor(random() * 200);
    let value = `${i} `;
    while (value.length < length) value += alphabet[Math.floor(random() * alphabet.length)];
    parts.push(`key-${i % 997}:${value}\n`);
  }
  return Buffer.from(parts.join(''), 'utf8');
}

/** Compares line by line, so a failure names the first differing record instead of 10 MB. */
function assertSameLines(actual: Buffer, expected: Buffer, producerStderr: string): void {
  if (actual.equals(expected)) return;
  const got = actual.toString('utf8').split('\n');
  const want = expected.toString('utf8').split('\n');
  let first = 0;
  while (first < Math.max(got.length, want.length) && got[first] === want[first]) first++;
  assert.fail(
    `kcat read back ${got.length - 1} records, expected ${want.length - 1}; first difference at record ${first}:\n` +
      `  expected ${JSON.stringify(want[first])}\n  actual   ${JSON.stringify(got[first])}` +
      (producerStderr.trim() ? `\n  kcat -P stderr (end):\n${producerStderr.trimEnd().slice(-3000)}` : ''),
  );
}
