// Broker and topic configuration definitions, with Kafka's names, types and defaults.
// One table serves parsing server.properties, validating CreateTopics configs, and
// (issue 4) DescribeConfigs with synonyms. Topic configs name the broker config that
// supplies their default (their synonym), as Kafka's LogConfig does.

export type ConfigType = 'boolean' | 'short' | 'int' | 'long' | 'double' | 'string' | 'list' | 'password' | 'class';

export interface ConfigDefinition {
  readonly name: string;
  readonly type: ConfigType;
  /** The default as Kafka prints it; null where Kafka has none. */
  readonly default: string | null;
  readonly doc: string;
  /** Inclusive lower bound for numbers. */
  readonly min?: number;
  /** Allowed values for strings and lists (each element, for lists). */
  readonly oneOf?: readonly string[];
}

/** DescribeConfigs' ConfigType ids (v3+). */
export const CONFIG_TYPE_ID: Readonly<Record<ConfigType, number>> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
};

const LONG_MAX = '9223372036854775807';
const def = (
  name: string,
  type: ConfigType,
  dflt: string | null,
  doc: string,
  extra: Partial<Pick<ConfigDefinition, 'min' | 'oneOf'>> = {},
): ConfigDefinition => ({ name, type, default: dflt, doc, ...extra });

