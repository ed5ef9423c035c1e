// The `runnel` command line. Subcommands live in their own modules; this file routes to
// them and turns errors into one line on stderr and an exit code scripts can rely on:
// 0 success, 1 failure, 2 usage error.

import { RunnelError } from '../errors.ts';
import { START_HELP, UsageError, startCommand } from './start.ts';

const HELP = `Usage: runnel <command> [options]

Commands:
  start     run a broker (runnel start --help)

Run 'runnel <command> --help' for a command's options.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await startCommand(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`runnel: ${err.message}\n${command === 'start' ? START_HELP : HELP}`);
      return 2;
    }
    const message = err instanceof RunnelError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`runnel: ${message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
