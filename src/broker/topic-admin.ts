// Creating and deleting topics, with Kafka's validation and error codes. CreateTopics and
// Metadata's auto-creation (auto.create.topics.enable) both go through createTopic, so a
// topic is checked the same way however it comes to exist.

import { ErrorCode } from '../protocol/index.ts';
import { validateTopicName, type TopicMetadata } from '../storage/index.ts';
import type { Broker } from './broker.ts';
import { TOPIC_CONFIG_BY_NAME, checkConfigValue } from './config/definitions.ts';
import { groupCoordinator, shareCoordinator } from './handlers/group-component.ts';

export interface TopicSpec {
  name: string;
  /** -1 for the broker's num.partitions. */
  numPartitions: number;
  /** -1 for the broker's default.replication.factor. */
  replicationFactor: number;
  /** Explicit replica assignment by partition; empty when not given. */
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

export type CreateTopicResult =
  | { errorCode: 0; errorMessage: null; topic: TopicMetadata; numPartitions: number; replicationFactor: number; configs: Record<string, string> }
  | { errorCode: number; errorMessage: string; topic?: undefined };

const fail = (errorCode: number, errorMessage: string): CreateTopicResult => ({ errorCode, errorMessage });

/**
 * Kafka's controller writes at most this many metadata records for one request
 * (QuorumController.MAX_RECORDS_PER_USER_OP) and refuses a larger one whole with
 * POLICY_VIOLATION, so that one request cannot make a broker create a million partitions.
 */
export const MAX_RECORDS_PER_USER_OP = 10_000;
export const EXCESSIVE_BATCH_MESSAGE = 'Unable to perform excessively large batch operation.';

/** The metadata records creating a topic writes: the topic, its partitions and its configs. */
export function topicRecords(broker: Broker, spec: TopicSpec): number {
  const partitions = spec.assignments.length > 0 ? spec.assignments.length : spec.numPartitions === -1 ? broker.config.number('num.partitions') : Math.max(spec.numPartitions, 0);
  return 1 + partitions + spec.configs.length;
}

/** A topic that passed checkTopic: what it will be created with. */
interface CheckedTopic {
  readonly checked: true;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configs: Record<string, string>;
}

/** Kafka's checks of a topic to create, in Kafka's order; the counts and configs it would get. */
function checkTopic(broker: Broker, spec: TopicSpec): CheckedTopic | CreateTopicResult {
  const nameProblem = validateTopicName(spec.name);
  if (nameProblem) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  if (topicRecords(broker, spec) > MAX_RECORDS_PER_USER_OP) return fail(ErrorCode.POLICY_VIOLATION, EXCESSIVE_BATCH_MESSAGE);
  if (broker.logs.topic(spec.name) || broker.logs.topicsBeingCreated.has(spec.name)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
  const collision = findCollision(broker, spec.name);
  if (collision) {
    return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${spec.name}' collides with existing topic: ${collision}`);
  }

  let numPartitions: number;
  let replicationFactor: number;
  if (spec.assignments.length > 0) {
    if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
      return fail(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
    }
    const sorted = [...spec.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i]!;
      if (a.partitionIndex !== i) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence');
      }
      if (a.brokerIds.length === 0 || new Set(a.brokerIds).size !== a.brokerIds.length) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Invalid replica assignment for partition ${i}: ${a.brokerIds.join(',')}`);
      }
      const unknown = a.brokerIds.find((id) => id !== broker.nodeId);
      if (unknown !== undefined) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${unknown}, but no such broker is registered.`);
      }
    }
    numPartitions = sorted.length;
    replicationFactor = sorted[0]!.brokerIds.length;
  } else {
    numPartitions = spec.numPartitions === -1 ? broker.config.number('num.partitions') : spec.numPartitions;
    replicationFactor = spec.replicationFactor === -1 ? broker.config.number('default.replication.factor') : spec.replicationFactor;
    if (numPartitions <= 0) return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
    if (replicationFactor <= 0) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
    const brokers = 1;
    if (replicationFactor > brokers) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${brokers} broker(s) are registered.`,
      );
    }
  }

  const configs: Record<string, string> = {};
  for (const { name, value } of spec.configs) {
    const d = TOPIC_CONFIG_BY_NAME.get(name);
    if (!d) return fail(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
    if (value === null) return fail(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${name}`);
    const problem = checkConfigValue(d, value);
    if (problem) return fail(ErrorCode.INVALID_CONFIG, problem);
    configs[name] = value;
  }

  return { checked: true, numPartitions, replicationFactor, configs };
}

/** Validates a topic and, unless validateOnly, creates it (at once: Metadata's auto-creation). */
export function createTopic(broker: Broker, spec: TopicSpec, validateOnly = false): CreateTopicResult {
  const checked = checkTopic(broker, spec);
  if (!('checked' in checked)) return checked;
  const { numPartitions, replicationFactor, configs } = checked;
  const topic = validateOnly ? { name: spec.name, topicId: '', partitions: numPartitions, configs } : created(broker, broker.logs.createTopic(spec.name, { partitions: numPartitions, configs }));
  return { errorCode: 0, errorMessage: null, topic, numPartitions, replicationFactor, configs };
}

/** The pause between slices of partitions made or deleted: the event loop serves what is waiting (setImmediate). */
export const letOthersRun = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Validates and creates a topic a slice of partitions at a time, letting the event loop serve
 * other clients in between (CreateTopics: a topic of 1,000 partitions held it for 80-770 ms).
 */
export async function createTopicGradually(broker: Broker, spec: TopicSpec): Promise<CreateTopicResult> {
  const checked = checkTopic(broker, spec);
  if (!('checked' in checked)) return checked;
  const { numPartitions, replicationFactor, configs } = checked;
  const topic = await broker.logs.createTopicGradually(spec.name, { partitions: numPartitions, configs }, letOthersRun);
  return { errorCode: 0, errorMessage: null, topic: created(broker, topic), numPartitions, replicationFactor, configs };
}

function created(broker: Broker, topic: TopicMetadata): TopicMetadata {
  broker.logger.info(`created topic ${topic.name}`, { partitions: topic.partitions, topicId: topic.topicId });
  return topic;
}

/**
 * Kafka refuses topics whose names differ only in '.' versus '_', because both map to the
 * same metric names.
 */
function findCollision(broker: Broker, name: string): string | undefined {
  const key = name.replaceAll('.', '_');
  for (const other of [...broker.logs.topics().map((t) => t.name), ...broker.logs.topicsBeingCreated]) {
    if (other !== name && other.replaceAll('.', '_') === key) return other;
  }
  return undefined;
}

/** A topic config's effective value: the topic's override, else the broker default. */
export function topicConfigValue(broker: Broker, topic: TopicMetadata, name: string): string | null {
  return topic.configs[name] ?? broker.config.topicDefault(name);
}

export function topicConfigNumber(broker: Broker, topic: TopicMetadata, name: string): number {
  return Number(topicConfigValue(broker, topic, name));
}

/**
 * After a topic's logs are deleted: what the coordinators keep about its partitions goes at
 * once, as Kafka's onPartitionsDeleted does (committed offsets get tombstones in
 * __consumer_offsets; share-partition state is deleted from __share_group_state).
 */
export function topicDeleted(broker: Broker, topic: TopicMetadata): void {
  groupCoordinator(broker).onTopicDeleted(topic.name);
  shareCoordinator(broker).onTopicDeleted(topic.topicId);
}
