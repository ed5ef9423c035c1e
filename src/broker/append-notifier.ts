// Wakes fetch requests that long-poll (max_wait_ms, min_bytes) when new records land in a
// partition they read, instead of polling on a timer. Keyed by the partition log object.
//
// A consumer that follows 10,000 partitions registers on all of them at every long poll
// and leaves them all when woken, several times a second under light traffic. So each
// key's set of waiters is made once and kept for as long as the key lives (a WeakMap: a
// deleted partition's log takes its set with it), and a waiter remembers the sets it is
// in, to leave them without looking them up again.

export class AppendNotifier<K extends object> {
  readonly #waiters = new WeakMap<K, Set<() => void>>();

  /** Resolves on the first append to any of `keys`, after `timeoutMs`, or on abort. */
  wait(keys: Iterable<K>, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const joined: Set<() => void>[] = [];
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        for (const set of joined) set.delete(done);
        resolve();
      };
      for (const key of keys) {
        let set = this.#waiters.get(key);
        if (!set) this.#waiters.set(key, (set = new Set()));
        set.add(done);
        joined.push(set);
      }
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  notify(key: K): void {
    const set = this.#waiters.get(key);
    if (!set || set.size === 0) return;
    for (const wake of [...set]) wake();
  }
}
