// The broker: composes configuration, storage and the request handlers behind a TCP
// listener. `startBroker()` is the embedding entry point (tests, the CLI); `Broker` holds
// what handlers share: config, logs, the append notifier that wakes long-polling fetches,
// and the addresses advertised to clients.

import net from 'node:net';
import os from 'node:os';
import { decompressSync } from '../protocol/index.ts';
import { LogManager, type PartitionLog } from '../storage/index.ts';
import { ConfigError } from '../errors.ts';
import { createLogger, type Logger, type LogLevel } from '../logger.ts';
import { AppendNotifier } from './append-notifier.ts';
import type { OAuthBearerValidator } from './auth/oauthbearer.ts';
import { SECURITY } from './auth/security.ts';
import type { Component, ComponentKey } from './component.ts';
import { BrokerConfig, type Listener } from './config/broker-config.ts';
import { ConnectionCreationRate, ThrottledAcceptor } from './quotas/connection-creation-rate.ts';
import { Connection } from './connection.ts';
import { Dispatcher } from './dispatch.ts';
import { ALL_HANDLERS, STARTUP_COMPONENTS } from './handlers/index.ts';
import { CLIENT_QUOTAS } from './quotas/client-quotas.ts';
import { certificateSubject, isTls, principalFromCertificate, resolveListeners, tlsServerOptions, type ListenerSpec, type SecurityProtocol } from './listeners.ts';

/** A listener as it runs: its name, protocol, bound and advertised addresses. */
export interface RunningListener {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  readonly host: string;
  readonly port: number;
  readonly bootstrap: string;
  readonly advertised: { readonly host: string; readonly port: number };
}

export interface BrokerOptions {
  /** Host to bind; overrides `listeners`. Default 127.0.0.1. */
  host?: string;
  /** Port to bind (0 for any free port); overrides `listeners`. Default 9092. */
  port?: number;
  /** Data directory, or 'memory' for an in-memory log; overrides `log.dirs`. */
  dataDir?: string;
  /** Kafka broker configs by their property names, e.g. `{ 'num.partitions': '3' }`. */
  config?: Record<string, string> | BrokerConfig;
  logger?: Logger;
  /** Log level of the default logger. Default 'warn' (embedded), the CLI uses 'info'. */
  logLevel?: LogLevel;
  /**
   * Validates SASL OAUTHBEARER tokens (Kafka's sasl.server.callback.handler.class): returns the
   * principal name and expiry, or throws. Default: Kafka's unsecured JWS validator.
   */
  oauthBearerValidator?: OAuthBearerValidator;
}

export interface RunningBroker {
  /** The address the broker listens on (a wildcard bind reports 127.0.0.1). */
  readonly host: string;
  /** The port it listens on: the one picked when 0 was asked for. */
  readonly port: number;
  /** "host:port" of the listener, ready for a client's bootstrap.servers. */
  readonly bootstrap: string;
  /** The address given to clients in Metadata (advertised.listeners, else the listener). */
  readonly advertised: { readonly host: string; readonly port: number };
  /** Every listener, in the order of `listeners` (the first is the one above). */
  readonly listeners: readonly RunningListener[];
  readonly broker: Broker;
  /** Stops accepting, closes connections, flushes and checkpoints the log. */
  stop(): Promise<void>;
}

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  let config = options.config instanceof BrokerConfig ? options.config : new BrokerConfig(options.config ?? {});
  const overrides: Record<string, string> = {};
  if (options.host !== undefined || options.port !== undefined) {
    // host/port replace the first listener's address; the other listeners stay.
    const [base = { name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }, ...rest] = config.listeners;
    const host = options.host ?? base.host;
    const uri = (name: string, h: string, p: number) => `${name}://${h.includes(':') ? `[${h}]` : h}:${p}`;
    overrides['listeners'] = [uri(base.name, host, options.port ?? base.port), ...rest.map((l) => uri(l.name, l.host, l.port))].join(',');
  }
  if (options.dataDir !== undefined) overrides['log.dirs'] = options.dataDir;
  if (Object.keys(overrides).length > 0) config = config.with(overrides);
  const logger = options.logger ?? createLogger(options.logLevel ?? 'warn');
  for (const key of config.unknownKeys) logger.warn(`The configuration '${key}' was supplied but isn't a known config.`);

  const logs = LogManager.open({
    dataDir: config.dataDir,
    nodeId: config.nodeId,
    defaults: {
      segmentBytes: config.number('log.segment.bytes'),
      segmentMs: config.segmentMs,
      indexIntervalBytes: config.number('log.index.interval.bytes'),
      segmentIndexBytes: config.number('log.index.size.max.bytes'),
      flushMessages: config.number('log.flush.interval.messages'),
      flushMs: config.flushMs,
      flushOffsetCheckpointIntervalMs: config.number('log.flush.offset.checkpoint.interval.ms'),
    },
    logger,
    // Lets ListOffsets by timestamp look at each record inside compressed batches; storage
    // does not import the codecs itself. A batch is never larger than message.max.bytes.
    decompress: (compression, data) => decompressSync(compression, data, Math.max(config.number('message.max.bytes') * 64, 64 << 20)),
  });
  const broker = new Broker(config, logs, logger);
  if (options.oauthBearerValidator) broker.component(SECURITY).oauthBearerValidator = options.oauthBearerValidator;
  try {
    for (const key of STARTUP_COMPONENTS) await broker.component(key).start?.();
    await broker.listen();
  } catch (err) {
    await broker.stop();
    throw err;
  }
  const listeners = broker.listeners;
  const first = listeners[0]!;
  return {
    host: first.host,
    port: first.port,
    bootstrap: first.bootstrap,
    advertised: first.advertised,
    listeners,
    broker,
    stop: () => broker.stop(),
  };
}

