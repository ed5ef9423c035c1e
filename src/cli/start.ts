// `runnel start`: runs a broker in the foreground. Flags override --config, which
// overrides Kafka's defaults. Prints one line `listening on <host>:<port>` on stdout when
// ready; SIGINT/SIGTERM stop it cleanly (connections closed, log flushed, checkpoints and
// the clean-shutdown marker written) with exit code 0.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startBroker } from '../broker/index.ts';
import { parseProperties } from '../broker/config/properties.ts';
import { createLogger, type LogLevel } from '../logger.ts';
import { UsageError } from './common.ts';

export const START_HELP = `Usage: runnel start [options]

Starts a Runnel broker.

Options:
  --host <host>          address to listen on (default 127.0.0.1, or from listeners)
  --port <port>          port to listen on (default 9092, or from listeners; 0 picks a free port)
  --data-dir <dir>       data directory (default ./runnel-data, or log.dirs; 'memory' keeps nothing)
  --config <file>        a Kafka server.properties file
  --set <key=value>      a broker config, e.g. --set num.partitions=3 (repeatable)
  --log-level <level>    debug, info, warn, error (default info)
  -h, --help             this help

Examples:
  runnel start
  runnel start --port 19092 --data-dir /var/lib/runnel
  runnel start --config server.properties --set log.retention.hours=24
`;

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      set: { type: 'string', multiple: true },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(START_HELP);
    return 0;
  }
  const config: Record<string, string> = {};
  if (values.config) {
    for (const [k, v] of parseProperties(readFileSync(values.config, 'utf8'))) config[k] = v;
  }
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects key=value, got ${JSON.stringify(pair)}`);
    config[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid --port ${values.port}`);
  }
  const logger = createLogger(values['log-level'] as LogLevel);
  // Signal handlers go in before the broker starts: a SIGTERM that arrives while it starts, or
  // right after "listening" is printed, must still stop it cleanly rather than kill it.
  const signalled = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info(`received ${signal}, shutting down`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const running = await startBroker({ host: values.host, port, dataDir: values['data-dir'], config, logger });
  process.stdout.write(`listening on ${running.host}:${running.port}\n`);
  await signalled;
  await running.stop();
  logger.info('stopped cleanly');
  return 0;
}

