// A raw protocol client for tests that must send what real clients never send: malformed
// frames, unknown API keys, unsupported versions, oversized sizes, corrupt batches. It
// writes frames with our generated codec (or any bytes given) and reads frames back,
// telling a clean close apart from a hang.

import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { API, API_BY_KEY, Reader, Writer } from '../../src/protocol/index.ts';

export class RawClient {
  readonly socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #closed = false;
  #correlationId = 1;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /**
   * A TLS connection. Resolves at once, before the handshake: what is written meanwhile is sent
   * right after it, as clients that pipeline their first requests do.
   */
  static connectTls(port: number, options: tls.ConnectionOptions): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host: '127.0.0.1', ...options });
      socket.once('error', reject);
      resolve(new RawClient(socket));
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Sends bytes as they are. */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Encodes a request frame (size, header, body) with our codec. */
  frame(apiKey: number, apiVersion: number, body: unknown, correlationId = this.#correlationId++, clientId: string | null = 'raw-test'): Buffer {
    const api = API_BY_KEY[apiKey]!;
    const w = new Writer();
    w.int16(apiKey).int16(apiVersion).int32(correlationId).nullableString(clientId);
    if (api.requestHeaderVersion(apiVersion) >= 2) w.uvarint(0);
    (api.encodeRequest as (w: Writer, v: number, m: unknown) => void)(w, apiVersion, body);
    const payload = w.toBuffer();
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    return Buffer.concat([size, payload]);
  }

  /** Sends a request and decodes its response; `mutate` can damage the frame first. */
  async request<T = any>(apiKey: number, apiVersion: number, body: unknown, timeoutMs = 5000): Promise<T> {
    const correlationId = this.#correlationId++;
    this.write(this.frame(apiKey, apiVersion, body, correlationId));
    const frame = await this.readFrame(timeoutMs);
    return decodeResponse(frame, apiKey, apiVersion, correlationId) as T;
  }

  /** The next response frame's payload; rejects if the connection closes or nothing comes. */
  async readFrame(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#buffer.length >= 4) {
        const size = this.#buffer.readInt32BE(0);
        if (this.#buffer.length >= 4 + size) {
          const frame = this.#buffer.subarray(4, 4 + size);
          this.#buffer = this.#buffer.subarray(4 + size);
          return frame;
        }
      }
      if (this.#closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves true when the broker closes the connection within the time, false otherwise. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  close(): void {
    this.socket.destroy();
  }
}

export function decodeResponse(frame: Buffer, apiKey: number, apiVersion: number, correlationId?: number): unknown {
  const api = API_BY_KEY[apiKey]!;
  const r = new Reader(frame);
  const got = r.int32();
  if (correlationId !== undefined && got !== correlationId) throw new Error(`correlation id ${got}, expected ${correlationId}`);
  if (api.responseHeaderVersion(apiVersion) >= 1) {
    const tags = r.uvarint();
    for (let i = 0; i < tags; i++) {
      r.uvarint();
      r.raw(r.uvarint());
    }
  }
  return api.decodeResponse(r, apiVersion);
}

/**
 * Creates topics with CreateTopics v7 (one replica, no configs), asserts each was created, and
 * returns their topic ids in the order given.
 */
export async function createTopics(client: RawClient, topics: readonly { name: string; partitions?: number }[]): Promise<string[]> {
  const request = {
    ...API.CreateTopics.createRequest(),
    timeoutMs: 5000,
    topics: topics.map((t) => ({ name: t.name, numPartitions: t.partitions ?? 1, replicationFactor: 1, assignments: [], configs: [] })),
  };
  const response = await client.request(API.CreateTopics.apiKey, 7, request);
  assert.deepEqual(response.topics.map((t: { name: string; errorCode: number }) => [t.name, t.errorCode]), topics.map((t) => [t.name, 0]));
  return response.topics.map((t: { topicId: string }) => t.topicId);
}

/** Creates one topic (see createTopics) and returns its topic id. */
export async function createTopic(client: RawClient, name: string, partitions = 1): Promise<string> {
  return (await createTopics(client, [{ name, partitions }]))[0]!;
}
