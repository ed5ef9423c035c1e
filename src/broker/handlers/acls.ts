// CreateAcls (key 30), DescribeAcls (key 29) and DeleteAcls (key 31), the versions of the
// generated codec; ACL bindings kept in the security metadata log, used by the authorizer
// (auth/authorizer.ts) when authorizer.class.name is set.
//
// As Kafka (AclControlManager): a new binding needs a concrete resource type, a LITERAL or
// PREFIXED pattern, a non-empty name, a concrete operation and ALLOW/DENY, and a principal
// of the form Type:name; otherwise INVALID_REQUEST for that creation. Creating an existing
// binding succeeds without a second copy. Filters (describe, delete) take ANY for type,
// pattern, operation and permission, null for name, principal and host, and MATCH for the
// pattern type (the LITERAL, "*" and PREFIXED bindings that would apply to the name).
// Creating and deleting need ALTER on the cluster, describing DESCRIBE on the cluster
// (CLUSTER_AUTHORIZATION_FAILED otherwise). A request adding more than 10,000 new bindings
// creates none: POLICY_VIOLATION for each valid one (Kafka's controller limit per request).
// Without an authorizer (authorizer.class.name empty) the three APIs answer SECURITY_DISABLED,
// as Kafka's KafkaApis does, rather than keep bindings that nothing would enforce.

import { API, ErrorCode } from '../../protocol/index.ts';
import type { StoredAcl } from '../../storage/meta/security-store.ts';
import { ACL_OPERATION, AUTHORIZER, CLUSTER_NAME, PATTERN_TYPE, PERMISSION_TYPE, RESOURCE_TYPE, WILDCARD } from '../auth/authorizer.ts';
import { SECURITY } from '../auth/security.ts';
import { defineHandler, type RequestContext } from '../dispatch.ts';
import { EXCESSIVE_BATCH_MESSAGE, MAX_RECORDS_PER_USER_OP } from '../topic-admin.ts';

