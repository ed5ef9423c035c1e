// The broker: composes configuration, storage and the request handlers behind a TCP
// listener. `startBroker()` is the embedding entry point (tests, the CLI); `Broker` holds
// what handlers share: config, logs, the append notifier that wakes long-polling fetches,
// and the addresses advertised to clients.

import net from 'node:net';
import os from 'node:os';
import { decompressSync } from '../protocol/index.ts';
import { LogManager, type PartitionLog } from '../storage/index.ts';
import { createLogger, type Logger, type LogLevel } from '../logger.ts';
import { AppendNotifier } from './append-notifier.ts';
import type { Component, ComponentKey } from './component.ts';
import { BrokerConfig, type Listener } from './config/broker-config.ts';
import { Connection } from './connection.ts';
import { Dispatcher } from './dispatch.ts';
import { ALL_HANDLERS, STARTUP_COMPONENTS } from './handlers/index.ts';

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
  readonly broker: Broker;
  /** Stops accepting, closes connections, flushes and checkpoints the log. */
  stop(): Promise<void>;
}

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  let config = options.config instanceof BrokerConfig ? options.config : new BrokerConfig(options.config ?? {});
  const overrides: Record<string, string> = {};
  if (options.host !== undefined || options.port !== undefined) {
    const base = config.listeners[0] ?? { name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 };
    const host = options.host ?? base.host;
    overrides['listeners'] = `${base.name}://${host.includes(':') ? `[${host}]` : host}:${options.port ?? base.port}`;
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
  try {
    for (const key of STARTUP_COMPONENTS) await broker.component(key).start?.();
    await broker.listen();
  } catch (err) {
    await broker.stop();
    throw err;
  }
  const { host, port } = broker.bound;
  const { host: advertisedHost, port: advertisedPort } = broker.advertised;
  return {
    host,
    port,
    bootstrap: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    advertised: { host: advertisedHost, port: advertisedPort },
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
  readonly #connections = new Set<Connection>();
  readonly #components = new Map<ComponentKey<Component>, Component>();
  #server: net.Server | undefined;
  #advertised: Listener | undefined;
  #bound: Listener | undefined;
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

  /** The host and port that clients are told to connect to. */
  get advertised(): Listener {
    if (!this.#advertised) throw new Error('broker is not listening');
    return this.#advertised;
  }

  /** The address and port the listener is bound to. */
  get bound(): Listener {
    if (!this.#bound) throw new Error('broker is not listening');
    return this.#bound;
  }

  get stopSignal(): AbortSignal {
    return this.#stopping.signal;
  }

  async listen(): Promise<void> {
    const listener = this.config.listeners[0];
    if (!listener) throw new Error('no listener configured');
    const server = net.createServer({ noDelay: true }, (socket) => {
      if (this.#stopping.signal.aborted) return socket.destroy();
      this.#connections.add(new Connection(socket, this));
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: listener.host || undefined, port: listener.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error('listener error', { cause: err }));
    const bound = server.address() as net.AddressInfo;
    const configured = this.config.isSet('advertised.listeners') ? this.config.advertisedListeners[0] : undefined;
    const host = configured?.host || advertisableHost(listener.host);
    this.#advertised = { name: listener.name, host, port: configured?.port ?? bound.port };
    const wildcard = bound.address === '0.0.0.0' || bound.address === '::';
    this.#bound = { name: listener.name, host: wildcard ? '127.0.0.1' : bound.address, port: bound.port };
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

  connectionClosed(connection: Connection): void {
    this.#connections.delete(connection);
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#stopping.abort();
    const server = this.#server;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
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

/** Kafka advertises the machine's name when a listener binds every interface. */
function advertisableHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return os.hostname();
  return host;
}
