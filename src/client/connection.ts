// One TCP connection to one broker: framing, correlation ids, pipelining and version
// negotiation. Requests are written as soon as they are made (the broker answers them in
// order, one at a time per connection), and each response is matched to its request by
// correlation id. A request that gets no answer within its timeout fails with
// REQUEST_TIMED_OUT and closes the connection, as the Java client does: the broker may still
// be working on it, and later answers on that socket could no longer be trusted.
//
// On connect, ApiVersions goes out at the highest version we know; a broker that does not
// know it answers UNSUPPORTED_VERSION with a v0 body listing its ApiVersions range (KIP-511),
// and we ask again at the highest version we share. Every later request uses, per API, the
// highest version both sides support (STYLE §7: platformatic pinned v1 and lost KIP-511 data).

import net from 'node:net';
import tls from 'node:tls';
import {
  API,
  API_BY_KEY,
  ErrorCode,
  Reader,
  decodeResponseHeader,
  encodeRequestFrame,
  type ApiDef,
  type ApiName,
  type ApiVersionsResponse,
} from '../protocol/index.ts';
import { channels, publish } from './diagnostics.ts';
import { KafkaError, networkError, timeoutError } from './errors.ts';
import { authenticate, type SaslOptions } from './sasl.ts';

export const CLIENT_SOFTWARE_NAME = 'runnel';
export const CLIENT_SOFTWARE_VERSION = '0.1.0';

export interface ConnectionOptions {
  host: string;
  port: number;
  /** The broker's node id, when known (-1 for a bootstrap address). */
  nodeId?: number;
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Caps on the versions to use, by API name (to talk like an older client, or in tests). */
  maxVersions?: Readonly<Partial<Record<ApiName, number>>>;
  /** Connect with TLS (true: Node's defaults, verifying the broker's certificate for `host`). */
  tls?: boolean | tls.ConnectionOptions;
  /** Authenticate every connection with SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  sasl?: SaslOptions;
}

export interface RequestOptions {
  /** Use this version instead of the highest common one. */
  version?: number;
  /** Overrides the connection's request timeout (long polls add their wait to it). */
  timeoutMs?: number;
  /** False for a Produce with acks=0: the broker sends nothing back; resolves with null. */
  expectResponse?: boolean;
}

/** The versions of one API both sides support. */
export interface VersionRange {
  min: number;
  max: number;
}

interface Pending {
  api: ApiDef;
  version: number;
  timer: NodeJS.Timeout;
  started: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The highest version of an API we may send: the newest stable one we know. */
export function ourMaxVersion(api: ApiDef): number {
  return api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion;
}

/** The version ranges both sides support, from an ApiVersions answer. */
export function commonVersions(
  response: Pick<ApiVersionsResponse, 'apiKeys'>,
  caps: Readonly<Partial<Record<ApiName, number>>> = {},
): Map<number, VersionRange> {
  const versions = new Map<number, VersionRange>();
  for (const k of response.apiKeys) {
    const api = API_BY_KEY[k.apiKey];
    if (api === undefined) continue;
    const min = Math.max(api.minVersion, k.minVersion);
    const max = Math.min(ourMaxVersion(api), k.maxVersion, caps[api.name] ?? Infinity);
    if (min <= max) versions.set(k.apiKey, { min, max });
  }
  return versions;
}

export class Connection {
  readonly host: string;
  readonly port: number;
  readonly nodeId: number;
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  #socket: net.Socket;
  #pending = new Map<number, Pending>();
  #nextCorrelationId = 1;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #versions = new Map<number, VersionRange>();
  /** Finalized cluster features from ApiVersions v3+ (KIP-584), e.g. transaction.version. */
  #features = new Map<string, number>();
  readonly #caps: Readonly<Partial<Record<ApiName, number>>>;
  #closed = false;
  #closeError: KafkaError | undefined;
  #onClose: ((error: KafkaError | undefined) => void)[] = [];

  private constructor(socket: net.Socket, options: ConnectionOptions) {
    this.#socket = socket;
    this.host = options.host;
    this.port = options.port;
    this.nodeId = options.nodeId ?? -1;
    this.clientId = options.clientId ?? CLIENT_SOFTWARE_NAME;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#caps = options.maxVersions ?? {};
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(networkError(`connection to ${this.address} failed: ${err.message}`, err)));
    socket.on('close', () => this.#fail(networkError(`connection to ${this.address} closed`)));
  }

