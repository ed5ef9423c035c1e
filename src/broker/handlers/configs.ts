// DescribeConfigs (key 32) v0-4, AlterConfigs (key 33) v0-2 and IncrementalAlterConfigs
// (key 44) v0-1, for TOPIC (2), BROKER (4) and GROUP (32) resources.
//
// DescribeConfigs: a topic lists every topic config with its effective value; a broker
// (its own id) lists every broker config; the broker resource "" lists the cluster-wide
// dynamic defaults, as Kafka does. Sources and synonyms follow Kafka's ConfigHelper
// (src/broker/config/describe.ts); IncludeSynonyms and IncludeDocumentation are honoured;
// ConfigurationKeys filters. Unknown topic: UNKNOWN_TOPIC_OR_PARTITION; another broker id or a
// non-numeric broker name: INVALID_REQUEST. BROKER_LOGGER (8) answers with no entries.
// v0 reports IsDefault instead of a source. A group (it need not exist, as in Kafka) lists
// every group config (src/broker/config/group-configs.ts): GROUP_CONFIG where overridden, else
// the broker's group.* default; an empty group name is INVALID_REQUEST.
//
// AlterConfigs replaces the resource's whole set of overrides; IncrementalAlterConfigs
// applies SET, DELETE, APPEND and SUBTRACT. Validation and error codes: see
// src/broker/config/alter.ts. Topic configs are persisted in the metadata log and applied
// to the topic's logs at once; broker configs are persisted as dynamic configs (per broker
// id, or cluster-wide under "") and applied live (src/broker/config/dynamic.ts). Group
// configs are validated as Kafka's GroupConfig (INVALID_CONFIG), persisted in the metadata
// log and read by the coordinators when they use them.
// ValidateOnly checks without changing anything. Other resource types: INVALID_REQUEST.
// ACLs (issue 6), as KafkaApis: DESCRIBE_CONFIGS (describe) or ALTER_CONFIGS (alter) on the
// topic, or on the cluster for BROKER, BROKER_LOGGER and CLIENT_METRICS resources, else
// TOPIC_/CLUSTER_AUTHORIZATION_FAILED for that resource; GROUP resources need the operation
// on the group (GROUP_AUTHORIZATION_FAILED).
// Omitted: alter.config.policy.class.name (so no POLICY_VIOLATION), BROKER_LOGGER changes,
// CLIENT_METRICS resources.

import { API, type DescribeConfigs, ErrorCode, ERRORS } from '../../protocol/index.ts';
import { ACL_OPERATION, authorized, CLUSTER_NAME, RESOURCE_TYPE as ACL_RESOURCE } from '../auth/authorizer.ts';
import { CONFIG_SOURCE } from '../config/broker-config.ts';
import { planAlter, ALTER_OP, type AlterOp } from '../config/alter.ts';
import { describeBrokerConfigs, describeTopicConfigs, type ConfigEntry } from '../config/describe.ts';
import { DYNAMIC_CONFIGS } from '../config/dynamic.ts';
import { describeGroupConfigs, validateGroupConfigs } from '../config/group-configs.ts';
import { defineHandler, type RequestContext } from '../dispatch.ts';
import type { Broker } from '../broker.ts';

export const RESOURCE_TYPE = { TOPIC: 2, GROUP: 32, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16 } as const;

function resourceLabel(type: number, name: string): string {
  const kind = type === RESOURCE_TYPE.TOPIC ? 'TOPIC' : type === RESOURCE_TYPE.BROKER ? 'BROKER' : type === RESOURCE_TYPE.BROKER_LOGGER ? 'BROKER_LOGGER' : type === RESOURCE_TYPE.GROUP ? 'GROUP' : String(type);
  return `ConfigResource(type=${kind}, name='${name}')`;
}

/** A broker resource name: "" (cluster default) or this broker's id; otherwise an error message. */
function brokerEntity(broker: Broker, name: string): { entity: string } | { error: string } {
  if (name === '') return { entity: '' };
  if (!/^-?\d+$/.test(name)) return { error: `Broker id must be an integer, but it is: ${name}` };
  if (Number(name) !== broker.nodeId) return { error: `Unexpected broker id, expected ${broker.nodeId}, but received ${name}` };
  return { entity: String(broker.nodeId) };
}

