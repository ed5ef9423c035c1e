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
// Idempotence (on by default, as the Java client's enable.idempotence since Kafka 3.0): a
// batch is stamped with the producer id, epoch and its partition's next sequence number
// when it is first picked for sending, and keeps them through retries, so the broker
// drops a retried batch it already wrote. Batches of a partition go out in sequence order,
// and none while an earlier one waits to be retried. OUT_OF_ORDER_SEQUENCE_NUMBER behind
// an earlier batch still unresolved is retried; a real gap (a batch lost for good) or
// UNKNOWN_PRODUCER_ID bumps the epoch and starts sequences over (KIP-360); a
// DUPLICATE_SEQUENCE_NUMBER answer means the broker has the batch already. Transactions:
// transactions.ts holds the state machine; batches wait here for AddPartitionsToTxn.

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
import { ProducerSession, type ConsumerGroupMetadata, type TransactionOffset, type TransactionState } from './transactions.ts';
import { StickyPartitions, consistentPartitionForKey, partitionForKey, type Partitioner, type PartitionerName } from './partitioner.ts';

export type Acks = 0 | 1 | -1 | 'all';

export interface ProducerOptions extends ClientOptions {
  /** 0: no answer; 1: the leader wrote it; -1/'all': every in-sync replica has it. Default 'all'. */
  acks?: Acks;
  /**
   * How long a batch waits for more records. Default 5 (the Java client's since Kafka 4.0).
   * 0 sends once the current turn of the event loop is over, with every record written in it.
   */
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
  /**
   * Exactly-once per partition (enable.idempotence). Default true unless acks is 0 or 1 or
   * maxInFlightRequests is over 5, as in Java; true with those is a configuration error.
   */
  idempotent?: boolean;
  /** Makes the producer transactional (transactional.id); needs initTransactions() first. */
  transactionalId?: string;
  /** How long the coordinator lets a transaction stay open before aborting it. Default 60000. */
  transactionTimeoutMs?: number;
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
  /** Closes the batch when its linger is over. */
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  encoded: Buffer | undefined;
  /** Creation order: a partition's batches are sent, and retried, in this order. */
  order: number;
  /** Idempotence stamp, kept through retries: -1 until the batch is first picked. */
  producerId: number;
  producerEpoch: number;
  sequence: number;
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
  /** Closed batches waiting for a send, per partition in sending order (see #queue). */
  #ready = new Map<string, Batch[]>();
  #readyCount = 0;
  /** Batches created so far: the next batch's creation order. */
  #batchesCreated = 0;
  #inFlight = new Map<number, number>();
  #buffered = 0;
  #roomWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #outstanding = 0;
  #draining = false;
  #closed = false;
  /** Errors of write() calls, reported by flush(). */
  #writeErrors: unknown[] = [];
  /** Idempotence and transactions; undefined with idempotence off. */
  #session: ProducerSession | undefined;
  readonly #idempotenceExplicit: boolean;
  /** Stamped batches not yet answered for good, by partition: retries keep their order. */
  #unresolved = new Map<string, Set<Batch>>();
  /** Partitions with a batch waiting out a retry backoff: nothing else goes to them meanwhile. */
  #retrying = new Map<string, number>();
  /** Produce requests awaiting answers (an epoch bump waits for them). */
  #sending = 0;
  /** The current transaction lost a batch. */
  #txnBatchFailed = false;

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
    const transactionalId = options.transactionalId;
    if (transactionalId !== undefined && (typeof transactionalId !== 'string' || transactionalId === '')) throw new TypeError('transactionalId must be a non-empty string');
    if (transactionalId !== undefined && options.idempotent === false) throw new TypeError('a transactional producer needs idempotence (idempotent: false was given)');
    this.#idempotenceExplicit = options.idempotent === true || transactionalId !== undefined;
    const idempotent = options.idempotent ?? (transactionalId !== undefined || (this.#acks === -1 && this.#maxInFlight <= 5));
    if (idempotent) {
      if (this.#acks !== -1) throw new TypeError(`idempotence needs acks 'all', not ${String(acks)}`);
      if (this.#maxInFlight > 5) throw new TypeError(`idempotence needs maxInFlightRequests of at most 5, not ${this.#maxInFlight}`);
      this.#session = new ProducerSession(this.#core, transactionalId ?? null, options.transactionTimeoutMs ?? 60_000);
    }
  }

  /** Idempotence is on (it may turn off at the first send against a broker without InitProducerId, unless asked for explicitly). */
  get idempotent(): boolean {
    return this.#session !== undefined;
  }

  /** The producer id and epoch in use (-1 before the first send or initTransactions()). */
  get producerIdentity(): { producerId: number; producerEpoch: number } {
    return { producerId: this.#session?.producerId ?? -1, producerEpoch: this.#session?.producerEpoch ?? -1 };
  }

  /** The transaction state ('uninitialized', 'ready', 'in-transaction', ...); undefined without a transactionalId. */
  get transactionState(): TransactionState | undefined {
    return this.#session?.transactional ? this.#session.state : undefined;
  }

  /** 2 when transactions v2 (KIP-890) is in use, 1 for the classic flow; undefined before initTransactions() or without a transactionalId. */
  get transactionVersion(): 1 | 2 | undefined {
    const session = this.#session;
    if (session?.transactional !== true || session.state === 'uninitialized') return undefined;
    return session.v2 ? 2 : 1;
  }

  /** Gets the producer id for the transactional id, fencing older producers with it and aborting their open transaction. */
  async initTransactions(): Promise<void> {
    await this.#transactionalSession('initTransactions').initTransactions();
  }

  beginTransaction(): void {
    this.#transactionalSession('beginTransaction').beginTransaction();
    this.#txnBatchFailed = false;
  }

  /**
   * Commits consumed offsets as part of the transaction (they become visible with its
   * commit). `group` is the consumer's groupMetadata() (generation checks, KIP-447) or a group id.
   */
  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata | string): Promise<void> {
    const session = this.#transactionalSession('sendOffsetsToTransaction');
    await session.sendOffsets(offsets, typeof group === 'string' ? { groupId: group } : group);
  }

  /** Sends what is buffered, then commits. A failed send makes it throw: abort then. */
  async commitTransaction(): Promise<void> {
    const session = this.#transactionalSession('commitTransaction');
    session.startEnd(true);
    await this.#idle();
    this.#writeErrors.splice(0);
    await session.end(true, this.#txnBatchFailed);
  }

  /** Waits for what is in flight, then aborts: read_committed consumers never see the transaction's records. */
  async abortTransaction(): Promise<void> {
    const session = this.#transactionalSession('abortTransaction');
    session.startEnd(false);
    await this.#idle();
    this.#writeErrors.splice(0);
    await session.end(false, this.#txnBatchFailed);
  }

  #transactionalSession(operation: string): ProducerSession {
    if (this.#closed) throw new Error('the producer is closed');
    if (this.#session?.transactional !== true) throw new KafkaError(ErrorCode.INVALID_TXN_STATE, `${operation}() needs the transactionalId option`);
    return this.#session;
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
    // One promise for the call, not one per record: this is the throughput path.
    const results: RecordMetadata[] = new Array(records.length);
    let remaining = records.length;
    let failure: { error: unknown } | undefined;
    let settle!: () => void;
    const delivered = new Promise<void>((resolve) => (settle = resolve));
    if (remaining === 0) settle();
    for (let i = 0; i < records.length; i++) {
      const room = this.#enqueue(records[i]!, (err, metadata) => {
        if (err !== null) failure ??= { error: err };
        else results[i] = metadata!;
        if (--remaining === 0) settle();
      });
      if (room !== undefined) await room;
    }
    await delivered;
    if (failure !== undefined) throw failure.error;
    return results;
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
    await this.#idle();
    const errors = this.#writeErrors.splice(0);
    if (errors.length > 0) {
      const kafka = errors.filter((e): e is KafkaError => e instanceof KafkaError);
      throw kafka.length === errors.length ? KafkaError.collect(kafka, 'delivery failed') : errors[0];
    }
  }

  /** Sends every buffered record now and waits until all have been answered. */
  async #idle(): Promise<void> {
    for (const partitions of this.#open.values()) for (const batch of partitions.values()) this.#close(batch);
    this.#drain();
    if (this.#outstanding > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
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
    this.#session?.checkSend();
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
    // Known topic, fresh metadata, no earlier record waiting for its lookup: place now; else
    // look the topic up first. Records behind a lookup wait even if metadata became fresh
    // meanwhile (another path refreshed it while the lookup is in a retry backoff), or they
    // would overtake the waiting ones.
    const info = this.#core.metadata.isStale || this.#awaitingTopic.has(record.topic) ? undefined : this.#core.metadata.topics.get(record.topic);
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
      batch = { topic, partition, records: [], bytes: 0, attempts: 0, timer: undefined, encoded: undefined, order: this.#batchesCreated++, producerId: -1, producerEpoch: -1, sequence: -1 };
      partitions.set(partition, batch);
      const b = batch;
      const close = (): void => {
        this.#close(b);
        this.#drain();
      };
      // Linger 0 closes the batch once this turn of the event loop is done: the records
      // written in the same turn still go together, and none waits for a timer (a
      // setTimeout of 0 fires a millisecond later at the soonest).
      b.timer = this.#lingerMs > 0 ? setTimeout(close, this.#lingerMs) : setImmediate(close);
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
    if (this.#lingerMs > 0) clearTimeout(batch.timer as NodeJS.Timeout | undefined);
    else clearImmediate(batch.timer as NodeJS.Immediate | undefined);
    const count = this.#core.metadata.topics.get(batch.topic)?.partitions.length ?? 1;
    this.#sticky.batchClosed(batch.topic, batch.partition, count);
    this.#queue(batch);
  }

  /**
   * Queues a batch for sending. Batches of a partition go in the order they were created: a
   * retried batch goes back before every later one. Not by sequence: after an epoch bump the
   * queue holds batches stamped with the old epoch's high sequences beside ones stamped with
   * the new epoch's low ones, and sequence order would send later records first.
   */
  #queue(batch: Batch, front = false): void {
    const tp = `${batch.topic}\0${batch.partition}`;
    let list = this.#ready.get(tp);
    if (list === undefined) this.#ready.set(tp, (list = []));
    this.#readyCount++;
    if (front) {
      list.unshift(batch); // picked but not sent: it stays first
      return;
    }
    let i = list.length;
    while (i > 0 && list[i - 1]!.order > batch.order) i--;
    list.splice(i, 0, batch);
  }

  /** Takes every queued batch out (to fail or retry them all). */
  #takeAllReady(): Batch[] {
    const all = [...this.#ready.values()].flat();
    this.#ready.clear();
    this.#readyCount = 0;
    return all;
  }

  /** Sends ready batches, one request per leader, within the in-flight limit. */
  #drain(): void {
    if (this.#draining || this.#readyCount === 0) return;
    this.#draining = true;
    let progress = false;
    void this.#drainAsync()
      .then((sent) => (progress = sent))
      .finally(() => {
        this.#draining = false;
        // Only after progress: batches held back (a partition in backoff, an epoch bump
        // waiting for answers) are drained again by whatever releases them.
        if (progress && this.#readyCount > 0 && [...this.#inFlight.values()].every((n) => n < this.#maxInFlight)) this.#drain();
      });
  }

  /** Returns whether batches were picked (false: everything ready is held back). */
  async #drainAsync(): Promise<boolean> {
    const session = this.#session;
    if (session !== undefined) {
      // An epoch bump waits for every answer in flight: those may still resolve sequences.
      if (session.bumpNeeded && this.#sending > 0) return false;
      try {
        await session.ensureIdentity();
      } catch (err) {
        if (err instanceof KafkaError && err.code === ErrorCode.UNSUPPORTED_VERSION && !this.#idempotenceExplicit) {
          this.#session = undefined; // a broker without InitProducerId: idempotence off, as Java
        } else {
          for (const batch of this.#takeAllReady()) this.#failOrRetry(batch, err);
          return true;
        }
      }
    }
    const batches = this.#pick();
    if (this.#session?.transactional === true && batches.length > 0) {
      try {
        await this.#session.addPartitions(batches);
      } catch (err) {
        for (const batch of batches) this.#fail(batch, err);
        return true;
      }
    }
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
        for (const b of list) this.#queue(b, true);
        continue;
      }
      this.#inFlight.set(nodeId, (this.#inFlight.get(nodeId) ?? 0) + 1);
      this.#sending++;
      void this.#sendTo(nodeId, list).finally(() => {
        this.#sending--;
        this.#inFlight.set(nodeId, (this.#inFlight.get(nodeId) ?? 1) - 1);
        this.#drain();
      });
    }
    return batches.length > 0;
  }

  /**
   * The batches to send now: one per partition (the lowest sequence first, so retries keep
   * their order), none for a partition waiting out a retry backoff. Idempotent batches are
   * stamped here, once (again after an epoch bump, which only follows answers saying the
   * broker does not have them).
   */
  #pick(): Batch[] {
    const first = new Map<string, Batch>();
    for (const [tp, list] of this.#ready) {
      if (this.#retrying.has(tp)) continue;
      first.set(tp, list.shift()!);
      this.#readyCount--;
      if (list.length === 0) this.#ready.delete(tp);
    }
    const session = this.#session;
    if (session !== undefined) {
      for (const [tp, batch] of first) {
        if (batch.sequence >= 0 && batch.producerId === session.producerId && batch.producerEpoch === session.producerEpoch) continue;
        batch.producerId = session.producerId;
        batch.producerEpoch = session.producerEpoch;
        batch.sequence = session.nextSequence(batch.topic, batch.partition, batch.records.length);
        batch.encoded = undefined;
        let set = this.#unresolved.get(tp);
        if (set === undefined) this.#unresolved.set(tp, (set = new Set()));
        set.add(batch);
      }
    }
    return [...first.values()];
  }

  async #encode(batch: Batch): Promise<Buffer> {
    if (batch.encoded !== undefined) return batch.encoded;
    const records = batch.records.map((p) => p.input);
    const options = {
      compression: this.#compression,
      compressionLevel: this.#compressionLevel,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.sequence,
      isTransactional: this.#session?.transactional === true,
    };
    batch.encoded = this.#compression === 'none' ? encodeRecordBatch(records, options) : await encodeRecordBatchAsync(records, options);
    return batch.encoded;
  }

  async #sendTo(nodeId: number, batches: Batch[]): Promise<void> {
    let response;
    const body: ProduceRequest = API.Produce.createRequest();
    try {
      const connection = await this.#core.metadata.connection(nodeId);
      const session = this.#session;
      let version = connection.versionFor(API.Produce);
      // Produce 12+ tells a transactions-v2 broker to add partitions implicitly (KIP-890):
      // the classic flow stays at 11, as the Java client does.
      if (session?.transactional === true && !session.v2) version = Math.min(version, 11);
      body.transactionalId = session?.transactionalId ?? null;
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
      response = await connection.request(API.Produce, body, { version, timeoutMs: this.#core.options.requestTimeoutMs + this.#ackTimeoutMs });
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
        // The broker has this batch already, from an attempt whose answer was lost.
        if (p.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER && batch.sequence >= 0) {
          this.#complete(batch, -1, -1);
          continue;
        }
        const error = KafkaError.fromCode(p.errorCode, { topic, partition: p.index, brokerMessage: p.errorMessage ?? p.recordErrors[0]?.batchIndexErrorMessage ?? null });
        if (error === null) this.#complete(batch, Number(p.baseOffset), Number(p.logAppendTimeMs));
        else if (!this.#sequenceError(batch, error)) this.#failOrRetry(batch, error);
      }
    }
    for (const b of batches) {
      if (!answered.has(b)) this.#failOrRetry(b, new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'the Produce response did not mention this partition', { topic: b.topic, partition: b.partition }));
    }
  }

  #complete(batch: Batch, baseOffset: number, logAppendTime: number): void {
    this.#resolved(batch);
    batch.records.forEach((p, i) => {
      this.#settle(p, null, {
        topic: batch.topic,
        partition: batch.partition,
        offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTime >= 0 ? logAppendTime : p.input.timestamp!,
      });
    });
  }

  #resolved(batch: Batch): void {
    if (batch.sequence < 0) return;
    const tp = `${batch.topic}\0${batch.partition}`;
    const set = this.#unresolved.get(tp);
    set?.delete(batch);
    if (set?.size === 0) this.#unresolved.delete(tp);
  }

