// The handler registry. Each API family module registers handlers with the versions it
// serves; the ApiVersions answer is built from this registry, so the broker advertises
// exactly what it implements (as kfake's regKey and tansu's route table do).

import type { Reader, Writer } from '../protocol/index.ts';
import type { Broker } from './broker.ts';

/** The part of a generated API descriptor that the broker needs. */
export interface ApiCodec<Req, Res> {
  readonly apiKey: number;
  readonly name: string;
  decodeRequest(r: Reader, version: number): Req;
  encodeResponse(w: Writer, version: number, m: Res): void;
  createResponse(): Res;
}

/** What a handler knows about the request beyond its body. */
export interface RequestContext {
  readonly broker: Broker;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** The client's address, for logs (and ACL hosts later). */
  readonly clientHost: string;
  /**
   * The client's principal (issue 6): User:<SASL name>, User:<certificate DN> on SSL
   * listeners, else User:ANONYMOUS. Optional so contexts built outside a connection work.
   */
  readonly principal?: string;
  /** The listener the request came in on. */
  readonly listenerName?: string;
  /** Aborted when the connection closes or the broker stops, so long polls end early. */
  readonly signal: AbortSignal;
  /** Closes the connection once the handler returns (e.g. a failed acks=0 produce). */
  closeConnection(reason: string): void;
}

export interface ApiHandler<Req = any, Res = any> {
  readonly api: ApiCodec<Req, Res>;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The minimum that ApiVersions reports, when Kafka advertises below what it serves. */
  readonly advertisedMinVersion: number;
  /** Returns the response, or null when the request gets none (Produce with acks=0). */
  handle(request: Req, ctx: RequestContext): Res | null | Promise<Res | null>;
}

export function defineHandler<Req, Res>(
  api: ApiCodec<Req, Res> & { readonly minVersion: number; readonly maxVersion: number },
  handler: {
    minVersion?: number;
    maxVersion?: number;
    advertisedMinVersion?: number;
    handle(request: Req, ctx: RequestContext): Res | null | Promise<Res | null>;
  },
): ApiHandler<Req, Res> {
  const minVersion = handler.minVersion ?? api.minVersion;
  return {
    api,
    minVersion,
    advertisedMinVersion: handler.advertisedMinVersion ?? minVersion,
    maxVersion: handler.maxVersion ?? api.maxVersion,
    handle: handler.handle,
  };
}

export class Dispatcher {
  readonly #handlers: (ApiHandler | undefined)[] = [];

  register(...handlers: ApiHandler[]): this {
    for (const h of handlers) {
      if (this.#handlers[h.api.apiKey]) throw new Error(`API ${h.api.name} registered twice`);
      this.#handlers[h.api.apiKey] = h;
    }
    return this;
  }

  get(apiKey: number): ApiHandler | undefined {
    return apiKey >= 0 ? this.#handlers[apiKey] : undefined;
  }

  /** (key, min, max) of every API served, in key order, for ApiVersions. */
  versions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    const out = [];
    for (const h of this.#handlers) {
      if (h) out.push({ apiKey: h.api.apiKey, minVersion: h.advertisedMinVersion, maxVersion: h.maxVersion });
    }
    return out;
  }
}
