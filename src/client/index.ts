// The client's public surface: producer, consumer, admin, the KafkaError class and the
// diagnostics channels. It depends on src/protocol only, so it works against any Kafka broker.

export { KafkaError, isKafkaError, type KafkaErrorOptions } from './errors.ts';
export { channels as clientChannels } from './diagnostics.ts';
export { DEFAULT_BOOTSTRAP, type ClientOptions } from './client.ts';
export { Connection, commonVersions, type ConnectionOptions, type RequestOptions, type VersionRange } from './connection.ts';
export { parseBootstrap, type BrokerAddress } from './pool.ts';
export { ROUTES, routeOf, type Route } from './routing.ts';
export type { SaslMechanism, SaslOptions } from './sasl.ts';
export type { BrokerInfo, PartitionInfo, TopicInfo } from './metadata.ts';
export type { OffsetSpec, PartitionOffset } from './offsets.ts';
export {
  Admin,
  RESOURCE_TYPE,
  type AdminOptions,
  type ClusterDescription,
  type ConfigChange,
  type ConfigEntry,
  type ConfigOperation,
  type ConfigResource,
  type CreatedTopic,
  type GroupDescription,
  type GroupMember,
  type GroupOffset,
  type ListedGroup,
  type NewTopic,
  type ResourceType,
} from './admin/admin.ts';
export {
  ACL_OPERATIONS,
  ACL_PATTERN_TYPES,
  ACL_PERMISSIONS,
  ACL_RESOURCE_TYPES,
  type AclBinding,
  type AclFilter,
  type AclOperation,
  type AclPatternType,
  type AclPermission,
  type AclResourceType,
  type ScramChange,
  type ScramMechanism,
  type ScramUser,
} from './admin/security.ts';
export {
  Producer,
  type Acks,
  type HeaderValue,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
} from './producer/producer.ts';
export type { ConsumerGroupMetadata, TransactionOffset, TransactionState } from './producer/transactions.ts';
export { consistentPartitionForKey, murmur2, partitionForKey, type Partitioner, type PartitionerContext, type PartitionerName } from './producer/partitioner.ts';
export {
  Consumer,
  type Assignment,
  type ConsumerOptions,
  type ConsumerRecord,
  type RecordBatchInfo,
  type StartOffset,
  type TopicPartition,
} from './consumer/consumer.ts';
export {
  cooperativeStickyAssignor,
  rangeAssignor,
  roundRobinAssignor,
  type Assignor,
  type GroupAssignment,
  type GroupSubscriber,
} from './consumer/assignors.ts';
export type { CommitOffset, GroupOptions } from './consumer/group.ts';