export class Broker {
  readonly config: BrokerConfig;
  readonly logs: LogManager;
  readonly logger: Logger;
  readonly dispatcher: Dispatcher;
  readonly appends = new AppendNotifier<PartitionLog>();
  readonly nodeId: number;
  /** Aborted when the broker stops; long polls and timers listen to it. */
  readonly #stopping = new AbortController();
  /** New connections held until they are closed for a connection_creation_rate quota. */
  readonly #throttledSockets = new Set<net.Socket>();
  /** max.connection.creation.rate: its rates, and each listener's acceptor waiting on them. */
  #connectionRate: ConnectionCreationRate | undefined;
  readonly #acceptors: ThrottledAcceptor[] = [];
  readonly #connections = new Set<Connection>();
  /** Open connections per client address and per listener, for max.connections(.per.ip). */
  readonly #perIp = new Map<string, number>();
  readonly #perListener = new Map<string, number>();
  #connectionLimits: ConnectionLimits | undefined;
  readonly #components = new Map<ComponentKey<Component>, Component>();
  readonly #servers: net.Server[] = [];
  #listeners: RunningListener[] = [];
  #interBrokerListener = '';
  #stopped: Promise<void> | undefined;

  constructor(config: BrokerConfig, logs: LogManager, logger: Logger) {
    this.config = config;
    this.logs = logs;
    this.logger = logger;
    this.nodeId = config.nodeId;
    this.dispatcher = new Dispatcher().register(...ALL_HANDLERS);
  }

  get clusterId(): string {
    return this.logs.clusterId;
  }

  /** The advertised address of inter.broker.listener.name, else of the first listener. */
  get advertised(): Listener {
    return this.advertisedFor(undefined);
  }

  /**
   * The host and port that clients of a listener are told to connect to: a client hears of
   * the listener it came in on (RequestContext.listenerName), as with Kafka.
   */
  advertisedFor(listenerName: string | undefined): Listener {
    const name = listenerName ?? this.#interBrokerListener;
    const l = this.#listeners.find((x) => x.name === name) ?? this.#listeners[0];
    if (!l) throw new Error('broker is not listening');
    return { name: l.name, host: l.advertised.host, port: l.advertised.port };
  }

  /** The address and port the first listener is bound to. */
  get bound(): Listener {
    const l = this.#listeners[0];
    if (!l) throw new Error('broker is not listening');
    return { name: l.name, host: l.host, port: l.port };
  }

  /** Every listener with its bound and advertised addresses. */
  get listeners(): readonly RunningListener[] {
    return this.#listeners;
  }

  get stopSignal(): AbortSignal {
    return this.#stopping.signal;
  }

