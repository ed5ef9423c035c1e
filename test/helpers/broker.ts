// Brokers for tests, two ways.
//
// startTestBroker(t) runs a real broker inside the test process on 127.0.0.1, port 0, and stops
// it when the test ends (like fastify's listen({ port: 0 }) or franz-go's newCluster +
// t.Cleanup). spawnBrokerProcess() runs the CLI as a child process instead, for what only a
// separate process can show: restarts on the same data dir, SIGTERM and kill -9, and the
// benchmark, where the broker must not share an event loop with the load.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The part of node:test's TestContext the helpers use (also satisfied by SuiteContext-like objects). */
export interface CleanupContext {
  after(fn: () => unknown): void;
}

/** The shape of `startBroker` in src/index.ts. */
export interface BrokerOptions {
  port: number;
  dataDir: string;
  host?: string;
  /** Kafka property names, e.g. { 'num.partitions': '1' }. */
  config?: Record<string, string>;
}

export interface RunningBroker {
  host: string;
  port: number;
  /** "127.0.0.1:PORT", for bootstrap.servers. */
  bootstrap: string;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const brokerEntry = new URL('../../src/index.ts', import.meta.url);
const cliEntry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/**
 * A temporary directory, removed when the test ends. node:test runs `after` hooks in the order
 * they were registered, so this removal runs before the hooks of anything started later in the
 * test: stop a broker process explicitly (the hook of spawnBrokerProcess is only a safety net).
 */
export async function tempDir(t: CleanupContext, prefix = 'runnel-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

export interface TestBrokerOptions {
  /** 'memory' for the in-memory storage; default: a fresh temporary directory. */
  dataDir?: string;
  config?: Record<string, string>;
}

/** Starts a broker in this process on 127.0.0.1, port 0; stops it when the test ends. */
export async function startTestBroker(
  t: CleanupContext,
  options: TestBrokerOptions = {},
): Promise<RunningBroker> {
  // Imported through a variable so that this helper type-checks before src/index.ts exists.
  if (!existsSync(brokerEntry)) {
    throw new Error(`the broker is missing: ${fileURLToPath(brokerEntry)} does not exist`);
  }
  const { startBroker } = (await import(brokerEntry.href)) as {
    startBroker(options: BrokerOptions): Promise<RunningBroker>;
  };
  const ownDir = options.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'runnel-test-')) : undefined;
  const dataDir = options.dataDir ?? ownDir!;
  let broker: RunningBroker;
  try {
    broker = await startBroker({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      ...(options.config ? { config: options.config } : {}),
    });
  } catch (error) {
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
    throw error;
  }
  // One hook, so the order is certain: stop the broker, then remove its files.
  t.after(async () => {
    await broker.stop();
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
  });
  return broker;
}

export interface SpawnBrokerOptions {
  dataDir: string;
  /** Default 0: the broker picks a free port, read back from its "listening on" line. */
  port?: number;
  host?: string;
  /** Passed as --set k=v. */
  config?: Record<string, string>;
  /** Passed as --config FILE (a server.properties file). */
  configFile?: string;
  /** How long to wait for "listening on"; default 30 s. */
  startTimeoutMs?: number;
  /** If given, the process is killed (SIGKILL) when the test ends, should it still run. */
  t?: CleanupContext;
  /** Copy the broker's stdout and stderr to this process's stderr, as they come. */
  echo?: boolean;
  /** The script run with `start ...`; default src/cli/main.ts (the bench runs bin/runnel.js, as users do). */
  entry?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BrokerProcess {
  host: string;
  port: number;
  bootstrap: string;
  process: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** All the broker printed so far (stdout and stderr interleaved, the last 1 MiB). */
  output(): string;
  /**
   * Sends `signal` (default SIGTERM) and waits for the exit. If the process is still there after
   * `timeoutMs` (default 15 s) it is killed with SIGKILL and the promise rejects.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
  /** kill -9: no chance to flush or write checkpoints. Resolves once the process is gone. */
  kill9(): Promise<Exit>;
}

const MAX_OUTPUT = 1 << 20;

/** Runs `node src/cli/main.ts start ...` as a child process and waits until it listens. */
export async function spawnBrokerProcess(options: SpawnBrokerOptions): Promise<BrokerProcess> {
  const host = options.host ?? '127.0.0.1';
  const entry = options.entry ?? cliEntry;
  const args = [
    entry, 'start',
    '--host', host,
    '--port', String(options.port ?? 0),
    '--data-dir', options.dataDir,
  ];
  if (options.configFile) args.push('--config', options.configFile);
  for (const [key, value] of Object.entries(options.config ?? {})) args.push('--set', `${key}=${value}`);

  if (!existsSync(entry)) throw new Error(`the broker CLI is missing: ${entry} does not exist`);
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  options.t?.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  let output = '';
  const record = (chunk: Buffer): void => {
    if (options.echo) process.stderr.write(chunk);
    output += chunk.toString('utf8');
    if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
  };
  // Both pipes are read for the whole life of the process: a full pipe would block the broker.
  child.stderr.on('data', record);

  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // Spawn failures are reported through the startup promise below; later ones have nowhere to go.
  child.on('error', () => {});

  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const address = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    let pending = '';
    const onData = (chunk: Buffer): void => {
      record(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^listening on (.+):(\d+)\s*$/.exec(line);
        if (match) {
          finish();
          resolve({ host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) });
          return;
        }
      }
    };
    const fail = (why: string): void => {
      finish();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(new Error(`broker process ${why}\n  command: node ${args.join(' ')}\n  output:\n${indent(output)}`));
    };
    const timer = setTimeout(() => fail(`printed no "listening on" line within ${startTimeoutMs} ms`), startTimeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited before listening (code ${code}, signal ${signal})`);
    const onError = (error: Error): void => fail(`could not start: ${error.message}`);
    function finish(): void {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  child.stdout.on('data', record);

  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const bracketed = address.host.includes(':') ? `[${address.host}]` : address.host;

  return {
    host: address.host,
    port: address.port,
    bootstrap: `${bracketed}:${address.port}`,
    process: child,
    exited,
    output: () => output,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (!gone()) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const result = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`broker did not exit within ${timeoutMs} ms of ${signal}; killed it\n  output:\n${indent(output)}`);
      }
      return result;
    },
    async kill9() {
      if (!gone()) child.kill('SIGKILL');
      return exited;
    },
  };
}

function indent(text: string): string {
  const tail = text.length > 8000 ? `...${text.slice(-8000)}` : text;
  return tail.split('\n').map((line) => `    ${line}`).join('\n');
}

/** A port free on 127.0.0.1 a moment ago, for a listener whose address the broker does not print. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}
