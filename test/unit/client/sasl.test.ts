// SASL: the SCRAM client against RFC 7677's exchange, and PLAIN through a connection to a
// scripted stand-in broker (Runnel's broker has no SASL listener yet).

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Connection } from '../../../src/client/connection.ts';
import { KafkaError } from '../../../src/client/errors.ts';
import { ScramClient } from '../../../src/client/sasl.ts';
import { API, ErrorCode, Reader, decodeRequestHeader, encodeResponseFrame, type ApiDef } from '../../../src/protocol/index.ts';

test('SCRAM-SHA-256 matches the exchange of RFC 7677, section 3', () => {
  const scram = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
  assert.equal(scram.first().toString(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  const final = scram.final(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
  assert.equal(final.toString(), 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
  scram.verify(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='));
  assert.throws(() => scram.verify(Buffer.from('v=AAAA')), (err: unknown) => err instanceof KafkaError && err.kafkaName === 'SASL_AUTHENTICATION_FAILED');
  // A server nonce that does not extend ours is refused.
  const other = new ScramClient('SCRAM-SHA-512', 'user', 'pencil', 'abc');
  assert.throws(() => other.final(Buffer.from('r=xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')), /invalid server-first-message/);
});

test('SASL PLAIN on connect; a wrong password is a non-retriable SASL_AUTHENTICATION_FAILED', async (t) => {
  const seen: string[] = [];
  const server = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 4 && buffer.length >= 4 + buffer.readInt32BE(0)) {
        const frame = buffer.subarray(4, 4 + buffer.readInt32BE(0));
        buffer = buffer.subarray(4 + frame.length);
        const h = decodeRequestHeader(frame);
        const api = Object.values(API).find((a) => a.apiKey === h.apiKey) as ApiDef;
        const request = api.decodeRequest(new Reader(frame, h.bodyOffset), h.apiVersion) as Record<string, unknown>;
        seen.push(api.name);
        let response: unknown;
        if (api === API.ApiVersions) {
          response = { ...API.ApiVersions.createResponse(), apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }, { apiKey: 17, minVersion: 0, maxVersion: 1 }, { apiKey: 36, minVersion: 0, maxVersion: 2 }] };
        } else if (api === API.SaslHandshake) {
          response = { ...API.SaslHandshake.createResponse(), errorCode: request['mechanism'] === 'PLAIN' ? 0 : ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN'] };
        } else {
          const ok = (request['authBytes'] as Buffer).toString() === '\0alice\0secret';
          response = { ...API.SaslAuthenticate.createResponse(), errorCode: ok ? 0 : ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: ok ? null : 'Authentication failed: Invalid username or password' };
        }
        for (const c of encodeResponseFrame(h.apiKey, h.apiVersion, h.correlationId, (w) => api.encodeResponse(w, h.apiVersion, response))) socket.write(c);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  t.after(() => new Promise((resolve) => server.close(resolve)));

  const c = await Connection.open({ host: '127.0.0.1', port, sasl: { mechanism: 'PLAIN', username: 'alice', password: 'secret' } });
  c.close();
  assert.deepEqual(seen, ['ApiVersions', 'SaslHandshake', 'SaslAuthenticate']);

  await assert.rejects(Connection.open({ host: '127.0.0.1', port, sasl: { mechanism: 'PLAIN', username: 'alice', password: 'wrong' } }), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.kafkaName, 'SASL_AUTHENTICATION_FAILED');
    assert.equal(err.retriable, false);
    assert.match(err.message, /Invalid username or password/);
    return true;
  });
  await assert.rejects(Connection.open({ host: '127.0.0.1', port, sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'secret' } }), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.kafkaName, 'UNSUPPORTED_SASL_MECHANISM');
    assert.match(err.message, /offers PLAIN/);
    return true;
  });
});
