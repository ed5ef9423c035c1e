// Client programs run as child processes: kcat (kcat.ts), the Python scripts (python.ts) and the
// Go program (go.ts). None may hang a test: past its timeout a child is killed with SIGKILL.
//
// runJsonChild is the contract of the Python and Go programs: one JSON object on stdin, one on
// stdout (the result, or {"error"} with a non-zero exit code).

import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';

export interface ChildOptions {
  /** Bytes for the child's stdin. */
  input?: Buffer | string;
  /** A file to stream into the child's stdin. */
  inputFile?: string;
  /** Kill the child after this long. */
  timeoutMs: number;
  /** Called with each stdout chunk instead of collecting it (stdout is then empty in the result). */
  onStdout?: (chunk: Buffer) => void;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last MiB of stderr. */
  stderr: string;
  durationMs: number;
  /** Killed at the timeout. */
  timedOut: boolean;
}

/** Runs `command args` to its exit; rejects only if it cannot be started. */
export function runChild(command: string, args: readonly string[], options: ChildOptions): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (options.onStdout) options.onStdout(chunk);
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 20));
    });
    // A child may exit before reading all of its input (on a fatal error, say); that surfaces
    // as EPIPE here, and the exit code tells the real story.
    child.stdin.on('error', () => {});
    if (options.inputFile) createReadStream(options.inputFile).pipe(child.stdin);
    else child.stdin.end(options.input ?? '');

    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(stdout), stderr, durationMs: performance.now() - started, timedOut });
    });
  });
}

export class ClientProgramError extends Error {
  readonly stdout: string;
  readonly stderr: string;
  constructor(message: string, stdout: string, stderr: string) {
    super(message);
    this.name = 'ClientProgramError';
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/**
 * Runs `command args` with `input` as JSON on stdin; resolves with the last line of its stdout
 * parsed as JSON. `label` names the program in errors.
 */
export async function runJsonChild<T>(label: string, command: string, args: readonly string[], input: unknown, timeoutMs: number): Promise<T> {
  let run: ChildResult;
  try {
    run = await runChild(command, args, { input: JSON.stringify(input), timeoutMs });
  } catch (error) {
    throw new ClientProgramError(`${label}: could not run ${command}: ${(error as Error).message}`, '', '');
  }
  const stdout = run.stdout.toString('utf8');
  const fail = (why: string): never => {
    throw new ClientProgramError(`${label}: ${why}${stderrTail(run.stderr)}`, stdout, run.stderr);
  };
  if (run.timedOut) fail(`timed out after ${timeoutMs} ms, killed`);
  let output: (T & { error?: string }) | undefined;
  try {
    output = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch {
    fail(`exit code ${run.code}, signal ${run.signal}, no JSON on stdout: ${JSON.stringify(stdout.slice(-2000))}`);
  }
  if (run.code !== 0 || output?.error !== undefined) fail(`exit code ${run.code}: ${output?.error ?? JSON.stringify(output)}`);
  return output as T;
}

/** The last lines of stderr, where clients usually say what went wrong. */
export function stderrTail(stderr: string, count = 20): string {
  const lines = stderr.trimEnd().split('\n').filter((line) => line !== '');
  if (lines.length === 0) return '';
  const shown = lines.slice(-count).map((line) => `    ${line}`).join('\n');
  return `\n  stderr${lines.length > count ? ` (last ${count} of ${lines.length} lines)` : ''}:\n${shown}`;
}
