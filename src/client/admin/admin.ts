// The admin client: topics, partitions, configs, records deletion, offsets, groups and the
// cluster description. Each method sends the request to the broker that must answer it
// (the controller for topic changes, the leader for records deletion and offsets, the group
// coordinator for groups, any broker otherwise), retries retriable errors, and throws one
// KafkaError whose `errors` lists every per-topic or per-partition failure.

import {
  API,
  ErrorCode,
  ZERO_UUID,
  type ApiName,
  type DescribeConfigsResourceResult,
} from '../../protocol/index.ts';
import { ClientCore, unknownTopic, type ClientOptions } from '../client.ts';
import { KafkaError } from '../errors.ts';
import type { BrokerInfo, TopicInfo } from '../metadata.ts';
import { listOffsets, type OffsetSpec, type PartitionOffset } from '../offsets.ts';
import { routeOf } from '../routing.ts';
import type { Connection } from '../connection.ts';
import { COORDINATOR_GROUP, findCoordinator } from '../coordinator.ts';
import {
  alterUserScramCredentials,
  createAcls,
  deleteAcls,
  describeAcls,
  describeUserScramCredentials,
  type AclBinding,
  type AclFilter,
  type ScramChange,
  type ScramUser,
} from './security.ts';

export type AdminOptions = ClientOptions;

export interface NewTopic {
  name: string;
  /** Default -1: the broker's num.partitions. */
  numPartitions?: number;
  /** Default -1: the broker's default.replication.factor. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface CreatedTopic {
  name: string;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerInfo[];
}

/** Kafka's ConfigResource types. */
export const RESOURCE_TYPE = { topic: 2, broker: 4, brokerLogger: 8, clientMetrics: 16, group: 32 } as const;
export type ResourceType = keyof typeof RESOURCE_TYPE;

/** Kafka's ConfigSource ids, by name. */
const CONFIG_SOURCES = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
] as const;

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: string;
  isDefault: boolean;
  readOnly: boolean;
  isSensitive: boolean;
}

export interface ConfigResource {
  type: ResourceType;
  name: string;
}

export type ConfigOperation = 'set' | 'delete' | 'append' | 'subtract';
const CONFIG_OPERATIONS: Record<ConfigOperation, number> = { set: 0, delete: 1, append: 2, subtract: 3 };

export interface ConfigChange {
  name: string;
  value?: string | null;
  /** Default 'set' ('delete' reverts to the default). */
  op?: ConfigOperation;
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: string;
  type: string;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Partitions assigned to the member (consumer protocol only). */
  assignment: { topic: string; partitions: number[] }[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMember[];
}

export interface GroupOffset {
  topic: string;
  partition: number;
  /** -1 when the group has no committed offset for the partition. */
  offset: number;
  metadata: string | null;
}

export class Admin {
  readonly #core: ClientCore;

  constructor(options: AdminOptions = {}) {
    this.#core = new ClientCore(options);
  }

  /** Connects to a bootstrap server and fetches cluster metadata (optional: calls connect lazily). */
  async connect(): Promise<void> {
    await this.#core.retry('connect', () => this.#core.metadata.refresh([]));
  }

  async close(): Promise<void> {
    await this.#core.close();
  }

  /** Creates ACLs (CreateAcls, to the controller). */
  async createAcls(bindings: readonly AclBinding[]): Promise<void> {
    await createAcls(this.#core, this.#routed, bindings);
  }

  /** The ACLs a filter matches (DescribeAcls); every ACL without one. */
  async describeAcls(filter: AclFilter = {}): Promise<Required<AclBinding>[]> {
    return describeAcls(this.#core, this.#routed, filter);
  }

  /** Deletes the ACLs the filters match (DeleteAcls); returns what was deleted. */
  async deleteAcls(filters: readonly AclFilter[]): Promise<Required<AclBinding>[]> {
    return deleteAcls(this.#core, this.#routed, filters);
  }

  /** SCRAM users with their mechanisms and iterations (never the credentials). */
  async describeUserScramCredentials(users?: readonly string[]): Promise<ScramUser[]> {
    return describeUserScramCredentials(this.#core, this.#routed, users);
  }

  /** Sets ({ user, mechanism, password, iterations? }) or deletes ({ user, mechanism, delete: true }) SCRAM credentials. */
  async alterUserScramCredentials(changes: readonly ScramChange[]): Promise<void> {
    await alterUserScramCredentials(this.#core, this.#routed, changes);
  }

  readonly #routed = (api: { name: ApiName }): Promise<Connection> => this.#connectionFor(api);

  /** A connection for an API routed to the controller or to any broker (see routing.ts). */
  #connectionFor(api: { name: ApiName }) {
    const route = routeOf(api);
    if (route === 'controller') return this.#core.metadata.controllerConnection();
    if (route === 'any') return this.#core.metadata.anyConnection();
    throw new TypeError(`${api.name} is routed to the ${route}, not to one broker`);
  }

  async describeCluster(): Promise<ClusterDescription> {
    return this.#core.retry('describeCluster', async () => {
      const connection = await this.#connectionFor(API.DescribeCluster);
      if (connection.supports(API.DescribeCluster)) {
        const response = await connection.request(API.DescribeCluster, API.DescribeCluster.createRequest());
        const error = KafkaError.fromCode(response.errorCode, { brokerMessage: response.errorMessage });
        if (error !== null) throw error;
        return {
          clusterId: response.clusterId,
          controllerId: response.controllerId,
          brokers: response.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })),
        };
      }
      await this.#core.metadata.refresh([]);
      const m = this.#core.metadata;
      return { clusterId: m.clusterId, controllerId: m.controllerId, brokers: [...m.brokers.values()] };
    });
  }

