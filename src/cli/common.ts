// What the client commands share: the --bootstrap / RUNNEL_BOOTSTRAP / default resolution,
// argument parsing that turns mistakes into usage errors, tables for terminals and JSON for
// scripts, and one-line error messages.

import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

/** A mistake in the command line: printed as one line with the command's help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Options every client command takes. */
export const COMMON_OPTIONS = {
  bootstrap: { type: 'string', short: 'b' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  tls: { type: 'boolean' },
  'tls-ca': { type: 'string' },
  'sasl-mechanism': { type: 'string' },
  'sasl-username': { type: 'string' },
} as const;

export const COMMON_HELP = `Common options:
  -b, --bootstrap <host:port,...>  brokers to connect to (default $RUNNEL_BOOTSTRAP, else ${DEFAULT_BOOTSTRAP})
      --json                       machine-readable output
      --tls                        connect with TLS (--tls-ca <file>: trust this CA's PEM certificate)
      --sasl-mechanism <m>         PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, with --sasl-username
                                   and the password in $RUNNEL_SASL_PASSWORD
  -h, --help                       this help`;

export function bootstrapFrom(value: string | undefined): string {
  return value ?? process.env['RUNNEL_BOOTSTRAP'] ?? DEFAULT_BOOTSTRAP;
}

interface ConnectionFlags {
  bootstrap?: string | undefined;
  tls?: boolean | undefined;
  'tls-ca'?: string | undefined;
  'sasl-mechanism'?: string | undefined;
  'sasl-username'?: string | undefined;
}

const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

/** The client options the CLI uses: quick to give up when no broker answers. */
export function clientOptions(flags: ConnectionFlags) {
  const options: {
    bootstrapServers: string;
    clientId: string;
    connectTimeoutMs: number;
    retries: number;
    retryBackoffMs: number;
    tls?: true | { ca: Buffer };
    sasl?: { mechanism: (typeof SASL_MECHANISMS)[number]; username: string; password: string };
  } = { bootstrapServers: bootstrapFrom(flags.bootstrap), clientId: 'runnel-cli', connectTimeoutMs: 5000, retries: 2, retryBackoffMs: 100 };
  if (flags['tls-ca'] !== undefined) options.tls = { ca: readFileSync(flags['tls-ca']) };
  else if (flags.tls) options.tls = true;
  const mechanism = flags['sasl-mechanism'];
  if (mechanism !== undefined) {
    const m = mechanism.toUpperCase() as (typeof SASL_MECHANISMS)[number];
    if (!SASL_MECHANISMS.includes(m)) throw new UsageError(`--sasl-mechanism must be one of ${SASL_MECHANISMS.join(', ')}`);
    const username = flags['sasl-username'];
    const password = process.env['RUNNEL_SASL_PASSWORD'];
    if (username === undefined) throw new UsageError('--sasl-mechanism needs --sasl-username');
    if (password === undefined) throw new UsageError('--sasl-mechanism needs the password in RUNNEL_SASL_PASSWORD');
    options.sasl = { mechanism: m, username, password };
  } else if (flags['sasl-username'] !== undefined) {
    throw new UsageError('--sasl-username needs --sasl-mechanism');
  }
  return options;
}

/** parseArgs, with its errors turned into usage errors. */
export function parse<O extends ParseArgsOptionsConfig>(argv: string[], options: O) {
  const config = { args: argv, options, allowPositionals: true as const, strict: true as const };
  try {
    return parseArgs(config);
  } catch (err) {
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) throw new UsageError(err.message);
    throw err;
  }
}

export function integer(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer${min > 0 ? ` >= ${min}` : min === 0 ? ' >= 0' : ''}, got ${JSON.stringify(value)}`);
  return n;
}

/** Parses key=value pairs (--config, --header). */
export function pairs(values: readonly string[] | undefined, name: string): [string, string][] {
  return (values ?? []).map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${name} expects key=value, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

export function write(text: string): void {
  process.stdout.write(text);
}

export function printJson(value: unknown): void {
  write(`${JSON.stringify(value, null, process.stdout.isTTY ? 2 : 0)}\n`);
}

/** An aligned table; `columns` are the header names. Cells are strings or numbers. */
export function printTable(columns: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): void {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const bold = process.stdout.isTTY ? (s: string) => `\x1b[1m${s}\x1b[0m` : (s: string) => s;
  write(`${bold(line(columns))}\n`);
  for (const r of cells) write(`${line(r)}\n`);
}

/** Shows --help and returns true when asked. */
export function helpWanted(values: { help?: boolean | undefined }, help: string): boolean {
  if (values.help) write(help);
  return values.help === true;
}
