// What a connection does with client quotas after a handler has answered (KafkaApis'
// sendResponseMaybeThrottle, handleProduceRequest and handleFetchRequest):
// - Produce records the request's size against producer_byte_rate;
// - a consumer Fetch records the size of the records it returns against consumer_byte_rate,
//   and, when that or the request quota throttles it, returns no data instead (the bytes
//   are taken back), as Kafka's throttled fetch response;
// - every request records its handling time against request_percentage;
// - the response carries the larger throttle time in throttle_time_ms (where its version
//   has the field), and the connection is muted for that long (KIP-219): the answer goes out
//   at once and the next request is read only after the throttle time, so a client that does
//   not back off itself is slowed down all the same.
// Follower fetches (replica id >= 0) are not client traffic and are not throttled.

import { API, type RecordsData } from '../../protocol/index.ts';
import type { Broker } from '../broker.ts';
import { CLIENT_QUOTAS, QUOTA_TYPE } from './client-quotas.ts';

/** Kafka's ClientRequestQuotaManager.NanosToPercentagePerSecond, per millisecond. */
const PERCENT_PER_MS = 100 / 1000;

export interface QuotaRequest {
  readonly principal: string;
  readonly clientId: string | null;
  readonly apiKey: number;
  /** Size of the request frame in bytes. */
  readonly requestBytes: number;
  readonly request: unknown;
  /** Milliseconds the event loop spent on the request (decode and handling up to its first wait). */
  readonly handlerMs: number;
}

type FetchResponseLike = { throttleTimeMs: number; responses: { partitions: { records: RecordsData | null }[] }[] };

function recordsBytes(response: FetchResponseLike): number {
  let bytes = 0;
  for (const t of response.responses) {
    for (const p of t.partitions) {
      const r = p.records;
      if (r === null) continue;
      if (Buffer.isBuffer(r)) bytes += r.length;
      else for (const chunk of r) bytes += chunk.length;
    }
  }
  return bytes;
}

/** A replica's fetch: ReplicaId before v15, ReplicaState.ReplicaId from v15. */
function isFollowerFetch(request: unknown): boolean {
  const r = request as { replicaId?: number; replicaState?: { replicaId: number } };
  return (r.replicaId ?? -1) >= 0 || (r.replicaState?.replicaId ?? -1) >= 0;
}

/** The user a quota names: the principal's name without its type (User:alice -> alice). */
function quotaUser(principal: string): string {
  const colon = principal.indexOf(':');
  return colon >= 0 ? principal.slice(colon + 1) : principal;
}

/**
 * Records the request against the client's quotas, sets throttle_time_ms in the response
 * (null for an acks=0 produce) and returns how long to mute the connection (0: not at all).
 */
export function applyClientQuotas(broker: Broker, q: QuotaRequest, response: unknown): number {
  const quotas = broker.component(CLIENT_QUOTAS);
  const user = quotaUser(q.principal);
  const clientId = q.clientId ?? '';
  const now = Date.now();
  let bandwidthMs = 0;
  if (q.apiKey === API.Produce.apiKey) {
    bandwidthMs = quotas.record(QUOTA_TYPE.PRODUCE, user, clientId, q.requestBytes, now);
  }
  const isConsumerFetch = q.apiKey === API.Fetch.apiKey && response !== null && !isFollowerFetch(q.request);
  let fetchedBytes = 0;
  // Counting the bytes visits every partition of the response: only where a quota will use them.
  if (isConsumerFetch && quotas.applied(QUOTA_TYPE.FETCH, user, clientId)) {
    fetchedBytes = recordsBytes(response as FetchResponseLike);
    bandwidthMs = quotas.record(QUOTA_TYPE.FETCH, user, clientId, fetchedBytes, now);
  }
  const requestMs = quotas.record(QUOTA_TYPE.REQUEST, user, clientId, q.handlerMs * PERCENT_PER_MS, now);
  const throttleMs = Math.max(bandwidthMs, requestMs);
  if (throttleMs <= 0 || response === null || typeof response !== 'object') return throttleMs;
  if (isConsumerFetch) {
    // A throttled fetch returns nothing, and what it would have returned does not count.
    quotas.unrecord(QUOTA_TYPE.FETCH, user, clientId, fetchedBytes, now);
    (response as FetchResponseLike).responses = [];
  }
  const r = response as { throttleTimeMs?: number };
  if (typeof r.throttleTimeMs === 'number') r.throttleTimeMs = Math.max(r.throttleTimeMs, throttleMs);
  return throttleMs;
}
