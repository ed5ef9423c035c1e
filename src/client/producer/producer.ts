// The producer: records are placed on a partition (explicit, murmur2 of the key, or sticky
// for keyless records), gathered per partition into batches that close at `batchSize` bytes
// or `lingerMs` after their first record, encoded (and compressed) as one record batch each,
// and sent with every ready batch for the same leader in one Produce request.
//
// Back-pressure: the records waiting in batches or in flight may take at most
// `bufferMemory` bytes; past that, `send()` and `write()` wait for room instead of
// buffering without bound. Responses resolve each record with its offset; retriable
// partition errors put the batch back (after a metadata refresh when leaders moved) until
// `retries` run out, and the error then keeps its code and flags with the cause attached.
//
// Idempotence and transactions (issue 5) slot in at `#batchOptions()`: a producer id, epoch
// and per-partition sequence numbers go into each batch's header there, and InitProducerId
// runs in `#init()`. Until then batches carry no producer id (-1) and retries may reorder
// or duplicate, as with the Java client's enable.idempotence=false.

import {
  API,
  ErrorCode,
  encodeRecordBatch,
  encodeRecordBatchAsync,
  type CompressionName,
  type ProduceRequest,
  type RecordInput,
} from '../../protocol/index.ts';
import { ClientCore, sleep, type ClientOptions } from '../client.ts';
import { KafkaError } from '../errors.ts';
import { StickyPartitions, consistentPartitionForKey, partitionForKey, type Partitioner, type PartitionerName } from './partitioner.ts';

export type Acks = 0 | 1 | -1 | 'all';

export interface ProducerOptions extends ClientOptions {
  /** 0: no answer; 1: the leader wrote it; -1/'all': every in-sync replica has it. Default 'all'. */
  acks?: Acks;
  /** How long a batch waits for more records. Default 5 (the Java client's since Kafka 4.0). */
  lingerMs?: number;
  /** A batch closes at this many bytes of records. Default 16384. */
  batchSize?: number;
  /** Default 'none'. */
  compression?: CompressionName;
  /** gzip 1-9, zstd 1-22. */
  compressionLevel?: number;
  /** Bytes of records buffered or in flight before send() waits. Default 32 MiB. */
  bufferMemory?: number;
  /** Produce requests in flight per broker. Default 5. */
  maxInFlightRequests?: number;
  /** How long a Produce may wait for replication (the request's timeoutMs). Default 30000. */
  ackTimeoutMs?: number;
  /**
   * 'murmur2_random' (default: murmur2 of the key as the Java client and librdkafka's
   * murmur2_random; sticky for keyless records), 'consistent_random' (librdkafka's default:
   * CRC-32 of the key; sticky for empty or null keys), or a function.
   */
  partitioner?: PartitionerName | Partitioner;
  /** Metadata requests may create missing topics. Default true, as the Java producer. */
  allowAutoTopicCreation?: boolean;
}

export type HeaderValue = string | Uint8Array | null;

export interface ProducerRecord {
  topic: string;
  key?: string | Uint8Array | null;
  value: string | Uint8Array | null;
  headers?: Record<string, HeaderValue> | readonly { key: string; value: HeaderValue }[];
  partition?: number;
  /** Milliseconds since the epoch; default: when send() is called. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks=0. */
  offset: number;
  timestamp: number;
}

interface Pending {
  input: RecordInput;
  size: number;
  /** Called once: with null and the metadata, or with the error. */
  done(error: unknown, metadata?: RecordMetadata): void;
}

type DeliveryCallback = (error: unknown, metadata?: RecordMetadata) => void;

interface Batch {
  topic: string;
  partition: number;
  records: Pending[];
  bytes: number;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
  encoded: Buffer | undefined;
}

const RECORD_OVERHEAD = 24;
const NO_HEADERS: { key: string; value: Buffer | null }[] = [];

