// `runnel groups list|describe`: consumer groups, their members and, per partition, the
// committed offset, the end offset and the lag between them.

import { COMMON_HELP, COMMON_OPTIONS, UsageError, bootstrapFrom, clientOptions, helpWanted, parse, printJson, printTable, write } from './common.ts';

export const GROUPS_HELP = `Usage: runnel groups <list|describe|delete> [group...] [options]

  runnel groups list                   groups with their state and protocol type
  runnel groups describe <group>...    members, and committed offset and lag per partition
  runnel groups delete <group>...      delete empty groups

${COMMON_HELP}

Examples:
  runnel groups list
  runnel groups describe billing --json
`;

export async function groupsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, COMMON_OPTIONS);
  if (helpWanted(values, GROUPS_HELP)) return 0;
  const [action, ...groups] = positionals;
  const { Admin } = await import('../client/index.ts');
  const admin = new Admin(clientOptions(bootstrapFrom(values.bootstrap)));
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
      default:
        throw new UsageError(action === undefined ? 'missing action: list, describe or delete' : `unknown action '${action}': list, describe or delete`);
    }
  } finally {
    await admin.close();
  }
}
