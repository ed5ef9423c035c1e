// Connections by broker address: one per broker, opened on first use and reopened after a
// failure. Bootstrap addresses are only a way in: once metadata names the brokers, requests
// go to brokers by node id, and a bootstrap connection whose address matches a broker's is
// reused for it (the pool is keyed by host:port).

import { Connection, type ConnectionOptions } from './connection.ts';
import { KafkaError, networkError } from './errors.ts';

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface PoolOptions {
  bootstrap: BrokerAddress[];
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxVersions?: ConnectionOptions['maxVersions'];
  tls?: ConnectionOptions['tls'];
  sasl?: ConnectionOptions['sasl'];
}

/** Parses "host:port[,host:port]" (IPv6 in brackets); port defaults to 9092. */
export function parseBootstrap(servers: string | readonly string[]): BrokerAddress[] {
  const list = (typeof servers === 'string' ? [servers] : servers).flatMap((s) => s.split(','));
  const out: BrokerAddress[] = [];
  for (const raw of list) {
    const s = raw.trim();
    if (s === '') continue;
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
    if (m === null) throw new TypeError(`invalid bootstrap server ${JSON.stringify(raw)}: expected host:port`);
    const port = m[2] === undefined ? 9092 : Number(m[2]);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new TypeError(`invalid port in bootstrap server ${JSON.stringify(raw)}`);
    out.push({ host: m[1]!, port });
  }
  if (out.length === 0) throw new TypeError('no bootstrap servers given');
  return out;
}

export class ConnectionPool {
  readonly options: PoolOptions;
  #connections = new Map<string, Promise<Connection>>();
  #closed = false;
  #nextBootstrap: number;

  constructor(options: PoolOptions) {
    this.options = options;
    this.#nextBootstrap = Math.floor(Math.random() * options.bootstrap.length);
  }

  /**
   * The connection to a broker, opened if needed. A connection that closed is replaced; a
   * failed attempt is reported to everyone who waited on it, and the next call tries again.
   */
  async get(address: BrokerAddress, nodeId = -1): Promise<Connection> {
    const key = `${address.host}:${address.port}`;
    for (;;) {
      if (this.#closed) throw networkError('the client is closed');
      const existing = this.#connections.get(key);
      if (existing === undefined) return this.#open(key, address, nodeId);
      let connection: Connection;
      try {
        connection = await existing;
      } catch (err) {
        if (this.#connections.get(key) === existing) this.#connections.delete(key);
        throw err;
      }
      if (!connection.closed) return connection;
      if (this.#connections.get(key) === existing) this.#connections.delete(key);
    }
  }

  #open(key: string, address: BrokerAddress, nodeId: number): Promise<Connection> {
    const opening = Connection.open({
      host: address.host,
      port: address.port,
      nodeId,
      clientId: this.options.clientId,
      connectTimeoutMs: this.options.connectTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
      ...(this.options.maxVersions === undefined ? {} : { maxVersions: this.options.maxVersions }),
      ...(this.options.tls === undefined ? {} : { tls: this.options.tls }),
      ...(this.options.sasl === undefined ? {} : { sasl: this.options.sasl }),
    });
    this.#connections.set(key, opening);
    opening.then(
      (c) => {
        if (this.#closed) c.close();
      },
      () => {
        if (this.#connections.get(key) === opening) this.#connections.delete(key);
      },
    );
    return opening;
  }

  /** A connection to any bootstrap server, trying each in turn. */
  async bootstrap(): Promise<Connection> {
    const servers = this.options.bootstrap;
    const failures: string[] = [];
    let last: unknown;
    for (let i = 0; i < servers.length; i++) {
      const address = servers[(this.#nextBootstrap + i) % servers.length]!;
      try {
        const c = await this.get(address);
        this.#nextBootstrap = (this.#nextBootstrap + i) % servers.length;
        return c;
      } catch (err) {
        last = err;
        failures.push(err instanceof Error ? err.message.replace(/^[A-Z_]+: /, '') : String(err));
      }
    }
    if (servers.length === 1 && last instanceof KafkaError) throw last;
    const error = networkError(`could not connect to any bootstrap server (${failures.join('; ')})`, last);
    // Refused certificates stay refused: keep them from being retried.
    if (last instanceof KafkaError && !last.retriable) throw new KafkaError(last.code, error.message.replace(/^[A-Z_]+: /, ''), { cause: last, retriable: false });
    throw error;
  }

  /** Closes every connection; requests in flight fail with NETWORK_EXCEPTION. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close(), () => {})));
  }
}
