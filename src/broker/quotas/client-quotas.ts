// Client quotas (KIP-13 byte rates, KIP-124 request percentage, KIP-55 user and client-id
// entities) as Kafka's ClientQuotaManager and its DefaultQuotaCallback apply them.
//
// Quotas come from AlterClientQuotas (stored in the metadata log). Each quota type is its
// own: producer_byte_rate (bytes of Produce requests), consumer_byte_rate (bytes of Fetch
// responses) and request_percentage (time spent handling requests, in percent of one
// thread per second). For a client (user, client id) the first entity holding the key wins:
//   1 user+client-id  2 user+<default client-id>  3 user  4 <default user>+client-id
//   5 <default user>+<default client-id>  6 <default user>  7 client-id  8 <default client-id>
// and usage is measured per what that entity names: a user quota is shared by all of that
// user's client ids, a client-id quota by all users of that id, and a default entity gives
// each user (or client id) a rate of its own. While only one kind of entity holds a quota
// type, Kafka tags every client by that kind; that is the same answer.
//
// Each measured rate is a Rate (rate.ts) over quota.window.num windows of
// quota.window.size.seconds. A request is recorded first, then checked: over the quota, the
// throttle time is (rate - quota) / quota * window, capped at one window for the request
// quota (ClientRequestQuotaManager). Sensors idle for an hour are dropped, as Kafka expires
// them.
//
// IP quotas (KIP-612): connection_creation_rate, for one IP or the default IP, counts the new
// connections from an address. One over it is not served: it is closed after the throttle
// time, at most one window (Kafka's acceptor delays closing it, so that the client does not
// reconnect at once), and it is not counted in the rate, as Kafka takes it back.
//
// Where Runnel differs: request time is the time the event loop spends decoding and
// handling the request up to its first wait (a long poll's waiting is not work, as it is
// not in Kafka's request-handler time); quotas on the user principal use the principal's
// name after "User:". Kafka's quotaTypesEnabled only grows until restart; here it follows
// the quotas that exist.

import type { QuotaEntity } from '../../storage/index.ts';
import type { Broker } from '../broker.ts';
import { defineComponent, type Component } from '../component.ts';
import { quotaRate, quotaWindowMs, type Rate } from './rate.ts';

export const QUOTA_TYPE = { PRODUCE: 'producer_byte_rate', FETCH: 'consumer_byte_rate', REQUEST: 'request_percentage' } as const;
export type QuotaType = (typeof QUOTA_TYPE)[keyof typeof QUOTA_TYPE];

const SENSOR_EXPIRY_MS = 3600_000;
const DEFAULT = '\u0000default';

interface Sensor {
  readonly rate: Rate;
  lastUsed: number;
}

/** The quota that applies to a client and the key of the rate it is measured by. */
interface Applied {
  readonly bound: number;
  readonly sensorKey: string;
}

/** Quotas of one type by entity: "user|client" with DEFAULT for a default name and "" for absent. */
type QuotaIndex = Map<string, number>;

function entityKey(entity: QuotaEntity): string | null {
  let user = '';
  let client = '';
  for (const [type, name] of entity) {
    if (type === 'user') user = name ?? DEFAULT;
    else if (type === 'client-id') client = name ?? DEFAULT;
    else return null;
  }
  return `${user}|${client}`;
}

/** The ip entity's quota key. */
export const CONNECTION_CREATION_RATE = 'connection_creation_rate';

export class ClientQuotas implements Component {
  readonly #broker: Broker;
  /** The stored quotas, indexed once per change: client quotas by type and entity, ip quotas by address. */
  #index: { byType: Map<QuotaType, QuotaIndex>; byIp: Map<string, number> } | undefined;
  readonly #sensors = new Map<string, Sensor>();
  #lastSweep = 0;

  constructor(broker: Broker) {
    this.#broker = broker;
  }

  start(): void {}

  /** Called when quotas change (AlterClientQuotas), so that the next request sees them. */
  invalidate(): void {
    this.#index = undefined;
  }