type DescribeResult = ReturnType<typeof DescribeConfigs.createDescribeConfigsResult>;

/** KafkaApis' config authorization: the error for a resource the principal may not `operation`, or null. */
function configsDenied(ctx: RequestContext, operation: number, type: number, name: string): { errorCode: number; errorMessage: string | null } | null {
  const [aclType, aclName, errorCode] =
    type === RESOURCE_TYPE.TOPIC
      ? [ACL_RESOURCE.TOPIC, name, ErrorCode.TOPIC_AUTHORIZATION_FAILED]
      : type === RESOURCE_TYPE.GROUP
        ? [ACL_RESOURCE.GROUP, name, ErrorCode.GROUP_AUTHORIZATION_FAILED]
        : type === RESOURCE_TYPE.BROKER || type === RESOURCE_TYPE.BROKER_LOGGER || type === RESOURCE_TYPE.CLIENT_METRICS
          ? [ACL_RESOURCE.CLUSTER, CLUSTER_NAME, ErrorCode.CLUSTER_AUTHORIZATION_FAILED]
          : [null, '', 0];
  if (aclType === null || authorized(ctx, operation, aclType, aclName)) return null;
  return { errorCode, errorMessage: ERRORS.get(errorCode)?.message ?? null };
}

export const describeConfigsHandler = defineHandler(API.DescribeConfigs, {
  handle(request, ctx) {
    const { broker } = ctx;
    const response = API.DescribeConfigs.createResponse();
    response.results = request.resources.map((res): DescribeResult => {
      const result = API.DescribeConfigs.messages().createDescribeConfigsResult();
      result.resourceType = res.resourceType;
      result.resourceName = res.resourceName;
      const denied = configsDenied(ctx, ACL_OPERATION.DESCRIBE_CONFIGS, res.resourceType, res.resourceName);
      if (denied) return Object.assign(result, denied);
      let entries: ConfigEntry[];
      if (res.resourceType === RESOURCE_TYPE.TOPIC) {
        const topic = broker.logs.topic(res.resourceName);
        if (!topic) {
          result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          result.errorMessage = `Topic ${res.resourceName} does not exist.`;
          return result;
        }
        entries = describeTopicConfigs(broker.config, topic.configs);
      } else if (res.resourceType === RESOURCE_TYPE.BROKER || res.resourceType === RESOURCE_TYPE.BROKER_LOGGER) {
        const target = brokerEntity(broker, res.resourceName);
        if ('error' in target || (res.resourceType === RESOURCE_TYPE.BROKER_LOGGER && target.entity === '')) {
          result.errorCode = ErrorCode.INVALID_REQUEST;
          result.errorMessage = 'error' in target ? target.error : 'Broker id must be specified for BROKER_LOGGER';
          return result;
        }
        entries = res.resourceType === RESOURCE_TYPE.BROKER_LOGGER ? [] : describeBrokerConfigs(broker.config, target.entity !== '');
      } else if (res.resourceType === RESOURCE_TYPE.GROUP) {
        if (res.resourceName === '') {
          result.errorCode = ErrorCode.INVALID_REQUEST;
          result.errorMessage = 'Group name must not be empty';
          return result;
        }
        entries = describeGroupConfigs(broker.config, broker.logs.groupConfigs(res.resourceName));
      } else {
        result.errorCode = ErrorCode.INVALID_REQUEST;
        result.errorMessage = `Unsupported resource type: ${res.resourceType}`;
        return result;
      }
      const keys = res.configurationKeys;
      if (keys && keys.length > 0) entries = entries.filter((e) => keys.includes(e.name));
      result.configs = entries.map((e) => ({
        ...API.DescribeConfigs.messages().createDescribeConfigsResourceResult(),
        name: e.name,
        value: e.value,
        readOnly: e.readOnly,
        isDefault: e.source === CONFIG_SOURCE.DEFAULT_CONFIG,
        configSource: e.source,
        isSensitive: e.isSensitive,
        synonyms: request.includeSynonyms ? e.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })) : [],
        configType: e.configType,
        documentation: request.includeDocumentation ? e.documentation : null,
      }));
      return result;
    });
    return response;
  },
});

