// Runs kcat, the command-line client built on librdkafka, against a broker.
//
// librdkafka is the client under most non-Java Kafka clients (confluent-kafka-python, -go,
// -dotnet, node-rdkafka), so its view of the protocol matters as much as the Java client's.
// kcat is its thinnest front end. The helper never lets kcat hang a test: past the timeout it
// is killed with SIGKILL and the call rejects with the command and what kcat printed.

import { existsSync } from 'node:fs';

import { runChild, stderrTail, type ChildResult } from './child.ts';

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

export type KcatResult = Omit<ChildResult, 'timedOut'>;

export class KcatError extends Error {
  readonly result: KcatResult | undefined;
  constructor(message: string, result?: KcatResult) {
    super(message);
    this.name = 'KcatError';
    this.result = result;
  }
}

/** Runs `/usr/bin/kcat ...args`. */
export async function kcat(args: string[], options: KcatOptions = {}): Promise<KcatResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const command = `kcat ${args.join(' ')}`;
  if (!existsSync(KCAT)) throw new KcatError(`${KCAT} is not installed (apt-get install kcat; .ci/run does it)`);
  let run: ChildResult;
  try {
    run = await runChild(KCAT, args, { ...options, timeoutMs });
  } catch (error) {
    throw new KcatError(`${command}: could not run: ${(error as Error).message}`);
  }
  const { timedOut, ...result } = run;
  if (timedOut) throw new KcatError(`${command}: timed out after ${timeoutMs} ms, killed${stderrTail(result.stderr, 30)}`, result);
  if ((options.check ?? true) && result.code !== 0) throw new KcatError(`${command}: exit code ${result.code}, signal ${result.signal}${stderrTail(result.stderr, 30)}`, result);
  return result;
}

/** `kcat -V`'s first line naming the version, e.g. "Version 1.7.1 (..., librdkafka 2.0.2 ...)". */
export async function kcatVersion(): Promise<string> {
  const { stdout } = await kcat(['-V'], { timeoutMs: 10_000 });
  return stdout.toString('utf8').split('\n').find((line) => line.startsWith('Version')) ?? 'unknown';
}
