// @platformatic/kafka with SCRAM over TLS (issue 6, acceptance 1): SCRAM-SHA-256 and
// SCRAM-SHA-512 over SASL_SSL, and a wrong password refused.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { startBroker } from '../../src/index.ts';
import { createScramUser, makeCertificates } from './security-support.ts';

test('@platformatic/kafka: SCRAM-SHA-256 and SCRAM-SHA-512 over SASL_SSL; a wrong password fails', { timeout: 60_000 }, async (t) => {
  const certs = await makeCertificates(t);
  const running = await startBroker({
    dataDir: 'memory',
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'ssl.keystore.location': certs.serverKeystore,
      'num.partitions': '1',
    },
  });
  t.after(() => running.stop());
  await createScramUser(running.listeners[0]!.port, 'grace', 'grace-secret');
  const bootstrapBrokers = [`localhost:${running.listeners[1]!.port}`];
  const tls = { ca: readFileSync(certs.caCert) };
  const good = new Admin({ clientId: 'sec-plt-admin', bootstrapBrokers, tls, sasl: { mechanism: 'SCRAM-SHA-256', username: 'grace', password: 'grace-secret' } });
  await good.createTopics({ topics: ['plt-scram'], partitions: 1, replicas: 1 });
  await good.close();
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    const producer = new Producer({ clientId: 'sec-plt', bootstrapBrokers, tls, sasl: { mechanism, username: 'grace', password: 'grace-secret' }, serializers: stringSerializers });
    const result = await producer.send({ messages: [{ topic: 'plt-scram', partition: 0, key: 'k', value: mechanism }] });
    await producer.close();
    assert.equal(result.offsets?.[0]?.topic, 'plt-scram');
  }
  const admin = new Admin({ clientId: 'sec-plt-bad', bootstrapBrokers, tls, sasl: { mechanism: 'SCRAM-SHA-512', username: 'grace', password: 'wrong' }, retries: 0 });
  await assert.rejects(admin.listTopics());
  await admin.close();
});
