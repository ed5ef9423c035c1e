// TLS from the client: the broker speaks plaintext, so a TLS terminator in front of it (a
// node:tls server piping to the broker) stands in for a TLS listener, and the broker
// advertises the terminator's address. A certificate the client does not trust is refused
// with one non-retriable error.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { Admin, Consumer, KafkaError, Producer } from '../../src/client/index.ts';
import { startTestBroker, tempDir } from '../helpers/broker.ts';

test('client over TLS: produce and consume through a TLS listener; an untrusted certificate is refused', async (t) => {
  const dir = await tempDir(t);
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });

  let brokerPort = 0;
  const sockets = new Set<net.Socket>();
  const terminator = tls.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (client) => {
    const upstream = net.connect(brokerPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => terminator.listen(0, '127.0.0.1', resolve));
  const tlsPort = (terminator.address() as net.AddressInfo).port;
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => terminator.close(resolve));
  });
  const broker = await startTestBroker(t, { dataDir: 'memory', config: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${tlsPort}` } });
  brokerPort = broker.port;

  const options = { bootstrapServers: `127.0.0.1:${tlsPort}`, tls: { ca: readFileSync(cert) } };
  const producer = new Producer(options);
  const sent = await producer.sendBatch([{ topic: 'secure', value: 'over tls' }, { topic: 'secure', value: 'still tls' }]);
  await producer.close();
  assert.deepEqual(sent.map((m) => m.offset), [0, 1]);
  const consumer = new Consumer(options);
  await consumer.assign([{ topic: 'secure', partition: 0, offset: 'earliest' }]);
  const got = [];
  while (got.length < 2) got.push(...(await consumer.poll()));
  await consumer.close();
  assert.deepEqual(got.map((r) => r.value!.toString()), ['over tls', 'still tls']);

  const untrusting = new Admin({ bootstrapServers: `127.0.0.1:${tlsPort}`, tls: true, retries: 3, retryBackoffMs: 1 });
  t.after(() => untrusting.close());
  await assert.rejects(untrusting.listTopics(), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.kafkaName, 'NETWORK_EXCEPTION');
    assert.equal(err.retriable, false);
    assert.match(err.message, /SELF_SIGNED/);
    return true;
  });
});
