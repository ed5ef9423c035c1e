// The exactly-once side of the broker as components, as group-component.ts is for groups:
// PRODUCER_STATE owns the producer id manager (ids by persisted blocks) and the
// producer.id.expiration.ms schedule (every producer.id.expiration.check.interval.ms);
// TXN_COORDINATOR the transaction coordinator (src/coordinator/txn), which loads
// __transaction_state when the broker starts, after the group coordinator, so that the markers
// its recovery writes to __consumer_offsets complete transactional offsets already loaded.

import { GROUP_METADATA_TOPIC } from '../../coordinator/index.ts';
import { ProducerIdManager, TransactionStateManager } from '../../coordinator/txn/index.ts';
import { defineComponent } from '../component.ts';
import { groupCoordinator } from './group-component.ts';

export const PRODUCER_STATE = defineComponent('producer-state', (broker) => {
  let ids: ProducerIdManager | undefined;
  let timer: NodeJS.Timeout | undefined;
  const expire = (now = Date.now()): number => {
    if (broker.logs.closed) return 0;
    const ms = broker.config.number('producer.id.expiration.ms');
    let removed = 0;
    for (const log of broker.logs.partitions()) if (!log.closed) removed += log.removeExpiredProducers(now, ms);
    return removed;
  };
  return {
    start() {
      timer = setInterval(() => {
        try {
          expire();
        } catch (err) {
          broker.logger.warn(`producer id expiration failed: ${(err as Error).message}`, { cause: err });
        }
      }, Math.min(Math.max(1, broker.config.number('producer.id.expiration.check.interval.ms')), 0x7fffffff));
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    /** A new producer id (the manager is opened on first use). */
    generateProducerId(): bigint {
      ids ??= new ProducerIdManager(broker.logs.fs, broker.logs.dataDir);
      return ids.generate();
    },
    /** One expiration pass now (tests); the number of producer entries forgotten. */
    expireNow: expire,
  };
});

export const TXN_COORDINATOR = defineComponent('txn-coordinator', (broker) => {
  const manager = new TransactionStateManager({
    logs: broker.logs,
    config: (name) => broker.config.number(name),
    log: (level, message, fields) => broker.logger[level](message, fields),
    generateProducerId: () => broker.component(PRODUCER_STATE).generateProducerId(),
    appended: (log) => broker.appends.notify(log),
    markerWritten: (tp, producerId, commit) => {
      if (tp.topic === GROUP_METADATA_TOPIC) groupCoordinator(broker).completeTransaction(producerId, commit, tp.partition);
    },
  });
  return {
    manager,
    coordinator: manager.coordinator,
    start: () => manager.start(),
    stop: () => manager.stop(),
    /** One timeout pass now (tests); the transactional ids aborted. */
    abortTimedOut: (now?: number) => manager.abortTimedOut(now),
  };
});