  /** The index of the stored quotas (byIp: connection_creation_rate by address, DEFAULT for the default IP). */
  #indexes(): { byType: Map<QuotaType, QuotaIndex>; byIp: Map<string, number> } {
    if (!this.#index) {
      const byType = new Map<QuotaType, QuotaIndex>();
      const byIp = new Map<string, number>();
      for (const q of this.#broker.logs.clientQuotas()) {
        const [first, ...others] = q.entity;
        const connectionRate = q.quotas[CONNECTION_CREATION_RATE];
        if (first?.[0] === 'ip' && others.length === 0 && connectionRate !== undefined) byIp.set(first[1] ?? DEFAULT, connectionRate);
        const key = entityKey(q.entity);
        if (key === null) continue;
        for (const [name, value] of Object.entries(q.quotas)) {
          const t = name as QuotaType;
          if (!Object.values(QUOTA_TYPE).includes(t)) continue;
          let byEntity = byType.get(t);
          if (!byEntity) byType.set(t, (byEntity = new Map()));
          byEntity.set(key, value);
        }
      }
      this.#index = { byType, byIp };
    }
    return this.#index;
  }

  #quotas(type: QuotaType): QuotaIndex | undefined {
    return this.#indexes().byType.get(type);
  }

  /**
   * Records a new connection from `ip` and returns how long to hold it before closing it
   * (0: serve it). Over the quota the connection is not counted.
   */
  recordConnection(ip: string, now = Date.now()): number {
    const quotas = this.#indexes().byIp;
    if (quotas.size === 0) return 0;
    const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    const bound = quotas.get(address) ?? quotas.get(DEFAULT);
    if (bound === undefined) return 0;
    const rate = this.#sensor(`${CONNECTION_CREATION_RATE}|${address}`, now);
    rate.record(1, now);
    const throttleMs = rate.throttleMs(bound, now);
    if (throttleMs === 0) return 0;
    rate.record(-1, now);
    return Math.min(throttleMs, quotaWindowMs(this.#broker.config));
  }

  /** Kafka's precedence; undefined when no quota of this type applies to the client. */
  applied(type: QuotaType, user: string, clientId: string): Applied | undefined {
    const quotas = this.#quotas(type);
    if (!quotas) return undefined;
    const order: [string, string, string, string][] = [
      // entity user, entity client, then the tags the usage is measured by
      [user, clientId, user, clientId],
      [user, DEFAULT, user, clientId],
      [user, '', user, ''],
      [DEFAULT, clientId, user, clientId],
      [DEFAULT, DEFAULT, user, clientId],
      [DEFAULT, '', user, ''],
      ['', clientId, '', clientId],
      ['', DEFAULT, '', clientId],
    ];
    for (const [u, c, userTag, clientTag] of order) {
      const bound = quotas.get(`${u}|${c}`);
      if (bound !== undefined) return { bound, sensorKey: `${type}|${userTag}|${clientTag}` };
    }
    return undefined;
  }

  #sensor(key: string, now: number): Rate {
    let sensor = this.#sensors.get(key);
    if (!sensor) {
      sensor = { rate: quotaRate(this.#broker.config), lastUsed: now };
      this.#sensors.set(key, sensor);
    }
    sensor.lastUsed = now;
    if (now - this.#lastSweep > SENSOR_EXPIRY_MS) {
      this.#lastSweep = now;
      for (const [k, s] of this.#sensors) if (now - s.lastUsed > SENSOR_EXPIRY_MS) this.#sensors.delete(k);
    }
    return sensor.rate;
  }

  /** Records `value` for the client and returns how long to throttle it (0 within its quota). */
  record(type: QuotaType, user: string, clientId: string, value: number, now = Date.now()): number {
    const applied = this.applied(type, user, clientId);
    if (!applied) return 0;
    const rate = this.#sensor(applied.sensorKey, now);
    rate.record(value, now);
    const throttleMs = rate.throttleMs(applied.bound, now);
    // The request quota caps a throttle at one window (ClientRequestQuotaManager).
    return type === QUOTA_TYPE.REQUEST ? Math.min(throttleMs, quotaWindowMs(this.#broker.config)) : throttleMs;
  }

  /** Takes back a recorded value: a throttled fetch returns no data, so its bytes do not count. */
  unrecord(type: QuotaType, user: string, clientId: string, value: number, now = Date.now()): void {
    const applied = this.applied(type, user, clientId);
    if (applied) this.#sensor(applied.sensorKey, now).record(-value, now);
  }

  /** The measured rate of a client for a quota type, or undefined without a quota (for tests and tools). */
  measured(type: QuotaType, user: string, clientId: string, now = Date.now()): number | undefined {
    const applied = this.applied(type, user, clientId);
    const sensor = applied && this.#sensors.get(applied.sensorKey);
    return sensor?.rate.measure(now);
  }
}

export const CLIENT_QUOTAS = defineComponent('client-quotas', (broker) => new ClientQuotas(broker));
