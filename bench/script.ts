// A bench client script in its own process (a .py one under Debian's python3 with
// confluent-kafka, a .ts one under this Node): JSON in on stdin, lines out on stdout, waited
// for by what they say.

import { spawn } from 'node:child_process';
import { basename } from 'node:path';

import { PYTHON } from '../test/helpers/python.ts';

export interface BenchScript {
  /** Resolves with the first stdout line that matches. */
  line(match: (line: string) => boolean): Promise<string>;
  done: Promise<void>;
}

/**
 * Runs `script MODE` with `input` as one JSON line on stdin, killed after `timeoutMs`; its
 * stdout is read line by line, and a non-zero exit rejects `done` with its stderr.
 */
export function runScript(script: string, mode: string, input: object, timeoutMs: number): BenchScript {
  const name = basename(script);
  const command = script.endsWith('.py') ? PYTHON : process.execPath;
  const child = spawn(command, [script, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  // Lines are kept until asked for: a script may print its result before the caller waits.
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  const deliver = (): void => {
    for (const w of waiters.splice(0)) {
      const at = lines.findIndex(w.match);
      if (at === -1) waiters.push(w);
      else w.resolve(lines.splice(at, 1)[0]!);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    let at: number;
    while ((at = stdout.indexOf('\n')) !== -1) {
      lines.push(stdout.slice(0, at));
      stdout = stdout.slice(at + 1);
    }
    deliver();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-20_000)));
  child.stdin.end(`${JSON.stringify(input)}\n`);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<void>((resolve, reject) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${name} ${mode} exited with ${signal ?? code}\n${stderr}`));
    });
  });
  return {
    done,
    line: (match) => {
      const found = new Promise<string>((resolve) => {
        waiters.push({ match, resolve });
        deliver();
      });
      // 'close' comes after the last output, so a line printed before exiting is found first.
      return Promise.race([found, done.then(() => Promise.reject(new Error(`${name} ${mode} ended without the expected line`)))]);
    },
  };
}
