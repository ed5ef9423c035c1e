// ACL authorization with Kafka's model (StandardAuthorizer): bindings of a resource pattern
// (type, name, LITERAL or PREFIXED) to an entry (principal, host, operation, ALLOW/DENY).
//
// authorize(principal, host, operation, resource):
// 1. no authorizer (authorizer.class.name empty): allowed;
// 2. a principal in super.users (semicolon-separated, e.g. User:admin;User:CN=ops): allowed;
// 3. the bindings that match the resource: LITERAL with the same name or "*", PREFIXED whose
//    name the resource name starts with;
// 4. a matching DENY entry (principal or User:*, host or *, the operation or ALL): denied;
// 5. no matching binding at all: allow.everyone.if.no.acl.found decides (default false);
// 6. a matching ALLOW entry for the operation, ALL, or one that implies it: allowed. READ,
//    WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS. Deny
//    entries imply nothing (a DENY READ leaves DESCRIBE alone), as in Kafka.
// Everything else is denied.

import type { StoredAcl } from '../../storage/meta/security-store.ts';
import type { Broker } from '../broker.ts';
import { defineComponent, type Component } from '../component.ts';
import { SECURITY } from './security.ts';

export const RESOURCE_TYPE = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const PATTERN_TYPE = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const ACL_OPERATION = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
  TWO_PHASE_COMMIT: 15,
} as const;
export const PERMISSION_TYPE = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The cluster resource's name in Kafka's ACLs. */
export const CLUSTER_NAME = 'kafka-cluster';
export const WILDCARD = '*';

export interface Resource {
  readonly type: number;
  readonly name: string;
}

const IMPLIED_BY: ReadonlyMap<number, readonly number[]> = new Map([
  [ACL_OPERATION.DESCRIBE, [ACL_OPERATION.READ, ACL_OPERATION.WRITE, ACL_OPERATION.DELETE, ACL_OPERATION.ALTER]],
  [ACL_OPERATION.DESCRIBE_CONFIGS, [ACL_OPERATION.ALTER_CONFIGS]],
]);

/** Whether a stored binding's pattern covers the resource. */
export function patternMatches(acl: StoredAcl, resource: Resource): boolean {
  if (acl.resourceType !== resource.type) return false;
  if (acl.patternType === PATTERN_TYPE.LITERAL) return acl.resourceName === resource.name || acl.resourceName === WILDCARD;
  if (acl.patternType === PATTERN_TYPE.PREFIXED) return resource.name.startsWith(acl.resourceName);
  return false;
}

export class Authorizer implements Component {
  readonly #broker: Broker;
  readonly #superUsers: ReadonlySet<string>;

  constructor(broker: Broker) {
    this.#broker = broker;
    this.#superUsers = new Set((broker.config.get('super.users') ?? '').split(';').map((s) => s.trim()).filter((s) => s !== ''));
  }

  start(): void {}

  /** Whether authorization is on (authorizer.class.name set). */
  get enabled(): boolean {
    return (this.#broker.config.get('authorizer.class.name') ?? '').trim() !== '';
  }

  authorize(principal: string | undefined, operation: number, resource: Resource, host = WILDCARD): boolean {
    if (!this.enabled) return true;
    const who = principal ?? 'User:ANONYMOUS';
    if (this.#superUsers.has(who)) return true;
    const matching = this.#broker.component(SECURITY).store.acls().filter((a) => patternMatches(a, resource));
    const applies = (a: StoredAcl) => (a.principal === who || a.principal === 'User:*') && (a.host === WILDCARD || a.host === host);
    const entries = matching.filter(applies);
    if (entries.some((a) => a.permissionType === PERMISSION_TYPE.DENY && (a.operation === operation || a.operation === ACL_OPERATION.ALL))) return false;
    if (matching.length === 0) return this.#broker.config.boolean('allow.everyone.if.no.acl.found');
    const implied = IMPLIED_BY.get(operation) ?? [];
    return entries.some((a) => a.permissionType === PERMISSION_TYPE.ALLOW && (a.operation === operation || a.operation === ACL_OPERATION.ALL || implied.includes(a.operation)));
  }
}

export const AUTHORIZER = defineComponent('authorizer', (broker) => new Authorizer(broker));

/** The one-line check handlers make: may the request's principal do `operation` on the resource? */
export function authorized(ctx: { broker: Broker; principal?: string; clientHost: string }, operation: number, type: number, name: string): boolean {
  return ctx.broker.component(AUTHORIZER).authorize(ctx.principal, operation, { type, name }, ctx.clientHost);
}