  /** Connects and negotiates versions. Fails with a retriable NETWORK_EXCEPTION KafkaError. */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const address = `${options.host}:${options.port}`;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const secure = options.tls === undefined || options.tls === false ? undefined : options.tls === true ? {} : options.tls;
      const s =
        secure === undefined
          ? net.connect({ host: options.host, port: options.port })
          : tls.connect({ servername: net.isIP(options.host) === 0 ? options.host : undefined, ...secure, host: options.host, port: options.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(networkError(`could not connect to ${address}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once(secure === undefined ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // A certificate the client refuses will be refused again: not worth a retry. System
        // errors (ECONNREFUSED, ECONNRESET, ...) may pass; any other code on a TLS connect is
        // OpenSSL's or Node's TLS verdict (UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED,
        // DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID, ERR_SSL_...).
        const refused = secure !== undefined && err.code !== undefined && !/^E[A-Z]+$/.test(err.code);
        const why = refused ? `${err.code}: ${err.message}` : (err.code ?? err.message);
        reject(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `could not connect to ${address}: ${why}`, { cause: err, retriable: !refused }));
      });
    });
    const connection = new Connection(socket, options);
    try {
      await connection.#negotiate();
      if (options.sasl !== undefined) await authenticate(connection, options.sasl);
    } catch (err) {
      connection.close();
      throw err;
    }
    publish(channels.connect, () => ({ host: options.host, port: options.port, nodeId: connection.nodeId }));
    return connection;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Called once when the connection closes (with the error, if it failed). */
  onClose(listener: (error: KafkaError | undefined) => void): void {
    if (this.#closed) listener(this.#closeError);
    else this.#onClose.push(listener);
  }

  /** Version ranges both sides support, by API key. */
  get versions(): ReadonlyMap<number, VersionRange> {
    return this.#versions;
  }

  /** The highest version of `api` both sides support; UNSUPPORTED_VERSION if there is none. */
  versionFor(api: ApiDef): number {
    const range = this.#versions.get(api.apiKey);
    if (range === undefined) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `broker ${this.address} does not support ${api.name} at any version this client knows`);
    }
    return range.max;
  }

  /** A finalized feature's level (its max version level), 0 when the broker names none. */
  featureLevel(name: string): number {
    return this.#features.get(name) ?? 0;
  }

  supports(api: ApiDef): boolean {
    return this.#versions.has(api.apiKey);
  }

  async #negotiate(): Promise<void> {
    const body = {
      ...API.ApiVersions.createRequest(),
      clientSoftwareName: CLIENT_SOFTWARE_NAME,
      clientSoftwareVersion: CLIENT_SOFTWARE_VERSION,
    };
    let version = ourMaxVersion(API.ApiVersions);
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = (await this.request(API.ApiVersions, body, { version })) as ApiVersionsResponse;
      if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        // The v0 answer lists the broker's ApiVersions range: ask again at the highest we share.
        const theirs = response.apiKeys.find((k) => k.apiKey === API.ApiVersions.apiKey);
        const next = theirs === undefined ? 0 : Math.min(theirs.maxVersion, version - 1);
        if (next < 0 || next >= version) break;
        version = next;
        continue;
      }
      const error = KafkaError.fromCode(response.errorCode);
      if (error !== null) throw error;
      this.#versions = commonVersions(response, this.#caps);
      this.#features = new Map(response.finalizedFeatures.map((f) => [f.name, f.maxVersionLevel]));
      return;
    }
    throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `broker ${this.address} supports no ApiVersions version this client knows`);
  }

  /**
   * Sends a request at the highest common version (or `options.version`) and resolves with the
   * decoded response. Rejects with a KafkaError: NETWORK_EXCEPTION if the connection fails,
   * REQUEST_TIMED_OUT past the timeout. Error codes inside the response are the caller's.
   */
  request<Req, Res>(api: ApiDef<Req, unknown, unknown, Res>, body: Req, options: RequestOptions & { expectResponse: false }): Promise<null>;
  request<Req, Res>(api: ApiDef<Req, unknown, unknown, Res>, body: Req, options?: RequestOptions): Promise<Res>;
  request<Req, Res>(api: ApiDef<Req, unknown, unknown, Res>, body: Req, options: RequestOptions = {}): Promise<Res | null> {
    if (this.#closed) return Promise.reject(this.#closeError ?? networkError(`connection to ${this.address} is closed`));
    let version: number;
    try {
      version = options.version ?? this.versionFor(api as ApiDef);
    } catch (err) {
      return Promise.reject(err);
    }
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = (this.#nextCorrelationId + 1) & 0x7fffffff;
    let frame: Buffer[];
    try {
      frame = encodeRequestFrame(api.apiKey, version, correlationId, this.clientId, (w) => api.encodeRequest(w, version, body));
    } catch (err) {
      return Promise.reject(err);
    }
    const started = performance.now();
    publish(channels.request, () => ({ host: this.host, port: this.port, apiKey: api.apiKey, apiName: api.name, apiVersion: version, correlationId, body }));
    const expectResponse = options.expectResponse ?? true;
    const promise = expectResponse
      ? new Promise<Res>((resolve, reject) => {
          const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
          const timer = setTimeout(() => {
            this.#pending.delete(correlationId);
            const error = timeoutError(`${api.name} to ${this.address} got no response within ${timeoutMs} ms`);
            reject(error);
            this.#fail(networkError(`connection to ${this.address} closed after a ${api.name} request timed out`));
          }, timeoutMs);
          this.#pending.set(correlationId, {
            api: api as ApiDef,
            version,
            timer,
            started,
            resolve: resolve as (value: unknown) => void,
            reject,
          });
        })
      : Promise.resolve(null);
    this.#socket.cork();
    for (const chunk of frame) this.#socket.write(chunk);
    this.#socket.uncork();
    return promise;
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (this.#buffered >= 4) {
      const head = this.#chunks[0]!.length >= 4 ? this.#chunks[0]! : this.#flatten();
      const size = head.readInt32BE(0);
      if (size < 4) {
        this.#fail(networkError(`broker ${this.address} sent a frame of ${size} bytes`));
        return;
      }
      if (this.#buffered < 4 + size) return;
      const all = this.#chunks.length === 1 ? this.#chunks[0]! : this.#flatten();
      const frame = all.subarray(4, 4 + size);
      const rest = all.subarray(4 + size);
      this.#chunks = rest.length > 0 ? [rest] : [];
      this.#buffered = rest.length;
      this.#onFrame(frame);
      if (this.#closed) return;
    }
  }

  #flatten(): Buffer {
    const all = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [all];
    return all;
  }

  #onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.#pending.get(correlationId);
    if (pending === undefined) return; // answered after its timeout; the connection is closing
    this.#pending.delete(correlationId);
    clearTimeout(pending.timer);
    let response: unknown;
    try {
      const header = decodeResponseHeader(frame, pending.api.apiKey, pending.version);
      let version = pending.version;
      // An UNSUPPORTED_VERSION answer to ApiVersions is a v0 body whatever we asked (KIP-511).
      if (pending.api.apiKey === API.ApiVersions.apiKey && frame.length >= header.bodyOffset + 2) {
        if (frame.readInt16BE(header.bodyOffset) === ErrorCode.UNSUPPORTED_VERSION) version = 0;
      }
      response = pending.api.decodeResponse(new Reader(frame, header.bodyOffset), version);
    } catch (err) {
      const error = networkError(`could not decode a ${pending.api.name} v${pending.version} response from ${this.address}`, err);
      pending.reject(error);
      this.#fail(error);
      return;
    }
    publish(channels.response, () => ({
      host: this.host,
      port: this.port,
      apiKey: pending.api.apiKey,
      apiName: pending.api.name,
      apiVersion: pending.version,
      correlationId,
      durationMs: performance.now() - pending.started,
    }));
    pending.resolve(response);
  }

  #fail(error: KafkaError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    this.#socket.destroy();
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.#pending.delete(id);
    }
    publish(channels.disconnect, () => ({ host: this.host, port: this.port, nodeId: this.nodeId, error }));
    for (const listener of this.#onClose.splice(0)) listener(error);
  }

  /** Closes the socket; requests still waiting fail with NETWORK_EXCEPTION. */
  close(): void {
    if (this.#closed) return;
    this.#fail(networkError(`connection to ${this.address} was closed by the client`));
  }
}
