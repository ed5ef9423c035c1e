// What the producer, consumer and admin share: options, the connection pool, the metadata
// view and the retry loop. Each of them owns one ClientCore; nothing here is public beyond
// ClientOptions.
//
// Retries: an operation is tried again only when its error is a retriable KafkaError, after
// a metadata refresh when the error says the view is stale, with exponential backoff and
// jitter (retry.backoff.ms, retry.backoff.max.ms, as Java's KIP-580). When attempts run out,
// the error thrown has the same code and flags as the last one, which it carries as `cause`.

import { channels, publish } from './diagnostics.ts';
import { KafkaError } from './errors.ts';
import { Metadata } from './metadata.ts';
import { ConnectionPool, parseBootstrap } from './pool.ts';
import type { ConnectionOptions } from './connection.ts';

export interface ClientOptions {
  /** "host:port", comma-separated or as an array. Default "127.0.0.1:9092". */
  bootstrapServers?: string | readonly string[];
  /** Sent in every request header. Default "runnel". */
  clientId?: string;
  /** Default 10000. */
  connectTimeoutMs?: number;
  /** Default 30000. */
  requestTimeoutMs?: number;
  /** Attempts after the first for retriable errors. Default 5. */
  retries?: number;
  /** Default 100. */
  retryBackoffMs?: number;
  /** Default 1000. */
  retryBackoffMaxMs?: number;
  /** Default 300000. */
  metadataMaxAgeMs?: number;
  /** Let Metadata requests create missing topics (the broker's auto.create.topics.enable decides). Default false. */
  allowAutoTopicCreation?: boolean;
  /** Caps on API versions by name, e.g. { Produce: 8, Fetch: 11 }: talk as an older client would. */
  maxVersions?: ConnectionOptions['maxVersions'];
  /** TLS to every broker: true, or node:tls options (ca, cert, key, rejectUnauthorized, ...). */
  tls?: ConnectionOptions['tls'];
  /** SASL credentials: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username, password }. */
  sasl?: ConnectionOptions['sasl'];
}

export interface ResolvedClientOptions {
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

export interface RetryOptions {
  /** Overrides the client's `retries`. */
  retries?: number;
  /** Errors not to retry although retriable (an admin call on a topic that does not exist). */
  final?: (error: KafkaError) => boolean;
}

/** For admin calls: a missing topic stays missing. */
export function unknownTopic(error: KafkaError): boolean {
  const all = error.errors.length > 0 ? error.errors : [error];
  return all.some((e) => e.code === 3 || e.code === 100);
}

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

export class ClientCore {
  readonly options: ResolvedClientOptions;
  readonly pool: ConnectionPool;
  readonly metadata: Metadata;
  #closed = false;

  constructor(options: ClientOptions = {}, defaults: { allowAutoTopicCreation?: boolean } = {}) {
    this.options = {
      clientId: options.clientId ?? 'runnel',
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      retries: options.retries ?? 5,
      retryBackoffMs: options.retryBackoffMs ?? 100,
      retryBackoffMaxMs: options.retryBackoffMaxMs ?? 1000,
    };
    this.pool = new ConnectionPool({
      bootstrap: parseBootstrap(options.bootstrapServers ?? DEFAULT_BOOTSTRAP),
      clientId: this.options.clientId,
      connectTimeoutMs: this.options.connectTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
      ...(options.maxVersions === undefined ? {} : { maxVersions: options.maxVersions }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    });
    this.metadata = new Metadata(this.pool, {
      allowAutoTopicCreation: options.allowAutoTopicCreation ?? defaults.allowAutoTopicCreation ?? false,
      maxAgeMs: options.metadataMaxAgeMs ?? 300_000,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Backoff before attempt `attempt + 1`: exponential, capped, with ±20% jitter. */
  backoff(attempt: number): number {
    const base = Math.min(this.options.retryBackoffMaxMs, this.options.retryBackoffMs * 2 ** (attempt - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Runs `fn`, retrying retriable KafkaErrors (see the file comment). */
  async retry<T>(operation: string, fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
    const retries = options.retries ?? this.options.retries;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (err) {
        if (!(err instanceof KafkaError) || !err.retriable || this.#closed) throw err;
        if (options.final?.(err)) throw err;
        if (attempt > retries) throw attempt > 1 ? err.withAttempts(attempt) : err;
        if (err.staleMetadata || err.errors.some((e) => e.staleMetadata)) this.metadata.markStale();
        const delayMs = this.backoff(attempt);
        publish(channels.retry, () => ({ operation, attempt, delayMs, error: err }));
        await sleep(delayMs);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.pool.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
