// Listener configuration as Kafka reads it: advertised.listeners is what Metadata tells
// clients, while startBroker() reports where it really listens; and `runnel start` takes a
// server.properties file (--config) with --set overrides on top.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { API, ZERO_UUID } from '../../src/protocol/index.ts';
import { startBroker } from '../../src/index.ts';
import { spawnBrokerProcess, tempDir } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

async function metadata(port: number, topics: string[] | null) {
  const client = await RawClient.connect(port);
  try {
    const request = API.Metadata.createRequest();
    request.topics = topics && topics.map((name) => ({ name, topicId: ZERO_UUID }));
    return await client.request(API.Metadata.apiKey, 12, request);
  } finally {
    client.close();
  }
}

test('advertised.listeners is what Metadata gives clients; startBroker reports the bound port', async (t) => {
  const running = await startBroker({ port: 0, dataDir: 'memory', config: { 'advertised.listeners': 'PLAINTEXT://broker.example:19999', 'node.id': '7' } });
  t.after(() => running.stop());
  assert.notEqual(running.port, 19999);
  assert.equal(running.bootstrap, `127.0.0.1:${running.port}`);
  assert.deepEqual(running.advertised, { host: 'broker.example', port: 19999 });
  const response = await metadata(running.port, null);
  assert.deepEqual(response.brokers, [{ nodeId: 7, host: 'broker.example', port: 19999, rack: null }]);
  assert.equal(response.controllerId, 7);
});

test('runnel start reads server.properties, and --set overrides it', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const properties = join(dir, 'server.properties');
  await writeFile(
    properties,
    ['# a Kafka server.properties', 'node.id=3', 'num.partitions=4', 'auto.create.topics.enable=true', 'log.segment.bytes=1048576', 'num.network.threads=8'].join('\n'),
  );
  const broker = await spawnBrokerProcess({ dataDir: join(dir, 'data'), configFile: properties, config: { 'num.partitions': '2' }, t });
  const response = await metadata(broker.port, ['from-properties']);
  assert.equal(response.brokers[0].nodeId, 3, 'node.id from the file');
  assert.equal(response.topics[0].partitions.length, 2, '--set num.partitions=2 wins over the file');
  assert.match(broker.output(), /The configuration 'num.network.threads' was supplied but isn't a known config/);
  assert.deepEqual(await broker.stop(), { code: 0, signal: null });
});

test('runnel start refuses invalid configs with one clear line and exit code 1', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(spawnBrokerProcess({ dataDir: dir, config: { 'num.partitions': 'many' }, t }), (err: Error) => {
    assert.match(err.message, /exited before listening \(code 1/);
    assert.match(err.message, /runnel: Invalid value many for configuration num.partitions/);
    assert.doesNotMatch(err.message, /\n\s+at /, 'no stack trace');
    return true;
  });
});
