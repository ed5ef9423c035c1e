// The retention schedule (a broker component): every log.retention.check.interval.ms, one
// pass over every log deletes the segments that retention.ms, retention.bytes or the log
// start offset make obsolete (storage's LogManager.deleteOldSegments), as Kafka's
// kafka-log-retention task does. The timer is unref'd and stops with the broker.

import { defineComponent } from './component.ts';

export const RETENTION = defineComponent('log-retention', (broker) => {
  let timer: NodeJS.Timeout | undefined;
  const run = (): number => {
    if (broker.logs.closed) return 0;
    try {
      return broker.logs.deleteOldSegments();
    } catch (err) {
      broker.logger.warn(`log retention pass failed: ${(err as Error).message}`, { cause: err });
      return 0;
    }
  };
  return {
    start() {
      const every = broker.config.number('log.retention.check.interval.ms');
      timer = setInterval(run, Math.min(Math.max(1, every), 0x7fffffff)); // Node's timer limit
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    /** One pass now (tests, and DeleteRecords' callers); the number of segments deleted. */
    runOnce: run,
  };
});
