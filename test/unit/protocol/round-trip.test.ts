// Every message of every API, both directions, every version: a message with non-default values
// in every field of the version survives encode -> decode (deep-equal), and decode -> encode
// reproduces the bytes. Symmetric by nature: hand-bytes.test.ts pins the layout to the spec.

import assert from 'node:assert/strict';
import test from 'node:test';
import { Reader } from '../../../src/protocol/primitives/reader.ts';
import { Writer } from '../../../src/protocol/primitives/writer.ts';
import { API, API_BY_KEY, type ApiDef } from '../../../src/protocol/generated/apis.ts';
import { ErrorCode, ERRORS } from '../../../src/protocol/generated/error-codes.ts';
import type { MessageModel } from '../../../scripts/gen-protocol.ts';
import {
  allMessages,
  codecOf,
  protocolModel,
  SampleBuilder,
  SKIP_REASON,
  SPEC_PRESENT,
  versionsOf,
  type SampleOptions,
} from './samples.ts';

function encode(codec: ReturnType<typeof codecOf>, version: number, m: unknown): Buffer {
  const w = new Writer();
  codec.encode(w, version, m);
  return w.toBuffer();
}

function roundTrip(api: string | undefined, msg: MessageModel, options: SampleOptions, seed: number): number {
  const codec = codecOf(api, msg);
  let checked = 0;
  for (const version of versionsOf(msg)) {
    const sample = new SampleBuilder(api, msg, seed + version, options).message(version);
    const bytes = encode(codec, version, sample);
    const r = new Reader(bytes);
    const decoded = codec.decode(r, version);
    const where = `${msg.name} v${version}`;
    assert.equal(r.remaining, 0, `${where}: ${r.remaining} bytes left after decoding`);
    assert.deepStrictEqual(decoded, sample, `${where}: decoded value differs`);
    assert.deepStrictEqual(encode(codec, version, decoded), bytes, `${where}: re-encoded bytes differ`);
    checked++;
  }
  return checked;
}

const messages = SPEC_PRESENT ? allMessages() : [];

test('the model covers the 77 broker APIs', { skip: !SPEC_PRESENT && SKIP_REASON }, () => {
  const apis = protocolModel().apis;
  assert.equal(apis.length, 77);
  assert.equal(Object.keys(API).length, 77);
  assert.equal(API_BY_KEY.filter((a) => a !== undefined).length, 77);
  for (const a of apis) {
    const def = API_BY_KEY[a.apiKey]!;
    assert.equal(def.name, a.name);
    assert.equal(def.minVersion, a.minVersion);
    assert.equal(def.maxVersion, a.maxVersion);
  }
});

for (const { api, msg } of messages) {
  test(`${msg.name}: every version round-trips`, () => {
    const n = roundTrip(api, msg, {}, 1);
    assert.ok(n > 0);
  });
}

test('nullable fields set to null round-trip in every version', { skip: !SPEC_PRESENT && SKIP_REASON }, () => {
  for (const { api, msg } of messages) roundTrip(api, msg, { nulls: true }, 7);
});

test('unknown tagged fields survive a round trip on every struct of flexible versions', { skip: !SPEC_PRESENT && SKIP_REASON }, () => {
  for (const { api, msg } of messages) roundTrip(api, msg, { unknownTags: true }, 13);
});

test('an unknown tag is written in tag order between known tags', () => {
  // Fetch v17 knows partition tag 0 (ReplicaDirectoryId) but not tag 1 (HighWatermark, v18+).
  const w = new Writer();
  const req = API.Fetch.createRequest();
  const partition = {
    partition: 0, currentLeaderEpoch: -1, fetchOffset: 5n, lastFetchedEpoch: -1, logStartOffset: -1n,
    partitionMaxBytes: 1024, replicaDirectoryId: 'AQAAAAAAAAAAAAAAAAAAAA', highWatermark: 9223372036854775807n,
    _unknownTaggedFields: [{ tag: 1, data: Buffer.from([1, 2]) }, { tag: 7, data: Buffer.from([3]) }],
  };
  req.topics.push({ topic: '', topicId: 'AQAAAAAAAAAAAAAAAAAAAB', partitions: [partition] });
  API.Fetch.encodeRequest(w, 17, req);
  const bytes = w.toBuffer();
  // ... fetchOffset(8) lastFetchedEpoch(4) logStartOffset(8) partitionMaxBytes(4), then the tags.
  const tags = Buffer.from([3, 0, 16, 1, ...Buffer.alloc(15), 1, 2, 1, 2, 7, 1, 3]);
  const at = bytes.indexOf(tags);
  assert.ok(at > 0, `tagged section ${tags.toString('hex')} not found in ${bytes.toString('hex')}`);
  const back = API.Fetch.decodeRequest(new Reader(bytes), 17);
  assert.deepStrictEqual(back.topics[0]!.partitions[0], partition);
});

