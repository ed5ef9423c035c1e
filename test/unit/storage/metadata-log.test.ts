import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptLogError, StorageError } from '../../../src/errors.ts';
import { MemoryFileSystem } from '../../../src/storage/fs.ts';
import { MetadataLog, encodeMetadataRecord } from '../../../src/storage/meta/metadata-log.ts';
import { RECORD_TYPE, TopicStore } from '../../../src/storage/meta/topic-store.ts';
import { crc32c } from '../../../src/protocol/primitives/crc32c.ts';
import { recordingLogger } from './helpers.ts';

const PATH = '/d/runnel-metadata.log';

function setup(): MemoryFileSystem {
  const fs = new MemoryFileSystem();
  fs.mkdir('/d');
  return fs;
}

function append(fs: MemoryFileSystem, data: Buffer): void {
  const fd = fs.open(PATH, 'write');
  fs.write(fd, data, fs.fsize(fd));
  fs.fsync(fd);
  fs.close(fd);
}

test('record layout: length, CRC32C over the rest, version 0, type, JSON payload', () => {
  const buf = encodeMetadataRecord({ type: 2, payload: { topicId: 'x' } });
  assert.equal(buf.readInt32BE(0), buf.length - 4);
  assert.equal(buf.readUInt32BE(4), crc32c(buf.subarray(8)));
  assert.equal(buf[8], 0);
  assert.equal(buf[9], 2);
  assert.equal(buf.subarray(10).toString(), '{"topicId":"x"}');
});

test('a torn last record is cut off with a warning', () => {
  const fs = setup();
  const logger = recordingLogger();
  const store = TopicStore.open(fs, PATH, logger);
  store.create({ name: 'a', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 1, configs: {} });
  store.close();
  const whole = encodeMetadataRecord({ type: RECORD_TYPE.TOPIC, payload: { name: 'b', topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitions: 1, configs: {} } });
  append(fs, whole.subarray(0, whole.length - 3));
  const before = fs.stat(PATH)!.size;
  const again = TopicStore.open(fs, PATH, logger);
  assert.deepEqual(again.topics().map((t) => t.name), ['a']);
  assert.equal(fs.stat(PATH)!.size, before - whole.length + 3);
  assert.equal(logger.warnings.length, 1);
  again.create({ name: 'c', topicId: 'AAAAAAAAAAAAAAAAAAAAAw', partitions: 1, configs: {} });
  again.close();
  assert.deepEqual(TopicStore.open(fs, PATH, logger).topics().map((t) => t.name), ['a', 'c']);
});

test('a bad checksum with records after it is corruption, not a torn tail', () => {
  const fs = setup();
  const store = TopicStore.open(fs, PATH, recordingLogger());
  store.create({ name: 'a', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 1, configs: {} });
  store.create({ name: 'b', topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitions: 1, configs: {} });
  store.close();
  fs.poke(PATH, 15, Buffer.from('Z'));
  assert.throws(() => TopicStore.open(fs, PATH, recordingLogger()), CorruptLogError);
});

test('a record from a newer format is refused', () => {
  const fs = setup();
  const rec = encodeMetadataRecord({ type: 1, payload: {} });
  rec[8] = 1;
  rec.writeUInt32BE(crc32c(rec.subarray(8)), 4);
  append(fs, rec);
  assert.throws(() => MetadataLog.open(fs, PATH, recordingLogger()), StorageError);
});

test('the log is rewritten as a snapshot when it grows, with the same state', () => {
  const fs = setup();
  const store = TopicStore.open(fs, PATH, recordingLogger());
  const t = store.create({ name: 'a', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 1, configs: {} });
  for (let i = 0; i < 600; i++) store.alterConfigs(t, { 'retention.ms': String(i), [`k${i % 3}`]: i % 2 ? null : 'v' });
  store.setPartitions(store.byName('a')!, 4);
  assert.ok(store.recordCount < 300, `compacted (${store.recordCount} records)`);
  const state = store.topics();
  store.close();
  const again = TopicStore.open(fs, PATH, recordingLogger());
  assert.deepEqual(again.topics(), state);
  // the last writes: i=597 removes k0, i=598 sets k1, i=599 removes k2
  assert.deepEqual(again.byName('a')!.configs, { 'retention.ms': '599', k1: 'v' });
  assert.equal(again.byName('a')!.partitions, 4);
});
