// What `npm test` runs: the type check, then every test file under Node's test runner.
//
//   npm test                                   all of test/**/*.test.ts
//   npm test -- test/integration/clients-kcat.test.ts
//   npm test -- --test-name-pattern=gzip test/integration/clients-kcat.test.ts
//
// Arguments that start with "--" go to `node --test` as flags; any others replace the default
// glob. Output streams straight through, so CI sees Node's own closing lines ("ℹ pass N",
// "ℹ fail N"). Exits non-zero if the type check or any test fails.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const files = args.filter((a) => !a.startsWith('--'));

function run(title: string, argv: string[]): void {
  console.log(`\n> ${title}: node ${argv.join(' ')}`);
  const started = performance.now();
  // process.execPath is the Node 24 that npm put first on PATH (the `node` devDependency).
  const result = spawnSync(process.execPath, argv, { cwd: root, stdio: 'inherit' });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const how = result.signal ? `signal ${result.signal}` : `exit code ${result.status}`;
    console.error(`\n${title} failed (${how}) after ${seconds}s`);
    process.exit(result.status || 1);
  }
  console.log(`${title} passed in ${seconds}s`);
}

run('type check', [tsc, '--noEmit', '-p', '.']);
run('tests', [
  '--test',
  '--test-reporter=spec',
  // Two cores: two test files at a time, each in its own process.
  '--test-concurrency=2',
  // No single test may hang the run; slow ones set a larger { timeout } themselves.
  '--test-timeout=120000',
  // No --test-force-exit: it ends each file's process before the results still in its pipe
  // reach the runner, so the counts came out short and varied from run to run. A file that
  // leaves a handle open keeps running instead; .ci/run bounds the whole run.
  ...flags,
  ...(files.length > 0 ? files : ['test/**/*.test.ts']),
]);
