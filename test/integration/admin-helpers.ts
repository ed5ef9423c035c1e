// Helpers of the admin, retention and compaction tests: the in-process broker behind a
// test broker, and the batches of a partition read straight from its log.

import { decodeRecordBatches } from '../../src/protocol/index.ts';
import type { Broker } from '../../src/broker/index.ts';
import type { RunningBroker } from '../helpers/broker.ts';

export function brokerOf(running: RunningBroker): Broker {
  return (running as unknown as { broker: Broker }).broker;
}

export function readBatches(broker: Broker, topic: string, partition: number, from?: number) {
  const log = broker.logs.partition(topic, partition)!;
  const r = log.read(from ?? log.logStartOffset, 1 << 30, { minOneBatch: true });
  return decodeRecordBatches(Buffer.concat(r.chunks));
}