interface AlterResource {
  resourceType: number;
  resourceName: string;
  ops: AlterOp[];
}

/** Validates and (unless validateOnly) applies one resource's changes; the error code and message. */
function alterResource(ctx: RequestContext, res: AlterResource, replace: boolean, validateOnly: boolean): { errorCode: number; errorMessage: string | null } {
  const { broker } = ctx;
  const denied = configsDenied(ctx, ACL_OPERATION.ALTER_CONFIGS, res.resourceType, res.resourceName);
  if (denied) return denied;
  const label = resourceLabel(res.resourceType, res.resourceName);
  if (res.resourceType === RESOURCE_TYPE.TOPIC) {
    const topic = broker.logs.topic(res.resourceName);
    if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${res.resourceName} does not exist.` };
    const plan = planAlter({ kind: 'topic', resource: label, current: topic.configs, replace }, res.ops);
    if (!plan.ok) return { errorCode: plan.errorCode, errorMessage: plan.errorMessage };
    if (!validateOnly && Object.keys(plan.changes).length > 0) {
      broker.logs.alterTopicConfigs(topic.name, plan.changes);
      broker.logger.info(`altered configs of topic ${topic.name}`, { changes: plan.changes });
    }
    return { errorCode: 0, errorMessage: null };
  }
  if (res.resourceType === RESOURCE_TYPE.BROKER) {
    const target = brokerEntity(broker, res.resourceName);
    if ('error' in target) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: target.error };
    const current = Object.fromEntries(broker.config.dynamic(target.entity === '' ? 'default' : 'broker'));
    const plan = planAlter({ kind: 'broker', resource: label, current, replace }, res.ops);
    if (!plan.ok) return { errorCode: plan.errorCode, errorMessage: plan.errorMessage };
    if (!validateOnly) {
      broker.component(DYNAMIC_CONFIGS).alter(target.entity, plan.changes);
      broker.logger.info(`altered dynamic broker configs of '${target.entity}'`, { changes: plan.changes });
    }
    return { errorCode: 0, errorMessage: null };
  }
  if (res.resourceType === RESOURCE_TYPE.GROUP) {
    if (res.resourceName === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Group name must not be empty' };
    const current = broker.logs.groupConfigs(res.resourceName);
    const plan = planAlter({ kind: 'group', resource: label, current, replace }, res.ops);
    if (!plan.ok) return { errorCode: plan.errorCode, errorMessage: plan.errorMessage };
    const next: Record<string, string> = { ...current };
    for (const [name, value] of Object.entries(plan.changes)) {
      if (value === null) delete next[name];
      else next[name] = value;
    }
    const problem = validateGroupConfigs(broker.config, next);
    if (problem) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problem };
    if (!validateOnly && Object.keys(plan.changes).length > 0) {
      broker.logs.alterGroupConfigs(res.resourceName, plan.changes);
      broker.logger.info(`altered configs of group ${res.resourceName}`, { changes: plan.changes });
    }
    return { errorCode: 0, errorMessage: null };
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${res.resourceType} for ${label}` };
}

export const alterConfigsHandler = defineHandler(API.AlterConfigs, {
  handle(request, ctx) {
    const response = API.AlterConfigs.createResponse();
    response.responses = request.resources.map((res) => ({
      resourceType: res.resourceType,
      resourceName: res.resourceName,
      ...alterResource(
        ctx,
        { resourceType: res.resourceType, resourceName: res.resourceName, ops: res.configs.map((c) => ({ name: c.name, op: ALTER_OP.SET, value: c.value })) },
        true,
        request.validateOnly,
      ),
    }));
    return response;
  },
});

export const incrementalAlterConfigsHandler = defineHandler(API.IncrementalAlterConfigs, {
  handle(request, ctx) {
    const response = API.IncrementalAlterConfigs.createResponse();
    response.responses = request.resources.map((res) => ({
      resourceType: res.resourceType,
      resourceName: res.resourceName,
      ...alterResource(
        ctx,
        { resourceType: res.resourceType, resourceName: res.resourceName, ops: res.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value })) },
        false,
        request.validateOnly,
      ),
    }));
    return response;
  },
});
