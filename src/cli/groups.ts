// `runnel groups list|describe`: consumer groups, their members and, per partition, the
// committed offset, the end offset and the lag between them.

import { COMMON_HELP, COMMON_OPTIONS, UsageError, clientOptions, helpWanted, integer, parse, printJson, printTable, write } from './common.ts';

export const GROUPS_HELP = `Usage: runnel groups <list|describe|delete|reset-offsets> [group...] [options]

  runnel groups list                   groups with their state and protocol type
  runnel groups describe <group>...    members, and committed offset and lag per partition
  runnel groups delete <group>...      delete empty groups
  runnel groups reset-offsets <group> --topic <t> <where> [--partition N] [--dry-run]
                                       set an inactive group's committed offsets

Where to (reset-offsets):
      --to-earliest | --to-latest | --to-offset <n> | --to-datetime <time> | --shift-by=<n> (negative: back)

${COMMON_HELP}

Examples:
  runnel groups list
  runnel groups describe billing --json
  runnel groups reset-offsets billing --topic orders --to-earliest
  runnel groups reset-offsets billing --topic orders --partition 0 --shift-by=-10 --dry-run
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  topic: { type: 'string', short: 't' },
  partition: { type: 'string', short: 'p' },
  'to-earliest': { type: 'boolean' },
  'to-latest': { type: 'boolean' },
  'to-offset': { type: 'string' },
  'to-datetime': { type: 'string' },
  'shift-by': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

export async function groupsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (helpWanted(values, GROUPS_HELP)) return 0;
  const [action, ...groups] = positionals;
  const { Admin } = await import('../client/index.ts');
  const admin = new Admin(clientOptions(values));
  try {
    switch (action) {
      case 'list': {
        const listed = await admin.listGroups();
        if (values.json) printJson(listed);
        else printTable(['GROUP', 'STATE', 'TYPE', 'PROTOCOL'], listed.map((g) => [g.groupId, g.state, g.type, g.protocolType]));
        return 0;
      }
      case 'describe': {
        if (groups.length === 0) throw new UsageError('groups describe needs a group');
        const described = [];
        for (const group of groups) {
          const [description] = await admin.describeGroups([group]);
          const offsets = await admin.listGroupOffsets(group);
          const topics = [...new Set(offsets.map((o) => o.topic))];
          const ends = new Map<string, number>();
          for (const topic of topics) {
            for (const o of await admin.listOffsets(topic, 'latest').catch(() => [])) ends.set(`${topic}\0${o.partition}`, o.offset);
          }
          const owner = new Map<string, string>();
          for (const m of description!.members) for (const a of m.assignment) for (const p of a.partitions) owner.set(`${a.topic}\0${p}`, m.clientId || m.memberId);
          described.push({
            ...description!,
            offsets: offsets.map((o) => {
              const end = ends.get(`${o.topic}\0${o.partition}`) ?? -1;
              return { ...o, endOffset: end, lag: o.offset >= 0 && end >= 0 ? end - o.offset : null, member: owner.get(`${o.topic}\0${o.partition}`) ?? null };
            }),
          });
        }
        if (values.json) printJson(described);
        else {
          for (const g of described) {
            write(`group ${g.groupId}: ${g.state}, ${g.members.length} member${g.members.length === 1 ? '' : 's'}${g.protocol ? `, assignor ${g.protocol}` : ''}\n`);
            printTable(['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'MEMBER'], g.offsets.map((o) => [o.topic, o.partition, o.offset, o.endOffset, o.lag, o.member]));
          }
        }
        return 0;
      }
      case 'delete': {
        if (groups.length === 0) throw new UsageError('groups delete needs a group');
        await admin.deleteGroups(groups);
        if (values.json) printJson({ deleted: groups });
        else write(`deleted ${groups.length === 1 ? `group ${groups[0]}` : `groups ${groups.join(', ')}`}\n`);
        return 0;
      }
      case 'reset-offsets': {
        if (groups.length !== 1) throw new UsageError('groups reset-offsets needs one group');
        const topic = values.topic;
        if (topic === undefined) throw new UsageError('groups reset-offsets needs --topic');
        const targets = (['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'shift-by'] as const).filter((k) => values[k] !== undefined);
        if (targets.length !== 1) throw new UsageError('give one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by');
        const partition = integer(values.partition, '--partition');
        const group = groups[0]!;
        const [earliest, latest] = await Promise.all([admin.listOffsets(topic, 'earliest'), admin.listOffsets(topic, 'latest')]);
        const committed = await admin.listGroupOffsets(group);
        let targetOf: (p: number) => Promise<number> | number;
        const bounds = (p: number, o: number) => Math.min(Math.max(o, earliest.find((x) => x.partition === p)!.offset), latest.find((x) => x.partition === p)!.offset);
        if (values['to-earliest']) targetOf = (p) => earliest.find((x) => x.partition === p)!.offset;
        else if (values['to-latest']) targetOf = (p) => latest.find((x) => x.partition === p)!.offset;
        else if (values['to-offset'] !== undefined) {
          const n = integer(values['to-offset'], '--to-offset')!;
          targetOf = (p) => bounds(p, n);
        } else if (values['shift-by'] !== undefined) {
          const by = integer(values['shift-by'], '--shift-by', Number.MIN_SAFE_INTEGER)!;
          targetOf = (p) => {
            const c = committed.find((o) => o.topic === topic && o.partition === p)?.offset ?? -1;
            return bounds(p, (c >= 0 ? c : latest.find((x) => x.partition === p)!.offset) + by);
          };
        } else {
          const text = values['to-datetime']!;
          const time = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
          if (Number.isNaN(time)) throw new UsageError(`--to-datetime must be milliseconds since the epoch or an ISO 8601 time, got ${JSON.stringify(text)}`);
          const found = await admin.listOffsets(topic, { timestamp: time });
          targetOf = (p) => {
            const o = found.find((x) => x.partition === p)!.offset;
            return o >= 0 ? o : latest.find((x) => x.partition === p)!.offset;
          };
        }
        const partitions = latest.map((o) => o.partition).filter((p) => partition === undefined || p === partition);
        if (partition !== undefined && partitions.length === 0) throw new UsageError(`topic ${topic} has no partition ${partition}`);
        const plan = [];
        for (const p of partitions) {
          plan.push({ topic, partition: p, from: committed.find((o) => o.topic === topic && o.partition === p)?.offset ?? -1, offset: await targetOf(p) });
        }
        if (!values['dry-run']) await admin.alterGroupOffsets(group, plan);
        if (values.json) printJson({ group, dryRun: values['dry-run'] ?? false, offsets: plan });
        else {
          printTable(['TOPIC', 'PARTITION', 'FROM', 'TO'], plan.map((o) => [o.topic, o.partition, o.from, o.offset]));
          if (values['dry-run']) write('(dry run: nothing changed)\n');
        }
        return 0;
      }
      default:
        throw new UsageError(action === undefined ? 'missing action: list, describe, delete or reset-offsets' : `unknown action '${action}': list, describe, delete or reset-offsets`);
    }
  } finally {
    await admin.close();
  }
}
