// Our client over the broker's own TLS listeners: SSL with a trusted CA, SASL_SSL with
// SCRAM-SHA-512 and PLAIN, a server certificate the client does not trust (refused, not
// retried), and a wrong password (SASL_AUTHENTICATION_FAILED, not retried).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Admin, Consumer, KafkaError, Producer } from '../../src/client/index.ts';
import { startBroker } from '../../src/index.ts';
import { createScramUser, makeCertificates, plainJaas } from './security-support.ts';

test('client over TLS and SASL_SSL listeners; untrusted certificates and wrong passwords are refused', { timeout: 60_000 }, async (t) => {
  const certs = await makeCertificates(t);
  const running = await startBroker({
    dataDir: 'memory',
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': plainJaas({ carol: 'carol-secret' }),
      'ssl.keystore.location': certs.serverKeystore,
    },
  });
  t.after(() => running.stop());
  const [plaintext, ssl, saslSsl] = running.listeners.map((l) => l.port);
  await createScramUser(plaintext!, 'dave', 'dave-secret', ['SCRAM-SHA-512']);
  const tls = { ca: readFileSync(certs.caCert) };

  const producer = new Producer({ bootstrapServers: `localhost:${ssl}`, tls });
  const sent = await producer.sendBatch([{ topic: 'secure', value: 'over tls' }, { topic: 'secure', value: 'still tls' }]);
  await producer.close();
  assert.deepEqual(sent.map((m) => m.offset), [0, 1]);

  for (const sasl of [
    { mechanism: 'SCRAM-SHA-512', username: 'dave', password: 'dave-secret' },
    { mechanism: 'PLAIN', username: 'carol', password: 'carol-secret' },
  ] as const) {
    const consumer = new Consumer({ bootstrapServers: `localhost:${saslSsl}`, tls, sasl });
    await consumer.assign([{ topic: 'secure', partition: 0, offset: 'earliest' }]);
    const got = [];
    while (got.length < 2) got.push(...(await consumer.poll()));
    await consumer.close();
    assert.deepEqual(got.map((r) => r.value!.toString()), ['over tls', 'still tls'], sasl.mechanism);
  }

  const untrusting = new Admin({ bootstrapServers: `localhost:${ssl}`, tls: true, retries: 3, retryBackoffMs: 1 });
  t.after(() => untrusting.close());
  await assert.rejects(untrusting.listTopics(), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.kafkaName, 'NETWORK_EXCEPTION');
    assert.equal(err.retriable, false);
    assert.match(err.message, /certificate/i);
    return true;
  });

  const wrong = new Admin({ bootstrapServers: `localhost:${saslSsl}`, tls, sasl: { mechanism: 'SCRAM-SHA-512', username: 'dave', password: 'nope' }, retries: 3, retryBackoffMs: 1 });
  t.after(() => wrong.close());
  await assert.rejects(wrong.listTopics(), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.kafkaName, 'SASL_AUTHENTICATION_FAILED');
    assert.equal(err.retriable, false);
    return true;
  });
});
