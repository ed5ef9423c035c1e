// Runs the Python client scripts in test/helpers/py/ against a broker.
//
// They drive two independent third-party clients: confluent-kafka-python (librdkafka, as kcat)
// and kafka-python (the protocol written again in pure Python). Both come from Debian's packages,
// which install into /usr/bin/python3; the python3 first on PATH may be another build (pyenv)
// without them, so the interpreter is named in full. A script reads one JSON object on stdin and
// prints one on stdout: the result, or {"error"} with exit code 1. The helper kills a script
// that outlives its timeout, so a test fails with a message instead of hanging.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { ClientProgramError, runJsonChild } from './child.ts';

export const PYTHON = '/usr/bin/python3';
const scriptsDir = fileURLToPath(new URL('./py/', import.meta.url));

/** The scripts in test/helpers/py/, by name without ".py". */
export type PythonScript = 'ck_produce' | 'ck_consume' | 'ck_offsets' | 'ck_admin' | 'kp_produce' | 'kp_consume';

/** A record as the scripts take and give it: bytes as base64, null stays null. */
export interface PyRecord {
  key: string | null;
  value: string | null;
  headers?: [string, string | null][] | null;
  partition?: number;
  timestamp?: number;
}

export interface PyConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key: string | null;
  value: string | null;
  headers: [string, string | null][] | null;
}

export interface PyDelivery {
  partition: number;
  offset: number;
  timestamp: number;
}

/** What a failed script rejects with (its stdout and stderr kept). */
export { ClientProgramError as PythonScriptError };

export interface RunPythonOptions {
  /** Kill the script and reject after this long; default 60 s (give the script's own "timeout" less). */
  timeoutMs?: number;
}

/** Runs test/helpers/py/<script>.py with `input` as JSON on stdin; resolves with its JSON output. */
export function runPython<T = Record<string, unknown>>(
  script: PythonScript,
  input: unknown,
  options: RunPythonOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const path = `${scriptsDir}${script}.py`;
  if (!existsSync(PYTHON)) {
    return Promise.reject(new ClientProgramError(`${PYTHON} is missing (apt-get install python3)`, '', ''));
  }
  // -E: ignore PYTHON* variables (a pyenv setup must not leak in); -s: no user site-packages;
  // -B: write no .pyc files into the repository.
  return runJsonChild<T>(`${script}.py`, PYTHON, ['-E', '-s', '-B', path], input, timeoutMs);
}

/** Base64 of a string's UTF-8 bytes or of a Buffer, as the scripts expect; null stays null. */
export function b64(data: string | Uint8Array | null): string | null {
  if (data === null) return null;
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)).toString('base64');
}

/** Bytes back from the scripts' base64. */
export function unb64(text: string | null): Buffer | null {
  return text === null ? null : Buffer.from(text, 'base64');
}