  /** Topic names, sorted; internal topics (__consumer_offsets, ...) only when asked. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    await this.#core.retry('listTopics', () => this.#core.metadata.refresh(null, false));
    return [...this.#core.metadata.topics.values()]
      .filter((t) => options.includeInternal || !t.isInternal)
      .map((t) => t.name)
      .sort();
  }

  /** Partitions, leaders and replicas of topics; UNKNOWN_TOPIC_OR_PARTITION for a missing one. */
  async describeTopics(names: readonly string[]): Promise<TopicInfo[]> {
    return this.#core.retry('describeTopics', async () => {
      await this.#core.metadata.refresh(names, false);
      const errors: KafkaError[] = [];
      const out: TopicInfo[] = [];
      for (const name of names) {
        try {
          out.push(await this.#core.metadata.topic(name));
        } catch (err) {
          if (err instanceof KafkaError) errors.push(err);
          else throw err;
        }
      }
      if (errors.length > 0) throw KafkaError.collect(errors, 'describeTopics failed');
      return out;
    }, FINAL_UNKNOWN_TOPIC);
  }

  async createTopics(topics: readonly NewTopic[], options: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<CreatedTopic[]> {
    const created: CreatedTopic[] = [];
    let todo = [...topics];
    await this.#core.retry('createTopics', async () => {
      const connection = await this.#connectionFor(API.CreateTopics);
      const body = API.CreateTopics.createRequest();
      body.timeoutMs = options.timeoutMs ?? 30_000;
      body.validateOnly = options.validateOnly ?? false;
      body.topics = todo.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      }));
      const response = await connection.request(API.CreateTopics, body);
      const errors: KafkaError[] = [];
      const retry: NewTopic[] = [];
      for (const r of response.topics) {
        const error = KafkaError.fromCode(r.errorCode, { topic: r.name, brokerMessage: r.errorMessage });
        if (error === null) {
          created.push({ name: r.name, topicId: r.topicId, numPartitions: r.numPartitions, replicationFactor: r.replicationFactor });
        } else {
          errors.push(error);
          if (error.retriable) retry.push(todo.find((t) => t.name === r.name)!);
        }
      }
      if (errors.length > 0) {
        todo = retry;
        const error = KafkaError.collect(errors, 'createTopics failed');
        // Retry only when every failure may pass on a second try.
        throw error;
      }
    });
    this.#core.metadata.markStale();
    return created;
  }

  async deleteTopics(names: readonly string[], options: { timeoutMs?: number } = {}): Promise<void> {
    let todo = [...names];
    await this.#core.retry('deleteTopics', async () => {
      const connection = await this.#connectionFor(API.DeleteTopics);
      const body = API.DeleteTopics.createRequest();
      body.timeoutMs = options.timeoutMs ?? 30_000;
      body.topicNames = todo;
      body.topics = todo.map((name) => ({ name, topicId: ZERO_UUID }));
      const response = await connection.request(API.DeleteTopics, body);
      const errors: KafkaError[] = [];
      const retry: string[] = [];
      for (const r of response.responses) {
        const error = KafkaError.fromCode(r.errorCode, { topic: r.name ?? r.topicId, brokerMessage: r.errorMessage });
        if (error !== null) {
          errors.push(error);
          if (error.retriable && r.name !== null) retry.push(r.name);
        }
      }
      if (errors.length > 0) {
        todo = retry;
        throw KafkaError.collect(errors, 'deleteTopics failed');
      }
    }, FINAL_UNKNOWN_TOPIC);
    this.#core.metadata.markStale();
  }

  /** Raises topics' partition counts (CreatePartitions). */
  async createPartitions(changes: readonly { topic: string; count: number }[], options: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<void> {
    await this.#core.retry('createPartitions', async () => {
      const connection = await this.#connectionFor(API.CreatePartitions);
      const body = API.CreatePartitions.createRequest();
      body.timeoutMs = options.timeoutMs ?? 30_000;
      body.validateOnly = options.validateOnly ?? false;
      body.topics = changes.map((c) => ({ name: c.topic, count: c.count, assignments: null }));
      const response = await connection.request(API.CreatePartitions, body);
      const errors = response.results
        .map((r) => KafkaError.fromCode(r.errorCode, { topic: r.name, brokerMessage: r.errorMessage }))
        .filter((e) => e !== null);
      if (errors.length > 0) throw KafkaError.collect(errors, 'createPartitions failed');
    }, FINAL_UNKNOWN_TOPIC);
    this.#core.metadata.markStale();
  }

  /** Config entries of topics or brokers (DescribeConfigs); `names` limits the keys. */
  async describeConfigs(resource: ConfigResource, names?: readonly string[]): Promise<ConfigEntry[]> {
    return this.#core.retry('describeConfigs', async () => {
      const connection = await this.#configConnection(resource);
      const body = API.DescribeConfigs.createRequest();
      body.resources = [{ resourceType: RESOURCE_TYPE[resource.type], resourceName: resource.name, configurationKeys: names === undefined ? null : [...names] }];
      const response = await connection.request(API.DescribeConfigs, body);
      const result = response.results[0];
      if (result === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'DescribeConfigs answered no resource');
      const error = KafkaError.fromCode(result.errorCode, { topic: resource.name, brokerMessage: result.errorMessage });
      if (error !== null) throw error;
      return result.configs.map(toConfigEntry).sort((a, b) => a.name.localeCompare(b.name));
    }, FINAL_UNKNOWN_TOPIC);
  }

  /** Changes configs of a topic or broker (IncrementalAlterConfigs). */
  async alterConfigs(resource: ConfigResource, changes: readonly ConfigChange[], options: { validateOnly?: boolean } = {}): Promise<void> {
    await this.#core.retry('alterConfigs', async () => {
      const connection = await this.#configConnection(resource);
      const body = API.IncrementalAlterConfigs.createRequest();
      body.validateOnly = options.validateOnly ?? false;
      body.resources = [
        {
          resourceType: RESOURCE_TYPE[resource.type],
          resourceName: resource.name,
          configs: changes.map((c) => ({ name: c.name, configOperation: CONFIG_OPERATIONS[c.op ?? 'set'], value: c.value ?? null })),
        },
      ];
      const response = await connection.request(API.IncrementalAlterConfigs, body);
      const errors = response.responses
        .map((r) => KafkaError.fromCode(r.errorCode, { topic: r.resourceName, brokerMessage: r.errorMessage }))
        .filter((e) => e !== null);
      if (errors.length > 0) throw KafkaError.collect(errors, 'alterConfigs failed');
    }, FINAL_UNKNOWN_TOPIC);
  }

  /** Broker configs go to that broker; topic configs to any broker. */
  async #configConnection(resource: ConfigResource) {
    if (resource.type === 'broker' && resource.name !== '') return this.#core.metadata.connection(Number(resource.name));
    return this.#core.metadata.anyConnection();
  }

  /** Deletes records before the given offsets (DeleteRecords); returns the new low watermarks. */
  async deleteRecords(topic: string, partitions: readonly { partition: number; offset: number }[], options: { timeoutMs?: number } = {}): Promise<{ partition: number; lowWatermark: number }[]> {
    const out = new Map<number, number>();
    await this.#core.retry('deleteRecords', async () => {
      const byLeader = new Map<number, { partition: number; offset: number }[]>();
      for (const p of partitions) {
        if (out.has(p.partition)) continue;
        const leader = await this.#core.metadata.leaderFor(topic, p.partition);
        let list = byLeader.get(leader.nodeId);
        if (list === undefined) byLeader.set(leader.nodeId, (list = []));
        list.push(p);
      }
      const errors: KafkaError[] = [];
      await Promise.all(
        [...byLeader].map(async ([nodeId, list]) => {
          const connection = await this.#core.metadata.connection(nodeId);
          const body = API.DeleteRecords.createRequest();
          body.timeoutMs = options.timeoutMs ?? 30_000;
          body.topics = [{ name: topic, partitions: list.map((p) => ({ partitionIndex: p.partition, offset: BigInt(p.offset) })) }];
          const response = await connection.request(API.DeleteRecords, body);
          for (const t of response.topics) {
            for (const p of t.partitions) {
              const error = KafkaError.fromCode(p.errorCode, { topic: t.name, partition: p.partitionIndex });
              if (error !== null) errors.push(error);
              else out.set(p.partitionIndex, Number(p.lowWatermark));
            }
          }
        }),
      );
      if (errors.length > 0) throw KafkaError.collect(errors, 'deleteRecords failed');
    }, FINAL_UNKNOWN_TOPIC);
    return [...out].map(([partition, lowWatermark]) => ({ partition, lowWatermark })).sort((a, b) => a.partition - b.partition);
  }

  /** Offsets of every partition of a topic: earliest, latest, max-timestamp or for a timestamp. */
  async listOffsets(topic: string, spec: OffsetSpec = 'latest', isolationLevel: 'read_uncommitted' | 'read_committed' = 'read_uncommitted'): Promise<PartitionOffset[]> {
    const info = (await this.describeTopics([topic]))[0]!;
    return listOffsets(
      this.#core,
      info.partitions.map((p) => ({ topic, partition: p.partition, spec })),
      isolationLevel === 'read_committed' ? 1 : 0,
      true,
    );
  }

  /** Groups known to the cluster (ListGroups on every broker). */
  async listGroups(): Promise<ListedGroup[]> {
    return this.#core.retry('listGroups', async () => {
      await this.#core.metadata.refresh([]);
      const out: ListedGroup[] = [];
      for (const broker of this.#core.metadata.brokers.values()) {
        const connection = await this.#core.metadata.connection(broker.nodeId);
        const response = await connection.request(API.ListGroups, API.ListGroups.createRequest());
        const error = KafkaError.fromCode(response.errorCode);
        if (error !== null) throw error;
        for (const g of response.groups) out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType });
      }
      return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
    });
  }

  /** The coordinator of a group (FindCoordinator). */
  #coordinator(groupId: string): Promise<Connection> {
    return findCoordinator(this.#core, groupId, COORDINATOR_GROUP);
  }

  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    const out: GroupDescription[] = [];
    for (const groupId of groupIds) {
      out.push(
        await this.#core.retry('describeGroups', async () => {
          const connection = await this.#coordinator(groupId);
          // A KIP-848 group first (members, assignments and assignor as the coordinator
          // holds them), as Java's admin does; a classic or unknown group answers
          // GROUP_ID_NOT_FOUND there and is asked with DescribeGroups.
          if (connection.supports(API.ConsumerGroupDescribe)) {
            const request = API.ConsumerGroupDescribe.createRequest();
            request.groupIds = [groupId];
            const described = (await connection.request(API.ConsumerGroupDescribe, request)).groups[0];
            if (described !== undefined && described.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND) {
              const error = KafkaError.fromCode(described.errorCode, { brokerMessage: described.errorMessage });
              if (error !== null) throw error;
              return {
                groupId: described.groupId,
                state: described.groupState,
                protocolType: 'consumer',
                protocol: described.assignorName,
                members: described.members.map((m) => ({
                  memberId: m.memberId,
                  groupInstanceId: m.instanceId,
                  clientId: m.clientId,
                  clientHost: m.clientHost,
                  assignment: m.assignment.topicPartitions.map((tp) => ({ topic: tp.topicName, partitions: [...tp.partitions].sort((a, b) => a - b) })),
                })),
              };
            }
          }
          const body = API.DescribeGroups.createRequest();
          body.groups = [groupId];
          const response = await connection.request(API.DescribeGroups, body);
          const g = response.groups[0];
          if (g === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'DescribeGroups answered no group');
          const error = KafkaError.fromCode(g.errorCode, { brokerMessage: g.errorMessage });
          if (error !== null) throw error;
          return {
            groupId: g.groupId,
            state: g.groupState,
            protocolType: g.protocolType,
            protocol: g.protocolData,
            members: g.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              assignment: g.protocolType === 'consumer' ? decodeAssignmentTopics(m.memberAssignment) : [],
            })),
          };
        }),
      );
    }
    return out;
  }

  /** A group's committed offsets (OffsetFetch), for every partition it has committed. */
  async listGroupOffsets(groupId: string): Promise<GroupOffset[]> {
    return this.#core.retry('listGroupOffsets', async () => {
      const connection = await this.#coordinator(groupId);
      const version = connection.versionFor(API.OffsetFetch);
      const body = API.OffsetFetch.createRequest();
      if (version >= 8) body.groups = [{ groupId, memberId: null, memberEpoch: -1, topics: null }];
      else {
        body.groupId = groupId;
        body.topics = null;
      }
      const response = await connection.request(API.OffsetFetch, body);
      const out: GroupOffset[] = [];
      if (version >= 8) {
        const g = response.groups[0];
        if (g === undefined) return out;
        const error = KafkaError.fromCode(g.errorCode);
        if (error !== null) throw error;
        if (version >= 10 && g.topics.some((t) => t.name === '')) await this.#core.metadata.refresh(null, false);
        for (const t of g.topics) {
          const topic = t.name !== '' ? t.name : (this.#core.metadata.topicName(t.topicId) ?? t.topicId);
          for (const p of t.partitions) out.push({ topic, partition: p.partitionIndex, offset: Number(p.committedOffset), metadata: p.metadata });
        }
      } else {
        const error = KafkaError.fromCode(response.errorCode);
        if (error !== null) throw error;
        for (const t of response.topics) for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset), metadata: p.metadata });
      }
      return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    });
  }

  /**
   * Sets a group's committed offsets (OffsetCommit outside any generation), as Kafka's
   * reset-offsets tool does; the group must have no active members.
   */
  async alterGroupOffsets(groupId: string, offsets: readonly GroupOffset[] | readonly { topic: string; partition: number; offset: number }[]): Promise<void> {
    await this.#core.retry('alterGroupOffsets', async () => {
      const connection = await this.#coordinator(groupId);
      const version = connection.versionFor(API.OffsetCommit);
      const byTopic = new Map<string, { partition: number; offset: number }[]>();
      for (const o of offsets) {
        let l = byTopic.get(o.topic);
        if (l === undefined) byTopic.set(o.topic, (l = []));
        l.push(o);
      }
      const body = API.OffsetCommit.createRequest();
      body.groupId = groupId;
      body.generationIdOrMemberEpoch = -1;
      body.memberId = '';
      body.topics = [];
      for (const [name, list] of byTopic) {
        const topicId = version >= 10 ? (await this.#core.metadata.topic(name)).topicId : ZERO_UUID;
        body.topics.push({
          name,
          topicId,
          partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), commitTimestamp: -1n, committedLeaderEpoch: -1, committedMetadata: null })),
        });
      }
      const response = await connection.request(API.OffsetCommit, body);
      const errors: KafkaError[] = [];
      for (const t of response.topics) {
        for (const p of t.partitions) {
          const e = KafkaError.fromCode(p.errorCode, { topic: t.name || undefined, partition: p.partitionIndex });
          if (e !== null) errors.push(e);
        }
      }
      if (errors.length > 0) throw KafkaError.collect(errors, `could not set the offsets of group ${groupId}`);
    }, FINAL_UNKNOWN_TOPIC);
  }

  /** Deletes empty groups (DeleteGroups). */
  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    for (const groupId of groupIds) {
      await this.#core.retry('deleteGroups', async () => {
        const connection = await this.#coordinator(groupId);
        const body = API.DeleteGroups.createRequest();
        body.groupsNames = [groupId];
        const response = await connection.request(API.DeleteGroups, body);
        const errors = response.results.map((r) => KafkaError.fromCode(r.errorCode)).filter((e) => e !== null);
        if (errors.length > 0) throw KafkaError.collect(errors, 'deleteGroups failed');
      });
    }
  }
}

