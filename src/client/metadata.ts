// The client's view of the cluster: brokers, and for each topic it has asked about, the
// partitions with their leaders. Refreshed on demand (a topic not yet known), when an error
// says the view is stale (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION,
// LEADER_NOT_AVAILABLE, ...: KafkaError.staleMetadata), and past metadata.max.age.ms.
// Concurrent refreshes share one request.

import { API, ErrorCode, ZERO_UUID, type MetadataResponse } from '../protocol/index.ts';
import type { Connection } from './connection.ts';
import { channels, publish } from './diagnostics.ts';
import { KafkaError } from './errors.ts';
import type { BrokerAddress, ConnectionPool } from './pool.ts';

export interface BrokerInfo extends BrokerAddress {
  nodeId: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionInfo[];
}

export interface MetadataOptions {
  /** Ask the broker to create topics that do not exist (auto.create.topics.enable). */
  allowAutoTopicCreation: boolean;
  maxAgeMs: number;
}

export class Metadata {
  readonly #pool: ConnectionPool;
  readonly #options: MetadataOptions;
  brokers = new Map<number, BrokerInfo>();
  topics = new Map<string, TopicInfo>();
  clusterId: string | null = null;
  controllerId = -1;
  #topicNamesById = new Map<string, string>();
  #updatedAt = 0;
  #stale = true;
  #inflight: Promise<void> | undefined;
  #inflightTopics: Set<string> | null = null;

  constructor(pool: ConnectionPool, options: MetadataOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  /** The next lookups refresh first. */
  markStale(): void {
    this.#stale = true;
  }

  get isStale(): boolean {
    return this.#stale || performance.now() - this.#updatedAt > this.#options.maxAgeMs;
  }

  topicName(topicId: string): string | undefined {
    return this.#topicNamesById.get(topicId);
  }

  /**
   * Refreshes brokers and the given topics (null: every topic). Topic errors are recorded in
   * the view, not thrown; `topic()` reports them.
   */
  async refresh(topics: readonly string[] | null, allowAutoTopicCreation = this.#options.allowAutoTopicCreation): Promise<void> {
    const inflight = this.#inflight;
    if (inflight !== undefined) {
      const covered = this.#inflightTopics === null || (topics !== null && topics.every((t) => this.#inflightTopics!.has(t)));
      await inflight;
      if (covered) return;
    }
    const request = this.#fetch(topics, allowAutoTopicCreation);
    this.#inflight = request;
    this.#inflightTopics = topics === null ? null : new Set(topics);
    try {
      await request;
    } finally {
      if (this.#inflight === request) this.#inflight = undefined;
    }
  }

  async #fetch(topics: readonly string[] | null, allowAutoTopicCreation: boolean): Promise<void> {
    const connection = await this.anyConnection();
    const body = API.Metadata.createRequest();
    body.topics = topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name }));
    body.allowAutoTopicCreation = allowAutoTopicCreation;
    const version = connection.versionFor(API.Metadata);
    // v0 reads an empty list as "all topics"; an empty list must stay empty.
    if (topics !== null && topics.length === 0 && version === 0) return;
    const response = await connection.request(API.Metadata, body);
    this.#apply(response, topics === null);
  }

  #apply(response: MetadataResponse, all: boolean): void {
    const topLevel = KafkaError.fromCode(response.errorCode);
    if (topLevel !== null) throw topLevel;
    this.brokers = new Map(response.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }]));
    this.clusterId = response.clusterId;
    this.controllerId = response.controllerId;
    if (all) this.topics.clear();
    for (const t of response.topics) {
      if (t.name === null) continue;
      if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || t.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION) {
        this.topics.delete(t.name);
        this.#errors.set(t.name, t.errorCode);
        continue;
      }
      if (t.errorCode !== ErrorCode.NONE) {
        // LEADER_NOT_AVAILABLE while a topic is being created, and the like: try again later.
        this.#errors.set(t.name, t.errorCode);
        this.topics.delete(t.name);
        continue;
      }
      this.#errors.delete(t.name);
      const partitions = t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
          errorCode: p.errorCode,
        }))
        .sort((a, b) => a.partition - b.partition);
      this.topics.set(t.name, { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions });
      if (t.topicId !== ZERO_UUID) this.#topicNamesById.set(t.topicId, t.name);
    }
    this.#updatedAt = performance.now();
    this.#stale = false;
    publish(channels.metadata, () => ({ brokers: [...this.brokers.values()], topics: response.topics.map((t) => t.name) }));
  }

  #errors = new Map<string, number>();

  /**
   * A topic's metadata, refreshing when it is unknown or the view is stale. Throws the
   * topic's error (UNKNOWN_TOPIC_OR_PARTITION when it does not exist).
   */
  async topic(name: string, options: { refresh?: boolean } = {}): Promise<TopicInfo> {
    if (options.refresh || this.isStale || !this.topics.has(name)) await this.refresh(this.#wanted(name));
    const info = this.topics.get(name);
    if (info !== undefined) return info;
    const code = this.#errors.get(name) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    throw new KafkaError(code, code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? `topic '${name}' does not exist` : undefined, { topic: name });
  }

  /** The topics to ask about: the known ones plus `name`, so a refresh keeps the whole view fresh. */
  #wanted(name: string): string[] {
    const set = new Set(this.topics.keys());
    set.add(name);
    return [...set];
  }

  /** The leader of a partition, or a retriable KafkaError when it has none or is unknown. */
  async leaderFor(topic: string, partition: number): Promise<BrokerInfo> {
    const info = await this.topic(topic);
    const p = info.partitions[partition];
    if (p === undefined || p.partition !== partition) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${topic}' has no partition ${partition}`, { topic, partition });
    }
    const broker = p.leader >= 0 ? this.brokers.get(p.leader) : undefined;
    if (broker === undefined) {
      this.markStale();
      throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, undefined, { topic, partition });
    }
    return broker;
  }

  /** The connection to a broker by node id. */
  async connection(nodeId: number): Promise<Connection> {
    let broker = this.brokers.get(nodeId);
    if (broker === undefined) {
      await this.refresh([...this.topics.keys()]);
      broker = this.brokers.get(nodeId);
    }
    if (broker === undefined) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`);
    return this.#pool.get(broker, nodeId);
  }

  /** A connection to some broker: a known one if any answers, else a bootstrap server. */
  async anyConnection(): Promise<Connection> {
    for (const broker of this.brokers.values()) {
      try {
        return await this.#pool.get(broker, broker.nodeId);
      } catch {
        // try the next, then the bootstrap servers
      }
    }
    return this.#pool.bootstrap();
  }

  /** A connection to the controller (for admin requests that need it), or any broker. */
  async controllerConnection(): Promise<Connection> {
    if (this.controllerId < 0 || !this.brokers.has(this.controllerId)) await this.refresh([...this.topics.keys()]);
    if (this.controllerId >= 0 && this.brokers.has(this.controllerId)) return this.connection(this.controllerId);
    return this.anyConnection();
  }
}
