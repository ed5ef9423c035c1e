// `runnel consume <topic>`: prints records, by default from the beginning up to the end
// as it was when the command started, then exits; --follow keeps waiting for new records.
// --group reads as a member of a consumer group (committing what was printed) where the
// broker serves groups.

import type { ConsumerRecord, StartOffset } from '../client/index.ts';
import { COMMON_HELP, COMMON_OPTIONS, UsageError, clientOptions, helpWanted, integer, parse, write } from './common.ts';

export const CONSUME_HELP = `Usage: runnel consume <topic> [options]

Prints the topic's records, from the beginning to the current end, then exits.

Options:
      --from-beginning         start at the earliest offset (the default without --follow)
  -o, --offset <n|beginning|end>  start at this offset in each partition
      --timestamp <time>       start at the first record at or after this time (ms since epoch or ISO 8601)
  -p, --partition <n>          read only this partition
  -n, --max-messages <n>       exit after n records
  -f, --follow                 keep waiting for new records (starts at the end unless told otherwise)
      --format <text|json>     text: the value (with --print-key: key<TAB>value); json: one object per line
      --print-key              in text format, print the key before the value
  -g, --group <group>          consume as a member of this consumer group
      --group-protocol <p>     classic (default) or consumer (KIP-848: the broker assigns)
      --isolation-level <l>    read_uncommitted (default) or read_committed: only committed
                               transactions, up to the last stable offset
${COMMON_HELP}

Examples:
  runnel consume greetings
  runnel consume greetings --follow
  runnel consume orders --partition 1 --offset 100 --max-messages 10
  runnel consume events --timestamp 2026-01-01T00:00:00Z --format json
  runnel consume payments --isolation-level read_committed --group billing --group-protocol consumer
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  'from-beginning': { type: 'boolean' },
  offset: { type: 'string', short: 'o' },
  timestamp: { type: 'string' },
  partition: { type: 'string', short: 'p' },
  'max-messages': { type: 'string', short: 'n' },
  follow: { type: 'boolean', short: 'f' },
  format: { type: 'string' },
  'print-key': { type: 'boolean' },
  group: { type: 'string', short: 'g' },
  'group-protocol': { type: 'string' },
  'isolation-level': { type: 'string' },
} as const;

function parseTime(text: string): number {
  const n = Number(text);
  if (text.trim() !== '' && Number.isFinite(n)) return n;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--timestamp must be milliseconds since the epoch or an ISO 8601 time, got ${JSON.stringify(text)}`);
  return t;
}

function toJson(r: ConsumerRecord): string {
  return JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key?.toString('utf8') ?? null,
    value: r.value?.toString('utf8') ?? null,
    headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString('utf8') ?? null])),
  });
}

export async function consumeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (helpWanted(values, CONSUME_HELP)) return 0;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing topic' : `one topic only, got ${positionals.join(' ')}`);
  const topic = positionals[0]!;
  const format = values.format ?? (values.json ? 'json' : 'text');
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
  const starts = [values['from-beginning'], values.offset, values.timestamp].filter((v) => v !== undefined);
  if (starts.length > 1) throw new UsageError('use one of --from-beginning, --offset and --timestamp');
  let start: StartOffset = values.follow ? 'latest' : 'earliest';
  if (values['from-beginning']) start = 'earliest';
  if (values.offset !== undefined) {
    if (values.offset === 'beginning') start = 'earliest';
    else if (values.offset === 'end') start = 'latest';
    else start = integer(values.offset, '--offset')!;
  }
  if (values.timestamp !== undefined) start = { timestamp: parseTime(values.timestamp) };
  const partition = integer(values.partition, '--partition');
  const max = integer(values['max-messages'], '--max-messages', 1);
  const group = values.group;
  if (group !== undefined && (values.offset !== undefined || values.timestamp !== undefined || partition !== undefined)) {
    throw new UsageError('--group reads from the committed offsets of the partitions the group assigns: --offset, --timestamp and --partition do not apply');
  }

  const groupProtocol = values['group-protocol'];
  if (groupProtocol !== undefined && groupProtocol !== 'classic' && groupProtocol !== 'consumer') throw new UsageError('--group-protocol must be classic or consumer');
  if (groupProtocol !== undefined && group === undefined) throw new UsageError('--group-protocol needs --group');
  const isolationLevel = values['isolation-level'] ?? 'read_uncommitted';
  if (isolationLevel !== 'read_uncommitted' && isolationLevel !== 'read_committed') throw new UsageError('--isolation-level must be read_uncommitted or read_committed');

  const { Admin, Consumer } = await import('../client/index.ts');
  const consumer = new Consumer({
    ...clientOptions(values),
    maxWaitMs: 500,
    isolationLevel,
    ...(group === undefined ? {} : { groupId: group, autoOffsetReset: start === 'latest' ? 'latest' : 'earliest', heartbeatIntervalMs: 1000, ...(groupProtocol === undefined ? {} : { groupProtocol }) }),
  });
  let stopping = false;
  const stop = () => {
    stopping = true;
    void consumer.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A closed pipe (| head) ends the command quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stop();
  });
  let printed = 0;
  try {
    if (group === undefined) await consumer.assign([{ topic, ...(partition === undefined ? {} : { partition }), offset: start }]);
    else consumer.subscribe([topic]);
    // Without --follow: stop at the end offsets of when we started.
    const ends = new Map<number, number>();
    if (!values.follow) {
      const admin = new Admin(clientOptions(values));
      try {
        // read_committed ends at the last stable offset: an open transaction is not waited for.
        for (const o of await admin.listOffsets(topic, 'latest', isolationLevel)) if (partition === undefined || o.partition === partition) ends.set(o.partition, o.offset);
      } finally {
        await admin.close();
      }
    }
    const done = (): boolean => {
      if (max !== undefined && printed >= max) return true;
      if (values.follow) return false;
      if (group !== undefined) {
        // A member is done when the partitions the group gave it are read to their ends.
        const assigned = consumer.assignment();
        if (assigned.length === 0) return false;
        return assigned.every((tp) => {
          const position = consumer.position(tp);
          return position !== null && position >= (ends.get(tp.partition) ?? 0);
        });
      }
      for (const [p, end] of ends) {
        const position = consumer.position({ topic, partition: p });
        if (position === null || position < end) return false;
      }
      return true;
    };
    let out = '';
    const flush = () => {
      if (out !== '') write(out);
      out = '';
    };
    while (!stopping && !done()) {
      const records = await consumer.poll();
      for (const r of records) {
        if (!values.follow && r.offset >= (ends.get(r.partition) ?? Infinity)) continue;
        if (format === 'json') out += `${toJson(r)}\n`;
        else out += `${values['print-key'] ? `${r.key?.toString('utf8') ?? ''}\t` : ''}${r.value?.toString('utf8') ?? ''}\n`;
        printed++;
        if (max !== undefined && printed >= max) break;
      }
      flush();
    }
  } catch (err) {
    if (!stopping) throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await consumer.close();
  }
  return 0;
}
