// A rate measured as Kafka's metrics measure it for quotas (Rate over a SampledStat), so that
// the rate a client is held to, and the throttle time it is told, are the numbers a Kafka
// broker would compute for the same traffic.
//
// - `samples` windows of `windowMs` each (quota.window.num, quota.window.size.seconds). A
//   value goes into the current window; a window is complete once `windowMs` has passed since
//   it began, and the next value starts a new one at that moment (windows are not aligned to
//   a clock), reusing the oldest slot once all are taken.
// - Windows that began `samples * windowMs` or more ago are emptied (restarted at now)
//   before measuring.
// - The rate is the sum of the windows over the elapsed time since the oldest window began,
//   but never over less than `samples - 1` full windows, so a burst right after a quiet
//   start is not measured as a huge rate (Kafka's Rate.windowSize).
// - Throttle time (QuotaUtils.throttleTime): with O the observed rate and T the quota over a
//   window W, the delay X with O * W / (W + X) = T is X = (O - T) / T * W.

interface Sample {
  start: number;
  value: number;
}

export class Rate {
  readonly #samples: Sample[] = [];
  readonly #count: number;
  readonly #windowMs: number;
  #current = 0;

  constructor(samples: number, windowMs: number) {
    this.#count = Math.max(1, samples);
    this.#windowMs = Math.max(1, windowMs);
  }

  record(value: number, now: number): void {
    if (this.#samples.length === 0) this.#samples.push({ start: now, value: 0 });
    let sample = this.#samples[this.#current]!;
    if (now - sample.start >= this.#windowMs) {
      this.#current = (this.#current + 1) % this.#count;
      if (this.#current >= this.#samples.length) this.#samples.push((sample = { start: now, value: 0 }));
      else Object.assign((sample = this.#samples[this.#current]!), { start: now, value: 0 });
    }
    sample.value += value;
  }

  #purge(now: number): void {
    const expireAge = this.#count * this.#windowMs;
    for (const s of this.#samples) {
      if (now - s.start >= expireAge) Object.assign(s, { start: now, value: 0 });
    }
  }

  /** The span, in ms, the rate is measured over (Kafka's Rate.windowSize). */
  windowMs(now: number): number {
    this.#purge(now);
    const oldest = this.#samples.reduce((min, s) => Math.min(min, s.start), now);
    let elapsed = now - oldest;
    const fullWindows = Math.floor(elapsed / this.#windowMs);
    if (fullWindows < this.#count - 1) elapsed += (this.#count - 1 - fullWindows) * this.#windowMs;
    return elapsed;
  }

  /** Units per second. */
  measure(now: number): number {
    const windowMs = this.windowMs(now);
    const total = this.#samples.reduce((sum, s) => sum + s.value, 0);
    return total / (windowMs / 1000);
  }

  /** The time to hold the client back so that its rate falls to `bound` (0 when within it). */
  throttleMs(bound: number, now: number): number {
    const value = this.measure(now);
    if (value <= bound) return 0;
    return Math.round(((value - bound) / bound) * this.windowMs(now));
  }
}

/** The broker configs a quota's windows come from. */
interface QuotaWindows {
  number(name: 'quota.window.num' | 'quota.window.size.seconds'): number;
}

/** A Rate over the configured quota windows, as every Kafka quota sensor is. */
export function quotaRate(config: QuotaWindows): Rate {
  return new Rate(config.number('quota.window.num'), quotaWindowMs(config));
}

/** One quota window: the most a request or connection quota makes a client wait (QuotaUtils.boundedThrottleTime). */
export function quotaWindowMs(config: QuotaWindows): number {
  return config.number('quota.window.size.seconds') * 1000;
}
