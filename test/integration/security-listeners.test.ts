// Listeners as Kafka configures them (issue 6, priority 1): several listeners at once, each
// its own server; Metadata answers with the advertised address of the listener the client
// came in on; TLS with PEM key stores (a file, or inline), trust stores and ssl.client.auth;
// the principal of a client certificate, through ssl.principal.mapping.rules; kcat and
// confluent-kafka over SSL.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { API, ZERO_UUID } from '../../src/protocol/index.ts';
import { startBroker } from '../../src/index.ts';
import { principalFromCertificate } from '../../src/broker/listeners.ts';
import { kcat } from '../helpers/kcat.ts';
import { runPython, b64 } from '../helpers/python.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { makeCertificates, tlsRequest } from './security-support.ts';
import { X509Certificate } from 'node:crypto';

const metadataRequest = () => {
  const r = API.Metadata.createRequest();
  r.topics = null;
  return r;
};

test('several listeners: each its own port and protocol; Metadata gives the advertised address of the listener used', async (t) => {
  const certs = await makeCertificates(t);
  const running = await startBroker({
    dataDir: 'memory',
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SECURE://127.0.0.1:0,INTERNAL://127.0.0.1:0',
      'advertised.listeners': 'PLAINTEXT://plain.example:9092,SECURE://secure.example:9093',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SECURE:SSL,INTERNAL:PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
      'listener.name.secure.ssl.keystore.location': certs.serverKeystore,
      'node.id': '4',
    },
  });
  t.after(() => running.stop());
  assert.deepEqual(
    running.listeners.map((l) => [l.name, l.securityProtocol]),
    [['PLAINTEXT', 'PLAINTEXT'], ['SECURE', 'SSL'], ['INTERNAL', 'PLAINTEXT']],
  );
  const [plain, secure, internal] = running.listeners;
  assert.equal(running.port, plain!.port);
  assert.equal(new Set(running.listeners.map((l) => l.port)).size, 3);

  const viaPlain = await RawClient.connect(plain!.port);
  const m1 = await viaPlain.request(API.Metadata.apiKey, 12, metadataRequest());
  viaPlain.close();
  assert.deepEqual(m1.brokers, [{ nodeId: 4, host: 'plain.example', port: 9092, rack: null }]);

  const m2 = await tlsRequest(secure!.port, { ca: readFileSync(certs.caCert) }, API.Metadata.apiKey, 12, metadataRequest());
  assert.deepEqual(m2.brokers, [{ nodeId: 4, host: 'secure.example', port: 9093, rack: null }]);

  // Not in advertised.listeners: its own address.
  const viaInternal = await RawClient.connect(internal!.port);
  const m3 = await viaInternal.request(API.Metadata.apiKey, 12, metadataRequest());
  viaInternal.close();
  assert.deepEqual(m3.brokers, [{ nodeId: 4, host: '127.0.0.1', port: internal!.port, rack: null }]);

  // Plain Kafka bytes on the TLS port get nowhere.
  const wrong = await RawClient.connect(secure!.port);
  await assert.rejects(wrong.request(API.Metadata.apiKey, 12, metadataRequest(), 2000));
  wrong.close();
});

test('listener configs are checked as Kafka checks them', async () => {
  const start = (config: Record<string, string>) => startBroker({ dataDir: 'memory', config });
  await assert.rejects(start({ listeners: 'PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0' }), /different name/);
  await assert.rejects(start({ listeners: 'CLIENT://127.0.0.1:0' }), /No security protocol defined for listener CLIENT/);
  await assert.rejects(start({ listeners: 'PLAINTEXT://127.0.0.1:0', 'advertised.listeners': 'OTHER://x:1' }), /not in listeners/);
  await assert.rejects(start({ listeners: 'PLAINTEXT://127.0.0.1:0', 'inter.broker.listener.name': 'NOPE' }), /inter.broker.listener.name/);
  await assert.rejects(start({ listeners: 'SSL://127.0.0.1:0' }), /has no key store/);
  await assert.rejects(start({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'JKS', 'ssl.keystore.location': '/dev/null' }), /JKS is not supported/);
});

test('ssl.client.auth=required: a certificate from the trusted CA is needed; the principal is its subject', async (t) => {
  const certs = await makeCertificates(t);
  const running = await startBroker({
    dataDir: 'memory',
    config: {
      listeners: 'SSL://127.0.0.1:0',
      'ssl.keystore.certificate.chain': readFileSync(certs.serverCert, 'utf8'),
      'ssl.keystore.key': readFileSync(certs.serverKey, 'utf8'),
      'ssl.truststore.location': certs.caCert,
      'ssl.client.auth': 'required',
    },
  });
  t.after(() => running.stop());
  const ca = readFileSync(certs.caCert);
  const ok = await tlsRequest(running.port, { ca, cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) }, API.Metadata.apiKey, 12, metadataRequest());
  assert.equal(ok.brokers.length, 1);
  await assert.rejects(tlsRequest(running.port, { ca }, API.Metadata.apiKey, 12, metadataRequest()), 'no client certificate');
  await assert.rejects(tlsRequest(running.port, { ca, cert: readFileSync(certs.strangerCert), key: readFileSync(certs.strangerKey) }, API.Metadata.apiKey, 12, metadataRequest()), 'untrusted certificate');
  // Kafka's default principal: the subject in RFC 2253 order.
  const raw = new X509Certificate(readFileSync(certs.clientCert)).raw;
  assert.equal(principalFromCertificate({ raw } as never), 'User:CN=alice,OU=eng,O=Acme,C=NO');
  assert.equal(principalFromCertificate(undefined), 'User:ANONYMOUS');
});