export const BROKER_CONFIGS: readonly ConfigDefinition[] = [
  def('node.id', 'int', '1', 'The node id of this broker.', { min: 0 }),
  def('broker.id', 'int', '-1', 'Alias of node.id kept for older configurations.'),
  def('listeners', 'list', 'PLAINTEXT://127.0.0.1:9092', 'Comma-separated listener URIs.'),
  def('advertised.listeners', 'list', null, 'Listeners published to clients, when they differ from listeners.'),
  def('log.dirs', 'list', null, 'Directories in which the log data is kept (Runnel uses the first).'),
  def('log.dir', 'string', './runnel-data', 'The directory in which the log data is kept (supplemental for log.dirs).'),
  def('num.partitions', 'int', '1', 'The default number of log partitions per topic.', { min: 1 }),
  def('default.replication.factor', 'int', '1', 'The replication factor for automatically created topics.', { min: 1 }),
  def('auto.create.topics.enable', 'boolean', 'true', 'Enable auto creation of topic on the server.'),
  def('delete.topic.enable', 'boolean', 'true', 'Enables topic deletion.'),
  def('message.max.bytes', 'int', '1048588', 'The largest record batch size allowed (after compression).', { min: 0 }),
  def('fetch.max.bytes', 'int', '57671680', 'The maximum number of bytes returned for a fetch request.', { min: 1024 }),
  def('socket.request.max.bytes', 'int', '104857600', 'The maximum number of bytes in a socket request.', { min: 1 }),
  def('log.segment.bytes', 'int', '1073741824', 'The maximum size of a single log file.', { min: 14 }),
  def('log.roll.ms', 'long', null, 'The maximum time before a new log segment is rolled out (in milliseconds).'),
  def('log.roll.hours', 'int', '168', 'The maximum time before a new log segment is rolled out (in hours).', { min: 1 }),
  def('log.roll.jitter.ms', 'long', null, 'The maximum jitter to subtract from logRollTimeMillis.'),
  def('log.roll.jitter.hours', 'int', '0', 'The maximum jitter to subtract from logRollTimeMillis (in hours).', { min: 0 }),
  def('log.index.interval.bytes', 'int', '4096', 'The interval with which we add an entry to the offset index.', { min: 0 }),
  def('log.index.size.max.bytes', 'int', '10485760', 'The maximum size in bytes of the offset index.', { min: 4 }),
  def('log.flush.interval.messages', 'long', LONG_MAX, 'Messages accumulated on a log partition before they are flushed to disk.', { min: 1 }),
  def('log.flush.interval.ms', 'long', null, 'Maximum time in ms that a message is kept in memory before it is flushed to disk.'),
  def('log.flush.scheduler.interval.ms', 'long', LONG_MAX, 'How often the log flusher checks whether any log needs flushing.'),
  def('log.flush.offset.checkpoint.interval.ms', 'int', '60000', 'How often the recovery point is checkpointed.', { min: 0 }),
  def('log.flush.start.offset.checkpoint.interval.ms', 'int', '60000', 'How often the log start offset is checkpointed.', { min: 0 }),
  def('log.retention.ms', 'long', null, 'The number of milliseconds to keep a log file before deleting it.'),
  def('log.retention.minutes', 'int', null, 'The number of minutes to keep a log file before deleting it.'),
  def('log.retention.hours', 'int', '168', 'The number of hours to keep a log file before deleting it.'),
  def('log.retention.bytes', 'long', '-1', 'The maximum size of the log before deleting it.'),
  def('log.retention.check.interval.ms', 'long', '300000', 'How often the log cleaner checks whether any log is eligible for deletion.', { min: 1 }),
  def('log.cleanup.policy', 'list', 'delete', 'The default cleanup policy for segments beyond the retention window.', { oneOf: ['delete', 'compact'] }),
  def('log.segment.delete.delay.ms', 'long', '60000', 'The amount of time to wait before deleting a file from the filesystem.', { min: 0 }),
  def('log.cleaner.delete.retention.ms', 'long', '86400000', 'How long delete records (tombstones) are retained.', { min: 0 }),
  def('log.cleaner.min.compaction.lag.ms', 'long', '0', 'The minimum time a message will remain uncompacted in the log.', { min: 0 }),
  def('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX, 'The maximum time a message will remain ineligible for compaction.', { min: 1 }),
  def('log.cleaner.min.cleanable.ratio', 'double', '0.5', 'The minimum ratio of dirty log to total log for a log to be eligible for cleaning.', { min: 0 }),
  def('log.message.timestamp.type', 'string', 'CreateTime', 'Whether the timestamp in the message is create time or log append time.', { oneOf: ['CreateTime', 'LogAppendTime'] }),
  def('log.message.timestamp.before.max.ms', 'long', LONG_MAX, 'The maximum difference allowed between the broker timestamp and an earlier message timestamp.', { min: 0 }),
  def('log.message.timestamp.after.max.ms', 'long', '3600000', 'The maximum difference allowed between a later message timestamp and the broker timestamp.', { min: 0 }),
  def('log.preallocate', 'boolean', 'false', 'Whether to preallocate the file when creating a new segment.'),
  def('compression.type', 'string', 'producer', 'The final compression type for a given topic.', { oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] }),
  def('min.insync.replicas', 'int', '1', 'The minimum number of replicas that must acknowledge a write when acks=all.', { min: 1 }),
  def('unclean.leader.election.enable', 'boolean', 'false', 'Whether replicas not in the ISR may be elected as leader as a last resort.'),
  def('offsets.topic.num.partitions', 'int', '50', 'The number of partitions for the offset commit topic.', { min: 1 }),
  def('offsets.topic.replication.factor', 'short', '3', 'The replication factor for the offsets topic.', { min: 1 }),
  def('connections.max.idle.ms', 'long', '600000', 'Idle connections timeout.'),
  def('log.cleaner.enable', 'boolean', 'true', 'Enable the log cleaner process to run on the server.'),
  def('log.cleaner.threads', 'int', '1', 'The number of background threads to use for log cleaning.', { min: 0 }),
  def('log.cleaner.backoff.ms', 'long', '15000', 'The amount of time to sleep when there are no logs to clean.', { min: 0 }),
  def('log.cleaner.dedupe.buffer.size', 'long', '134217728', 'The total memory used for log deduplication across all cleaner threads.'),
  // Group coordinator (classic, KIP-848 consumer and KIP-932 share groups).
  def('offsets.topic.segment.bytes', 'int', '104857600', 'The offsets topic segment bytes should be kept relatively small.', { min: 1 }),
  def('offsets.topic.compression.codec', 'int', '0', 'Compression codec for the offsets topic.'),
  def('offsets.retention.minutes', 'int', '10080', 'For subscribed consumers, committed offset of a specific partition will be expired and discarded after this period.', { min: 1 }),
  def('offsets.retention.check.interval.ms', 'long', '600000', 'Frequency at which to check for stale offsets.', { min: 1 }),
  def('offsets.commit.timeout.ms', 'int', '5000', 'Offset commit will be delayed until all replicas for the offsets topic receive the commit or this timeout is reached.', { min: 1 }),
  def('offset.metadata.max.bytes', 'int', '4096', 'The maximum size for a metadata entry associated with an offset commit.'),
  def('group.initial.rebalance.delay.ms', 'int', '3000', 'The amount of time the group coordinator will wait for more consumers to join a new group before performing the first rebalance.', { min: 0 }),
  def('group.min.session.timeout.ms', 'int', '6000', 'The minimum allowed session timeout for registered consumers.'),
  def('group.max.session.timeout.ms', 'int', '1800000', 'The maximum allowed session timeout for registered consumers.'),
  def('group.max.size', 'int', '2147483647', 'The maximum number of consumers that a single consumer group can accommodate.', { min: 1 }),
  def('group.coordinator.rebalance.protocols', 'list', 'classic,consumer,streams', 'The list of enabled rebalance protocols.', { oneOf: ['classic', 'consumer', 'share', 'streams'] }),
  def('group.consumer.session.timeout.ms', 'int', '45000', 'The timeout to detect client failures when using the consumer group protocol.', { min: 1 }),
  def('group.consumer.min.session.timeout.ms', 'int', '45000', 'The minimum allowed session timeout for registered consumers.', { min: 1 }),
  def('group.consumer.max.session.timeout.ms', 'int', '60000', 'The maximum allowed session timeout for registered consumers.', { min: 1 }),
  def('group.consumer.heartbeat.interval.ms', 'int', '5000', 'The heartbeat interval given to the members of a consumer group.', { min: 1 }),
  def('group.consumer.min.heartbeat.interval.ms', 'int', '5000', 'The minimum heartbeat interval for registered consumers.', { min: 1 }),
  def('group.consumer.max.heartbeat.interval.ms', 'int', '15000', 'The maximum heartbeat interval for registered consumers.', { min: 1 }),
  def('group.consumer.max.size', 'int', '2147483647', 'The maximum number of consumers that a single consumer group can accommodate.', { min: 1 }),
  def('group.consumer.assignors', 'list', 'uniform,range', 'The server-side assignors as a list of either names for builtin assignors or full class names for customer assignors.'),
  def('group.consumer.migration.policy', 'string', 'bidirectional', 'The config that enables converting the non-empty classic group using the consumer embedded protocol to the non-empty consumer group using the consumer group protocol and vice versa.', { oneOf: ['disabled', 'upgrade', 'downgrade', 'bidirectional'] }),
  def('group.share.session.timeout.ms', 'int', '45000', 'The timeout to detect client failures when using the share group protocol.', { min: 1 }),
  def('group.share.heartbeat.interval.ms', 'int', '5000', 'The heartbeat interval given to the members of a share group.', { min: 1 }),
  def('group.share.record.lock.duration.ms', 'int', '30000', 'The record acquisition lock duration in milliseconds for share groups.', { min: 1000 }),
  def('group.share.delivery.count.limit', 'int', '5', 'The maximum number of delivery attempts for a record delivered to a share group.', { min: 2 }),
  def('group.share.partition.max.record.locks', 'int', '2000', 'Share-group record lock limit per share-partition.', { min: 100 }),
  def('group.share.max.size', 'int', '200', 'The maximum number of members that a single share group can accommodate.', { min: 1 }),
  def('group.share.min.session.timeout.ms', 'int', '45000', 'The minimum allowed session timeout for share group members.', { min: 1 }),
  def('group.share.max.session.timeout.ms', 'int', '60000', 'The maximum allowed session timeout for share group members.', { min: 1 }),
  def('group.share.min.heartbeat.interval.ms', 'int', '5000', 'The minimum heartbeat interval for share group members.', { min: 1 }),
  def('group.share.max.heartbeat.interval.ms', 'int', '15000', 'The maximum heartbeat interval for share group members.', { min: 1 }),
  def('group.share.min.record.lock.duration.ms', 'int', '15000', 'The record acquisition lock minimum duration in milliseconds for share groups.', { min: 1000 }),
  def('group.share.max.record.lock.duration.ms', 'int', '60000', 'The record acquisition lock maximum duration in milliseconds for share groups.', { min: 1000 }),
  def('group.streams.session.timeout.ms', 'int', '45000', 'The timeout to detect client failures when using the streams group protocol.', { min: 1 }),
  def('group.streams.min.session.timeout.ms', 'int', '45000', 'The minimum allowed session timeout for streams group members.', { min: 1 }),
  def('group.streams.max.session.timeout.ms', 'int', '60000', 'The maximum allowed session timeout for streams group members.', { min: 1 }),
  def('group.streams.heartbeat.interval.ms', 'int', '5000', 'The heartbeat interval given to the members of a streams group.', { min: 1 }),
  def('group.streams.min.heartbeat.interval.ms', 'int', '5000', 'The minimum heartbeat interval for streams group members.', { min: 1 }),
  def('group.streams.max.heartbeat.interval.ms', 'int', '15000', 'The maximum heartbeat interval for streams group members.', { min: 1 }),
  def('group.streams.num.standby.replicas', 'int', '0', 'The number of standby replicas for each task.', { min: 0 }),
  def('group.streams.max.standby.replicas', 'int', '2', 'The maximum allowed value for the group-level configuration of streams.num.standby.replicas.', { min: 0 }),
  def('group.streams.initial.rebalance.delay.ms', 'int', '3000', 'The amount of time the group coordinator will wait for more streams clients to join a new group before performing the first rebalance.', { min: 0 }),
  // Share coordinator (KIP-932): share-partition state in __share_group_state.
  def('share.coordinator.state.topic.num.partitions', 'int', '50', 'The number of partitions for the share-group state topic (should not change after deployment).', { min: 1 }),
  def('share.coordinator.state.topic.replication.factor', 'short', '3', 'Replication factor for the share-group state topic.', { min: 1 }),
  def('share.coordinator.state.topic.segment.bytes', 'int', '104857600', 'The log segment size for the share-group state topic.', { min: 1 }),
  def('share.coordinator.snapshot.update.records.per.snapshot', 'int', '500', 'The number of update records the share coordinator writes between snapshot records.', { min: 0 }),
  // Producer ids and transactions (read by src/broker/handlers/txn.ts).
  def('producer.id.expiration.ms', 'int', '86400000', 'The time in ms that a topic partition leader will wait before expiring producer IDs.', { min: 1 }),
  def('producer.id.expiration.check.interval.ms', 'int', '600000', 'The interval at which to remove producer IDs that have expired due to producer.id.expiration.ms passing.', { min: 1 }),
  def('transactional.id.expiration.ms', 'int', '604800000', 'The time in ms that the transaction coordinator will wait without receiving any transaction status updates for the current transaction before expiring its transactional id.', { min: 1 }),
  def('transaction.max.timeout.ms', 'int', '900000', 'The maximum allowed timeout for transactions.', { min: 1 }),
  def('transaction.state.log.num.partitions', 'int', '50', 'The number of partitions for the transaction topic.', { min: 1 }),
  def('transaction.state.log.replication.factor', 'short', '3', 'The replication factor for the transaction topic.', { min: 1 }),
  def('transaction.state.log.min.isr', 'int', '2', 'The minimum number of replicas that must acknowledge a write to the transaction topic.', { min: 1 }),
  def('transaction.state.log.segment.bytes', 'int', '104857600', 'The transaction topic segment bytes should be kept relatively small.', { min: 1 }),
  def('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'int', '10000', 'The interval at which to rollback transactions that have timed out.', { min: 1 }),
  def('transaction.partition.verification.enable', 'boolean', 'true', 'Enable verification that checks that the partition has been added to the transaction before writing transactional records to the partition.'),
  def('transaction.remove.expired.transaction.cleanup.interval.ms', 'int', '3600000', 'The interval at which to remove transactions that have expired due to transactional.id.expiration.ms passing.', { min: 1 }),
  // Security (issue 6): listeners, TLS, SASL, connection limits. Per-listener values use
  // Kafka's prefix listener.name.<listener>.<key> (and listener.name.<listener>.<mechanism>.sasl.jaas.config).
  def('listener.security.protocol.map', 'string', 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT', 'Map between listener names and security protocols.'),
  def('inter.broker.listener.name', 'string', null, 'Name of listener used for communication between brokers.'),
  def('security.inter.broker.protocol', 'string', 'PLAINTEXT', 'Security protocol used to communicate between brokers.', { oneOf: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] }),
  def('ssl.keystore.type', 'string', null, 'The file format of the key store file: PEM or PKCS12 (Runnel reads no JKS); PEM when unset.'),
  def('ssl.keystore.location', 'string', null, 'The location of the key store file.'),
  def('ssl.keystore.password', 'password', null, 'The store password for the key store file (PKCS12).'),
  def('ssl.key.password', 'password', null, 'The password of the private key in the key store file or the PEM key in ssl.keystore.key.'),
  def('ssl.keystore.certificate.chain', 'password', null, 'Certificate chain in PEM format, with ssl.keystore.key.'),
  def('ssl.keystore.key', 'password', null, 'Private key in PEM format, with ssl.keystore.certificate.chain.'),
  def('ssl.truststore.type', 'string', null, 'The file format of the trust store file: PEM (Runnel reads no JKS).'),
  def('ssl.truststore.location', 'string', null, 'The location of the trust store file (PEM certificates).'),
  def('ssl.truststore.password', 'password', null, 'The password for the trust store file.'),
  def('ssl.truststore.certificates', 'password', null, 'Trusted certificates in PEM format.'),
  def('ssl.client.auth', 'string', 'none', 'Whether the broker requests or requires client authentication with a certificate.', { oneOf: ['required', 'requested', 'none'] }),
  def('ssl.enabled.protocols', 'list', 'TLSv1.2,TLSv1.3', 'The list of protocols enabled for TLS connections.'),
  def('ssl.protocol', 'string', 'TLSv1.3', 'The TLS protocol used to generate the SSLContext.'),
  def('ssl.endpoint.identification.algorithm', 'string', 'https', 'The endpoint identification algorithm to validate server hostname using server certificate.'),
  def('ssl.principal.mapping.rules', 'string', 'DEFAULT', 'A comma-separated list of rules for mapping from the distinguished name of the client certificate to a short name: DEFAULT, or RULE:pattern/replacement/[LU]; the first rule that matches is used, and a client no rule matches is refused.'),
  def('sasl.enabled.mechanisms', 'list', 'GSSAPI', 'The list of SASL mechanisms enabled in the Kafka server (Runnel serves PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER).'),
  def('sasl.oauthbearer.sub.claim.name', 'string', 'sub', 'The OAuth claim for the subject, passed to the OAUTHBEARER validator of the embedding application (the unsecured validator uses its JAAS option unsecuredValidatorPrincipalClaimName).'),
  def('sasl.oauthbearer.scope.claim.name', 'string', 'scope', 'The OAuth claim for the scope, passed to the OAUTHBEARER validator of the embedding application (the unsecured validator uses its JAAS option unsecuredValidatorScopeClaimName).'),
  def('sasl.mechanism.inter.broker.protocol', 'string', 'GSSAPI', 'SASL mechanism used for inter-broker communication.'),
  def('sasl.jaas.config', 'password', null, 'JAAS login context parameters for SASL connections in the format used by JAAS configuration files.'),
  def('connections.max.reauth.ms', 'long', '0', 'When positive, the session lifetime given to SASL clients (v1+), after which they must re-authenticate (KIP-368).', { min: 0 }),
  def('max.connections', 'int', '2147483647', 'The maximum number of connections the broker allows at any time.', { min: 0 }),
  def('max.connections.per.ip', 'int', '2147483647', 'The maximum number of connections allowed from each ip address.', { min: 0 }),
  def('max.connection.creation.rate', 'int', '2147483647', 'The maximum connection creation rate allowed in the broker at any time (listener.name.<l>.max.connection.creation.rate for one listener). New connections over it wait, except on the inter-broker listener, which only its own listener limit holds.', { min: 0 }),
  def('authorizer.class.name', 'string', '', 'The fully qualified name of a class that implements the Authorizer interface; any non-empty value turns on Runnel\'s ACL authorizer.'),
  def('super.users', 'list', '', 'Semicolon-separated principals that are allowed every operation (User:admin;User:CN=ops).'),
  def('allow.everyone.if.no.acl.found', 'boolean', 'false', 'Whether a resource with no matching ACL is open to everyone.'),
  def('quota.window.num', 'int', '11', 'The number of samples to retain in memory for client quotas.', { min: 1 }),
  def('quota.window.size.seconds', 'int', '1', 'The time span of each sample for client quotas.', { min: 1 }),
  def('max.connections.per.ip.overrides', 'string', '', 'A comma-separated list of per-ip or hostname overrides to the default maximum number of connections.'),
];

export interface TopicConfigDefinition extends ConfigDefinition {
  /** The broker config whose value is this topic config's default, if any. */
  readonly synonym: string | null;
}

const topic = (
  name: string,
  type: ConfigType,
  synonym: string | null,
  dflt: string | null,
  doc: string,
  extra: Partial<Pick<ConfigDefinition, 'min' | 'oneOf'>> = {},
): TopicConfigDefinition => ({ name, type, synonym, default: dflt, doc, ...extra });

export const TOPIC_CONFIGS: readonly TopicConfigDefinition[] = [
  topic('cleanup.policy', 'list', 'log.cleanup.policy', 'delete', 'The retention policy to use on log segments.', { oneOf: ['delete', 'compact'] }),
  topic('compression.type', 'string', 'compression.type', 'producer', 'The final compression type for this topic.', { oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] }),
  topic('compression.gzip.level', 'int', null, '-1', 'The compression level to use if compression.type is set to gzip.', { min: -1 }),
  topic('compression.lz4.level', 'int', null, '9', 'The compression level to use if compression.type is set to lz4.', { min: 1 }),
  topic('compression.zstd.level', 'int', null, '3', 'The compression level to use if compression.type is set to zstd.', { min: -131072 }),
  topic('delete.retention.ms', 'long', 'log.cleaner.delete.retention.ms', '86400000', 'How long to retain delete tombstone markers for compacted topics.', { min: 0 }),
  topic('file.delete.delay.ms', 'long', 'log.segment.delete.delay.ms', '60000', 'The time to wait before deleting a file from the filesystem.', { min: 0 }),
  topic('flush.messages', 'long', 'log.flush.interval.messages', LONG_MAX, 'Messages written to a log partition before an fsync.', { min: 1 }),
  topic('flush.ms', 'long', 'log.flush.interval.ms', LONG_MAX, 'Time interval after which an fsync of data written to the log is forced.', { min: 0 }),
  topic('follower.replication.throttled.replicas', 'list', null, '', 'Replicas for which log replication should be throttled on the follower side.'),
  topic('index.interval.bytes', 'int', 'log.index.interval.bytes', '4096', 'How frequently Kafka adds an index entry to its offset index.', { min: 0 }),
  topic('leader.replication.throttled.replicas', 'list', null, '', 'Replicas for which log replication should be throttled on the leader side.'),
  topic('local.retention.bytes', 'long', null, '-2', 'The maximum size of local log segments before deleting old ones (tiered storage).', { min: -2 }),
  topic('local.retention.ms', 'long', null, '-2', 'The time to retain local log segments (tiered storage).', { min: -2 }),
  topic('max.compaction.lag.ms', 'long', 'log.cleaner.max.compaction.lag.ms', LONG_MAX, 'The maximum time a message will remain ineligible for compaction.', { min: 1 }),
  topic('max.message.bytes', 'int', 'message.max.bytes', '1048588', 'The largest record batch size allowed (after compression).', { min: 0 }),
  topic('message.timestamp.after.max.ms', 'long', 'log.message.timestamp.after.max.ms', '3600000', 'Allowed difference between a later message timestamp and the broker timestamp.', { min: 0 }),
  topic('message.timestamp.before.max.ms', 'long', 'log.message.timestamp.before.max.ms', LONG_MAX, 'Allowed difference between the broker timestamp and an earlier message timestamp.', { min: 0 }),
  topic('message.timestamp.type', 'string', 'log.message.timestamp.type', 'CreateTime', 'Whether the timestamp in the message is create time or log append time.', { oneOf: ['CreateTime', 'LogAppendTime'] }),
  topic('min.cleanable.dirty.ratio', 'double', 'log.cleaner.min.cleanable.ratio', '0.5', 'How frequently the log compactor will attempt to clean the log.', { min: 0 }),
  topic('min.compaction.lag.ms', 'long', 'log.cleaner.min.compaction.lag.ms', '0', 'The minimum time a message will remain uncompacted in the log.', { min: 0 }),
  topic('min.insync.replicas', 'int', 'min.insync.replicas', '1', 'Minimum number of replicas that must acknowledge a write for it to be successful with acks=all.', { min: 1 }),
  topic('preallocate', 'boolean', 'log.preallocate', 'false', 'True if we should preallocate the file on disk when creating a new log segment.'),
  topic('remote.storage.enable', 'boolean', null, 'false', 'Whether tiered storage is enabled for this topic.'),
  topic('retention.bytes', 'long', 'log.retention.bytes', '-1', 'The maximum size a partition can grow to before old segments are discarded.'),
  topic('retention.ms', 'long', 'log.retention.ms', '604800000', 'The maximum time a log is retained before old segments are discarded.', { min: -1 }),
  topic('segment.bytes', 'int', 'log.segment.bytes', '1073741824', 'The segment file size for the log.', { min: 14 }),
  topic('segment.index.bytes', 'int', 'log.index.size.max.bytes', '10485760', 'The size of the index that maps offsets to file positions.', { min: 4 }),
  topic('segment.jitter.ms', 'long', 'log.roll.jitter.ms', '0', 'The maximum random jitter subtracted from the scheduled segment roll time.', { min: 0 }),
  topic('segment.ms', 'long', 'log.roll.ms', '604800000', 'The period of time after which Kafka will force the log to roll.', { min: 1 }),
  topic('unclean.leader.election.enable', 'boolean', 'unclean.leader.election.enable', 'false', 'Whether to enable replicas not in the ISR to be elected as leader as a last resort.'),
];