interface AclFilter {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

const inRange = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;

function invalidFilter(f: AclFilter): string | null {
  if (f.resourceTypeFilter === RESOURCE_TYPE.UNKNOWN || !inRange(f.resourceTypeFilter, 7)) return 'Invalid resource type filter';
  if (f.patternTypeFilter === PATTERN_TYPE.UNKNOWN || !inRange(f.patternTypeFilter, 4)) return 'Invalid pattern type filter';
  if (f.operation === ACL_OPERATION.UNKNOWN || !inRange(f.operation, 15)) return 'Invalid operation filter';
  if (f.permissionType === PERMISSION_TYPE.UNKNOWN || !inRange(f.permissionType, 3)) return 'Invalid permission type filter';
  return null;
}

/** Kafka's AclBindingFilter.matches. */
export function filterMatches(f: AclFilter, a: StoredAcl): boolean {
  if (f.resourceTypeFilter !== RESOURCE_TYPE.ANY && f.resourceTypeFilter !== a.resourceType) return false;
  const p = f.patternTypeFilter;
  if (p !== PATTERN_TYPE.ANY && p !== PATTERN_TYPE.MATCH && p !== a.patternType) return false;
  if (f.resourceNameFilter !== null) {
    if (p === PATTERN_TYPE.MATCH) {
      const ok = a.patternType === PATTERN_TYPE.LITERAL ? a.resourceName === f.resourceNameFilter || a.resourceName === WILDCARD : f.resourceNameFilter.startsWith(a.resourceName);
      if (!ok) return false;
    } else if (a.resourceName !== f.resourceNameFilter) {
      return false;
    }
  }
  if (f.principalFilter !== null && f.principalFilter !== a.principal) return false;
  if (f.hostFilter !== null && f.hostFilter !== a.host) return false;
  if (f.operation !== ACL_OPERATION.ANY && f.operation !== a.operation) return false;
  if (f.permissionType !== PERMISSION_TYPE.ANY && f.permissionType !== a.permissionType) return false;
  return true;
}

const NO_AUTHORIZER = { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.' } as const;

function authorizerEnabled(ctx: RequestContext): boolean {
  return ctx.broker.component(AUTHORIZER).enabled;
}

function clusterAllowed(ctx: RequestContext, operation: number): boolean {
  return ctx.broker.component(AUTHORIZER).authorize(ctx.principal, operation, { type: RESOURCE_TYPE.CLUSTER, name: CLUSTER_NAME }, ctx.clientHost);
}

export const createAclsHandler = defineHandler(API.CreateAcls, {
  handle(request, ctx) {
    const store = ctx.broker.component(SECURITY).store;
    const response = API.CreateAcls.createResponse();
    const allowed = clusterAllowed(ctx, ACL_OPERATION.ALTER);
    if (allowed && !authorizerEnabled(ctx)) {
      response.results = request.creations.map(() => ({ ...NO_AUTHORIZER }));
      return response;
    }
    type Checked = { errorCode: number; errorMessage: string | null; acl?: StoredAcl };
    const checked = request.creations.map((c): Checked => {
      const fail = (errorCode: number, errorMessage: string) => ({ errorCode, errorMessage });
      if (!allowed) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
      if (c.resourceType < RESOURCE_TYPE.TOPIC || c.resourceType > RESOURCE_TYPE.USER) return fail(ErrorCode.INVALID_REQUEST, 'Invalid resourceType');
      if (c.resourcePatternType !== PATTERN_TYPE.LITERAL && c.resourcePatternType !== PATTERN_TYPE.PREFIXED) return fail(ErrorCode.INVALID_REQUEST, 'Invalid patternType');
      if (c.operation < ACL_OPERATION.ALL || c.operation > ACL_OPERATION.TWO_PHASE_COMMIT) return fail(ErrorCode.INVALID_REQUEST, 'Invalid operation type');
      if (c.permissionType !== PERMISSION_TYPE.ALLOW && c.permissionType !== PERMISSION_TYPE.DENY) return fail(ErrorCode.INVALID_REQUEST, 'Invalid permissionType');
      if (c.resourceName === '') return fail(ErrorCode.INVALID_REQUEST, 'Resource name should not be empty');
      if (!/^[^:]+:.*$/s.test(c.principal)) return fail(ErrorCode.INVALID_REQUEST, `Could not parse principal from \`${c.principal}\` (no colon is present separating the principal type from the principal name)`);
      if (c.host === '') return fail(ErrorCode.INVALID_REQUEST, 'Invalid host');
      const acl = { resourceType: c.resourceType, resourceName: c.resourceName, patternType: c.resourcePatternType, principal: c.principal, host: c.host, operation: c.operation, permissionType: c.permissionType };
      return { errorCode: 0, errorMessage: null, acl };
    });
    // Kafka's controller writes at most 10,000 records for one request (topic-admin.ts): with
    // more new bindings than that, none is created.
    const key = (a: StoredAcl) => JSON.stringify([a.resourceType, a.resourceName, a.patternType, a.principal, a.host, a.operation, a.permissionType]);
    const added = new Set(checked.flatMap((r) => (r.acl && !store.hasAcl(r.acl) ? [key(r.acl)] : [])));
    const tooMany = added.size > MAX_RECORDS_PER_USER_OP;
    response.results = checked.map(({ errorCode, errorMessage, acl }) => {
      if (!acl) return { errorCode, errorMessage };
      if (tooMany) return { errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: EXCESSIVE_BATCH_MESSAGE };
      store.addAcl(acl);
      return { errorCode: 0, errorMessage: null };
    });
    return response;
  },
});

export const describeAclsHandler = defineHandler(API.DescribeAcls, {
  handle(request, ctx) {
    const response = API.DescribeAcls.createResponse();
    if (!clusterAllowed(ctx, ACL_OPERATION.DESCRIBE)) {
      response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      response.errorMessage = 'Cluster authorization failed.';
      return response;
    }
    if (!authorizerEnabled(ctx)) return Object.assign(response, NO_AUTHORIZER);
    const bad = invalidFilter(request);
    if (bad) {
      response.errorCode = ErrorCode.INVALID_REQUEST;
      response.errorMessage = bad;
      return response;
    }
    const byResource = new Map<string, (typeof response.resources)[number]>();
    for (const a of ctx.broker.component(SECURITY).store.acls()) {
      if (!filterMatches(request, a)) continue;
      const key = JSON.stringify([a.resourceType, a.resourceName, a.patternType]);
      let resource = byResource.get(key);
      if (!resource) {
        resource = { resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType, acls: [] };
        byResource.set(key, resource);
      }
      resource.acls.push({ principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType });
    }
    response.resources = [...byResource.values()];
    return response;
  },
});

export const deleteAclsHandler = defineHandler(API.DeleteAcls, {
  handle(request, ctx) {
    const store = ctx.broker.component(SECURITY).store;
    const response = API.DeleteAcls.createResponse();
    const allowed = clusterAllowed(ctx, ACL_OPERATION.ALTER);
    response.filterResults = request.filters.map((f) => {
      if (!allowed) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', matchingAcls: [] };
      if (!authorizerEnabled(ctx)) return { ...NO_AUTHORIZER, matchingAcls: [] };
      const bad = invalidFilter(f);
      if (bad) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: bad, matchingAcls: [] };
      const matching = store.acls().filter((a) => filterMatches(f, a));
      for (const a of matching) store.removeAcl(a);
      return {
        errorCode: 0,
        errorMessage: null,
        matchingAcls: matching.map((a) => ({ errorCode: 0, errorMessage: null, resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType, principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType })),
      };
    });
    return response;
  },
});

export const ACL_HANDLERS = [describeAclsHandler, createAclsHandler, deleteAclsHandler];
