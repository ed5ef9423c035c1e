// One client connection: frames bytes into requests and processes them one at a time, in
// order, as a Kafka broker does (it mutes a channel while a request is in flight), so
// pipelined requests are answered in the order sent. Protocol violations close the
// connection (Kafka's way); a fault inside a handler is logged and also closes only this
// connection, never the process.
//
// Memory stays bounded: reading pauses while more than MAX_QUEUED_BYTES of requests wait,
// and processing pauses while the socket holds more than MAX_UNSENT_BYTES of responses
// that a slow reader has not taken yet.
//
// Security (issue 6): a connection belongs to one listener. On SSL listeners the principal
// comes from the client certificate; on SASL listeners an Authenticator (auth/) gates every
// request until the client has authenticated, and the principal is the SASL identity.
// Client quotas (quotas/throttle.ts): a throttled client gets its answer at once, with
// throttle_time_ms, and the connection is muted (not read) for that time, as Kafka since KIP-219.

import { Socket } from 'node:net';
import { API_KEY_API_VERSIONS, decodeRequestHeader, encodeResponseFrame, ProtocolError, Reader, API } from '../protocol/index.ts';
import { Authenticator } from './auth/authenticator.ts';
import type { Broker } from './broker.ts';
import { isSasl, type ListenerSpec } from './listeners.ts';
import type { RequestContext } from './dispatch.ts';
import { FrameDecoder } from './frame-decoder.ts';
import { readBuffers } from './read-buffers.ts';
import { applyClientQuotas } from './quotas/throttle.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const MAX_QUEUED_BYTES = 64 * 1024 * 1024;
const MAX_UNSENT_BYTES = 64 * 1024 * 1024;
/**
 * Answers to a burst of pipelined requests go out together, in one writev, instead of one
 * write each: a small write to a loopback socket costs ~13 us of the broker's CPU (the
 * kernel delivers it to the reader in the writer's time) and wakes the client each time.
 * At most this many request bytes are handled between two sends, so that the first answers
 * of a long burst are not held back for long.
 */
const MAX_CORKED_REQUEST_BYTES = 256 * 1024;
const UNSUPPORTED_VERSION = 35;

/**
 * Every plain-TCP connection of the process reads into this one buffer (Node's `onread`),
 * instead of a fresh 64 KiB buffer per read: those, at hundreds of MB/s, had V8 run a full
 * mark-compact every few tens of MB and cost ~1 CPU s per GB produced. One buffer serves all
 * connections because each read is handed over, and the frame decoder copies out what it
 * keeps, before the next read can happen.
 */
const SOCKET_READ_BUFFER = Buffer.allocUnsafeSlow(256 * 1024);

/**
 * Node's own names for a socket's `onread` state (the buffer and the callback), read off a
 * socket made with `onread`; undefined if this Node keeps them otherwise. Only they let a TLS
 * socket the server made read into SOCKET_READ_BUFFER (below).
 */
const ONREAD_SYMBOLS: { buffer: symbol; callback: symbol } | undefined = (() => {
  const probe = new Socket({ onread: { buffer: Buffer.alloc(1), callback: () => true } } as ConstructorParameters<typeof Socket>[0]);
  const named = (name: string) => Object.getOwnPropertySymbols(probe).find((s) => s.description === name);
  const buffer = named('kBuffer');
  const callback = named('kBufferCb');
  probe.destroy();
  return buffer && callback ? { buffer, callback } : undefined;
})();

/** Whether TLS connections can read into SOCKET_READ_BUFFER on this Node (a test watches it). */
export const TLS_READS_SHARE_BUFFER = ONREAD_SYMBOLS !== undefined;

type OnRead = (chunk: Buffer) => boolean;
const sharedReads = (onRead: OnRead) => (n: number, buffer: Uint8Array) => onRead(Buffer.from(buffer.buffer, buffer.byteOffset, n));

type Accepted = Socket & { _handle?: (object & { useUserBuffer?: (buffer: Uint8Array) => void }) | null; _server?: unknown; server?: unknown; encrypted?: boolean };

/** Whether withSharedReadBuffer can make `socket` read into SOCKET_READ_BUFFER. */
function canShareReads(socket: Socket): boolean {
  const { _handle: handle, encrypted } = socket as Accepted;
  if (handle === null || typeof handle !== 'object') return false;
  return !encrypted || (ONREAD_SYMBOLS !== undefined && typeof handle.useUserBuffer === 'function');
}

