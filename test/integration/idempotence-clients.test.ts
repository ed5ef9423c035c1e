// Issue 5, acceptance 1 (idempotent part), with real clients: a confluent-kafka-python
// idempotent producer whose broker is killed (-9) and restarted in the middle of its sends
// writes every record exactly once, in order; kcat with enable.idempotence=true and a
// kafkajs idempotent producer produce through the sequence checks.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { spawnBrokerProcess, startTestBroker, tempDir } from '../helpers/broker.ts';
import { kcat } from '../helpers/kcat.ts';
import { runPython, type PythonScript } from '../helpers/python.ts';

async function readValues(bootstrap: string, topic: string): Promise<string[]> {
  const { stdout } = await kcat(['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\\n']);
  return stdout.toString('utf8').split('\n').filter((l) => l !== '');
}

test('confluent-kafka idempotent producer across a kill -9 and restart: no duplicate, no gap', { timeout: 120_000 }, async (t) => {
  const dataDir = await tempDir(t);
  let broker = await spawnBrokerProcess({ dataDir, t });
  const port = broker.port;
  await kcat(['-P', '-b', broker.bootstrap, '-t', 'idem-kill', '-p', '0'], { input: '' }).catch(() => undefined);
  const count = 3000;
  const producing = runPython<{ delivered: number; offsets: number[] }>(
    'ck_idempotent' as PythonScript,
    { bootstrap: broker.bootstrap, topic: 'idem-kill', count, chunk: 30, pause: 0.03, timeout: 60 },
    { timeoutMs: 90_000 },
  );
  await sleep(1500);
  await broker.kill9();
  broker = await spawnBrokerProcess({ dataDir, port, t });
  const result = await producing;
  assert.equal(result.delivered, count);
  const values = await readValues(broker.bootstrap, 'idem-kill');
  assert.deepEqual(values, Array.from({ length: count }, (_, i) => `v-${i}`));
  assert.deepEqual(result.offsets, Array.from({ length: count }, (_, i) => i));
  await broker.stop();
});

test('kcat with enable.idempotence=true and a kafkajs idempotent producer', { timeout: 60_000 }, async (t) => {
  const broker = await startTestBroker(t, { dataDir: 'memory' });
  const lines = Array.from({ length: 500 }, (_, i) => `k-${i}`);
  await kcat(['-P', '-b', broker.bootstrap, '-t', 'idem-kcat', '-p', '0', '-X', 'enable.idempotence=true'], { input: lines.join('\n') + '\n' });
  assert.deepEqual(await readValues(broker.bootstrap, 'idem-kcat'), lines);

  const kafka = new Kafka({ clientId: 'idem-js', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  for (let i = 0; i < 5; i++) {
    const sent = await producer.send({ topic: 'idem-js', acks: -1, messages: Array.from({ length: 10 }, (_, j) => ({ partition: 0, value: `j-${i * 10 + j}` })) });
    assert.equal(sent[0]!.errorCode, 0);
    assert.equal(sent[0]!.baseOffset, String(i * 10));
  }
  assert.deepEqual(await readValues(broker.bootstrap, 'idem-js'), Array.from({ length: 50 }, (_, i) => `j-${i}`));
});