test('ssl.principal.mapping.rules name the principal of a client certificate; a certificate no rule applies to is refused', async (t) => {
  const certs = await makeCertificates(t);
  const client = { ca: readFileSync(certs.caCert), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) };
  const createTopic = (port: number, name: string) => {
    const request = API.CreateTopics.createRequest();
    request.topics = [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }];
    request.timeoutMs = 5000;
    return tlsRequest(port, client, API.CreateTopics.apiKey, 7, request);
  };
  const start = async (rules: string, listenerRules?: string) => {
    const running = await startBroker({
      dataDir: 'memory',
      config: {
        listeners: 'SSL://127.0.0.1:0',
        'ssl.keystore.location': certs.serverKeystore,
        'ssl.truststore.location': certs.caCert,
        'ssl.client.auth': 'required',
        'ssl.principal.mapping.rules': rules,
        ...(listenerRules === undefined ? {} : { 'listener.name.ssl.ssl.principal.mapping.rules': listenerRules }),
        // Only User:alice may create topics: which name the certificate got shows in the answer.
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': 'User:alice',
      },
    });
    t.after(() => running.stop());
    return running.port;
  };
  // The certificate's subject is CN=alice,OU=eng,O=Acme,C=NO.
  const mapped = await start('RULE:^CN=([^,]*),OU=ops,.*$/ops-$1/,RULE:^CN=([^,]*),OU=eng,.*$/$1/L,DEFAULT');
  assert.equal((await createTopic(mapped, 'by-alice')).topics[0].errorCode, 0, 'the second rule made User:alice');
  const upper = await start('RULE:^CN=([^,]*),.*$/$1/U');
  assert.equal((await createTopic(upper, 'by-ALICE')).topics[0].errorCode, 29, 'User:ALICE is not User:alice: TOPIC_AUTHORIZATION_FAILED');
  const whole = await start('DEFAULT');
  assert.equal((await createTopic(whole, 'by-dn')).topics[0].errorCode, 29, 'User:CN=alice,OU=eng,O=Acme,C=NO');
  // The listener's own setting wins over the broker's.
  const perListener = await start('DEFAULT', 'RULE:^CN=([^,]*),.*$/$1/');
  assert.equal((await createTopic(perListener, 'by-listener-rule')).topics[0].errorCode, 0);
  // No rule applies and there is no DEFAULT: the connection is closed, as Kafka refuses it.
  const none = await start('RULE:^CN=([^,]*),OU=ops,.*$/$1/');
  await assert.rejects(createTopic(none, 'nobody'));
  // A rule that does not parse stops the broker from starting.
  await assert.rejects(start('RULE:^CN=(.*'), /ssl\.principal\.mapping\.rules/);
});

test('ssl.client.auth=requested: no certificate is fine, an untrusted one is refused', async (t) => {
  const certs = await makeCertificates(t);
  const running = await startBroker({
    dataDir: 'memory',
    config: { listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': certs.serverKeystore, 'ssl.truststore.location': certs.caCert, 'ssl.client.auth': 'requested' },
  });
  t.after(() => running.stop());
  const ca = readFileSync(certs.caCert);
  assert.equal((await tlsRequest(running.port, { ca }, API.Metadata.apiKey, 12, metadataRequest())).brokers.length, 1);
  await assert.rejects(tlsRequest(running.port, { ca, cert: readFileSync(certs.strangerCert), key: readFileSync(certs.strangerKey) }, API.Metadata.apiKey, 12, metadataRequest()));
});

test('kcat and confluent-kafka produce and consume over SSL', { timeout: 120_000 }, async (t) => {
  const certs = await makeCertificates(t);
  const running = await startBroker({
    dataDir: 'memory',
    config: { listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': certs.serverKeystore, 'num.partitions': '1' },
  });
  t.after(() => running.stop());
  const ssl = ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certs.caCert}`];
  await kcat(['-b', running.bootstrap, ...ssl, '-P', '-t', 'tls-topic'], { input: 'one\ntwo\n' });
  const consumed = await kcat(['-b', running.bootstrap, ...ssl, '-C', '-t', 'tls-topic', '-o', 'beginning', '-c', '2', '-e']);
  assert.deepEqual(consumed.stdout.toString().trim().split('\n'), ['one', 'two']);

  const config = { 'security.protocol': 'SSL', 'ssl.ca.location': certs.caCert };
  const produced = await runPython<{ delivered: { offset: number }[] }>('ck_produce', { bootstrap: running.bootstrap, topic: 'tls-topic', records: [{ key: null, value: b64('three') }], config });
  assert.equal(produced.delivered[0]!.offset, 2);
  const read = await runPython<{ records: { value: string }[] }>('ck_consume', { bootstrap: running.bootstrap, assignments: [{ topic: 'tls-topic', partition: 0, offset: 0 }], count: 3, config });
  assert.deepEqual(read.records.map((r) => Buffer.from(r.value, 'base64').toString()), ['one', 'two', 'three']);
});
