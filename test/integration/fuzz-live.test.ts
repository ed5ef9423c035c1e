// A live broker under random, mutated and truncated requests, for every API and version it
// advertises: generated samples with non-default values, the same bytes truncated, with
// bytes flipped, and junk bodies behind a valid header. Each must get an answer or a closed
// connection; the broker process must not crash (an uncaught error fails this test file),
// and a well-behaved client keeps being served after every API.
//
// A request may also wait: random samples ask for long polls and rebalance timeouts, which
// a broker honours. Those connections are closed by the test; what is checked is that the
// broker still serves everyone else.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, API_BY_KEY } from '../../src/protocol/index.ts';
import { startBroker } from '../../src/index.ts';
import { prng } from '../helpers/prng.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { allMessages, SampleBuilder, SKIP_REASON, SPEC_PRESENT } from '../unit/protocol/samples.ts';

const WAIT_MS = 300;
/** Rounds of truncated, flipped and junk variants per API version. */
const ROUNDS = 5;

test('every advertised API and version survives random, mutated and truncated requests', { skip: SPEC_PRESENT ? false : SKIP_REASON, timeout: 300_000 }, async (t) => {
  const running = await startBroker({
    port: 0,
    dataDir: 'memory',
    logLevel: 'silent',
    config: { 'offsets.topic.num.partitions': '1', 'transaction.state.log.num.partitions': '1', 'group.initial.rebalance.delay.ms': '0' },
  });
  t.after(() => running.stop());
  const good = await RawClient.connect(running.port);
  t.after(() => good.close());
  const served = (await good.request(API.ApiVersions.apiKey, 3, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' })).apiKeys as {
    apiKey: number;
    minVersion: number;
    maxVersion: number;
  }[];
  const requests = new Map(allMessages().filter(({ msg }) => msg.root.tsName.endsWith('Request')).map(({ api, msg }) => [api, msg]));
  const rand = prng(20261121);
  const outcomes = { answered: 0, closed: 0, waiting: 0 };

  /** Sends one frame on a fresh connection and records what the broker did with it. */
  async function send(frame: Buffer): Promise<void> {
    const client = await RawClient.connect(running.port);
    try {
      client.write(frame);
      await client.readFrame(WAIT_MS);
      outcomes.answered++;
    } catch {
      if (client.closed) outcomes.closed++;
      else outcomes.waiting++;
    } finally {
      client.close();
    }
  }
  const sized = (payload: Buffer): Buffer => {
    const out = Buffer.alloc(4 + payload.length);
    out.writeInt32BE(payload.length);
    payload.copy(out, 4);
    return out;
  };

  for (const { apiKey, minVersion, maxVersion } of served) {
    const api = API_BY_KEY[apiKey]!;
    const msg = requests.get(api.name);
    assert.ok(msg, `a request model for ${api.name}`);
    const versions = [...new Set([minVersion, Math.floor((minVersion + maxVersion) / 2), maxVersion])];
    for (const version of versions) {
      const sample = new SampleBuilder(api.name, msg, apiKey * 100 + version).message(version);
      const frame = good.frame(apiKey, version, sample, 7);
      const payload = frame.subarray(4);
      const headerSize = api.requestHeaderVersion(version) >= 2 ? 4 + 4 + 2 + 'raw-test'.length + 1 : 4 + 4 + 2 + 'raw-test'.length;
      await send(frame);
      for (let round = 0; round < ROUNDS; round++) {
        const truncated = payload.subarray(0, headerSize + Math.floor(rand() * Math.max(payload.length - headerSize, 1)));
        const flipped = Buffer.from(payload);
        for (let i = 0; i < 3 && flipped.length > headerSize; i++) {
          flipped[headerSize + Math.floor(rand() * (flipped.length - headerSize))]! ^= 1 + Math.floor(rand() * 255);
        }
        const junk = Buffer.concat([payload.subarray(0, headerSize), Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)))]);
        for (const variant of [truncated, flipped, junk]) await send(sized(variant));
      }
    }
    // The broker still serves a well-behaved client after this API's batch of bad input.
    const check = await good.request(API.ApiVersions.apiKey, 3, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' });
    assert.equal(check.errorCode, 0, `still serving after ${api.name}`);
  }
  assert.ok(outcomes.answered > 0 && outcomes.closed > 0, `answers and closes both seen: ${JSON.stringify(outcomes)}`);
  t.diagnostic(`outcomes over ${served.length} APIs: ${JSON.stringify(outcomes)}`);
});
