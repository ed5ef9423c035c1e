// `runnel users list|set|delete`: SCRAM credentials through DescribeUserScramCredentials and
// AlterUserScramCredentials (what kafka-configs.sh --entity-type users does). The password
// is never an argument (it would show in `ps` and shell history): it comes from
// $RUNNEL_USER_PASSWORD or, with --password-stdin, the first line of stdin. The client salts
// it; the broker never sees it.

import { COMMON_HELP, COMMON_OPTIONS, UsageError, clientOptions, helpWanted, integer, parse, printJson, printTable, write } from './common.ts';

export const USERS_HELP = `Usage: runnel users <list|set|delete> [user...] [options]

  runnel users list [user...]            SCRAM users with their mechanisms and iterations
  runnel users set <user>                create or change a user's SCRAM credential
  runnel users delete <user>...          delete credentials (every mechanism unless --mechanism)

Options:
      --mechanism <m>       SCRAM-SHA-256 (default for set) or SCRAM-SHA-512
      --iterations <n>      default 4096 (Kafka's minimum)
      --password-stdin      read the password from the first line of stdin
                            (else it is taken from $RUNNEL_USER_PASSWORD)
${COMMON_HELP}

Examples:
  RUNNEL_USER_PASSWORD=alice-secret runnel users set alice
  printf 'etl-secret\\n' | runnel users set etl --mechanism SCRAM-SHA-512 --password-stdin
  runnel users list --json
  runnel users delete alice --mechanism SCRAM-SHA-256
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  mechanism: { type: 'string' },
  iterations: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;

const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
type Mechanism = (typeof MECHANISMS)[number];

function mechanismOf(value: string | undefined): Mechanism | undefined {
  if (value === undefined) return undefined;
  const m = value.toUpperCase() as Mechanism;
  if (!MECHANISMS.includes(m)) throw new UsageError(`--mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512, not '${value}'`);
  return m;
}

async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

export async function usersCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (helpWanted(values, USERS_HELP)) return 0;
  const [action, ...users] = positionals;
  if (action !== 'list' && action !== 'set' && action !== 'delete') {
    throw new UsageError(action === undefined ? 'missing action: list, set or delete' : `unknown action '${action}': list, set or delete`);
  }
  const mechanism = mechanismOf(values.mechanism);
  const iterations = integer(values.iterations, '--iterations', 1);
  let password: string | undefined;
  if (action === 'set') {
    if (users.length !== 1) throw new UsageError('users set needs exactly one user');
    password = values['password-stdin'] ? await firstLineOfStdin() : process.env['RUNNEL_USER_PASSWORD'];
    if (password === undefined || password === '') throw new UsageError('users set needs a password: $RUNNEL_USER_PASSWORD or --password-stdin');
  }
  if (action === 'delete' && users.length === 0) throw new UsageError('users delete needs a user');

  const { Admin } = await import('../client/index.ts');
  const admin = new Admin(clientOptions(values));
  try {
    if (action === 'list') {
      const found = await admin.describeUserScramCredentials(users);
      if (values.json) printJson(found);
      else printTable(['USER', 'MECHANISM', 'ITERATIONS'], found.flatMap((u) => u.credentials.map((c) => [u.user, c.mechanism, c.iterations])));
      return 0;
    }
    if (action === 'set') {
      const user = users[0]!;
      const m = mechanism ?? 'SCRAM-SHA-256';
      await admin.alterUserScramCredentials([{ user, mechanism: m, password: password!, ...(iterations === undefined ? {} : { iterations }) }]);
      if (values.json) printJson({ user, mechanism: m, iterations: iterations ?? 4096 });
      else write(`set ${m} credential of user ${user}\n`);
      return 0;
    }
    // delete: the named mechanism, or every mechanism each user has.
    const deletions = mechanism !== undefined
      ? users.map((user) => ({ user, mechanism, delete: true as const }))
      : (await admin.describeUserScramCredentials(users)).flatMap((u) => u.credentials.map((c) => ({ user: u.user, mechanism: c.mechanism, delete: true as const })));
    await admin.alterUserScramCredentials(deletions);
    if (values.json) printJson(deletions.map(({ user, mechanism: m }) => ({ user, mechanism: m })));
    else write(`deleted ${deletions.length} credential${deletions.length === 1 ? '' : 's'}\n`);
    return 0;
  } finally {
    await admin.close();
  }
}