function toBuffer(v: string | Uint8Array | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export class Producer {
  readonly #core: ClientCore;
  readonly #acks: number;
  readonly #lingerMs: number;
  readonly #batchSize: number;
  readonly #compression: CompressionName;
  readonly #compressionLevel: number | undefined;
  readonly #bufferMemory: number;
  readonly #maxInFlight: number;
  readonly #ackTimeoutMs: number;
  readonly #partitioner: Partitioner | undefined;
  readonly #consistent: boolean;
  readonly #sticky = new StickyPartitions();
  /** Open batches by topic, then partition. */
  #open = new Map<string, Map<number, Batch>>();
  /** Closed batches waiting for a send. */
  #ready: Batch[] = [];
  #inFlight = new Map<number, number>();
  #buffered = 0;
  #roomWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #outstanding = 0;
  #draining = false;
  #closed = false;
  /** Errors of write() calls, reported by flush(). */
  #writeErrors: unknown[] = [];

  constructor(options: ProducerOptions = {}) {
    this.#core = new ClientCore(options, { allowAutoTopicCreation: true });
    const acks = options.acks ?? 'all';
    this.#acks = acks === 'all' ? -1 : acks;
    if (![0, 1, -1].includes(this.#acks)) throw new TypeError(`acks must be 0, 1, -1 or 'all', not ${String(acks)}`);
    this.#lingerMs = options.lingerMs ?? 5;
    this.#batchSize = options.batchSize ?? 16_384;
    this.#compression = options.compression ?? 'none';
    this.#compressionLevel = options.compressionLevel;
    this.#bufferMemory = options.bufferMemory ?? 32 * 1024 * 1024;
    this.#maxInFlight = options.maxInFlightRequests ?? 5;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    const partitioner = options.partitioner ?? 'murmur2_random';
    if (typeof partitioner === 'string' && partitioner !== 'murmur2_random' && partitioner !== 'consistent_random') {
      throw new TypeError(`partitioner must be 'murmur2_random', 'consistent_random' or a function, not '${String(partitioner)}'`);
    }
    this.#partitioner = typeof partitioner === 'function' ? partitioner : undefined;
    this.#consistent = partitioner === 'consistent_random';
  }

  /** Connects and reads cluster metadata (optional: the first send does it). */
  async connect(): Promise<void> {
    await this.#core.retry('connect', () => this.#core.metadata.refresh([]));
  }

  /** Sends one record; resolves when the broker has it (per `acks`). Waits while the buffer is full. */
  async send(record: ProducerRecord): Promise<RecordMetadata> {
    let done!: DeliveryCallback;
    const delivered = new Promise<RecordMetadata>((resolve, reject) => {
      done = (err, metadata) => (err === null ? resolve(metadata!) : reject(err));
    });
    const room = this.#enqueue(record, done);
    if (room !== undefined) await room;
    return delivered;
  }

  /** Sends records; resolves with their metadata in order, or rejects with the first failure. */
  async sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    const all: Promise<RecordMetadata>[] = [];
    for (const r of records) {
      let done!: DeliveryCallback;
      const delivered = new Promise<RecordMetadata>((resolve, reject) => {
        done = (err, metadata) => (err === null ? resolve(metadata!) : reject(err));
      });
      delivered.catch(() => {});
      all.push(delivered);
      const room = this.#enqueue(r, done);
      if (room !== undefined) await room;
    }
    return Promise.all(all);
  }

  /**
   * Buffers one record. Returns undefined when it was buffered at once, or a promise that
   * resolves once there was room (the buffer was full): `await producer.write(r)` in a loop
   * is paced by the broker, like a stream's write(). Delivery results go to `onDelivery` if
   * given; failures without a callback are thrown by flush().
   */
  write(record: ProducerRecord, onDelivery?: DeliveryCallback): Promise<void> | undefined {
    return this.#enqueue(record, onDelivery ?? this.#collectError);
  }

  readonly #collectError: DeliveryCallback = (err) => {
    if (err !== null) this.#writeErrors.push(err);
  };

  /** Sends every buffered record now and waits until all have been answered. */
  async flush(): Promise<void> {
    for (const partitions of this.#open.values()) for (const batch of partitions.values()) this.#close(batch);
    this.#drain();
    if (this.#outstanding > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    const errors = this.#writeErrors.splice(0);
    if (errors.length > 0) {
      const kafka = errors.filter((e): e is KafkaError => e instanceof KafkaError);
      throw kafka.length === errors.length ? KafkaError.collect(kafka, 'delivery failed') : errors[0];
    }
  }

  /** Flushes, then closes the connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      await this.#core.close();
    }
  }

  #enqueue(record: ProducerRecord, done: DeliveryCallback): Promise<void> | undefined {
    if (this.#closed) throw new Error('the producer is closed');
    if (typeof record.topic !== 'string' || record.topic === '') throw new TypeError('a record needs a topic');
    const key = toBuffer(record.key);
    const value = toBuffer(record.value);
    const headers = record.headers === undefined ? NO_HEADERS : Array.isArray(record.headers)
      ? (record.headers as { key: string; value: HeaderValue }[]).map((h) => ({ key: h.key, value: toBuffer(h.value) }))
      : Object.entries(record.headers).map(([k, v]) => ({ key: k, value: toBuffer(v as HeaderValue) }));
    let size = RECORD_OVERHEAD + (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
    for (const h of headers) size += 8 + h.key.length + (h.value?.length ?? 0);
    const pending: Pending = { input: { key, value, headers, timestamp: record.timestamp ?? Date.now() }, size, done };
    if (this.#buffered + size > this.#bufferMemory && this.#buffered > 0) return this.#enqueueLater(record, key, pending);
    this.#accept(record, key, pending);
    return undefined;
  }

  async #enqueueLater(record: ProducerRecord, key: Buffer | null, pending: Pending): Promise<void> {
    while (this.#buffered + pending.size > this.#bufferMemory && this.#buffered > 0) {
      this.#drain();
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    this.#accept(record, key, pending);
  }

  #accept(record: ProducerRecord, key: Buffer | null, pending: Pending): void {
    this.#buffered += pending.size;
    this.#outstanding++;
    // Known topic, fresh metadata: place now; else look the topic up first.
    const info = this.#core.metadata.isStale ? undefined : this.#core.metadata.topics.get(record.topic);
    try {
      if (info !== undefined) {
        this.#place(record, key, pending, info.partitions.length);
        return;
      }
    } catch (err) {
      this.#settle(pending, err);
      return;
    }
    // One lookup per topic; records that arrive meanwhile wait for it in order.
    const topic = record.topic;
    const waiting = this.#awaitingTopic.get(topic);
    if (waiting !== undefined) {
      waiting.push({ record, key, pending });
      return;
    }
    const list = [{ record, key, pending }];
    this.#awaitingTopic.set(topic, list);
    this.#core.retry('metadata', () => this.#core.metadata.topic(topic)).then(
      (t) => {
        this.#awaitingTopic.delete(topic);
        for (const w of list) {
          try {
            this.#place(w.record, w.key, w.pending, t.partitions.length);
          } catch (err) {
            this.#settle(w.pending, err);
          }
        }
      },
      (err) => {
        this.#awaitingTopic.delete(topic);
        for (const w of list) this.#settle(w.pending, err);
      },
    );
  }

  #awaitingTopic = new Map<string, { record: ProducerRecord; key: Buffer | null; pending: Pending }[]>();

  #place(record: ProducerRecord, key: Buffer | null, pending: Pending, count: number): void {
    const topic = record.topic;
    let partition: number;
    if (record.partition !== undefined) {
      partition = record.partition;
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${topic}' has no partition ${partition} (it has ${count})`, { topic, partition });
      }
    } else if (this.#partitioner !== undefined) {
      partition = this.#partitioner({ topic, key, partitionCount: count });
    } else if (this.#consistent) {
      partition = key !== null && key.length > 0 ? consistentPartitionForKey(key, count) : this.#sticky.partition(topic, count);
    } else if (key !== null) {
      partition = partitionForKey(key, count);
    } else {
      partition = this.#sticky.partition(topic, count);
    }
    let partitions = this.#open.get(topic);
    if (partitions === undefined) this.#open.set(topic, (partitions = new Map()));
    let batch = partitions.get(partition);
    if (batch !== undefined && batch.bytes + pending.size > this.#batchSize && batch.records.length > 0) {
      this.#close(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = { topic, partition, records: [], bytes: 0, attempts: 0, timer: undefined, encoded: undefined };
      partitions.set(partition, batch);
      const b = batch;
      b.timer = setTimeout(() => {
        this.#close(b);
        this.#drain();
      }, this.#lingerMs);
    }
    batch.records.push(pending);
    batch.bytes += pending.size;
    if (batch.bytes >= this.#batchSize) {
      this.#close(batch);
      this.#drain();
    }
  }

  /** Moves an open batch to the ready queue. */
  #close(batch: Batch): void {
    const partitions = this.#open.get(batch.topic);
    if (partitions?.get(batch.partition) !== batch) return;
    partitions.delete(batch.partition);
    clearTimeout(batch.timer);
    const count = this.#core.metadata.topics.get(batch.topic)?.partitions.length ?? 1;
    this.#sticky.batchClosed(batch.topic, batch.partition, count);
    this.#ready.push(batch);
  }

  /** Sends ready batches, one request per leader, within the in-flight limit. */
  #drain(): void {
    if (this.#draining || this.#ready.length === 0) return;
    this.#draining = true;
    void this.#drainAsync().finally(() => {
      this.#draining = false;
      if (this.#ready.length > 0 && [...this.#inFlight.values()].every((n) => n < this.#maxInFlight)) this.#drain();
    });
  }

  async #drainAsync(): Promise<void> {
    // One batch per partition per request; later batches of a partition wait their turn.
    const batches: Batch[] = [];
    const later: Batch[] = [];
    const taken = new Set<string>();
    for (const batch of this.#ready.splice(0)) {
      const tp = `${batch.topic}\0${batch.partition}`;
      if (taken.has(tp)) later.push(batch);
      else {
        taken.add(tp);
        batches.push(batch);
      }
    }
    this.#ready.push(...later);
    const byLeader = new Map<number, Batch[]>();
    for (const batch of batches) {
      let leader: number;
      try {
        leader = (await this.#core.metadata.leaderFor(batch.topic, batch.partition)).nodeId;
      } catch (err) {
        this.#failOrRetry(batch, err);
        continue;
      }
      let list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, (list = []));
      list.push(batch);
    }
    for (const [nodeId, list] of byLeader) {
      if ((this.#inFlight.get(nodeId) ?? 0) >= this.#maxInFlight) {
        this.#ready.unshift(...list);
        continue;
      }
      this.#inFlight.set(nodeId, (this.#inFlight.get(nodeId) ?? 0) + 1);
      void this.#sendTo(nodeId, list).finally(() => {
        this.#inFlight.set(nodeId, (this.#inFlight.get(nodeId) ?? 1) - 1);
        this.#drain();
      });
    }
  }

  /** Batch header fields for idempotence and transactions (issue 5): none yet. */
  #batchOptions(): { producerId: number; producerEpoch: number; baseSequence: number } {
    return { producerId: -1, producerEpoch: -1, baseSequence: -1 };
  }

  async #encode(batch: Batch): Promise<Buffer> {
    if (batch.encoded !== undefined) return batch.encoded;
    const records = batch.records.map((p) => p.input);
    const options = { compression: this.#compression, compressionLevel: this.#compressionLevel, ...this.#batchOptions() };
    batch.encoded = this.#compression === 'none' ? encodeRecordBatch(records, options) : await encodeRecordBatchAsync(records, options);
    return batch.encoded;
  }

  async #sendTo(nodeId: number, batches: Batch[]): Promise<void> {
    let response;
    const body: ProduceRequest = API.Produce.createRequest();
    try {
      const connection = await this.#core.metadata.connection(nodeId);
      const version = connection.versionFor(API.Produce);
      body.acks = this.#acks;
      body.timeoutMs = this.#ackTimeoutMs;
      const byTopic = new Map<string, Batch[]>();
      for (const b of batches) {
        let l = byTopic.get(b.topic);
        if (l === undefined) byTopic.set(b.topic, (l = []));
        l.push(b);
      }
      for (const [topic, list] of byTopic) {
        const topicId = this.#core.metadata.topics.get(topic)?.topicId ?? '';
        if (version >= 13 && (topicId === '' || topicId === 'AAAAAAAAAAAAAAAAAAAAAA')) {
          throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, `no topic id known for '${topic}'`, { topic });
        }
        body.topicData.push({
          name: topic,
          topicId,
          partitionData: await Promise.all(list.map(async (b) => ({ index: b.partition, records: await this.#encode(b) }))),
        });
      }
      if (this.#acks === 0) {
        await connection.request(API.Produce, body, { expectResponse: false });
        for (const b of batches) this.#complete(b, -1, -1);
        return;
      }
      response = await connection.request(API.Produce, body, { timeoutMs: this.#core.options.requestTimeoutMs + this.#ackTimeoutMs });
    } catch (err) {
      for (const b of batches) this.#failOrRetry(b, err);
      return;
    }
    const answered = new Set<Batch>();
    for (const t of response.responses) {
      const topic = t.name !== '' ? t.name : (this.#core.metadata.topicName(t.topicId) ?? t.name);
      for (const p of t.partitionResponses) {
        const batch = batches.find((b) => b.topic === topic && b.partition === p.index);
        if (batch === undefined) continue;
        answered.add(batch);
        const error = KafkaError.fromCode(p.errorCode, { topic, partition: p.index, brokerMessage: p.errorMessage ?? p.recordErrors[0]?.batchIndexErrorMessage ?? null });
        if (error !== null) this.#failOrRetry(batch, error);
        else this.#complete(batch, Number(p.baseOffset), Number(p.logAppendTimeMs));
      }
    }
    for (const b of batches) {
      if (!answered.has(b)) this.#failOrRetry(b, new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'the Produce response did not mention this partition', { topic: b.topic, partition: b.partition }));
    }
  }

  #complete(batch: Batch, baseOffset: number, logAppendTime: number): void {
    batch.records.forEach((p, i) => {
      this.#settle(p, null, {
        topic: batch.topic,
        partition: batch.partition,
        offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTime >= 0 ? logAppendTime : p.input.timestamp!,
      });
    });
  }

  #failOrRetry(batch: Batch, err: unknown): void {
    batch.attempts++;
    if (err instanceof KafkaError && err.retriable && batch.attempts <= this.#core.options.retries && !this.#closed) {
      if (err.staleMetadata) this.#core.metadata.markStale();
      void sleep(this.#core.backoff(batch.attempts)).then(() => {
        this.#ready.push(batch);
        this.#drain();
      });
      return;
    }
    const final = err instanceof KafkaError && batch.attempts > 1 ? err.withAttempts(batch.attempts) : err;
    for (const p of batch.records) this.#settle(p, final);
  }

  #settle(p: Pending, err: unknown, metadata?: RecordMetadata): void {
    this.#buffered -= p.size;
    this.#outstanding--;
    try {
      p.done(err, metadata);
    } catch (callbackError) {
      // A throwing delivery callback must not break the producer's bookkeeping: rethrow it
      // on its own, where it surfaces as an uncaught exception as any callback's would.
      process.nextTick(() => {
        throw callbackError;
      });
    }
    if (this.#roomWaiters.length > 0) for (const w of this.#roomWaiters.splice(0)) w();
    if (this.#outstanding === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }
}