/**
 * Broker configs that AlterConfigs may change at run time, per broker or cluster-wide
 * (Kafka's DynamicBrokerConfig: the log configs behind topic configs, with all their
 * synonyms, and the cleaner's). The rest are read-only.
 */
export const DYNAMIC_BROKER_CONFIGS: ReadonlySet<string> = new Set([
  ...TOPIC_CONFIGS.flatMap((d) => (d.synonym ? [d.synonym] : [])),
  'log.retention.minutes',
  'log.retention.hours',
  'log.roll.hours',
  'log.roll.jitter.hours',
  'log.cleaner.threads',
  'log.cleaner.backoff.ms',
  'log.cleaner.dedupe.buffer.size',
]);

export const BROKER_CONFIG_BY_NAME: ReadonlyMap<string, ConfigDefinition> = new Map(BROKER_CONFIGS.map((d) => [d.name, d]));
export const TOPIC_CONFIG_BY_NAME: ReadonlyMap<string, TopicConfigDefinition> = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

/** Checks a value against its definition; returns Kafka's style of message when invalid. */
export function checkConfigValue(d: ConfigDefinition, value: string | null): string | null {
  if (value === null) return d.default === null ? null : `Null value not supported for ${d.name}`;
  const bad = `Invalid value ${value} for configuration ${d.name}`;
  switch (d.type) {
    case 'boolean':
      return /^(true|false)$/i.test(value.trim()) ? null : `${bad}: Expected value to be either true or false`;
    case 'short':
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(value.trim())) return `${bad}: Not a number of type ${d.type.toUpperCase()}`;
      const n = BigInt(value.trim());
      const limit = d.type === 'short' ? 2n ** 15n : d.type === 'int' ? 2n ** 31n : 2n ** 63n;
      if (n < -limit || n >= limit) return `${bad}: Not a number of type ${d.type.toUpperCase()}`;
      if (d.min !== undefined && n < BigInt(d.min)) return `${bad}: Value must be at least ${d.min}`;
      return null;
    }
    case 'double': {
      const n = Number(value.trim());
      if (value.trim() === '' || Number.isNaN(n)) return `${bad}: Not a number of type DOUBLE`;
      if (d.min !== undefined && n < d.min) return `${bad}: Value must be at least ${d.min}`;
      return null;
    }
    case 'list':
      if (d.oneOf) {
        for (const item of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
          if (!d.oneOf.includes(item)) return `${bad}: String must be one of: ${d.oneOf.join(', ')}`;
        }
      }
      return null;
    default:
      if (d.oneOf && !d.oneOf.includes(value)) return `${bad}: String must be one of: ${d.oneOf.join(', ')}`;
      return null;
  }
}
