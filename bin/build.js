// `npm run build`, which npm also runs on `npm install`, `npm ci` and `npm pack` ("prepare"):
// compiles src/ into dist/ (tsc -p tsconfig.build.json), bundles the command line and the
// library from that output into dist/bundle/ (below), and leaves dist/.build-stamp, the mark
// bin/choose-entry.js checks before it lets `runnel` run dist/.
//
// The stamp is written before tsc reads anything and renamed into place only once tsc and the
// bundler have succeeded (a rename keeps the mtime). So its mtime is a moment before the build
// read src/, on the file system's own clock: a source edited while tsc ran counts as newer
// than the build, and a failed or interrupted build leaves no stamp. dist/ is emptied first so
// that it holds nothing compiled from a source since deleted.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
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
if (result.status !== 0) fail(`tsc exited with ${result.signal ?? `code ${result.status}`}`, result.status);
try {
  await bundle();
} catch (err) {
  fail(`bundling dist/bundle/ failed: ${err instanceof Error ? err.message : String(err)}`, 1);
}
renameSync(pending, stamp);
console.log(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);

function fail(why, status) {
  console.error(`build failed: ${why}; runnel will run src/`);
  // Under `npm install` or `npm ci` ("prepare") a failed build only warns: the checkout still
  // installs and runs its sources, and `npm test` reports the type errors in its type check.
  // `npm run build` and `npm pack` fail.
  process.exit(['install', 'ci'].includes(process.env['npm_command'] ?? '') ? 0 : status || 1);
}

/**
 * dist/bundle/runnel.js, the `runnel` command, and dist/bundle/index.js, the package's main
 * export (`import { startBroker } from 'runnel'`), in a few files instead of ~140 modules.
 * Node resolves every import (a realpath and two path normalizations each, ~380 of them when
 * a broker starts), and that work alone woke V8's optimizing compilers at every start, whose
 * code pages then stayed resident: from dist/cli/main.js a broker idled ~10 MB larger and
 * started ~30 ms later, and importing dist/index.js took ~140 ms against ~60.
 *
 * Each subcommand's dynamic import becomes a chunk of its own, so `runnel consume` still does
 * not load the broker. The generated message codecs stay one file each, loaded on first use
 * (src/protocol/generated/apis.ts loads them from beside itself, which holds here because the
 * bundle is flat: chunks and codecs in one directory). They are entry points of the same
 * bundle, so they share its one copy of what they import: the codec primitives, and the error
 * classes the broker tells apart with instanceof. Packages (the native codecs, CRC32C) stay
 * imports from node_modules.
 *
 * Bundling renames a top-level name that another module of the same chunk declares too, and
 * a class that refers to itself: a stack trace may say decodeRequestHeader2, and code must
 * not tell classes apart by their `name` (error classes set theirs in a literal). esbuild's
 * keepNames would keep the names, with a defineProperty on every closure created (~250 ns
 * each, on closures made per request and per record), so it stays off.
 */
async function bundle() {
  const generated = join(root, 'dist', 'protocol', 'generated');
  const codecs = [...readFileSync(join(generated, 'apis.js'), 'utf8').matchAll(/= lazy\('([\w-]+)'\)/g)].map((m) => m[1]);
  if (codecs.length === 0) throw new Error('found no lazily loaded codecs in dist/protocol/generated/apis.js');
  await build({
    entryPoints: {
      runnel: join(root, 'dist', 'cli', 'main.js'),
      index: join(root, 'dist', 'index.js'),
      ...Object.fromEntries(codecs.map((name) => [name, join(generated, `${name}.js`)])),
    },
    outdir: join(root, 'dist', 'bundle'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    // Chained through tsc's maps back to src/: used only under --enable-source-maps, so the
    // bundle costs nothing for them otherwise.
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
