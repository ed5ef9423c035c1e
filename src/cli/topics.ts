// `runnel topics create|list|describe|alter|delete`: topic administration through the
// client's Admin.

import { COMMON_HELP, COMMON_OPTIONS, UsageError, clientOptions, helpWanted, integer, pairs, parse, printJson, printTable, write } from './common.ts';

export const TOPICS_HELP = `Usage: runnel topics <create|list|describe|alter|delete> [options]

  runnel topics create <topic> [--partitions N] [--replication-factor N] [--config k=v]... [--if-not-exists]
  runnel topics list [--internal]
  runnel topics describe <topic>...          partitions, leaders, replicas, offsets
  runnel topics alter <topic> [--partitions N] [--config k=v]... [--delete-config k]...
  runnel topics delete <topic>... [--if-exists]

${COMMON_HELP}

Examples:
  runnel topics create orders --partitions 3 --config retention.ms=86400000
  runnel topics list
  runnel topics describe orders --json
  runnel topics alter orders --partitions 6
  runnel topics delete orders
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  partitions: { type: 'string', short: 'p' },
  'replication-factor': { type: 'string', short: 'r' },
  config: { type: 'string', short: 'c', multiple: true },
  'delete-config': { type: 'string', multiple: true },
  'if-not-exists': { type: 'boolean' },
  'if-exists': { type: 'boolean' },
  internal: { type: 'boolean' },
} as const;

export async function topicsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (helpWanted(values, TOPICS_HELP)) return 0;
  const [action, ...names] = positionals;
  if (action === undefined) throw new UsageError('missing action: create, list, describe, alter or delete');
  const needNames = (n: number | 'some') => {
    if (n === 'some' ? names.length === 0 : names.length !== n) throw new UsageError(`topics ${action} needs ${n === 'some' ? 'at least one topic' : 'one topic'}`);
  };
  const { Admin } = await import('../client/index.ts');
  const admin = new Admin(clientOptions(values));
  try {
    switch (action) {
      case 'list': {
        if (names.length > 0) throw new UsageError('topics list takes no topic');
        const topics = await admin.listTopics({ includeInternal: values.internal ?? false });
        if (values.json) printJson(topics);
        else for (const t of topics) write(`${t}\n`);
        return 0;
      }
      case 'create': {
        needNames(1);
        const numPartitions = integer(values.partitions, '--partitions', 1);
        const replicationFactor = integer(values['replication-factor'], '--replication-factor', 1);
        try {
          const [created] = await admin.createTopics([
            { name: names[0]!, numPartitions: numPartitions ?? -1, replicationFactor: replicationFactor ?? -1, configs: Object.fromEntries(pairs(values.config, '--config')) },
          ]);
          if (values.json) printJson(created);
          else write(`created topic ${created!.name} with ${created!.numPartitions} partition${created!.numPartitions === 1 ? '' : 's'}\n`);
        } catch (err) {
          if (values['if-not-exists'] && (err as { kafkaName?: string }).kafkaName === 'TOPIC_ALREADY_EXISTS') {
            if (values.json) printJson({ name: names[0], existed: true });
            return 0;
          }
          throw err;
        }
        return 0;
      }
      case 'describe': {
        needNames('some');
        const topics = await admin.describeTopics(names);
        const offsets = await Promise.all(
          topics.map(async (t) => {
            const [earliest, latest] = await Promise.all([admin.listOffsets(t.name, 'earliest'), admin.listOffsets(t.name, 'latest')]);
            return { earliest, latest };
          }),
        );
        const described = topics.map((t, i) => ({
          name: t.name,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => ({
            partition: p.partition,
            leader: p.leader,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicas,
            isr: p.isr,
            earliestOffset: offsets[i]!.earliest.find((o) => o.partition === p.partition)?.offset ?? -1,
            latestOffset: offsets[i]!.latest.find((o) => o.partition === p.partition)?.offset ?? -1,
          })),
        }));
        if (values.json) printJson(described);
        else {
          const rows = described.flatMap((t) =>
            t.partitions.map((p) => [t.name, p.partition, p.leader, p.replicas.join(','), p.isr.join(','), p.earliestOffset, p.latestOffset, p.latestOffset - p.earliestOffset]),
          );
          printTable(['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'EARLIEST', 'LATEST', 'RECORDS'], rows);
        }
        return 0;
      }
      case 'alter': {
        needNames(1);
        const topic = names[0]!;
        const count = integer(values.partitions, '--partitions', 1);
        const set = pairs(values.config, '--config');
        const del = values['delete-config'] ?? [];
        if (count === undefined && set.length === 0 && del.length === 0) throw new UsageError('topics alter needs --partitions, --config or --delete-config');
        if (count !== undefined) await admin.createPartitions([{ topic, count }]);
        if (set.length > 0 || del.length > 0) {
          await admin.alterConfigs({ type: 'topic', name: topic }, [
            ...set.map(([name, value]) => ({ name, value, op: 'set' as const })),
            ...del.map((name) => ({ name, op: 'delete' as const })),
          ]);
        }
        if (values.json) printJson({ name: topic, altered: true });
        else write(`altered topic ${topic}\n`);
        return 0;
      }
      case 'delete': {
        needNames('some');
        try {
          await admin.deleteTopics(names);
        } catch (err) {
          const e = err as { kafkaName?: string; errors?: { kafkaName: string }[] };
          const all = e.errors && e.errors.length > 0 ? e.errors : [e];
          if (!(values['if-exists'] && all.every((x) => x.kafkaName === 'UNKNOWN_TOPIC_OR_PARTITION'))) throw err;
        }
        if (values.json) printJson({ deleted: names });
        else write(`deleted ${names.length === 1 ? `topic ${names[0]}` : `topics ${names.join(', ')}`}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown action '${action}': create, list, describe, alter or delete`);
    }
  } finally {
    await admin.close();
  }
}
