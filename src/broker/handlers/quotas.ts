// DescribeClientQuotas (key 48) v0-1 and AlterClientQuotas (key 49) v0-1: client quotas are
// stored in the metadata log and described back, and enforced by quotas/client-quotas.ts.
//
// Entities are sets of (type, name) with types user, client-id and ip; a null name is the
// default entity of that type. As Kafka (ClientQuotaControlManager): ip cannot be combined
// with user or client-id; user/client-id take producer_byte_rate, consumer_byte_rate,
// request_percentage and controller_mutation_rate, ip takes connection_creation_rate; an
// unknown key, a key of the wrong entity, a non-positive value, an unknown or repeated entity
// type are INVALID_REQUEST per entry (per request for DescribeClientQuotas).
// DescribeClientQuotas filters: EXACT (0) a given name, DEFAULT (1) the default entity,
// SPECIFIED (2) any non-default name; Strict keeps only entities with no other types.
// ACLs (issue 6), as KafkaApis: describing needs DESCRIBE_CONFIGS on the cluster, altering
// ALTER_CONFIGS on it (CLUSTER_AUTHORIZATION_FAILED, at the top / for every entry).

import { API, ErrorCode } from '../../protocol/index.ts';
import type { QuotaEntity } from '../../storage/index.ts';
import { defineHandler } from '../dispatch.ts';
import { clusterAuthorized } from '../auth/access.ts';
import { ACL_OPERATION } from '../auth/authorizer.ts';
import { CLIENT_QUOTAS, CONNECTION_CREATION_RATE } from '../quotas/client-quotas.ts';

const ENTITY_TYPES = ['user', 'client-id', 'ip'];
const CLIENT_KEYS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate'];
const IP_KEYS = [CONNECTION_CREATION_RATE];
const MATCH = { EXACT: 0, DEFAULT: 1, SPECIFIED: 2 } as const;

function canonical(entity: readonly { entityType: string; entityName: string | null }[]): QuotaEntity | string {
  const types = entity.map((e) => e.entityType);
  if (entity.length === 0) return 'Invalid empty client quota entity';
  if (new Set(types).size !== types.length) return `Duplicate entity type in client quota entity: ${types.join(', ')}`;
  const unknown = types.find((t) => !ENTITY_TYPES.includes(t));
  if (unknown !== undefined) return `Unhandled client quota entity type: ${unknown}`;
  if (types.includes('ip') && types.length > 1) return 'Invalid quota entity combination, IP entity should not be used with user/client ID entity.';
  return entity.map((e) => [e.entityType, e.entityName] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

export const describeClientQuotasHandler = defineHandler(API.DescribeClientQuotas, {
  handle(request, ctx) {
    const { broker } = ctx;
    const response = API.DescribeClientQuotas.createResponse();
    if (!clusterAuthorized(ctx, ACL_OPERATION.DESCRIBE_CONFIGS)) {
      response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      response.errorMessage = 'Cluster authorization failed.';
      response.entries = null;
      return response;
    }
    const types = request.components.map((c) => c.entityType);
    const bad =
      new Set(types).size !== types.length
        ? `Duplicate entity type in filter: ${types.join(', ')}`
        : request.components.find((c) => c.matchType < 0 || c.matchType > 2)
          ? 'Unknown match type in filter'
          : null;
    if (bad) {
      response.errorCode = ErrorCode.INVALID_REQUEST;
      response.errorMessage = bad;
      response.entries = null;
      return response;
    }
    response.entries = broker.logs
      .clientQuotas()
      .filter((q) => {
        const byType = new Map(q.entity);
        for (const c of request.components) {
          if (!byType.has(c.entityType)) return false;
          const name = byType.get(c.entityType)!;
          if (c.matchType === MATCH.EXACT && name !== c.match) return false;
          if (c.matchType === MATCH.DEFAULT && name !== null) return false;
          if (c.matchType === MATCH.SPECIFIED && name === null) return false;
        }
        return !request.strict || q.entity.length === request.components.length;
      })
      .map((q) => ({
        entity: q.entity.map(([entityType, entityName]) => ({ entityType, entityName })),
        values: Object.entries(q.quotas).map(([key, value]) => ({ key, value })),
      }));
    return response;
  },
});

export const alterClientQuotasHandler = defineHandler(API.AlterClientQuotas, {
  handle(request, ctx) {
    const { broker } = ctx;
    const response = API.AlterClientQuotas.createResponse();
    const mayAlter = clusterAuthorized(ctx, ACL_OPERATION.ALTER_CONFIGS);
    response.entries = request.entries.map((e) => {
      const result = { errorCode: 0, errorMessage: null as string | null, entity: e.entity.map((x) => ({ entityType: x.entityType, entityName: x.entityName })) };
      const fail = (message: string) => ({ ...result, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message });
      if (!mayAlter) return { ...result, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' };
      const entity = canonical(e.entity);
      if (typeof entity === 'string') return fail(entity);
      const allowed = entity.some(([t]) => t === 'ip') ? IP_KEYS : CLIENT_KEYS;
      const changes: Record<string, number | null> = {};
      for (const op of e.ops) {
        if (!allowed.includes(op.key)) return fail(`Unknown or unsupported quota key ${op.key} for this entity`);
        if (op.key in changes) return fail(`Duplicate quota key ${op.key}`);
        if (!op.remove && !(op.value > 0)) return fail(`Illegal value ${op.value} for quota ${op.key}: must be positive`);
        changes[op.key] = op.remove ? null : op.value;
      }
      if (!request.validateOnly && Object.keys(changes).length > 0) {
        broker.logs.alterClientQuotas(entity, changes);
        broker.component(CLIENT_QUOTAS).invalidate();
      }
      return result;
    });
    return response;
  },
});