/**
 * The accepted socket (canShareReads), made to read into SOCKET_READ_BUFFER.
 *
 * Plain TCP: Node takes `onread` only when it creates a Socket, not for sockets a server
 * accepts, so the accepted socket's handle moves to a new Socket made with it, which starts
 * reading. The server accepted it paused (pauseOnConnect), so nothing was read before.
 *
 * TLS: the TLS socket hands out each decrypted record (up to 16 KiB) in a buffer of its own,
 * which had V8 collect every few tens of MB (0.6 CPU s per GB produced over TLS, of 1.9 in
 * all). Node's TLS layer can decrypt into a caller's buffer (what `tls.connect({ onread })`
 * sets up), but takes no `onread` for a socket it wraps, so it is set up here: the handle is
 * given the buffer, the socket the callback. Records decrypted before that wait in the socket:
 * the caller takes them with startSharedReads before any read that follows.
 */
function withSharedReadBuffer(socket: Socket, onRead: OnRead): Socket {
  const accepted = socket as Accepted;
  if (accepted.encrypted) {
    const own = socket as unknown as Record<symbol, unknown>;
    own[ONREAD_SYMBOLS!.buffer] = SOCKET_READ_BUFFER;
    own[ONREAD_SYMBOLS!.callback] = sharedReads(onRead);
    accepted._handle!.useUserBuffer!(SOCKET_READ_BUFFER);
    return socket;
  }
  const handle = accepted._handle;
  accepted._handle = null;
  const rewrapped = new Socket({ handle, onread: { buffer: SOCKET_READ_BUFFER, callback: sharedReads(onRead) } } as ConstructorParameters<typeof Socket>[0]) as Accepted;
  // The server counts its open connections by their sockets (server.close() waits for them).
  rewrapped._server = rewrapped.server = accepted._server;
  accepted._server = null;
  return rewrapped;
}

/**
 * Delivers what a TLS socket decrypted before withSharedReadBuffer, then lets reads flow; Node
 * stops and restarts them on pause() and resume(). Called in the same tick as
 * withSharedReadBuffer, so that no read comes between. (Nothing was seen waiting there, even
 * from clients that write before the handshake ends: Node reports the handshake before it
 * decrypts what follows. This is in case it ever does not.)
 */
function startSharedReads(socket: Socket, onRead: OnRead): void {
  if (!(socket as Accepted).encrypted) return;
  for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null; ) onRead(chunk);
  socket.resume();
}

export class Connection {
  #socket: Socket;
  readonly #broker: Broker;
  readonly #decoder: FrameDecoder;
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  #processing = false;
  /** Request bytes handled since the socket was corked for a burst (see MAX_CORKED_REQUEST_BYTES); -1 when not corked. */
  #corkedBytes = -1;
  #closed = false;
  readonly #abort = new AbortController();
  readonly clientHost: string;
  readonly listener: ListenerSpec;
  /** The SASL state on SASL listeners; undefined elsewhere. */
  readonly #sasl: Authenticator | undefined;
  /** The principal of SSL (certificate) or unauthenticated connections. */
  readonly #transportPrincipal: string;

