// The committed src/protocol/generated/ must be exactly what scripts/gen-protocol.ts makes from
// Kafka's definitions: regenerate into a temporary directory and compare byte for byte.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { GENERATED_DIR } from '../../../scripts/gen-protocol.ts';
import { SKIP_REASON, SPEC_DIR, SPEC_PRESENT } from './samples.ts';

const script = fileURLToPath(new URL('../../../scripts/gen-protocol.ts', import.meta.url));

test('src/protocol/generated/ matches a fresh run of scripts/gen-protocol.ts', { skip: !SPEC_PRESENT && SKIP_REASON }, (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-gen-'));
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  execFileSync(process.execPath, [script, '--out', out], {
    env: { ...process.env, KAFKA_PROTOCOL_DIR: SPEC_DIR },
    stdio: 'pipe',
  });
  const fresh = fs.readdirSync(out).sort();
  const committed = fs.readdirSync(GENERATED_DIR).filter((f) => f.endsWith('.ts')).sort();
  assert.deepStrictEqual(committed, fresh, 'file lists differ: run `npm run gen:protocol`');
  const differ = fresh.filter((f) => !fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(GENERATED_DIR, f))));
  assert.deepStrictEqual(differ, [], 'generated files differ from the spec: run `npm run gen:protocol` and commit');
});
