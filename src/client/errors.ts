// The client's one error class. A Kafka refusal (an error code in a response), a network
// failure and a timeout all surface as KafkaError, with Kafka's code and name and flags
// computed once from the code, so callers branch on flags rather than on lists of codes.
// Retries wrap the last attempt's error as `cause` and never change its classification
// (kafkajs #1274, #1299, #1304 are what happens otherwise). A request whose response
// carries several per-partition errors throws one KafkaError whose `errors` holds each of
// them with its path (topic, partition).

import { ERRORS, ErrorCode, type ErrorCodeName } from '../protocol/index.ts';

/** Codes after which the client's view of leaders is out of date: refresh metadata. */
const STALE_METADATA = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.BROKER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.NETWORK_EXCEPTION,
]);

/** Codes after which a group member must join the group again. */
const NEEDS_REJOIN = new Set<number>([
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.FENCED_MEMBER_EPOCH,
  ErrorCode.MEMBER_ID_REQUIRED,
]);

/** Codes that mean another instance took over: this producer or member must stop. */
const FENCED = new Set<number>([
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.FENCED_INSTANCE_ID,
]);

export interface KafkaErrorOptions extends ErrorOptions {
  /** Where in the response the code was: a topic, partition, group, resource... */
  topic?: string;
  partition?: number;
  /** Per-partition (or per-resource) errors, when this error stands for several. */
  errors?: KafkaError[];
  /** The broker's own message (errorMessage fields), if it sent one. */
  brokerMessage?: string | null;
  /** Override the retriable flag of the code (network errors). */
  retriable?: boolean;
}

export class KafkaError extends Error {
  /** Kafka's numeric error code (-1 UNKNOWN_SERVER_ERROR; 13 NETWORK_EXCEPTION for socket failures). */
  readonly code: number;
  /** Kafka's name for the code, e.g. 'NOT_LEADER_OR_FOLLOWER'. */
  readonly kafkaName: ErrorCodeName | 'UNKNOWN';
  /** Trying again (perhaps after a metadata refresh) may succeed. */
  readonly retriable: boolean;
  /** The client should refresh its metadata (leaders, coordinators) before retrying. */
  readonly staleMetadata: boolean;
  /** A group member must rejoin its group. */
  readonly needsRejoin: boolean;
  /** Another producer or member instance took over; this one must stop. */
  readonly fenced: boolean;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly errors: readonly KafkaError[];

  constructor(code: number, message?: string, options: KafkaErrorOptions = {}) {
    const info = ERRORS.get(code);
    const where =
      options.topic === undefined ? '' : options.partition === undefined ? ` (${options.topic})` : ` (${options.topic}-${options.partition})`;
    const text = message ?? options.brokerMessage ?? info?.message ?? `Kafka error code ${code}`;
    super(`${info?.name ?? `error ${code}`}${where}: ${text}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KafkaError';
    this.code = code;
    this.kafkaName = info?.name ?? 'UNKNOWN';
    this.retriable = options.retriable ?? info?.retriable ?? false;
    this.staleMetadata = STALE_METADATA.has(code);
    this.needsRejoin = NEEDS_REJOIN.has(code);
    this.fenced = FENCED.has(code);
    this.topic = options.topic;
    this.partition = options.partition;
    this.errors = options.errors ?? [];
  }

  /** A KafkaError for a response error code, or null for NONE. */
  static fromCode(code: number, options: KafkaErrorOptions = {}): KafkaError | null {
    if (code === ErrorCode.NONE) return null;
    return new KafkaError(code, undefined, options);
  }

  /** One error standing for several (per partition); flags are those of the first. */
  static collect(errors: KafkaError[], what: string): KafkaError {
    if (errors.length === 1) return errors[0]!;
    const first = errors[0]!;
    return new KafkaError(first.code, `${what}: ${errors.length} errors, first: ${first.message}`, {
      errors,
      retriable: errors.every((e) => e.retriable),
    });
  }

  /**
   * The same error (same code, flags, path) with the attempt that failed as its cause: what a
   * retry loop throws when it gives up. The classification never changes.
   */
  withAttempts(attempts: number): KafkaError {
    const e = new KafkaError(this.code, `${stripName(this.message)} (after ${attempts} attempts)`, {
      cause: this,
      retriable: this.retriable,
      errors: [...this.errors],
      ...(this.topic === undefined ? {} : { topic: this.topic }),
      ...(this.partition === undefined ? {} : { partition: this.partition }),
    });
    return e;
  }
}

function stripName(message: string): string {
  const i = message.indexOf(': ');
  return i < 0 ? message : message.slice(i + 2);
}

/** Socket failure: NETWORK_EXCEPTION, retriable, the system error kept as cause. */
export function networkError(message: string, cause?: unknown): KafkaError {
  return new KafkaError(ErrorCode.NETWORK_EXCEPTION, message, { cause, retriable: true });
}

/** No response within the request timeout: REQUEST_TIMED_OUT, retriable. */
export function timeoutError(message: string): KafkaError {
  return new KafkaError(ErrorCode.REQUEST_TIMED_OUT, message, { retriable: true });
}

export function isKafkaError(err: unknown): err is KafkaError {
  return err instanceof KafkaError;
}
