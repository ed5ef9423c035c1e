// A minimal leveled logger. The broker logs through this interface so that embedders
// (test suites) can silence it or route it, and the CLI prints to stderr.

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Logs lines of `time level message {fields}` to stderr at or above `level`. */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const at = (lvl: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < RANK[level]) return;
    const extra = fields ? ' ' + JSON.stringify(fields, (_k, v) => (v instanceof Error ? `${v.name}: ${v.message}` : typeof v === 'bigint' ? String(v) : v)) : '';
    write(`${new Date().toISOString()} ${lvl.toUpperCase()} ${message}${extra}`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: Logger = createLogger('silent');
