// Fetch (key 1), versions 4-18. Versions 0-3 carry the legacy message formats and are not
// served (as in Kafka 4): a request at one closes the connection.
//
// Reads every requested partition from its fetch offset up to the high watermark (the last
// stable offset for read_committed, with the aborted transactions that overlap what is
// returned, from the partition's .txnindex entries, so consumers drop their records), and
// returns the segment bytes as they are on disk. Limits: MaxBytes (capped by the broker's
// fetch.max.bytes) for the response and PartitionMaxBytes per partition, except that the
// first batch of the first partition with data is returned whole even when larger (KIP-74),
// so a consumer can always make progress.
// Long polling: while fewer than MinBytes are available and MaxWaitMs has not passed, the
// request waits for an append to any of its partitions, then reads again. A partition
// error answers at once.
// Errors per partition: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID (v13+, topics by id),
// OFFSET_OUT_OF_RANGE (with the high watermark and log start offset, so the client can
// reset), FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH against the partition's leader epoch.
// Fetch sessions (KIP-227, src/broker/fetch-sessions.ts): SessionEpoch 0 opens a session
// (answered with its id, or 0 when the cache is full), later epochs send only changes and
// get only partitions with news; -1 fetches without a session (closing one if named).
// FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH and FETCH_SESSION_TOPIC_ID_ERROR
// (a session opened with topic names and continued with topic ids, or the reverse) as Kafka.

import { API, ErrorCode } from '../../protocol/index.ts';
import type { PartitionLog, TopicMetadata } from '../../storage/index.ts';
import type { Broker } from '../broker.ts';
import { ACL_OPERATION, authorized, RESOURCE_TYPE } from '../auth/authorizer.ts';
import { defineHandler, type RequestContext } from '../dispatch.ts';
import { FETCH_SESSIONS, FINAL_EPOCH, INITIAL_EPOCH, type FetchSession, type SessionPartition } from '../fetch-sessions.ts';
import { readBuffers } from '../read-buffers.ts';

const LEADER_EPOCH = 0;
const READ_COMMITTED = 1;
const EMPTY = Buffer.alloc(0);
/** Segment bytes go into pooled buffers, which the connection puts back once it has written them (read-buffers.ts). */
const take = (size: number): Buffer => readBuffers.take(size);

type FetchResponse = ReturnType<typeof API.Fetch.createResponse>;
type PartitionData = FetchResponse['responses'][number]['partitions'][number];

/** One partition to read, resolved once per request; the read loop may run several times. */
interface Target {
  readonly topicKey: string;
  readonly topic: string;
  readonly topicId: string;
  readonly partitionIndex: number;
  readonly log: PartitionLog | undefined;
  readonly errorCode: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  /** The session's memory of this partition, when the request belongs to a session. */
  readonly cached: SessionPartition | undefined;
}

// The tagged fields a single broker never sets, shared by every partition of every response
// (the encoder only reads them): four objects per partition per fetch were a third of the
// handler's cost for a consumer polling 1,000 idle partitions. Made on first use, so that
// starting the broker does not load the Fetch message module.
type UnsetTags = Pick<PartitionData, 'divergingEpoch' | 'currentLeader' | 'snapshotId'>;
let unsetTags: UnsetTags | undefined;
function untagged(): UnsetTags {
  if (unsetTags) return unsetTags;
  const m = API.Fetch.messages();
  return (unsetTags = {
    divergingEpoch: Object.freeze(m.createEpochEndOffset()),
    currentLeader: Object.freeze(m.createLeaderIdAndEpoch()),
    snapshotId: Object.freeze(m.createSnapshotId()),
  });
}

