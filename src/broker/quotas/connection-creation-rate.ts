// max.connection.creation.rate (KIP-612): how many new connections per second the broker
// takes, broker-wide and per listener (listener.name.<l>.max.connection.creation.rate).
// As Kafka's ConnectionQuotas: each new connection is recorded against its listener's rate
// and, unless it came to the inter-broker listener, against the broker's. Over either, the
// listener's acceptor waits out the throttle time (at most one quota window) before it takes
// that connection, and takes no other meanwhile: the connections behind it wait too, unread,
// as they would in the listen backlog. A connection is then served, not refused: clients see
// a slow connect, not an error. (An ip's connection_creation_rate quota closes the connections
// over it instead: quotas/client-quotas.ts.)

import type { Socket } from 'node:net';
import type { BrokerConfig } from '../config/broker-config.ts';
import { quotaRate, quotaWindowMs, type Rate } from './rate.ts';

export const MAX_CONNECTION_CREATION_RATE = 'max.connection.creation.rate';
const UNLIMITED = 2147483647;

export class ConnectionCreationRate {
  readonly #config: BrokerConfig;
  /** Exempt from the broker-wide rate (null: none is). */
  readonly #interBrokerListener: string | null;
  #broker: Rate | undefined;
  readonly #listeners = new Map<string, Rate>();

  constructor(config: BrokerConfig, interBrokerListener: string | null) {
    this.#config = config;
    this.#interBrokerListener = interBrokerListener;
  }

  /**
   * Records a connection taken on `listener` and returns how long Kafka's acceptor would wait
   * before taking it (0: at once). The limits are read each time, as Kafka reconfigures them
   * live.
   */
  record(listener: string, now: number): number {
    let throttleMs = 0;
    if (listener !== this.#interBrokerListener) {
      throttleMs = this.#recordOn((this.#broker ??= quotaRate(this.#config)), this.#config.number(MAX_CONNECTION_CREATION_RATE), now);
    }
    const listenerLimit = this.#config.get(`listener.name.${listener.toLowerCase()}.${MAX_CONNECTION_CREATION_RATE}`);
    if (listenerLimit !== null) {
      let rate = this.#listeners.get(listener);
      if (!rate) this.#listeners.set(listener, (rate = quotaRate(this.#config)));
      throttleMs = Math.max(throttleMs, this.#recordOn(rate, Number(listenerLimit), now));
    }
    return Math.min(throttleMs, quotaWindowMs(this.#config));
  }

  /** Kafka's Sensor.record with a quota: the connection counts even when it is over. */
  #recordOn(rate: Rate, limit: number, now: number): number {
    rate.record(1, now);
    return limit >= UNLIMITED ? 0 : rate.throttleMs(limit, now);
  }
}

/**
 * One listener's acceptor under its connection rate: new connections are taken in the order
 * they came, each after the wait `record` gives it; while one waits, those behind it queue.
 * The listener's server must not read from a connection before it is taken (pauseOnConnect).
 */
export class ThrottledAcceptor {
  readonly #record: () => number;
  readonly #queue: { socket: Socket; take: () => void }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(record: () => number) {
    this.#record = record;
  }

  offer(socket: Socket, take: () => void): void {
    this.#queue.push({ socket, take });
    if (this.#timer === undefined) this.#drain();
  }

  #drain(): void {
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const waitMs = this.#record();
      if (waitMs > 0) {
        this.#timer = setTimeout(() => {
          this.#queue.shift()!.take();
          this.#drain();
        }, waitMs);
        return;
      }
      this.#queue.shift()!.take();
    }
  }

  /** Closes the connections still waiting (the broker is stopping). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const { socket } of this.#queue.splice(0)) socket.destroy();
  }
}