const FINAL_UNKNOWN_TOPIC = { final: unknownTopic };

function toConfigEntry(c: DescribeConfigsResourceResult): ConfigEntry {
  return {
    name: c.name,
    value: c.value,
    source: CONFIG_SOURCES[c.configSource] ?? (c.isDefault ? 'DEFAULT_CONFIG' : 'UNKNOWN'),
    isDefault: c.isDefault || c.configSource === 5,
    readOnly: c.readOnly,
    isSensitive: c.isSensitive,
  };
}

/** The topics and partitions of a ConsumerProtocolAssignment (version, [topic, [partition]], userData). */
export function decodeAssignmentTopics(bytes: Buffer): { topic: string; partitions: number[] }[] {
  if (bytes.length < 6) return [];
  try {
    let at = 2;
    const count = bytes.readInt32BE(at);
    at += 4;
    const out: { topic: string; partitions: number[] }[] = [];
    for (let i = 0; i < count; i++) {
      const len = bytes.readInt16BE(at);
      at += 2;
      const topic = bytes.toString('utf8', at, at + len);
      at += len;
      const n = bytes.readInt32BE(at);
      at += 4;
      const partitions: number[] = [];
      for (let j = 0; j < n; j++, at += 4) partitions.push(bytes.readInt32BE(at));
      out.push({ topic, partitions });
    }
    return out;
  } catch {
    return [];
  }
}
