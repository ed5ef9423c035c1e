// The log cleaner (a broker component): every log.cleaner.backoff.ms (dynamic), when
// log.cleaner.enable is true, one pass over the logs with cleanup.policy compact
// (storage's LogManager.cleanLogs and log/cleaner.ts). A pass yields to the event loop as it
// goes, so produce and fetch keep flowing; passes never overlap; stopping the broker
// abandons a pass at its next yield (the swap protocol leaves the log consistent) and waits
// for it.

import { defineComponent } from './component.ts';

export const LOG_CLEANER = defineComponent('log-cleaner', (broker) => {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopping = false;
  const maxDecompressedBytes = Math.max(broker.config.number('message.max.bytes') * 64, 64 << 20);
  const run = (): Promise<unknown> => {
    if (running || stopping || broker.logs.closed) return running ?? Promise.resolve();
    running = broker.logs
      .cleanLogs({ maxDecompressedBytes, maxMapBytes: broker.config.number('log.cleaner.dedupe.buffer.size'), aborted: () => stopping })
      .catch((err: unknown) => broker.logger.warn(`log cleaner pass failed: ${(err as Error).message}`, { cause: err }))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  // A timeout chain rather than an interval: log.cleaner.backoff.ms is a dynamic config,
  // read again before each wait.
  const schedule = (): void => {
    if (stopping) return;
    const backoff = Math.min(Math.max(1, broker.config.number('log.cleaner.backoff.ms')), 0x7fffffff); // Node's timer limit
    timer = setTimeout(() => void run().then(schedule), backoff);
    timer.unref();
  };
  return {
    start() {
      if (broker.config.boolean('log.cleaner.enable')) schedule();
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await running;
    },
    /** One pass now (tests); resolves when it is done. */
    runOnce: run,
  };
});