test('records given as chunks encode like one buffer, and decode as one buffer', () => {
  const records = Buffer.alloc(3000, 7);
  const chunks = [records.subarray(0, 1000), records.subarray(1000, 1001), records.subarray(1001)];
  for (const version of [0, 4, 11, 12, 16, 18]) {
    const response = API.Fetch.createResponse();
    const partition = { ...createPartition(), records };
    response.responses.push({ topic: 'orders', topicId: 'AQAAAAAAAAAAAAAAAAAAAA', partitions: [partition] });
    const one = new Writer();
    API.Fetch.encodeResponse(one, version, response);
    const chunked = new Writer();
    API.Fetch.encodeResponse(chunked, version, {
      ...response,
      responses: [{ ...response.responses[0]!, partitions: [{ ...partition, records: chunks }] }],
    });
    assert.deepStrictEqual(chunked.toBuffer(), one.toBuffer(), `v${version}`);
    // The large chunks were kept by reference, not copied.
    assert.ok(chunked.toChunks().some((c) => c.buffer === records.buffer), `v${version}: chunk copied`);
    const back = API.Fetch.decodeResponse(new Reader(one.toBuffer()), version);
    const got = back.responses[0]!.partitions[0]!.records;
    assert.ok(Buffer.isBuffer(got));
    assert.deepStrictEqual(got, records);
  }

  function createPartition() {
    return {
      partitionIndex: 1, errorCode: 0, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 0n,
      divergingEpoch: { epoch: -1, endOffset: -1n }, currentLeader: { leaderId: -1, leaderEpoch: -1 },
      snapshotId: { endOffset: -1n, epoch: -1 }, abortedTransactions: [], preferredReadReplica: -1,
      records: null as Buffer | null,
    };
  }
});

test('a null in a version where the field is not nullable is refused on encode', () => {
  // Metadata topic names are nullable from v10 only.
  const req = API.Metadata.createRequest();
  req.topics = [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: null }];
  API.Metadata.encodeRequest(new Writer(), 10, req);
  assert.throws(() => API.Metadata.encodeRequest(new Writer(), 9, req), { name: 'ProtocolError' });
});

test('a version outside the known range is refused', () => {
  assert.throws(() => API.Produce.encodeRequest(new Writer(), 14, API.Produce.createRequest()), { name: 'ProtocolError' });
  assert.throws(() => API.Produce.decodeRequest(new Reader(Buffer.alloc(64)), -1), { name: 'ProtocolError' });
});

test('create functions return fresh objects with the spec defaults', () => {
  const a = API.Fetch.createRequest();
  const b = API.Fetch.createRequest();
  assert.notEqual(a.topics, b.topics);
  assert.equal(a.replicaId, -1);
  assert.equal(a.maxBytes, 0x7fffffff);
  assert.equal(a.sessionEpoch, -1);
  assert.equal(a.clusterId, null);
  assert.deepStrictEqual(a.replicaState, { replicaId: -1, replicaEpoch: -1n });
  assert.equal(API.Metadata.createRequest().allowAutoTopicCreation, true);
  assert.equal(API.ApiVersions.createResponse().finalizedFeaturesEpoch, -1n);
});

test('API table: versions, header versions, flexible versions', () => {
  const expect: [ApiDef, number, number, number][] = [
    [API.Produce, 0, 13, 9],
    [API.Fetch, 0, 18, 12],
    [API.Metadata, 0, 13, 9],
    [API.ApiVersions, 0, 4, 3],
    [API.SaslHandshake, 0, 1, Infinity],
  ];
  for (const [api, min, max, flex] of expect) {
    assert.equal(api.minVersion, min, api.name);
    assert.equal(api.maxVersion, max, api.name);
    assert.equal(api.flexibleMinVersion, flex, api.name);
    for (let v = min; v <= max; v++) {
      assert.equal(api.requestHeaderVersion(v), v >= flex ? 2 : 1, `${api.name} v${v}`);
      assert.equal(api.responseHeaderVersion(v), api.name === 'ApiVersions' ? 0 : v >= flex ? 1 : 0, `${api.name} v${v}`);
    }
  }
  assert.equal(API.Produce.kafkaMinVersion, 3);
  assert.equal(API.Fetch.kafkaMinVersion, 4);
  assert.equal(API.InitProducerId.latestVersionUnstable, true);
  assert.deepStrictEqual(API.Fetch.listeners, ['broker', 'controller']);
  // Share-group v0 was early access (unstable in the pre-4.0 copy) and removed in 4.1.
  assert.equal(API.ShareFetch.minVersion, 1);
});

test('error table', () => {
  assert.equal(ErrorCode.NONE, 0);
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.equal(ERRORS.size, 135);
  const e = ERRORS.get(6)!;
  assert.equal(e.name, 'NOT_LEADER_OR_FOLLOWER');
  assert.equal(e.retriable, true);
  assert.match(e.message!, /not the current leader/);
  assert.equal(ERRORS.get(0)!.message, null);
  assert.equal([...ERRORS.values()].filter((x) => x.retriable).length, 32);
});
