// Runs kcat, the command-line client built on librdkafka, against a broker.
//
// librdkafka is the client under most non-Java Kafka clients (confluent-kafka-python, -go,
// -dotnet, node-rdkafka), so its view of the protocol matters as much as the Java client's.
// kcat is its thinnest front end. The helper never lets kcat hang a test: past the timeout it
// is killed with SIGKILL and the call rejects with the command and what kcat printed.

import { spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';

export const KCAT = '/usr/bin/kcat';

export interface KcatOptions {
  /** Bytes for kcat's stdin. */
  input?: Buffer | string;
  /** A file to stream into kcat's stdin. */
  inputFile?: string;
  /** Kill kcat and reject after this long; default 60 s. */
  timeoutMs?: number;
  /** Reject on a non-zero exit code; default true. */
  check?: boolean;
  /**
   * Called with each stdout chunk instead of collecting it (stdout is then empty in the result),
   * for outputs too large to keep, such as a benchmark's.
   */
  onStdout?: (chunk: Buffer) => void;
}

export interface KcatResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  durationMs: number;
}

export class KcatError extends Error {
  readonly result: KcatResult | undefined;
  constructor(message: string, result?: KcatResult) {
    super(message);
    this.name = 'KcatError';
    this.result = result;
  }
}

/** Runs `/usr/bin/kcat ...args`. */
export function kcat(args: string[], options: KcatOptions = {}): Promise<KcatResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const command = `kcat ${args.join(' ')}`;
  if (!existsSync(KCAT)) {
    return Promise.reject(new KcatError(`${KCAT} is not installed (apt-get install kcat; .ci/run does it)`));
  }
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(KCAT, args, { stdio: ['pipe', 'pipe', 'pipe'] });
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
    // kcat may exit before reading all of its input (for instance on a fatal error); that
    // surfaces as EPIPE here, and the exit code tells the real story.
    child.stdin.on('error', () => {});

    if (options.inputFile) createReadStream(options.inputFile).pipe(child.stdin);
    else child.stdin.end(options.input ?? '');

    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);

    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new KcatError(`${command}: could not run: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const result: KcatResult = {
        code,
        signal,
        stdout: Buffer.concat(stdout),
        stderr,
        durationMs: performance.now() - started,
      };
      if (timedOut) {
        reject(new KcatError(`${command}: timed out after ${timeoutMs} ms, killed\n${tail(stderr)}`, result));
      } else if ((options.check ?? true) && code !== 0) {
        reject(new KcatError(`${command}: exit code ${code}, signal ${signal}\n${tail(stderr)}`, result));
      } else {
        resolve(result);
      }
    });
  });
}

/** `kcat -V`'s first line naming the version, e.g. "Version 1.7.1 (..., librdkafka 2.0.2 ...)". */
export async function kcatVersion(): Promise<string> {
  const { stdout } = await kcat(['-V'], { timeoutMs: 10_000 });
  return stdout.toString('utf8').split('\n').find((line) => line.startsWith('Version')) ?? 'unknown';
}

function tail(text: string): string {
  const lines = text.trimEnd().split('\n');
  const shown = lines.slice(-30).map((line) => `    ${line}`).join('\n');
  return `  stderr${lines.length > 30 ? ` (last 30 of ${lines.length} lines)` : ''}:\n${shown}`;
}