  /** Opens every configured listener, each its own server (TCP, or TLS for SSL and SASL_SSL). */
  async listen(): Promise<void> {
    const specs = resolveListeners(this.config);
    this.#connectionLimits = connectionLimits(this.config);
    this.#interBrokerListener = this.config.get('inter.broker.listener.name')?.toUpperCase() ?? '';
    // Kafka's ConnectionQuotas.protectedListener: the inter-broker listener (named, or the one
    // of security.inter.broker.protocol), when there are others.
    const interBroker = this.#interBrokerListener || this.config.get('security.inter.broker.protocol') || 'PLAINTEXT';
    this.#connectionRate = new ConnectionCreationRate(this.config, specs.length > 1 ? interBroker : null);
    const running: RunningListener[] = [];
    for (const spec of specs) running.push(await this.#listen(spec));
    this.#listeners = running;
  }

  async #listen(spec: ListenerSpec): Promise<RunningListener> {
    const rates = this.#connectionRate!;
    const acceptor = new ThrottledAcceptor(() => rates.record(spec.name, Date.now()));
    this.#acceptors.push(acceptor);
    // Kafka's acceptor takes a connection once the connection creation rate allows (it may
    // wait); then come the connection limits and the ip's quota.
    const accept = (socket: net.Socket, transportPrincipal?: string) => {
      if (this.#stopping.signal.aborted) return socket.destroy();
      acceptor.offer(socket, () => take(socket, transportPrincipal));
    };
    const take = (socket: net.Socket, transportPrincipal?: string) => {
      if (this.#stopping.signal.aborted || socket.destroyed) return socket.destroy();
      const refused = this.#overLimit(spec.name, socket.remoteAddress ?? '');
      if (refused) {
        this.logger.info(`closing new connection: ${refused}`, { client: socket.remoteAddress, listener: spec.name });
        return socket.destroy();
      }
      const throttleMs = this.component(CLIENT_QUOTAS).recordConnection(socket.remoteAddress ?? '');
      if (throttleMs > 0) return this.#closeLater(socket, throttleMs, spec.name);
      const connection = new Connection(socket, this, spec, transportPrincipal);
      this.#connections.add(connection);
      this.#perIp.set(connection.clientHost, (this.#perIp.get(connection.clientHost) ?? 0) + 1);
      this.#perListener.set(spec.name, (this.#perListener.get(spec.name) ?? 0) + 1);
    };
    let server: net.Server;
    if (isTls(spec.securityProtocol)) {
      const { clientAuth, principalMapper, ...options } = tlsServerOptions(this.config, spec.name);
      // node:tls (and OpenSSL's TLS state) is loaded only by brokers with a TLS listener: it
      // adds ~4 MB of resident memory to every other one (bench: idle RSS).
      const tls = await import('node:tls');
      const tlsServer = tls.createServer(options, (socket) => {
        // ssl.client.auth=requested: a certificate is optional, but one sent must verify.
        if (clientAuth === 'requested' && !socket.authorized && socket.getPeerCertificate()?.raw) {
          this.logger.info('closing TLS connection: client certificate not trusted', { client: socket.remoteAddress, reason: String(socket.authorizationError) });
          return socket.destroy();
        }
        if (spec.securityProtocol !== 'SSL') return accept(socket);
        // SSL: the principal comes from the certificate (SASL_SSL: from SASL, later).
        const certificate = socket.getPeerCertificate();
        const principal = principalFromCertificate(certificate, principalMapper);
        if (principal === null) {
          const subject = certificateSubject(certificate.raw);
          this.logger.info('closing TLS connection: no ssl.principal.mapping.rules rule applies to the certificate', { client: socket.remoteAddress, subject });
          return socket.destroy();
        }
        accept(socket, principal);
      });
      tlsServer.on('tlsClientError', (err, socket) => {
        this.logger.info('TLS handshake failed', { client: socket.remoteAddress, cause: err.message });
      });
      server = tlsServer;
    } else {
      // Nothing is read from a connection before it is taken: one held by the connection
      // creation rate waits unread, as in Kafka's listen backlog.
      server = net.createServer({ noDelay: true, pauseOnConnect: true }, accept);
    }
    this.#servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: spec.host || undefined, port: spec.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error(`listener ${spec.name} error`, { cause: err }));
    const bound = server.address() as net.AddressInfo;
    const wildcard = bound.address === '0.0.0.0' || bound.address === '::';
    const host = wildcard ? '127.0.0.1' : bound.address;
    const advertisedPort = spec.advertised && spec.advertised.port !== 0 ? spec.advertised.port : bound.port;
    return {
      name: spec.name,
      securityProtocol: spec.securityProtocol,
      host,
      port: bound.port,
      bootstrap: `${host.includes(':') ? `[${host}]` : host}:${bound.port}`,
      advertised: { host: spec.advertised?.host || advertisableHost(spec.host), port: advertisedPort },
    };
  }

  /** The broker's instance of a component, created on first use. */
  component<T extends Component>(key: ComponentKey<T>): T {
    let instance = this.#components.get(key);
    if (!instance) {
      instance = key.create(this);
      this.#components.set(key, instance);
    }
    return instance as T;
  }

  /**
   * Why a new connection must be refused, if it must: max.connections (broker-wide, and per
   * listener with listener.name.<l>.max.connections), max.connections.per.ip with
   * max.connections.per.ip.overrides ("host:count,..."). Kafka stops accepting at
   * max.connections until one closes; a Node server cannot leave a connection waiting in the
   * backlog, so Runnel closes the new one at once, as it does for the per-ip limit (Kafka too).
   */
  #overLimit(listener: string, ip: string): string | undefined {
    const limits = (this.#connectionLimits ??= connectionLimits(this.config));
    if (this.#connections.size >= limits.total) return `max.connections (${limits.total}) reached`;
    const perListener = limits.perListener(listener);
    if ((this.#perListener.get(listener) ?? 0) >= perListener) return `listener.name.${listener.toLowerCase()}.max.connections (${perListener}) reached`;
    const perIp = limits.overrides.get(ip) ?? limits.perIp;
    if ((this.#perIp.get(ip) ?? 0) >= perIp) return `max.connections.per.ip (${perIp}) reached for ${ip}`;
    return undefined;
  }

  /** Open client connections (for tests and metrics). */
  get connectionCount(): number {
    return this.#connections.size;
  }

  connectionClosed(connection: Connection): void {
    if (!this.#connections.delete(connection)) return;
    const ip = connection.clientHost;
    const n = (this.#perIp.get(ip) ?? 1) - 1;
    if (n > 0) this.#perIp.set(ip, n);
    else this.#perIp.delete(ip);
    const name = connection.listener.name;
    this.#perListener.set(name, Math.max((this.#perListener.get(name) ?? 1) - 1, 0));
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  /**
   * A connection over its IP's connection_creation_rate is not served: it is closed after the
   * throttle time (quotas/client-quotas.ts), so that the client does not reconnect at once.
   */
  #closeLater(socket: net.Socket, throttleMs: number, listener: string): void {
    this.logger.debug(`closing new connection in ${throttleMs} ms: connection_creation_rate quota of ${socket.remoteAddress} exceeded`, { listener });
    socket.pause();
    socket.on('error', () => {});
    this.#throttledSockets.add(socket);
    const timer = setTimeout(() => socket.destroy(), throttleMs);
    socket.once('close', () => {
      clearTimeout(timer);
      this.#throttledSockets.delete(socket);
    });
  }

  async #stop(): Promise<void> {
    this.#stopping.abort();
    const closed = Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const socket of [...this.#throttledSockets]) socket.destroy();
    for (const acceptor of this.#acceptors) acceptor.stop();
    for (const connection of [...this.#connections]) connection.close();
    await closed;
    for (const [key, component] of [...this.#components].reverse()) {
      try {
        await component.stop?.();
      } catch (err) {
        this.logger.error(`stopping ${key.name} failed`, { cause: err });
      }
    }
    this.logs.close();
  }
}

interface ConnectionLimits {
  readonly total: number;
  readonly perIp: number;
  readonly overrides: ReadonlyMap<string, number>;
  perListener(listener: string): number;
}

function connectionLimits(config: BrokerConfig): ConnectionLimits {
  const overrides = new Map<string, number>();
  for (const entry of (config.get('max.connections.per.ip.overrides') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const at = entry.lastIndexOf(':');
    const count = Number(entry.slice(at + 1));
    if (at <= 0 || !Number.isInteger(count) || count < 0) throw new ConfigError(`Invalid value ${entry} in max.connections.per.ip.overrides: expected host:count`);
    overrides.set(entry.slice(0, at), count);
  }
  return {
    total: config.number('max.connections'),
    perIp: config.number('max.connections.per.ip'),
    overrides,
    perListener: (listener) => {
      const v = config.get(`listener.name.${listener.toLowerCase()}.max.connections`);
      return v === null ? Infinity : Number(v);
    },
  };
}

/** Kafka advertises the machine's name when a listener binds every interface. */
function advertisableHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return os.hostname();
  return host;
}
