// Keeps docs/errors.md and the exported project error codes equal (fastify's habit).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/errors.ts';

test('docs/errors.md lists exactly the exported error codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `(RUNNEL_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
  assert.deepEqual(documented, Object.values(ERROR_CODES).sort());
});

test('every error class names itself after its class, in a literal that bundling keeps', async () => {
  // A class that forgets its own `name` would report its parent's: caught here for each one.
  const modules = [await import('../../src/errors.ts'), await import('../../src/protocol/records/errors.ts'), await import('../../src/client/errors.ts'), await import('../../src/cli/common.ts')];
  const classes = modules.flatMap((m) => Object.entries(m)).filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error);
  assert.ok(classes.length >= 12, `found ${classes.length} error classes`);
  for (const [exported, ErrorClass] of classes) {
    const error = new (ErrorClass as new (...args: unknown[]) => Error)(1, 'message');
    assert.equal(error.name, exported);
  }
});
