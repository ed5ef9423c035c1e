// Golden bytes written by hand from the spec (../shared/kafka-protocol/README.md, "Encoding rules",
// and the JSON definitions), decoded to the values they stand for, and re-encoded. A misreading
// that encode and decode share would pass the round-trip test but not these.

import assert from 'node:assert/strict';
import test from 'node:test';
import { API } from '../../../src/protocol/generated/apis.ts';
import {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestFrame,
  encodeResponseFrame,
} from '../../../src/protocol/frame.ts';
import { Reader } from '../../../src/protocol/primitives/reader.ts';
import { Writer } from '../../../src/protocol/primitives/writer.ts';

/** Hex with spaces, newlines and `#` comments. */
function hex(s: string): Buffer {
  return Buffer.from(s.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
}

function ascii(s: string): string {
  return Buffer.from(s, 'ascii').toString('hex');
}

function encoded(encode: (w: Writer) => void): Buffer {
  const w = new Writer();
  encode(w);
  return w.toBuffer();
}

test('ApiVersions v3 request: header v2 with an int16 client id, compact strings in the body', () => {
  const frame = hex(`
    0012 0003          # api key 18, version 3
    0000002a           # correlation id 42
    0007 ${ascii('rdkafka')} # client id: int16 length even in header v2
    00                 # header tagged fields: none
    0b ${ascii('librdkafka')} # ClientSoftwareName: compact string, length 10 + 1
    06 ${ascii('2.3.0')}      # ClientSoftwareVersion: length 5 + 1
    00                 # body tagged fields: none
  `);
  const h = decodeRequestHeader(frame);
  assert.deepStrictEqual(h, {
    apiKey: 18, apiVersion: 3, correlationId: 42, clientId: 'rdkafka', headerVersion: 2, bodyOffset: 18, unknownApiKey: false,
  });
  const r = new Reader(frame, h.bodyOffset);
  const body = API.ApiVersions.decodeRequest(r, 3);
  assert.equal(r.remaining, 0);
  assert.deepStrictEqual(body, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.3.0' });
  const again = Buffer.concat(encodeRequestFrame(18, 3, 42, 'rdkafka', (w) => API.ApiVersions.encodeRequest(w, 3, body)));
  assert.deepStrictEqual(again, Buffer.concat([hex('00000024'), frame])); // 36 bytes follow the size
});

test('ApiVersions at a version newer than ours still has a v2 header', () => {
  const frame = hex(`0012 0063 00000001 ffff 00 ${'ff'.repeat(5)}`); // version 99, null client id
  const h = decodeRequestHeader(frame);
  assert.equal(h.headerVersion, 2);
  assert.equal(h.apiVersion, 99);
  assert.equal(h.clientId, null);
  assert.equal(h.bodyOffset, 11);
  assert.equal(h.unknownApiKey, false);
  // ... and at v0-2 a v1 header (no tagged-field byte).
  const v2 = decodeRequestHeader(hex('0012 0002 00000001 0001 78'));
  assert.equal(v2.headerVersion, 1);
  assert.equal(v2.bodyOffset, 11);
});

test('ApiVersions v3 response: header v0 (no tagged fields), flexible body with a tagged field', () => {
  const body = hex(`
    0000               # ErrorCode
    03                 # ApiKeys: compact array of 2
      0000 0000 000d 00  # Produce 0-13, no tagged fields
      0012 0000 0004 00  # ApiVersions 0-4
    00000000           # ThrottleTimeMs
    01                 # one tagged field
      01 08 0000000000000005 # tag 1 FinalizedFeaturesEpoch, 8 bytes: 5
  `);
  const expected = {
    errorCode: 0,
    apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 13 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: 5n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
  const frame = hex(`00000007 ${body.toString('hex')}`); // correlation id 7, then the body
  const h = decodeResponseHeader(frame, 18, 3);
  assert.deepStrictEqual(h, { correlationId: 7, headerVersion: 0, bodyOffset: 4 });
  assert.deepStrictEqual(API.ApiVersions.decodeResponse(new Reader(frame, 4), 3), expected);
  const chunks = encodeResponseFrame(18, 3, 7, (w) => API.ApiVersions.encodeResponse(w, 3, expected));
  assert.deepStrictEqual(Buffer.concat(chunks), Buffer.concat([hex((frame.length).toString(16).padStart(8, '0')), frame]));
});

test('ApiVersions v0 response (the UNSUPPORTED_VERSION answer)', () => {
  const body = hex('0023 00000001 0012 0000 0004'); // error 35, one api key: 18, 0-4
  assert.deepStrictEqual(API.ApiVersions.decodeResponse(new Reader(body), 0), {
    errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: 0,
    supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false,
  });
});

test('Metadata v12 request', () => {
  const frame = hex(`
    0003 000c 00000005 ffff 00   # Metadata v12, correlation 5, null client id, no header tags
    03                           # Topics: compact nullable array of 2
      00000000000000000000000000000000 07 ${ascii('orders')} 00 # zero TopicId, Name "orders"
      0000000000000000000000000000002a 00 00                    # TopicId ...2a, Name null
    01                           # AllowAutoTopicCreation
    00                           # IncludeTopicAuthorizedOperations (IncludeCluster... is v8-10 only)
    00                           # tagged fields
  `);
  const h = decodeRequestHeader(frame);
  assert.equal(h.headerVersion, 2);
  assert.equal(h.bodyOffset, 11);
  const r = new Reader(frame, h.bodyOffset);
  const m = API.Metadata.decodeRequest(r, 12);
  assert.equal(r.remaining, 0);
  assert.deepStrictEqual(m, {
    topics: [
      { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'orders' },
      { topicId: 'AAAAAAAAAAAAAAAAAAAAKg', name: null },
    ],
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.deepStrictEqual(encoded((w) => API.Metadata.encodeRequest(w, 12, m)), frame.subarray(h.bodyOffset));
});

test('Metadata v0 and v1 requests: a null topic list means all topics from v1', () => {
  assert.deepStrictEqual(API.Metadata.decodeRequest(new Reader(hex(`00000001 0001 ${ascii('t')}`)), 0).topics, [
    { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 't' },
  ]);
  assert.equal(API.Metadata.decodeRequest(new Reader(hex('ffffffff')), 1).topics, null);
  assert.throws(() => API.Metadata.decodeRequest(new Reader(hex('ffffffff')), 0), { name: 'ProtocolError' });
});

test('Produce v9 request header and body', () => {
  const frame = hex(`
    0000 0009 00000005 0001 63 00   # Produce v9, correlation 5, client id "c", no header tags
    00                              # TransactionalId: compact nullable string, null
    ffff                            # Acks -1
    00007530                        # TimeoutMs 30000
    02                              # TopicData: 1
      03 ${ascii('t1')}             # Name
      02                            # PartitionData: 1
        00000000                    # Index 0
        04 aabbcc                   # Records: compact bytes, 3
        00                          # tagged fields
      00                            # tagged fields
    00                              # tagged fields
  `);
  const h = decodeRequestHeader(frame);
  assert.deepStrictEqual(h, {
    apiKey: 0, apiVersion: 9, correlationId: 5, clientId: 'c', headerVersion: 2, bodyOffset: 12, unknownApiKey: false,
  });
  const m = API.Produce.decodeRequest(new Reader(frame, 12), 9);
  assert.deepStrictEqual(m, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{
      name: 't1',
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      partitionData: [{ index: 0, records: hex('aabbcc') }],
    }],
  });
  assert.deepStrictEqual(encoded((w) => API.Produce.encodeRequest(w, 9, m)), frame.subarray(12));
});

test('Produce v3 request: classic encodings', () => {
  const body = hex(`
    0003 ${ascii('txn')}          # TransactionalId
    0001 000003e8                 # Acks 1, TimeoutMs 1000
    00000001 0002 ${ascii('t1')}  # one topic
      00000001 00000002           # one partition: index 2
      00000002 dead               # Records: int32 length 2
  `);
  const m = API.Produce.decodeRequest(new Reader(body), 3);
  assert.equal(m.transactionalId, 'txn');
  assert.equal(m.acks, 1);
  assert.deepStrictEqual(m.topicData[0]!.partitionData, [{ index: 2, records: hex('dead') }]);
  assert.deepStrictEqual(encoded((w) => API.Produce.encodeRequest(w, 3, m)), body);
  // Produce v2 (pre-4.0) has no TransactionalId.
  const v2 = API.Produce.decodeRequest(new Reader(body.subarray(5)), 2);
  assert.equal(v2.transactionalId, null);
  assert.equal(v2.acks, 1);
});

test('Produce v9 response with header v1 and a tagged CurrentLeader', () => {
  const body = hex(`
    02 03 ${ascii('t1')}          # Responses: 1, Name "t1"
      02                          # PartitionResponses: 1
        00000000 0006             # Index 0, ErrorCode 6 (NOT_LEADER_OR_FOLLOWER)
        ffffffffffffffff          # BaseOffset -1
        ffffffffffffffff          # LogAppendTimeMs -1
        ffffffffffffffff          # LogStartOffset -1
        01                        # RecordErrors: empty compact array
        00                        # ErrorMessage: null
        01 00 09 00000002 00000007 00 # tag 0 CurrentLeader (9 bytes): leader 2, epoch 7
      00                          # topic tagged fields
    00000000                      # ThrottleTimeMs
    00                            # tagged fields (NodeEndpoints only from v10)
  `);
  const frame = hex(`0000000b 00 ${body.toString('hex')}`); // correlation 11, header v1 tagged fields
  const h = decodeResponseHeader(frame, 0, 10);
  assert.deepStrictEqual(h, { correlationId: 11, headerVersion: 1, bodyOffset: 5 });
  const m = API.Produce.decodeResponse(new Reader(frame, 5), 10);
  const p = m.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, 6);
  assert.deepStrictEqual(p.currentLeader, { leaderId: 2, leaderEpoch: 7 });
  assert.deepStrictEqual(Buffer.concat(encodeResponseFrame(0, 10, 11, (w) => API.Produce.encodeResponse(w, 10, m))),
    Buffer.concat([hex((frame.length).toString(16).padStart(8, '0')), frame]));
  // At v9 tag 0 is not CurrentLeader yet: it is kept as an unknown tagged field.
  const v9 = API.Produce.decodeResponse(new Reader(body), 9).responses[0]!.partitionResponses[0]!;
  assert.deepStrictEqual(v9.currentLeader, { leaderId: -1, leaderEpoch: -1 });
  assert.deepStrictEqual(v9._unknownTaggedFields, [{ tag: 0, data: hex('00000002 00000007 00') }]);
});

test('Fetch v0 response (pre-4.0 layout)', () => {
  const body = hex(`
    00000001 0001 ${ascii('t')}   # Responses: 1 topic "t" (no ThrottleTimeMs before v1)
      00000001                    # Partitions: 1
        00000000 0000             # PartitionIndex 0, ErrorCode 0
        000000000000000a          # HighWatermark 10
        00000003 010203           # Records
  `);
  const m = API.Fetch.decodeResponse(new Reader(body), 0);
  assert.equal(m.throttleTimeMs, 0);
  assert.equal(m.responses[0]!.topic, 't');
  const p = m.responses[0]!.partitions[0]!;
  assert.equal(p.highWatermark, 10n);
  assert.equal(p.lastStableOffset, -1n);
  assert.deepStrictEqual(p.records, hex('010203'));
  assert.deepStrictEqual(encoded((w) => API.Fetch.encodeResponse(w, 0, m)), body);
});

test('OffsetCommit v1 request: CommitTimestamp, a field only the pre-4.0 definitions have', () => {
  const body = hex(`
    0001 ${ascii('g')}            # GroupId
    00000003                      # GenerationIdOrMemberEpoch 3
    0001 ${ascii('m')}            # MemberId
    00000001 0001 ${ascii('t')}   # Topics: 1, Name "t"
      00000001                    # Partitions: 1
        00000004                  # PartitionIndex 4
        0000000000000064          # CommittedOffset 100
        00000000000003e8          # CommitTimestamp 1000 (v1 only)
        ffff                      # CommittedMetadata null
  `);
  const m = API.OffsetCommit.decodeRequest(new Reader(body), 1);
  assert.deepStrictEqual(m.topics[0]!.partitions[0], {
    partitionIndex: 4, committedOffset: 100n, committedLeaderEpoch: -1, commitTimestamp: 1000n, committedMetadata: null,
  });
  assert.deepStrictEqual(encoded((w) => API.OffsetCommit.encodeRequest(w, 1, m)), body);
});

test('Fetch v12 request: tagged ClusterId in the body, compact arrays', () => {
  const body = hex(`
    ffffffff 000001f4 00000001 00100000 00   # ReplicaId -1, MaxWait 500, MinBytes 1, MaxBytes 1 MiB, isolation 0
    00000000 ffffffff                        # SessionId 0, SessionEpoch -1
    02 02 ${ascii('a')}                      # Topics: 1, Topic "a"
      02 00000000 ffffffff 0000000000000000 ffffffff ffffffffffffffff 00100000 00
                                             # partition 0, epoch -1, offset 0, lastFetchedEpoch -1, logStart -1, max 1 MiB
      00
    01                                       # ForgottenTopicsData: empty
    01                                       # RackId ""
    01 00 02 02 ${ascii('c')}                # tag 0 ClusterId (2 bytes): compact string "c"
  `);
  const m = API.Fetch.decodeRequest(new Reader(body), 12);
  assert.equal(m.clusterId, 'c');
  assert.equal(m.maxBytes, 0x100000);
  assert.equal(m.topics[0]!.partitions[0]!.lastFetchedEpoch, -1);
  assert.deepStrictEqual(encoded((w) => API.Fetch.encodeRequest(w, 12, m)), body);
});

test('unknown api key: header read as v1 and flagged', () => {
  const h = decodeRequestHeader(hex(`0004 0000 00000009 0001 ${ascii('x')} 0102`)); // LeaderAndIsr, removed
  assert.deepStrictEqual(h, {
    apiKey: 4, apiVersion: 0, correlationId: 9, clientId: 'x', headerVersion: 1, bodyOffset: 11, unknownApiKey: true,
  });
  const v0 = decodeRequestHeader(hex('0007 0000 00000009')); // ControlledShutdown v0: header v0
  assert.equal(v0.unknownApiKey, true);
  assert.equal(v0.correlationId, 9);
  assert.equal(v0.bodyOffset, 8);
  assert.throws(() => decodeRequestHeader(hex('0000 0009 0000')), { name: 'ProtocolError' });
});

test('int64: two int32 halves within the safe-integer range, Buffer BigInt beyond it, the same bytes either way', () => {
  const values = [0n, 1n, -1n, 255n, -256n, 4294967295n, 4294967296n, -4294967296n, -4294967297n,
    2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n, -(2n ** 53n), -(2n ** 53n) - 1n,
    9223372036854775807n, -9223372036854775808n, 1732233600000n /* a timestamp */, -(2n ** 31n) * 2n ** 32n];
  for (const v of values) {
    const expected = Buffer.alloc(8);
    expected.writeBigInt64BE(v);
    const bytes = encoded((w) => w.int64(v));
    assert.deepEqual(bytes, expected, `writes ${v}`);
    assert.equal(new Reader(expected).int64(), v, `reads ${v}`);
  }
});
