// FindCoordinator for the two kinds of coordinator a client talks to: a consumer group's
// (key type 0) and a transactional id's (key type 1). Shared by group membership and the
// transactional producer, which also needs the group coordinator for TxnOffsetCommit.
// Versions 4+ batch keys (coordinatorKeys); we ask for one key at a time.

import { API, ErrorCode } from '../protocol/index.ts';
import type { ClientCore } from './client.ts';
import type { Connection } from './connection.ts';
import { KafkaError } from './errors.ts';

export const COORDINATOR_GROUP = 0;
export const COORDINATOR_TRANSACTION = 1;

/** A connection to the coordinator of `key`; COORDINATOR_NOT_AVAILABLE and the like are thrown (retriable). */
export async function findCoordinator(core: ClientCore, key: string, keyType: number): Promise<Connection> {
  const connection = await core.metadata.anyConnection();
  const body = API.FindCoordinator.createRequest();
  body.key = key;
  body.keyType = keyType;
  body.coordinatorKeys = [key];
  const response = await connection.request(API.FindCoordinator, body);
  const c = connection.versionFor(API.FindCoordinator) >= 4 ? response.coordinators[0] : response;
  if (c === undefined) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const error = KafkaError.fromCode(c.errorCode, { brokerMessage: c.errorMessage });
  if (error !== null) throw error;
  return core.pool.get({ host: c.host, port: c.port }, c.nodeId);
}

/** Coordinator errors after which the coordinator must be looked up again. */
export function coordinatorMoved(code: number): boolean {
  return code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE;
}
