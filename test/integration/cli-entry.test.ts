// Issue 7: the `runnel` executable (bin/runnel.js) runs the compiled dist/ only when it is up
// to date with src/, else the TypeScript sources, so that a checkout being edited never runs
// stale code. The choice (bin/choose-entry.js) is checked here against real files laid out
// like the package, with mtimes set by fs.utimes; then the executable itself starts a broker.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUILD_STAMP, chooseEntry } from '../../bin/choose-entry.js';
import { tempDir } from '../helpers/broker.ts';

// An hour ago the sources were written, and a minute later dist/ was built from them.
const sourcesWritten = new Date(Date.now() - 3_600_000);
const buildStarted = new Date(sourcesWritten.getTime() + 60_000);
const afterBuild = new Date(buildStarted.getTime() + 30_000);

const SOURCES = ['src/cli/main.ts', 'src/cli/start.ts', 'src/broker/server.ts', 'tsconfig.json', 'tsconfig.build.json'];
const OUTPUTS = ['dist/cli/main.js', 'dist/cli/start.js', 'dist/broker/server.js', 'dist/bundle/runnel.js'];

async function writeAt(root: string, path: string, time: Date): Promise<void> {
  const file = join(root, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `// ${path}\n`);
  await utimes(file, time, time);
}

/** A package root with src/, and with dist/ built from it a minute later; directories dated too. */
async function builtPackage(root: string): Promise<string> {
  for (const path of SOURCES) await writeAt(root, path, sourcesWritten);
  await writeAt(root, BUILD_STAMP, buildStarted);
  for (const path of OUTPUTS) await writeAt(root, path, afterBuild);
  for (const dir of ['src', 'src/cli', 'src/broker']) await utimes(join(root, dir), sourcesWritten, sourcesWritten);
  return root;
}

test('a fresh build runs dist/bundle/runnel.js', async (t) => {
  const root = await builtPackage(await tempDir(t));
  const chosen = chooseEntry(root, {});
  assert.equal(chosen.kind, 'compiled', chosen.reason);
  assert.equal(chosen.path, join(root, 'dist', 'bundle', 'runnel.js'));
});

test('a source file newer than the build runs the sources', async (t) => {
  const root = await builtPackage(await tempDir(t));
  await utimes(join(root, 'src/broker/server.ts'), afterBuild, afterBuild);
  const chosen = chooseEntry(root, {});
  assert.equal(chosen.kind, 'source');
  assert.equal(chosen.path, join(root, 'src', 'cli', 'main.ts'));
  assert.match(chosen.reason, /src\/broker\/server\.ts is newer than the build/);
});

test('a source edited a millisecond after the build started runs the sources', async (t) => {
  // tsc may have read it before the edit: only what is older than the stamp is in dist/.
  const root = await builtPackage(await tempDir(t));
  const justAfter = new Date(buildStarted.getTime() + 1);
  await utimes(join(root, 'src/cli/start.ts'), justAfter, justAfter);
  assert.equal(chooseEntry(root, {}).kind, 'source');
});

test('a source file removed or renamed since the build runs the sources', async (t) => {
  // Only the directory's mtime records a removal; the rename keeps the file's old mtime.
  const root = await builtPackage(await tempDir(t));
  await rename(join(root, 'src/broker/server.ts'), join(root, 'src/broker/broker-server.ts'));
  const chosen = chooseEntry(root, {});
  assert.equal(chosen.kind, 'source');
  assert.match(chosen.reason, /src\/broker is newer than the build/);
});

test('a tsconfig changed since the build runs the sources', async (t) => {
  const root = await builtPackage(await tempDir(t));
  await utimes(join(root, 'tsconfig.build.json'), afterBuild, afterBuild);
  const chosen = chooseEntry(root, {});
  assert.equal(chosen.kind, 'source');
  assert.match(chosen.reason, /tsconfig\.build\.json is newer than the build/);
});

test('without dist/, or without a finished build, the sources run', async (t) => {
  const neverBuilt = await tempDir(t);
  for (const path of SOURCES) await writeAt(neverBuilt, path, sourcesWritten);
  assert.equal(chooseEntry(neverBuilt, {}).kind, 'source');

  // An interrupted or failed build: outputs written, the stamp never renamed into place.
  const interrupted = await builtPackage(await tempDir(t));
  await rename(join(interrupted, BUILD_STAMP), join(interrupted, `${BUILD_STAMP}.pending`));
  const chosen = chooseEntry(interrupted, {});
  assert.equal(chosen.kind, 'source');
  assert.match(chosen.reason, /build-stamp/);

  // A stamp but no compiled entry point (dist/ partly removed by hand).
  const emptied = await builtPackage(await tempDir(t));
  await rm(join(emptied, 'dist/bundle'), { recursive: true });
  assert.equal(chooseEntry(emptied, {}).kind, 'source');
});

test('an installed package runs dist/ whatever the mtimes say', async (t) => {
  // No src/ in the package: nothing to compare with.
  const noSources = await builtPackage(await tempDir(t));
  await rm(join(noSources, 'src'), { recursive: true });
  await rm(join(noSources, BUILD_STAMP));
  const chosen = chooseEntry(noSources, {});
  assert.equal(chosen.kind, 'compiled', chosen.reason);
  assert.equal(chosen.path, join(noSources, 'dist', 'bundle', 'runnel.js'));

  // Under node_modules Node refuses to strip types, so the shipped sources are never run,
  // even where extraction left one of them newer than the stamp.
  const installed = await builtPackage(join(await tempDir(t), 'node_modules', 'runnel'));
  await utimes(join(installed, 'src/cli/main.ts'), afterBuild, afterBuild);
  assert.equal(chooseEntry(installed, {}).kind, 'compiled');
});

test('RUNNEL_FROM_SOURCE=1 runs the sources even after a fresh build', async (t) => {
  const root = await builtPackage(await tempDir(t));
  assert.equal(chooseEntry(root, { RUNNEL_FROM_SOURCE: '1' }).kind, 'source');
  assert.equal(chooseEntry(root, { RUNNEL_FROM_SOURCE: '0' }).kind, 'compiled');
});

test('bin/runnel.js start listens, and stops with exit code 0 on SIGTERM', async (t) => {
  const dataDir = await tempDir(t);
  const bin = fileURLToPath(new URL('../../bin/runnel.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'start', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const listening = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^listening on 127\.0\.0\.1:\d+$/m.exec(stdout);
      if (line) resolve(line[0]);
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
  assert.match(listening, /^listening on 127\.0\.0\.1:[1-9]\d*$/);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});
