// ACLs (CreateAcls, DescribeAcls, DeleteAcls) and SCRAM users (DescribeUserScramCredentials,
// AlterUserScramCredentials) for the admin client. Kafka's enum values travel as numbers;
// here they are Kafka's names (TOPIC, READ, ALLOW, LITERAL, ...), as the Java admin's enums
// print. A SCRAM password never leaves the client: the salted password (RFC 5802's
// Hi(password, salt, i)) is computed here with a fresh random salt, as Kafka's admin does.

import { randomBytes } from 'node:crypto';
import { API, type ApiName, type DeleteAclsFilter } from '../../protocol/index.ts';
import type { ClientCore } from '../client.ts';
import type { Connection } from '../connection.ts';
import { KafkaError } from '../errors.ts';
import { saltedPassword } from '../sasl.ts';

/** Kafka's ResourceType, by id. */
export const ACL_RESOURCE_TYPES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'] as const;
/** Kafka's PatternType, by id. */
export const ACL_PATTERN_TYPES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'] as const;
/** Kafka's AclOperation, by id. */
export const ACL_OPERATIONS = [
  'UNKNOWN', 'ANY', 'ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS', 'TWO_PHASE_COMMIT',
] as const;
/** Kafka's AclPermissionType, by id. */
export const ACL_PERMISSIONS = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'] as const;

export type AclResourceType = (typeof ACL_RESOURCE_TYPES)[number];
export type AclPatternType = (typeof ACL_PATTERN_TYPES)[number];
export type AclOperation = (typeof ACL_OPERATIONS)[number];
export type AclPermission = (typeof ACL_PERMISSIONS)[number];

/** One ACL: who (principal, host) may or may not do what (operation) on which resources. */
export interface AclBinding {
  resourceType: AclResourceType;
  resourceName: string;
  /** Default 'LITERAL'. */
  patternType?: AclPatternType;
  /** "User:alice", "User:*". */
  principal: string;
  /** Default '*'. */
  host?: string;
  operation: AclOperation;
  permission: AclPermission;
}

