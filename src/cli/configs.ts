// `runnel configs get|set`: topic (or broker) configs through DescribeConfigs and
// IncrementalAlterConfigs.

import { COMMON_HELP, COMMON_OPTIONS, UsageError, clientOptions, helpWanted, pairs, parse, printJson, printTable, write } from './common.ts';

export const CONFIGS_HELP = `Usage: runnel configs <get|set> <topic> [options]

  runnel configs get <topic> [key...]                 a topic's configs and where each comes from
  runnel configs set <topic> key=value... [--delete key]...
  runnel configs get --broker <id> [key...]           a broker's configs

Options:
      --broker <id>       a broker's configs instead of a topic's
      --delete <key>      revert a config to its default (repeatable)
${COMMON_HELP}

Examples:
  runnel configs get orders
  runnel configs get orders retention.ms cleanup.policy --json
  runnel configs set orders retention.ms=3600000 cleanup.policy=compact
  runnel configs set orders --delete retention.ms
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  broker: { type: 'string' },
  delete: { type: 'string', multiple: true },
} as const;

export async function configsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (helpWanted(values, CONFIGS_HELP)) return 0;
  const [action, ...rest] = positionals;
  if (action !== 'get' && action !== 'set') throw new UsageError(action === undefined ? 'missing action: get or set' : `unknown action '${action}': get or set`);
  let resource: { type: 'topic' | 'broker'; name: string };
  let args: string[];
  if (values.broker !== undefined) {
    resource = { type: 'broker', name: values.broker };
    args = rest;
  } else {
    if (rest.length === 0) throw new UsageError(`configs ${action} needs a topic (or --broker <id>)`);
    resource = { type: 'topic', name: rest[0]! };
    args = rest.slice(1);
  }
  const { Admin } = await import('../client/index.ts');
  const admin = new Admin(clientOptions(values));
  try {
    if (action === 'get') {
      const entries = await admin.describeConfigs(resource, args.length > 0 ? args : undefined);
      if (values.json) printJson(Object.fromEntries(entries.map((e) => [e.name, { value: e.value, source: e.source, readOnly: e.readOnly, sensitive: e.isSensitive }])));
      else printTable(['NAME', 'VALUE', 'SOURCE'], entries.map((e) => [e.name, e.isSensitive ? '(sensitive)' : e.value, e.source]));
      return 0;
    }
    const set = pairs(args, 'configs set');
    const del = values.delete ?? [];
    if (set.length === 0 && del.length === 0) throw new UsageError('configs set needs key=value pairs or --delete key');
    await admin.alterConfigs(resource, [...set.map(([name, value]) => ({ name, value })), ...del.map((name) => ({ name, op: 'delete' as const }))]);
    if (values.json) printJson({ [resource.type]: resource.name, set: Object.fromEntries(set), deleted: del });
    else write(`updated ${set.length + del.length} config${set.length + del.length === 1 ? '' : 's'} of ${resource.type} ${resource.name}\n`);
    return 0;
  } finally {
    await admin.close();
  }
}