function partitionData(partitionIndex: number, errorCode: number, log: PartitionLog | undefined, readCommitted: boolean): PartitionData {
  const tags = untagged();
  return {
    partitionIndex,
    errorCode,
    highWatermark: log ? BigInt(log.highWatermark) : -1n,
    lastStableOffset: log ? BigInt(log.lastStableOffset) : -1n,
    logStartOffset: log ? BigInt(log.logStartOffset) : -1n,
    divergingEpoch: tags.divergingEpoch,
    currentLeader: tags.currentLeader,
    snapshotId: tags.snapshotId,
    abortedTransactions: readCommitted ? [] : null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

/** A requested topic, looked up and checked for READ (ACLs, issue 6) once per request, not per partition. */
interface RequestedTopic {
  readonly topic: TopicMetadata | undefined;
  readonly readable: boolean;
}

function topicLookup(ctx: RequestContext, usesTopicIds: boolean): (topicKey: string) => RequestedTopic {
  const seen = new Map<string, RequestedTopic>();
  return (topicKey) => {
    let found = seen.get(topicKey);
    if (!found) {
      const topic = usesTopicIds ? ctx.broker.logs.topicById(topicKey) : ctx.broker.logs.topic(topicKey);
      found = { topic, readable: topic !== undefined && authorized(ctx, ACL_OPERATION.READ, RESOURCE_TYPE.TOPIC, topic.name) };
      seen.set(topicKey, found);
    }
    return found;
  };
}

function resolve(
  broker: Broker,
  usesTopicIds: boolean,
  requested: RequestedTopic,
  topicKey: string,
  partitionIndex: number,
  state: { fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number },
  cached?: SessionPartition,
): Target {
  const { topic } = requested;
  let log = topic ? broker.logs.partition(topic.name, partitionIndex) : undefined;
  let errorCode: number = 0;
  if (!topic) errorCode = usesTopicIds ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  else if (!log) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  else if (!requested.readable) {
    errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    log = undefined;
  } else if (state.currentLeaderEpoch > LEADER_EPOCH) errorCode = ErrorCode.UNKNOWN_LEADER_EPOCH;
  else if (state.currentLeaderEpoch >= 0 && state.currentLeaderEpoch < LEADER_EPOCH) errorCode = ErrorCode.FENCED_LEADER_EPOCH;
  return {
    topicKey,
    topic: usesTopicIds ? '' : topicKey,
    topicId: usesTopicIds ? topicKey : (topic?.topicId ?? ''),
    partitionIndex,
    log,
    errorCode,
    fetchOffset: Number(state.fetchOffset),
    partitionMaxBytes: state.partitionMaxBytes,
    cached,
  };
}

export const fetchHandler = defineHandler(API.Fetch, {
  minVersion: 4,
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const response = API.Fetch.createResponse();
    const readCommitted = request.isolationLevel === READ_COMMITTED;
    const usesTopicIds = apiVersion >= 13;
    const keyOf = (t: { topic: string; topicId: string }) => (usesTopicIds ? t.topicId : t.topic);

    // The session, if any: opened, continued or closed by this request (v7+).
    let session: FetchSession | undefined;
    let incremental = false;
    if (apiVersion >= 7) {
      const sessions = broker.component(FETCH_SESSIONS);
      const { sessionId, sessionEpoch } = request;
      if (sessionEpoch === FINAL_EPOCH || sessionEpoch === INITIAL_EPOCH) {
        if (sessionId !== 0) sessions.remove(sessionId);
        if (sessionEpoch === INITIAL_EPOCH) session = sessions.create(usesTopicIds);
      } else {
        session = sessions.use(sessionId);
        const problem = !session
          ? ErrorCode.FETCH_SESSION_ID_NOT_FOUND
          : session.epoch !== sessionEpoch
            ? ErrorCode.INVALID_FETCH_SESSION_EPOCH
            : session.usesTopicIds !== usesTopicIds
              ? ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR
              : 0;
        if (problem !== 0) {
          response.errorCode = problem;
          return response;
        }
        session!.advanceEpoch();
        incremental = true;
      }
      if (session) {
        for (const t of request.topics) {
          for (const p of t.partitions) session.upsert(keyOf(t), p.partition, p);
        }
        for (const f of request.forgottenTopicsData) {
          for (const partition of f.partitions) session.forget(usesTopicIds ? f.topicId : f.topic, partition);
        }
      }
      response.sessionId = session?.id ?? 0;
    }

    const lookup = topicLookup(ctx, usesTopicIds);
    const targets: Target[] = [];
    if (session) {
      for (const c of session.partitions.values()) targets.push(resolve(broker, usesTopicIds, lookup(c.topicKey), c.topicKey, c.partition, c, c));
    } else {
      for (const t of request.topics) {
        const key = keyOf(t);
        const requested = lookup(key);
        for (const p of t.partitions) targets.push(resolve(broker, usesTopicIds, requested, key, p.partition, p));
      }
    }
    // The logs whose appends wake a long poll: collected at its first wait, since most fetches
    // are answered at once.
    let wakeOn: PartitionLog[] | undefined;
    const maxBytes = Math.min(request.maxBytes, broker.config.number('fetch.max.bytes'));
    const deadline = Date.now() + Math.max(request.maxWaitMs, 0);

    for (;;) {
      let remaining = maxBytes;
      let total = 0;
      let anyError = false;
      const results = targets.map((target): PartitionData => {
        if (target.errorCode !== 0) {
          anyError = true;
          return partitionData(target.partitionIndex, target.errorCode, target.log, readCommitted);
        }
        const log = target.log!;
        const maxOffset = readCommitted ? log.lastStableOffset : log.highWatermark;
        // Caught up (the usual case of a consumer following many partitions): nothing to read.
        if (target.fetchOffset === maxOffset && target.fetchOffset >= log.logStartOffset && !log.closed) return partitionData(target.partitionIndex, 0, log, readCommitted);
        const limit = Math.max(Math.min(target.partitionMaxBytes, remaining), 0);
        let read;
        try {
          read = log.read(target.fetchOffset, limit, { minOneBatch: total === 0, maxOffset, allocate: take });
        } catch (err) {
          // The topic may have been deleted while this request waited.
          anyError = true;
          if (log.closed !== true) broker.logger.error('fetch read failed', { cause: err });
          return partitionData(target.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, undefined, readCommitted);
        }
        if (read.errorCode !== 0) {
          anyError = true;
          return partitionData(target.partitionIndex, ErrorCode.OFFSET_OUT_OF_RANGE, log, readCommitted);
        }
        const data = partitionData(target.partitionIndex, 0, log, readCommitted);
        if (readCommitted && read.bytes > 0) {
          data.abortedTransactions = log
            .abortedTransactions(target.fetchOffset, log.lastStableOffset)
            .map((a) => ({ producerId: a.producerId, firstOffset: BigInt(a.firstOffset) }));
        }
        if (read.bytes > 0) {
          data.records = read.chunks;
          total += read.bytes;
          remaining -= read.bytes;
        }
        return data;
      });
      const waitMs = deadline - Date.now();
      if (anyError || total >= request.minBytes || waitMs <= 0 || ctx.signal.aborted || !targets.some((t) => t.log !== undefined)) {
        response.responses = buildResponses(targets, results, session, incremental);
        return response;
      }
      // Not enough yet: these reads are dropped, their buffers go back to the pool.
      for (const data of results) if (Array.isArray(data.records)) readBuffers.release(data.records);
      if (!wakeOn) {
        wakeOn = [];
        for (const t of targets) if (t.log) wakeOn.push(t.log);
      }
      await broker.appends.wait(wakeOn, waitMs, ctx.signal);
    }
  },
});

/**
 * Groups partition results by topic, in fetch order. In a session, remembers what each
 * partition was told; an incremental response leaves out partitions with no news, and a
 * partition that returned records moves to the back of the session's fetch order.
 */
function buildResponses(targets: Target[], results: PartitionData[], session: FetchSession | undefined, incremental: boolean) {
  const responses: FetchResponse['responses'] = [];
  targets.forEach((target, i) => {
    const data = results[i]!;
    const cached = target.cached;
    if (cached) {
      const hasRecords = data.records !== EMPTY;
      const news =
        data.errorCode !== 0 ||
        hasRecords ||
        data.highWatermark !== cached.highWatermark ||
        data.lastStableOffset !== cached.lastStableOffset ||
        data.logStartOffset !== cached.logStartOffset;
      if (incremental && !news) return;
      cached.highWatermark = data.highWatermark;
      cached.lastStableOffset = data.lastStableOffset;
      cached.logStartOffset = data.logStartOffset;
      if (hasRecords) session!.rotate(cached);
    }
    const last = responses.at(-1);
    if (last && (last.topicId === target.topicId && last.topic === target.topic)) last.partitions.push(data);
    else responses.push({ topic: target.topic, topicId: target.topicId, partitions: [data] });
  });
  return responses;
}
