// Runs the `runnel` CLI as a child process, as a user would, for the CLI tests; and the
// check every failure must pass: exit code 1 and one line on stderr, no stack trace.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <entry> ...args`; the entry is src/cli/main.ts unless given (the bundle's tests). */
export function runnel(args: string[], options: { bootstrap?: string; input?: string; env?: Record<string, string>; entry?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    delete env['RUNNEL_BOOTSTRAP'];
    if (options.env?.['RUNNEL_BOOTSTRAP']) env['RUNNEL_BOOTSTRAP'] = options.env['RUNNEL_BOOTSTRAP'];
    const argv = options.bootstrap ? [...args, '--bootstrap', options.bootstrap] : args;
    const child = spawn(process.execPath, [options.entry ?? CLI, ...argv], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A failure: exit code 1 and exactly one line on stderr, without a stack trace. */
export function assertOneLineFailure(run: Run, pattern: RegExp, code = 1): void {
  assert.equal(run.code, code, `exit code; stderr: ${run.stderr}`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${run.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}
