// Runs a client program that reads one JSON object on stdin and prints one on stdout: the
// result, or {"error"} with a non-zero exit code. The Python scripts (python.ts) and the Go
// program (go.ts) follow this contract. A program that outlives its timeout is killed, so that
// a test fails with a message instead of hanging.

import { spawn } from 'node:child_process';

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
export function runJsonChild<T>(label: string, command: string, args: readonly string[], input: unknown, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 20));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(input));

    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new ClientProgramError(`${label}: could not run ${command}: ${error.message}`, stdout, stderr));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const fail = (why: string): void => reject(new ClientProgramError(`${label}: ${why}${stderrTail(stderr)}`, stdout, stderr));
      if (timedOut) return fail(`timed out after ${timeoutMs} ms, killed`);
      let output: (T & { error?: string }) | undefined;
      try {
        output = JSON.parse(stdout.trim().split('\n').pop() ?? '');
      } catch {
        return fail(`exit code ${code}, signal ${signal}, no JSON on stdout: ${JSON.stringify(stdout.slice(-2000))}`);
      }
      if (code !== 0 || output?.error !== undefined) {
        return fail(`exit code ${code}: ${output?.error ?? JSON.stringify(output)}`);
      }
      resolve(output as T);
    });
  });
}

function stderrTail(stderr: string): string {
  // Clients log to stderr; the last lines usually say what went wrong.
  const lines = stderr.trimEnd().split('\n').filter((line) => line !== '');
  if (lines.length === 0) return '';
  return `\n  stderr (last ${Math.min(lines.length, 20)} lines):\n${lines.slice(-20).map((l) => `    ${l}`).join('\n')}`;
}
