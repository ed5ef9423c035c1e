// Which entry point the `runnel` executable runs: the compiled and bundled
// dist/bundle/runnel.js (see bin/build.js), or the TypeScript source src/cli/main.ts through
// Node's type stripping. The compiled one starts faster and idles about 30 MB smaller (type
// stripping keeps its transformer loaded, and ~140 modules cost more than a bundle), but a
// checkout being edited must never run code compiled from older sources, so dist/ is used
// only while it is at least as new as everything it was built from.
//
// "As new" is judged by mtimes against dist/.build-stamp, which bin/build.js creates before
// tsc reads src/ and renames into place only after tsc succeeded: a file edited during or
// after the build, a file added or removed (its directory's mtime moves), an interrupted or
// failed build, or a changed tsconfig all send `runnel` back to the sources. Copies that
// preserve old mtimes (cp -p, rsync -a) can fool it; `npm run build` settles any doubt, and
// RUNNEL_FROM_SOURCE=1 forces the sources.
//
// Types: choose-entry.d.ts (this file stays plain JavaScript because it ships in bin/ and
// Node does not strip types under node_modules).

import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/** The stamp's path under the package root. Its mtime is when the build started reading src/. */
export const BUILD_STAMP = join('dist', '.build-stamp');

/** The inputs of the build besides src/: a changed compiler setting makes dist/ stale too. */
const BUILD_CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

export function chooseEntry(root, env) {
  const source = { kind: 'source', path: join(root, 'src', 'cli', 'main.ts') };
  const compiled = { kind: 'compiled', path: join(root, 'dist', 'bundle', 'runnel.js') };
  const srcDir = join(root, 'src');

  if (env['RUNNEL_FROM_SOURCE'] === '1') return { ...source, reason: 'RUNNEL_FROM_SOURCE=1' };
  // An installed package: dist/ is what was published. Node refuses to strip types under
  // node_modules, and extraction may leave mtimes in any order, so no freshness check.
  if (mtimeMs(srcDir) === undefined) return { ...compiled, reason: 'no src/: an installed package' };
  if (root.split(sep).includes('node_modules')) return { ...compiled, reason: 'under node_modules: an installed package' };

  const built = mtimeMs(join(root, BUILD_STAMP));
  if (built === undefined) return { ...source, reason: `no ${BUILD_STAMP}: dist/ was never built, or its build did not finish` };
  if (mtimeMs(compiled.path) === undefined) return { ...source, reason: `${compiled.path} is missing` };
  const newer = firstNewer(root, srcDir, built);
  if (newer !== undefined) return { ...source, reason: `${newer} is newer than the build` };
  return { ...compiled, reason: 'dist/ is up to date with src/' };
}

/** The first build input (a tsconfig, src/ or anything under it) modified after `time`. */
function firstNewer(root, srcDir, time) {
  for (const name of BUILD_CONFIGS) {
    if ((mtimeMs(join(root, name)) ?? 0) > time) return name;
  }
  return newerUnder(srcDir, time);
}

/**
 * `dir` or the first file or directory under it modified after `time`. Directories count
 * too: adding, removing or renaming a file changes only its directory's mtime. A walk with
 * withFileTypes, because readdirSync's `recursive` option costs twice as much here.
 */
function newerUnder(dir, time) {
  if ((mtimeMs(dir) ?? Infinity) > time) return dir;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}${sep}${entry.name}`; // not join(): it normalizes, at a cost per file
    if (entry.isDirectory()) {
      const newer = newerUnder(path, time);
      if (newer !== undefined) return newer;
    } else if ((mtimeMs(path) ?? Infinity) > time) {
      return path;
    }
  }
  return undefined;
}

function mtimeMs(path) {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs;
}