/** What DescribeAcls and DeleteAcls match; a missing field matches anything. */
export interface AclFilter {
  resourceType?: AclResourceType;
  resourceName?: string | null;
  /** Default 'ANY' for describe; 'MATCH' also finds the prefixed and wildcard ACLs that apply to a name. */
  patternType?: AclPatternType;
  principal?: string | null;
  host?: string | null;
  operation?: AclOperation;
  permission?: AclPermission;
}

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
const SCRAM_MECHANISMS = ['UNKNOWN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

export interface ScramUser {
  user: string;
  credentials: { mechanism: ScramMechanism; iterations: number }[];
}

export type ScramChange =
  | { user: string; mechanism: ScramMechanism; password: string; /** Default 4096, Kafka's minimum. */ iterations?: number }
  | { user: string; mechanism: ScramMechanism; delete: true };

type ConnectionFor = (api: { name: ApiName }) => Promise<Connection>;

function id<T extends string>(names: readonly T[], name: T | undefined, fallback: T, what: string): number {
  const i = names.indexOf(name ?? fallback);
  if (i < 0) throw new TypeError(`unknown ${what} '${String(name)}': one of ${names.slice(1).join(', ')}`);
  return i;
}

function name<T extends string>(names: readonly T[], i: number): T {
  return names[i] ?? names[0]!;
}

function filterOf(f: AclFilter): DeleteAclsFilter {
  return {
    resourceTypeFilter: id(ACL_RESOURCE_TYPES, f.resourceType, 'ANY', 'resource type'),
    resourceNameFilter: f.resourceName ?? null,
    patternTypeFilter: id(ACL_PATTERN_TYPES, f.patternType, 'ANY', 'pattern type'),
    principalFilter: f.principal ?? null,
    hostFilter: f.host ?? null,
    operation: id(ACL_OPERATIONS, f.operation, 'ANY', 'operation'),
    permissionType: id(ACL_PERMISSIONS, f.permission, 'ANY', 'permission'),
  };
}

export async function createAcls(core: ClientCore, connectionFor: ConnectionFor, bindings: readonly AclBinding[]): Promise<void> {
  const creations = bindings.map((b) => ({
    resourceType: id(ACL_RESOURCE_TYPES, b.resourceType, 'UNKNOWN', 'resource type'),
    resourceName: b.resourceName,
    resourcePatternType: id(ACL_PATTERN_TYPES, b.patternType, 'LITERAL', 'pattern type'),
    principal: b.principal,
    host: b.host ?? '*',
    operation: id(ACL_OPERATIONS, b.operation, 'UNKNOWN', 'operation'),
    permissionType: id(ACL_PERMISSIONS, b.permission, 'UNKNOWN', 'permission'),
  }));
  await core.retry('createAcls', async () => {
    const connection = await connectionFor(API.CreateAcls);
    const body = API.CreateAcls.createRequest();
    body.creations = creations;
    const response = await connection.request(API.CreateAcls, body);
    const errors = response.results.map((r) => KafkaError.fromCode(r.errorCode, { brokerMessage: r.errorMessage })).filter((e): e is KafkaError => e !== null);
    if (errors.length > 0) throw KafkaError.collect(errors, 'CreateAcls failed');
  });
}

export async function describeAcls(core: ClientCore, connectionFor: ConnectionFor, filter: AclFilter = {}): Promise<Required<AclBinding>[]> {
  return core.retry('describeAcls', async () => {
    const connection = await connectionFor(API.DescribeAcls);
    const response = await connection.request(API.DescribeAcls, { ...API.DescribeAcls.createRequest(), ...filterOf(filter) });
    const error = KafkaError.fromCode(response.errorCode, { brokerMessage: response.errorMessage });
    if (error !== null) throw error;
    return response.resources.flatMap((r) =>
      r.acls.map((a) => ({
        resourceType: name(ACL_RESOURCE_TYPES, r.resourceType),
        resourceName: r.resourceName,
        patternType: name(ACL_PATTERN_TYPES, r.patternType),
        principal: a.principal,
        host: a.host,
        operation: name(ACL_OPERATIONS, a.operation),
        permission: name(ACL_PERMISSIONS, a.permissionType),
      })),
    );
  });
}

/** Deletes the ACLs each filter matches; returns them. */
export async function deleteAcls(core: ClientCore, connectionFor: ConnectionFor, filters: readonly AclFilter[]): Promise<Required<AclBinding>[]> {
  const body = API.DeleteAcls.createRequest();
  body.filters = filters.map(filterOf);
  return core.retry('deleteAcls', async () => {
    const connection = await connectionFor(API.DeleteAcls);
    const response = await connection.request(API.DeleteAcls, body);
    const errors: KafkaError[] = [];
    const deleted: Required<AclBinding>[] = [];
    for (const r of response.filterResults) {
      const e = KafkaError.fromCode(r.errorCode, { brokerMessage: r.errorMessage });
      if (e !== null) errors.push(e);
      for (const m of r.matchingAcls) {
        const me = KafkaError.fromCode(m.errorCode, { brokerMessage: m.errorMessage });
        if (me !== null) errors.push(me);
        else {
          deleted.push({
            resourceType: name(ACL_RESOURCE_TYPES, m.resourceType),
            resourceName: m.resourceName,
            patternType: name(ACL_PATTERN_TYPES, m.patternType),
            principal: m.principal,
            host: m.host,
            operation: name(ACL_OPERATIONS, m.operation),
            permission: name(ACL_PERMISSIONS, m.permissionType),
          });
        }
      }
    }
    if (errors.length > 0) throw KafkaError.collect(errors, 'DeleteAcls failed');
    return deleted;
  });
}

/** SCRAM users and their mechanisms; all users when `users` is omitted (RESOURCE_NOT_FOUND for a named one without credentials). */
export async function describeUserScramCredentials(core: ClientCore, connectionFor: ConnectionFor, users?: readonly string[]): Promise<ScramUser[]> {
  return core.retry('describeUserScramCredentials', async () => {
    const connection = await connectionFor(API.DescribeUserScramCredentials);
    const body = API.DescribeUserScramCredentials.createRequest();
    body.users = users === undefined || users.length === 0 ? null : users.map((n) => ({ name: n }));
    const response = await connection.request(API.DescribeUserScramCredentials, body);
    const top = KafkaError.fromCode(response.errorCode, { brokerMessage: response.errorMessage });
    if (top !== null) throw top;
    const errors = response.results.map((r) => KafkaError.fromCode(r.errorCode, { brokerMessage: r.errorMessage ?? `user '${r.user}'` })).filter((e): e is KafkaError => e !== null);
    if (errors.length > 0) throw KafkaError.collect(errors, 'DescribeUserScramCredentials failed');
    return response.results
      .map((r) => ({
        user: r.user,
        credentials: r.credentialInfos.map((c) => ({ mechanism: name(SCRAM_MECHANISMS, c.mechanism) as ScramMechanism, iterations: c.iterations })),
      }))
      .sort((a, b) => a.user.localeCompare(b.user));
  });
}

/** Sets (salted here) or deletes SCRAM credentials. */
export async function alterUserScramCredentials(core: ClientCore, connectionFor: ConnectionFor, changes: readonly ScramChange[]): Promise<void> {
  const body = API.AlterUserScramCredentials.createRequest();
  for (const c of changes) {
    const mechanism = id(SCRAM_MECHANISMS, c.mechanism, 'UNKNOWN', 'SCRAM mechanism');
    if ('delete' in c) {
      body.deletions.push({ name: c.user, mechanism });
      continue;
    }
    const iterations = c.iterations ?? 4096;
    const salt = randomBytes(32);
    const hash = c.mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    body.upsertions.push({ name: c.user, mechanism, iterations, salt, saltedPassword: saltedPassword(c.password, salt, iterations, hash) });
  }
  await core.retry('alterUserScramCredentials', async () => {
    const connection = await connectionFor(API.AlterUserScramCredentials);
    const response = await connection.request(API.AlterUserScramCredentials, body);
    const errors = response.results.map((r) => KafkaError.fromCode(r.errorCode, { brokerMessage: r.errorMessage ?? `user '${r.user}'` })).filter((e): e is KafkaError => e !== null);
    if (errors.length > 0) throw KafkaError.collect(errors, 'AlterUserScramCredentials failed');
  });
}