  /** `transportPrincipal`: an SSL client's, from its certificate (broker.ts); User:ANONYMOUS otherwise. */
  constructor(socket: Socket, broker: Broker, listener: ListenerSpec, transportPrincipal = 'User:ANONYMOUS') {
    this.#broker = broker;
    this.listener = listener;
    this.#sasl = isSasl(listener.securityProtocol) ? new Authenticator(broker, listener.name) : undefined;
    this.#transportPrincipal = transportPrincipal;
    // Produce frames are joined into one reused buffer: the handler has copied the batches
    // into the log by the time it answers (frame-decoder.ts).
    this.clientHost = socket.remoteAddress ?? 'unknown';
    const transient = canShareReads(socket);
    this.#decoder = new FrameDecoder(broker.config.number('socket.request.max.bytes'), (apiKey) => apiKey === API.Produce.apiKey, { transient });
    const onRead = (chunk: Buffer): boolean => {
      this.#onData(chunk);
      this.#decoder.detach();
      return true;
    };
    this.#socket = transient ? withSharedReadBuffer(socket, onRead) : socket;
    socket = this.#socket;
    socket.setNoDelay(true);
    // Kafka closes connections idle for connections.max.idle.ms (a request in progress, such
    // as a long poll, is not idleness).
    const idleMs = broker.config.number('connections.max.idle.ms');
    if (idleMs > 0) {
      socket.setTimeout(idleMs, () => {
        if (this.#processing) return;
        broker.logger.debug('closing idle connection', { client: this.clientHost });
        this.close();
      });
    }
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    if (transient) startSharedReads(socket, onRead);
    else socket.on('data', (chunk: Buffer) => this.#onData(chunk)).resume(); // a listener's server pauses new connections
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Kafka's principal of this connection: User:<name>, User:<certificate DN> or User:ANONYMOUS. */
  get principal(): string {
    return this.#sasl?.principal ?? this.#transportPrincipal;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    this.#queue.length = 0;
    this.#socket.destroy();
    this.#broker.connectionClosed(this);
  }

  #onData(chunk: Buffer): void {
    this.#decoder.push(chunk);
    for (;;) {
      const result = this.#decoder.next();
      if (result === null) break;
      if ('invalidSize' in result) {
        this.#broker.logger.warn('closing connection: request size out of range', {
          client: this.clientHost,
          size: result.invalidSize,
          max: this.#broker.config.number('socket.request.max.bytes'),
        });
        this.close();
        return;
      }
      this.#queue.push(result.frame);
      this.#queuedBytes += result.frame.length;
    }
    if (this.#queuedBytes > MAX_QUEUED_BYTES) this.#socket.pause();
    if (!this.#processing) void this.#processQueue();
  }

  async #processQueue(): Promise<void> {
    this.#processing = true;
    try {
      while (!this.#closed && this.#queue.length > 0) {
        const frame = this.#queue.shift()!;
        this.#queuedBytes -= frame.length;
        if (this.#queuedBytes <= MAX_QUEUED_BYTES && this.#socket.isPaused()) this.#socket.resume();
        if (this.#corkedBytes >= MAX_CORKED_REQUEST_BYTES) this.#sendCorked();
        if (this.#queue.length > 0 && this.#corkedBytes < 0) {
          this.#socket.cork();
          this.#corkedBytes = 0;
        }
        if (this.#corkedBytes >= 0) this.#corkedBytes += frame.length;
        try {
          await this.#handle(frame);
        } finally {
          this.#decoder.release(frame);
        }
        if (this.#socket.writableLength > MAX_UNSENT_BYTES) {
          this.#sendCorked();
          await this.#drained();
        }
      }
    } finally {
      this.#sendCorked();
      this.#processing = false;
    }
  }

  /** Sends the answers held while a burst was handled; called before anything that waits. */
  #sendCorked(): void {
    if (this.#corkedBytes < 0) return;
    this.#corkedBytes = -1;
    this.#socket.uncork();
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#socket.off('drain', done);
        this.#socket.off('close', done);
        resolve();
      };
      this.#socket.on('drain', done);
      this.#socket.on('close', done);
    });
  }

  async #handle(frame: Buffer): Promise<void> {
    const sasl = this.#sasl;
    if (sasl?.expectsRawToken) {
      // After SaslHandshake v0 the tokens carry no Kafka header, in both directions.
      const result = sasl.rawToken(frame, Date.now());
      if ('failure' in result) {
        this.#broker.logger.info(`closing connection: SASL authentication failed: ${result.failure}`, { client: this.clientHost });
        this.close();
        return;
      }
      const size = Buffer.allocUnsafe(4);
      size.writeInt32BE(result.response.length, 0);
      this.#send([size, result.response]);
      return;
    }
    let header;
    try {
      header = decodeRequestHeader(frame);
    } catch (err) {
      this.#protocolViolation('malformed request header', err);
      return;
    }
    const { apiKey, apiVersion, correlationId } = header;
    const admission = sasl ? sasl.admit(apiKey, Date.now()) : 'handler';
    if (typeof admission === 'object') {
      this.#protocolViolation(admission.close);
      return;
    }
    const handler = this.#broker.dispatcher.get(apiKey);
    if (!handler) {
      this.#protocolViolation(`unknown API key ${apiKey}`);
      return;
    }
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === API_KEY_API_VERSIONS) {
        this.#answerUnsupportedApiVersions(correlationId, handler.minVersion, handler.maxVersion);
      } else {
        this.#protocolViolation(`unsupported version ${apiVersion} of ${handler.api.name}`);
      }
      return;
    }
    const started = performance.now();
    let request;
    try {
      request = handler.api.decodeRequest(new Reader(frame, header.bodyOffset), apiVersion);
    } catch (err) {
      this.#protocolViolation(`malformed ${handler.api.name} v${apiVersion} request`, err);
      return;
    }
    if (admission === 'sasl') {
      this.#authenticate(handler, request, apiKey, apiVersion, correlationId);
      return;
    }
    let closeReason: string | undefined;
    const ctx: RequestContext = {
      broker: this.#broker,
      apiVersion,
      correlationId,
      clientId: header.clientId,
      clientHost: this.clientHost,
      principal: this.principal,
      listenerName: this.listener.name,
      signal: this.#abort.signal,
      closeConnection: (reason) => {
        closeReason = reason;
      },
    };
    let response;
    let handlerMs = 0;
    try {
      const pending = handler.handle(request, ctx);
      handlerMs = performance.now() - started;
      // A handler that answered synchronously (produce) has its answer sent before the
      // microtasks it queued run: the long polls its appends woke are read after it, not before.
      if (pending instanceof Promise) {
        this.#sendCorked(); // a long poll, say: the answers before it go out now
        response = await pending;
      } else {
        response = pending;
      }
    } catch (err) {
      this.#broker.logger.error(`${handler.api.name} handler failed; closing the connection`, { client: this.clientHost, cause: err });
      this.close();
      return;
    }
    const throttleMs = applyClientQuotas(this.#broker, { principal: this.principal, clientId: header.clientId, apiKey, requestBytes: frame.length + 4, request, handlerMs }, response);
    if (response !== null && !this.#closed) {
      let encoded;
      try {
        encoded = encodeResponseFrame(apiKey, apiVersion, correlationId, (w) => handler.api.encodeResponse(w, apiVersion, response));
      } catch (err) {
        // A response the codec refuses is a handler's fault: it costs this connection, never the process.
        this.#broker.logger.error(`${handler.api.name} v${apiVersion} response could not be encoded; closing the connection`, { client: this.clientHost, cause: err });
        this.close();
        return;
      }
      this.#send(encoded);
    }
    if (closeReason !== undefined) {
      this.#broker.logger.info(`closing connection: ${closeReason}`, { client: this.clientHost });
      this.close();
    }
    if (throttleMs > 0 && !this.#closed) {
      this.#sendCorked();
      await this.#mute(throttleMs);
    }
  }

  /** KIP-219: the answer has gone out; read nothing more from this client for `ms`. */
  async #mute(ms: number): Promise<void> {
    this.#socket.pause();
    await sleep(ms, undefined, { signal: this.#abort.signal }).catch(() => {});
    if (!this.#closed && this.#queuedBytes <= MAX_QUEUED_BYTES) this.#socket.resume();
  }

  /** SaslHandshake and SaslAuthenticate while authenticating: answered by the Authenticator. */
  #authenticate(handler: { api: { encodeResponse(w: never, v: number, m: never): void } }, request: unknown, apiKey: number, apiVersion: number, correlationId: number): void {
    const sasl = this.#sasl!;
    const outcome =
      apiKey === API.SaslHandshake.apiKey
        ? sasl.handshake((request as { mechanism: string }).mechanism, apiVersion)
        : sasl.authenticate((request as { authBytes: Buffer }).authBytes, apiVersion, Date.now());
    const encode = handler.api.encodeResponse as (w: unknown, v: number, m: unknown) => void;
    this.#send(encodeResponseFrame(apiKey, apiVersion, correlationId, (w) => encode(w, apiVersion, outcome.response)));
    if (outcome.close !== undefined) {
      this.#broker.logger.info(`closing connection: ${outcome.close}`, { client: this.clientHost });
      this.#closeAfterFlush();
    }
  }

  /** Closes once what was written has been handed to the OS, so the client reads the answer. */
  #closeAfterFlush(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    this.#queue.length = 0;
    this.#socket.end();
    this.#socket.once('finish', () => this.#socket.destroy());
    this.#broker.connectionClosed(this);
  }

  /**
   * Kafka answers an ApiVersions request of a version it does not know with a v0 response
   * (v0 header, v0 body): UNSUPPORTED_VERSION and only its own ApiVersions range, so the
   * client can retry at a version both know (KIP-511).
   */
  #answerUnsupportedApiVersions(correlationId: number, minVersion: number, maxVersion: number): void {
    const body = API.ApiVersions.createResponse();
    body.errorCode = UNSUPPORTED_VERSION;
    body.apiKeys = [{ apiKey: API_KEY_API_VERSIONS, minVersion, maxVersion }];
    this.#send(encodeResponseFrame(API_KEY_API_VERSIONS, 0, correlationId, (w) => API.ApiVersions.encodeResponse(w, 0, body)));
  }

  #send(chunks: Buffer[]): void {
    if (this.#closed) return;
    const socket = this.#socket;
    // Fetch responses carry segment bytes in pooled buffers by reference (the response header,
    // then the bytes as read, in one writev); they go back to the pool once written.
    const pooled = readBuffers.holdsAny(chunks);
    socket.cork();
    for (let i = 0; i < chunks.length; i++) {
      if (pooled && i === chunks.length - 1) socket.write(chunks[i]!, () => readBuffers.release(chunks));
      else socket.write(chunks[i]!);
    }
    socket.uncork();
  }

  #protocolViolation(reason: string, cause?: unknown): void {
    this.#broker.logger.warn(`closing connection: ${reason}`, {
      client: this.clientHost,
      ...(cause instanceof ProtocolError || cause instanceof Error ? { cause: cause.message } : {}),
    });
    this.close();
  }
}
