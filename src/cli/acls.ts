// `runnel acls list|create|delete`: ACLs through CreateAcls, DescribeAcls and DeleteAcls,
// with kafka-acls.sh's options (--allow-principal, --deny-principal, --allow-host,
// --deny-host, --operation, --topic, --group, --cluster, --transactional-id,
// --resource-pattern-type), so that its recipes carry over.

import type { AclBinding, AclFilter, AclOperation, AclPatternType, AclResourceType } from '../client/index.ts';
import { COMMON_HELP, COMMON_OPTIONS, UsageError, clientOptions, helpWanted, parse, printJson, printTable, write } from './common.ts';

export const ACLS_HELP = `Usage: runnel acls <list|create|delete> [options]

  runnel acls list [resource] [--principal P]      ACLs (all, or those of a resource or principal)
  runnel acls create <principals> [--operation O]... <resource>...
  runnel acls delete <resource>... [principals] [--operation O]...

Principals and hosts:
      --allow-principal <P>     "User:alice" (repeatable); ALLOW entries
      --deny-principal <P>      DENY entries (repeatable)
      --allow-host <H>, --deny-host <H>   hosts of those entries (default *)
      --principal <P>           list: only this principal's ACLs
Operations (default All for create, any for delete):
      --operation <O>           Read, Write, Create, Delete, Alter, Describe, ClusterAction,
                                DescribeConfigs, AlterConfigs, IdempotentWrite, All (repeatable)
Resources:
      --topic <T>, --group <G>, --transactional-id <T> (repeatable), --cluster
      --resource-pattern-type <literal|prefixed|any|match>   (default literal; list without
                                a resource: any)
${COMMON_HELP}

Examples:
  runnel acls create --allow-principal User:alice --operation Read --operation Describe --topic orders
  runnel acls create --allow-principal User:etl --operation Write --topic logs- --resource-pattern-type prefixed
  runnel acls create --deny-principal User:mallory --deny-host 10.0.0.7 --operation All --topic '*'
  runnel acls list
  runnel acls list --topic orders --resource-pattern-type match --json
  runnel acls delete --topic orders --allow-principal User:alice
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  'allow-principal': { type: 'string', multiple: true },
  'deny-principal': { type: 'string', multiple: true },
  'allow-host': { type: 'string', multiple: true },
  'deny-host': { type: 'string', multiple: true },
  principal: { type: 'string' },
  operation: { type: 'string', multiple: true },
  topic: { type: 'string', multiple: true },
  group: { type: 'string', multiple: true },
  'transactional-id': { type: 'string', multiple: true },
  cluster: { type: 'boolean' },
  'resource-pattern-type': { type: 'string' },
} as const;

const OPERATIONS = new Set<string>(['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS', 'TWO_PHASE_COMMIT']);
const PATTERNS = new Set<string>(['LITERAL', 'PREFIXED', 'ANY', 'MATCH']);

/** "DescribeConfigs", "describe-configs" and "DESCRIBE_CONFIGS" all name DESCRIBE_CONFIGS. */
function operationName(value: string): AclOperation {
  const name = value.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase();
  if (!OPERATIONS.has(name)) throw new UsageError(`unknown operation '${value}'`);
  return name as AclOperation;
}

interface Resource {
  resourceType: AclResourceType;
  resourceName: string;
}

function resources(values: { topic?: string[] | undefined; group?: string[] | undefined; 'transactional-id'?: string[] | undefined; cluster?: boolean | undefined }): Resource[] {
  return [
    ...(values.topic ?? []).map((n) => ({ resourceType: 'TOPIC' as const, resourceName: n })),
    ...(values.group ?? []).map((n) => ({ resourceType: 'GROUP' as const, resourceName: n })),
    ...(values['transactional-id'] ?? []).map((n) => ({ resourceType: 'TRANSACTIONAL_ID' as const, resourceName: n })),
    ...(values.cluster ? [{ resourceType: 'CLUSTER' as const, resourceName: 'kafka-cluster' }] : []),
  ];
}

function printAcls(acls: readonly Required<AclBinding>[], json: boolean | undefined): void {
  if (json) printJson(acls);
  else {
    printTable(
      ['RESOURCE', 'NAME', 'PATTERN', 'PRINCIPAL', 'HOST', 'OPERATION', 'PERMISSION'],
      acls.map((a) => [a.resourceType, a.resourceName, a.patternType, a.principal, a.host, a.operation, a.permission]),
    );
  }
}

export async function aclsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (helpWanted(values, ACLS_HELP)) return 0;
  const [action, ...extra] = positionals;
  if (action !== 'list' && action !== 'create' && action !== 'delete') {
    throw new UsageError(action === undefined ? 'missing action: list, create or delete' : `unknown action '${action}': list, create or delete`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}' (resources are given with --topic, --group, --transactional-id or --cluster)`);
  const patternValue = values['resource-pattern-type']?.toUpperCase();
  if (patternValue !== undefined && !PATTERNS.has(patternValue)) throw new UsageError(`--resource-pattern-type must be literal, prefixed, any or match, not '${values['resource-pattern-type']}'`);
  const operations = (values.operation ?? []).map(operationName);
  const targets = resources(values);
  const allow = values['allow-principal'] ?? [];
  const deny = values['deny-principal'] ?? [];
  for (const p of [...allow, ...deny, ...(values.principal === undefined ? [] : [values.principal])]) {
    if (!/^[^:]+:.+$/.test(p)) throw new UsageError(`a principal is type:name, e.g. User:alice, not '${p}'`);
  }

  const { Admin } = await import('../client/index.ts');
  if (action === 'create') {
    if (allow.length + deny.length === 0) throw new UsageError('acls create needs --allow-principal or --deny-principal');
    if (targets.length === 0) throw new UsageError('acls create needs a resource: --topic, --group, --transactional-id or --cluster');
    if (patternValue === 'ANY' || patternValue === 'MATCH') throw new UsageError('acls create needs --resource-pattern-type literal or prefixed');
    const patternType = (patternValue ?? 'LITERAL') as AclPatternType;
    const ops = operations.length > 0 ? operations : (['ALL'] as const);
    const bindings: AclBinding[] = [];
    for (const [principals, hosts, permission] of [[allow, values['allow-host'] ?? ['*'], 'ALLOW'], [deny, values['deny-host'] ?? ['*'], 'DENY']] as const) {
      for (const r of targets) for (const principal of principals) for (const host of hosts) for (const operation of ops) bindings.push({ ...r, patternType, principal, host, operation, permission });
    }
    const admin = new Admin(clientOptions(values));
    try {
      await admin.createAcls(bindings);
    } finally {
      await admin.close();
    }
    if (values.json) printJson(bindings.map((b) => ({ ...b, host: b.host ?? '*' })));
    else write(`created ${bindings.length} ACL${bindings.length === 1 ? '' : 's'}\n`);
    return 0;
  }

  const patternType = (patternValue ?? (targets.length === 0 ? 'ANY' : 'LITERAL')) as AclPatternType;
  const admin = new Admin(clientOptions(values));
  try {
    if (action === 'list') {
      const filters: AclFilter[] = targets.length === 0 ? [{ patternType }] : targets.map((r) => ({ ...r, patternType }));
      const found = [];
      for (const f of filters) found.push(...(await admin.describeAcls({ ...f, principal: values.principal ?? null })));
      printAcls(found, values.json);
      return 0;
    }
    if (targets.length === 0) throw new UsageError('acls delete needs a resource: --topic, --group, --transactional-id or --cluster');
    const filters: AclFilter[] = [];
    const who: { principal: string | null; permission: 'ALLOW' | 'DENY' | 'ANY'; hosts: readonly (string | null)[] }[] = [
      ...allow.map((principal) => ({ principal, permission: 'ALLOW' as const, hosts: values['allow-host'] ?? [null] })),
      ...deny.map((principal) => ({ principal, permission: 'DENY' as const, hosts: values['deny-host'] ?? [null] })),
    ];
    if (who.length === 0) who.push({ principal: null, permission: 'ANY', hosts: [null] });
    const ops = operations.length > 0 ? operations : (['ANY'] as const);
    for (const r of targets) for (const w of who) for (const host of w.hosts) for (const operation of ops) filters.push({ ...r, patternType, principal: w.principal, host, operation, permission: w.permission });
    const deleted = await admin.deleteAcls(filters);
    if (values.json) printJson(deleted);
    else write(`deleted ${deleted.length} ACL${deleted.length === 1 ? '' : 's'}\n`);
    return 0;
  } finally {
    await admin.close();
  }
}