  /**
   * OUT_OF_ORDER_SEQUENCE_NUMBER and UNKNOWN_PRODUCER_ID, as the Java client handles them.
   * Returns false when the error is not one of them (or idempotence is off).
   */
  #sequenceError(batch: Batch, error: KafkaError): boolean {
    const session = this.#session;
    if (session === undefined || batch.sequence < 0) return false;
    if (error.code !== ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && error.code !== ErrorCode.UNKNOWN_PRODUCER_ID) return false;
    const earlier = [...(this.#unresolved.get(`${batch.topic}\0${batch.partition}`) ?? [])].some(
      (b) => b !== batch && b.producerEpoch === batch.producerEpoch && b.producerId === batch.producerId && b.sequence < batch.sequence,
    );
    // An earlier batch of the partition is being retried: this one follows it, at no cost in attempts.
    if (error.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && earlier) {
      this.#retryLater(batch, 1);
      return true;
    }
    // A gap the broker will never see filled, or the broker forgot us: in a transaction the
    // transaction must abort; otherwise a new epoch restarts the sequences (KIP-360).
    if (session.transactional) return false;
    session.bumpNeeded = true;
    batch.attempts++;
    if (batch.attempts > this.#core.options.retries || this.#closed) return false;
    this.#retryLater(batch, batch.attempts);
    return true;
  }

  #failOrRetry(batch: Batch, err: unknown): void {
    batch.attempts++;
    if (err instanceof KafkaError && err.retriable && batch.attempts <= this.#core.options.retries && !this.#closed) {
      if (err.staleMetadata) this.#core.metadata.markStale();
      this.#retryLater(batch, batch.attempts);
      return;
    }
    this.#fail(batch, err instanceof KafkaError && batch.attempts > 1 ? err.withAttempts(batch.attempts) : err);
  }

