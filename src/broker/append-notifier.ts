// Wakes fetch requests that long-poll (max_wait_ms, min_bytes) when new records land in a
// partition they read, instead of polling on a timer. Keyed by the partition log object.

export class AppendNotifier<K extends object> {
  readonly #waiters = new Map<K, Set<() => void>>();

  /** Resolves on the first append to any of `keys`, after `timeoutMs`, or on abort. */
  wait(keys: Iterable<K>, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const registered: K[] = [];
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', done);
        for (const key of registered) {
          const set = this.#waiters.get(key);
          set?.delete(done);
          if (set?.size === 0) this.#waiters.delete(key);
        }
        resolve();
      };
      if (signal.aborted) return resolve();
      for (const key of keys) {
        let set = this.#waiters.get(key);
        if (!set) this.#waiters.set(key, (set = new Set()));
        set.add(done);
        registered.push(key);
      }
      timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  notify(key: K): void {
    const set = this.#waiters.get(key);
    if (!set) return;
    for (const wake of [...set]) wake();
  }
}
