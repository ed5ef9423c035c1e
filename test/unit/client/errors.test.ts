import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaError } from '../../../src/client/errors.ts';
import { ClientCore } from '../../../src/client/client.ts';
import { ErrorCode } from '../../../src/protocol/index.ts';

test('KafkaError carries code, Kafka name and flags computed from the code', () => {
  const e = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, undefined, { topic: 't', partition: 2 });
  assert.equal(e.code, 6);
  assert.equal(e.kafkaName, 'NOT_LEADER_OR_FOLLOWER');
  assert.equal(e.retriable, true);
  assert.equal(e.staleMetadata, true);
  assert.equal(e.needsRejoin, false);
  assert.equal(e.fenced, false);
  assert.match(e.message, /^NOT_LEADER_OR_FOLLOWER \(t-2\): /);
  assert.ok(e instanceof Error);

  const rejoin = new KafkaError(ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(rejoin.needsRejoin, true);
  assert.equal(rejoin.retriable, false);
  assert.equal(new KafkaError(ErrorCode.PRODUCER_FENCED).fenced, true);
  assert.equal(KafkaError.fromCode(0), null);
});

test('collected errors keep each path; the whole is retriable only if each part is', () => {
  const a = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, undefined, { topic: 't', partition: 0 });
  const b = new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, undefined, { topic: 't', partition: 1 });
  const all = KafkaError.collect([a, b], 'Produce failed');
  assert.deepEqual(all.errors.map((e) => [e.topic, e.partition, e.kafkaName]), [['t', 0, 'NOT_LEADER_OR_FOLLOWER'], ['t', 1, 'MESSAGE_TOO_LARGE']]);
  assert.equal(all.retriable, false);
  assert.equal(KafkaError.collect([a], 'x'), a);
});

test('retries keep the classification and attach the last attempt as cause', async () => {
  const core = new ClientCore({ retries: 2, retryBackoffMs: 1, retryBackoffMaxMs: 2 });
  let calls = 0;
  const failing = new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, undefined, { topic: 't', partition: 0 });
  await assert.rejects(
    core.retry('op', async () => {
      calls++;
      throw failing;
    }),
    (err: unknown) => {
      assert.ok(err instanceof KafkaError);
      assert.equal(err.code, failing.code);
      assert.equal(err.retriable, true);
      assert.equal(err.staleMetadata, true);
      assert.equal(err.topic, 't');
      assert.equal(err.cause, failing);
      assert.match(err.message, /after 3 attempts/);
      return true;
    },
  );
  assert.equal(calls, 3);

  calls = 0;
  const fatal = new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  await assert.rejects(core.retry('op', async () => { calls++; throw fatal; }), (err) => err === fatal);
  assert.equal(calls, 1);
  await core.close();
});
