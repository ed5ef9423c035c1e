// The checks handlers repeat, built on the authorizer (authorizer.ts), as Kafka's
// AuthHelper serves KafkaApis:
// - clusterAuthorized(ctx, op): an operation on the cluster resource ("kafka-cluster");
// - splitAuthorized(ctx, op, type, items, nameOf): the items whose resource the principal may
//   act on and the others, each distinct name asked once (filterByAuthorized /
//   partitionSeqByAuthorized);
// - heartbeatRefusal(ctx, groupId, topics): READ on the group, then DESCRIBE on every
//   subscribed topic, as Kafka checks Consumer/ShareGroupHeartbeat;
// - authorizedOperations(ctx, include, type, name): the bit field of the operations allowed on
//   a resource that Describe* answers carry when asked (includeAuthorizedOperations); with
//   the flag unset, Kafka's "omitted" value INT32_MIN. Without an authorizer every operation
//   the resource type supports is allowed, as Kafka reports it.

import { ErrorCode } from '../../protocol/index.ts';
import type { Broker } from '../broker.ts';
import { ACL_OPERATION, AUTHORIZER, authorized, CLUSTER_NAME, RESOURCE_TYPE } from './authorizer.ts';

type Ctx = { broker: Broker; principal?: string; clientHost: string };

/** The authorizedOperations value of a response that was not asked for them. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

const A = ACL_OPERATION;
/** Kafka's AclEntry.supportedOperations, per resource type. */
const SUPPORTED_OPERATIONS: ReadonlyMap<number, readonly number[]> = new Map([
  [RESOURCE_TYPE.TOPIC, [A.READ, A.WRITE, A.CREATE, A.DESCRIBE, A.DELETE, A.ALTER, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS]],
  [RESOURCE_TYPE.GROUP, [A.READ, A.DESCRIBE, A.DELETE]],
  [RESOURCE_TYPE.CLUSTER, [A.CREATE, A.CLUSTER_ACTION, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS, A.IDEMPOTENT_WRITE, A.ALTER, A.DESCRIBE]],
  [RESOURCE_TYPE.TRANSACTIONAL_ID, [A.DESCRIBE, A.WRITE]],
  [RESOURCE_TYPE.DELEGATION_TOKEN, [A.DESCRIBE]],
  [RESOURCE_TYPE.USER, [A.CREATE_TOKENS, A.DESCRIBE_TOKENS]],
]);

export function clusterAuthorized(ctx: Ctx, operation: number): boolean {
  return authorized(ctx, operation, RESOURCE_TYPE.CLUSTER, CLUSTER_NAME);
}

/** A predicate over resource names of one type, each name asked once per request. */
export function authorizedNames(ctx: Ctx, operation: number, type: number): (name: string) => boolean {
  const verdicts = new Map<string, boolean>();
  return (name) => {
    let ok = verdicts.get(name);
    if (ok === undefined) verdicts.set(name, (ok = authorized(ctx, operation, type, name)));
    return ok;
  };
}

/** Splits items into those whose named resource allows `operation` and the rest, in order. */
export function splitAuthorized<T>(ctx: Ctx, operation: number, type: number, items: Iterable<T>, nameOf: (item: T) => string): { allowed: T[]; denied: T[] } {
  const may = authorizedNames(ctx, operation, type);
  const allowed: T[] = [];
  const denied: T[] = [];
  for (const item of items) (may(nameOf(item)) ? allowed : denied).push(item);
  return { allowed, denied };
}

/**
 * Why a ConsumerGroupHeartbeat or ShareGroupHeartbeat is refused, or null: READ on the group
 * (GROUP_AUTHORIZATION_FAILED), then DESCRIBE on each subscribed topic
 * (TOPIC_AUTHORIZATION_FAILED naming the topics).
 */
export function heartbeatRefusal(ctx: Ctx, groupId: string, subscribedTopicNames: readonly string[] | null): { errorCode: number; errorMessage: string | null } | null {
  if (!authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.GROUP, groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null };
  const denied = splitAuthorized(ctx, ACL_OPERATION.DESCRIBE, RESOURCE_TYPE.TOPIC, subscribedTopicNames ?? [], (name) => name).denied;
  if (denied.length > 0) return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: `Not authorized to describe topics: ${denied.join(', ')}` };
  return null;
}

/** The operations allowed on a resource as Kafka's bit field (1 << operation code). */
export function authorizedOperations(ctx: Ctx, include: boolean, type: number, name: string): number {
  if (!include) return AUTHORIZED_OPERATIONS_OMITTED;
  const authorizer = ctx.broker.component(AUTHORIZER);
  let bits = 0;
  for (const op of SUPPORTED_OPERATIONS.get(type) ?? []) {
    if (authorizer.authorize(ctx.principal, op, { type, name }, ctx.clientHost)) bits |= 1 << op;
  }
  return bits;
}
