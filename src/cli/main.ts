// The `runnel` command line. Subcommands live in their own modules, imported only when
// run (so `runnel consume` does not load the broker); this file routes to them and turns
// errors into one line on stderr and an exit code scripts can rely on: 0 success,
// 1 failure (a Kafka error, no broker reachable, a missing file), 2 usage error.

import module from 'node:module';
import { RunnelError } from '../errors.ts';

// Cache compiled code between runs (in the OS temp directory): the protocol codec is large,
// and a command run from a shell should start quickly.
module.enableCompileCache?.();

const HELP = `Usage: runnel <command> [options]

Commands:
  start                                  run a broker
  topics create|list|describe|alter|delete   manage topics
  produce <topic>                        send lines from stdin or a file as records
  consume <topic>                        print records
  configs get|set                        read and change topic or broker configs
  groups list|describe|delete|reset-offsets   consumer groups, with lag per partition
  acls list|create|delete                ACLs (principals, hosts, operations, resources)
  users list|set|delete                  SCRAM users
  perf produce|consume <topic>           load test with a live progress line and a summary

Client commands connect to --bootstrap, else $RUNNEL_BOOTSTRAP, else 127.0.0.1:9092.
Run 'runnel <command> --help' for a command's options and examples.
`;

interface Command {
  run(argv: string[]): Promise<number>;
  help: string;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => {
    const m = await import('./start.ts');
    return { run: m.startCommand, help: m.START_HELP };
  },
  topics: async () => {
    const m = await import('./topics.ts');
    return { run: m.topicsCommand, help: m.TOPICS_HELP };
  },
  produce: async () => {
    const m = await import('./produce.ts');
    return { run: m.produceCommand, help: m.PRODUCE_HELP };
  },
  consume: async () => {
    const m = await import('./consume.ts');
    return { run: m.consumeCommand, help: m.CONSUME_HELP };
  },
  configs: async () => {
    const m = await import('./configs.ts');
    return { run: m.configsCommand, help: m.CONFIGS_HELP };
  },
  perf: async () => {
    const m = await import('./perf.ts');
    return { run: m.perfCommand, help: m.PERF_HELP };
  },
  groups: async () => {
    const m = await import('./groups.ts');
    return { run: m.groupsCommand, help: m.GROUPS_HELP };
  },
  acls: async () => {
    const m = await import('./acls.ts');
    return { run: m.aclsCommand, help: m.ACLS_HELP };
  },
  users: async () => {
    const m = await import('./users.ts');
    return { run: m.usersCommand, help: m.USERS_HELP };
  },
};

function isUsageError(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  if (err.name === 'UsageError') return true;
  return err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
}

/** One line for an error: Kafka's name and message, or the system error, never a stack. */
export function describeError(err: unknown): string {
  if (err instanceof Error && err.name === 'KafkaError') {
    const e = err as Error & { kafkaName?: string };
    if (e.kafkaName === 'NETWORK_EXCEPTION' || e.kafkaName === 'REQUEST_TIMED_OUT') {
      return `cannot reach the broker: ${e.message.replace(/^[A-Z_]+: /, '')}; is it running? (set the address with --bootstrap or RUNNEL_BOOTSTRAP)`;
    }
    return e.message;
  }
  if (err instanceof RunnelError || err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' ? err.message.replace(/^[A-Z]+: /, '') : err.message;
  }
  return String(err);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load === undefined) {
    process.stderr.write(`runnel: unknown command '${command}'\n${HELP}`);
    return 2;
  }
  const cmd = await load();
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (isUsageError(err)) {
      process.stderr.write(`runnel: ${err.message}\n${cmd.help}`);
      return 2;
    }
    process.stderr.write(`runnel: ${describeError(err).replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
