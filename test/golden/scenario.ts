// What scripts/capture-golden.ts makes each real client do, and what test/golden/clients.test.ts
// expects to find in the captured bytes. One module for both, so that the values a client was
// told to send and the values the test looks for cannot drift apart.
//
// Every client gets its own topic and client id; records carry recognizable keys, values and
// headers. Timestamps are fixed where the client lets us set them (the Python clients), so that
// offsets_for_times asks for a known timestamp and gets a known offset.

/** One captured exchange: a request frame and the response frame our broker wrote to it. */
export interface GoldenFrame {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** The request frame after the int32 size prefix, hex. */
  request: string;
  /** The response frame after the int32 size prefix, hex. */
  response: string;
}

export interface GoldenRecord {
  key: string;
  value: string;
  headers: [string, string][];
  /** Set where the client lets us choose the timestamp. */
  timestamp?: number;
  partition?: number;
}

export interface ClientScenario {
  /** The fixture file: test/golden/<file>.json. */
  file: string;
  topic: string;
  clientId: string;
  /** Kafka's compression id of the produced batches (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  compression: number;
  records: GoldenRecord[];
  partitions: number;
  /** The timestamp looked up with offsets_for_times / ListOffsets, and the offset it finds. */
  lookup?: { timestamp: number; offset: number };
}

/**
 * Three records: `<prefix>-key-<i>`, `<prefix>-value-<i>` (then `padding` dots) and one header
 * `origin: <header>`.
 */
function records(prefix: string, header: string, timestampBase?: number, partitions?: number[], padding = 0): GoldenRecord[] {
  return [1, 2, 3].map((i) => {
    const record: GoldenRecord = {
      key: `${prefix}-key-${i}`,
      value: `${prefix}-value-${i}${'.'.repeat(padding)}`,
      headers: [['origin', header]],
    };
    if (timestampBase !== undefined) record.timestamp = timestampBase + i - 1;
    if (partitions !== undefined) record.partition = partitions[i - 1]!;
    return record;
  });
}

export const KCAT: ClientScenario = {
  file: 'kcat',
  topic: 'golden-kcat',
  clientId: 'golden-kcat-client',
  compression: 3,
  // librdkafka sends a batch uncompressed when compressing does not make it smaller, and an LZ4
  // frame around three short records does not: the padding makes them compressible.
  records: records('kcat', 'kcat', undefined, undefined, 200),
  partitions: 1,
};

export const KAFKAJS: ClientScenario = {
  file: 'kafkajs',
  topic: 'golden-kafkajs',
  clientId: 'golden-kafkajs-client',
  compression: 1,
  records: records('kafkajs', 'kafkajs', undefined, [0, 1, 0]),
  partitions: 2,
};

export const PLATFORMATIC: ClientScenario = {
  file: 'platformatic-kafka',
  topic: 'golden-platformatic',
  clientId: 'golden-platformatic-client',
  compression: 2,
  records: records('platformatic', 'platformatic', undefined, [0, 0, 0]),
  partitions: 1,
};

export const CONFLUENT_KAFKA: ClientScenario = {
  file: 'confluent-kafka-python',
  topic: 'golden-confluent-kafka',
  clientId: 'golden-confluent-kafka-client',
  compression: 4,
  // Padded for the same reason as kcat's: librdkafka compresses only what shrinks.
  records: records('ck', 'confluent-kafka', 1_700_000_000_000, undefined, 100),
  partitions: 1,
  lookup: { timestamp: 1_700_000_000_001, offset: 1 },
};

export const KAFKA_PYTHON: ClientScenario = {
  file: 'kafka-python',
  topic: 'golden-kafka-python',
  clientId: 'golden-kafka-python-client',
  compression: 0,
  records: records('kp', 'kafka-python', 1_700_000_100_000),
  partitions: 1,
  lookup: { timestamp: 1_700_000_100_002, offset: 2 },
};

export const SARAMA: ClientScenario = {
  file: 'sarama',
  topic: 'golden-sarama',
  clientId: 'golden-sarama-client',
  compression: 3,
  records: records('sarama', 'sarama', 1_700_000_200_000),
  partitions: 1,
};

export const SCENARIOS: readonly ClientScenario[] = [KCAT, KAFKAJS, PLATFORMATIC, CONFLUENT_KAFKA, KAFKA_PYTHON, SARAMA];
