// `npm run build`, which npm also runs on `npm install`, `npm ci` and `npm pack` ("prepare"):
// compiles src/ into dist/ (tsc -p tsconfig.build.json) and leaves dist/.build-stamp, the
// mark bin/choose-entry.js checks before it lets `runnel` run dist/.
//
// The stamp is written before tsc reads anything and renamed into place only once tsc has
// succeeded (a rename keeps the mtime). So its mtime is a moment before the build read src/,
// on the file system's own clock: a source edited while tsc ran counts as newer than the
// build, and a failed or interrupted build leaves no stamp. dist/ is emptied first so that it
// holds nothing compiled from a source since deleted.

import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_STAMP } from './choose-entry.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const stamp = join(root, BUILD_STAMP);
const pending = `${stamp}.pending`;

const started = performance.now();
rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'));
writeFileSync(pending, 'Compiled from src/ by bin/build.js. bin/runnel.js runs dist/ only while nothing\n' +
  'under src/ (nor tsconfig.json, tsconfig.build.json) is newer than this file.\n');

const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.error) throw result.error;
if (result.status !== 0) {
  console.error(`build failed: tsc exited with ${result.signal ?? `code ${result.status}`}; runnel will run src/`);
  // Under `npm install` or `npm ci` ("prepare") a failed build only warns: the checkout still
  // installs and runs its sources, and `npm test` reports the type errors in its type check.
  // `npm run build` and `npm pack` fail.
  if (!['install', 'ci'].includes(process.env['npm_command'] ?? '')) process.exit(result.status || 1);
} else {
  renameSync(pending, stamp);
  console.log(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