  /** Puts a batch back after a backoff; its partition sends nothing else meanwhile. */
  #retryLater(batch: Batch, attempt: number): void {
    const tp = `${batch.topic}\0${batch.partition}`;
    this.#retrying.set(tp, (this.#retrying.get(tp) ?? 0) + 1);
    void sleep(this.#core.backoff(attempt)).then(() => {
      const n = (this.#retrying.get(tp) ?? 1) - 1;
      if (n === 0) this.#retrying.delete(tp);
      else this.#retrying.set(tp, n);
      this.#queue(batch);
      this.#drain();
    });
  }

  /** A batch lost for good: its sequence leaves a gap (new epoch), its transaction must abort. */
  #fail(batch: Batch, err: unknown): void {
    if (batch.sequence >= 0 && this.#session !== undefined) {
      this.#resolved(batch);
      if (this.#session.transactional) {
        this.#txnBatchFailed = true;
        this.#session.batchFailed(err);
      } else if (batch.producerId === this.#session.producerId && batch.producerEpoch === this.#session.producerEpoch) {
        this.#session.bumpNeeded = true;
      }
    } else if (this.#session?.transactional === true) {
      this.#txnBatchFailed = true;
      this.#session.batchFailed(err);
    }
    for (const p of batch.records) this.#settle(p, err);
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
