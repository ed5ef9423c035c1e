// Builds and runs the Go client program in test/helpers/go/ (Shopify's sarama, from Debian's
// golang-github-shopify-sarama-dev) against a broker, with the JSON-in, JSON-out contract of
// child.ts.
//
// The program is built once per version of its source into the system's temporary directory
// (about 4 s with an empty build cache), in GOPATH mode against /usr/share/gocode where Debian
// puts Go libraries: no module download, nothing from outside Debian's packages.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ClientProgramError, runJsonChild } from './child.ts';

export const GO = '/usr/bin/go';
const SOURCE = fileURLToPath(new URL('./go/sarama_client.go', import.meta.url));

let built: Promise<string> | undefined;

/** The path of the compiled sarama program, building it on first use. */
export function saramaProgram(): Promise<string> {
  built ??= build();
  return built;
}

async function build(): Promise<string> {
  if (!existsSync(GO)) throw new ClientProgramError(`${GO} is missing (apt-get install golang-go golang-github-shopify-sarama-dev golang-github-xdg-go-scram-dev)`, '', '');
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'runnel-test-go');
  const binary = join(dir, `sarama_client-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  // Built under a name of its own and renamed, so that a concurrent build never runs a half
  // written file.
  const partial = `${binary}.${process.pid}`;
  const env = { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOCACHE: join(dir, 'cache'), GOFLAGS: '' };
  try {
    await promisify(execFile)(GO, ['build', '-o', partial, SOURCE], { env, timeout: 180_000 });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new ClientProgramError(`go build ${SOURCE} failed: ${e.message}`, e.stdout ?? '', e.stderr ?? '');
  }
  renameSync(partial, binary);
  return binary;
}

/** Runs the sarama program with `input` (its "action" and arguments); resolves with its JSON output. */
export async function runSarama<T = Record<string, unknown>>(input: Record<string, unknown>, timeoutMs = 60_000): Promise<T> {
  const program = await saramaProgram();
  return runJsonChild<T>(`sarama ${String(input.action)}`, program, [], input, timeoutMs);
}
