// Types of choose-entry.js, for the tests that import it.

/** The stamp's path under the package root. Its mtime is when the build started reading src/. */
export declare const BUILD_STAMP: string;

export interface Entry {
  /** 'compiled': dist/bundle/runnel.js; 'source': src/cli/main.ts through type stripping. */
  kind: 'compiled' | 'source';
  /** The absolute path of the module to import. */
  path: string;
  /** Why this one, in words (e.g. which source file is newer than the build). */
  reason: string;
}

/**
 * The entry point for a package rooted at `root`: the compiled one when src/ is absent (an
 * installed package), or when dist/ was fully built and nothing it was built from changed
 * since; otherwise the sources. RUNNEL_FROM_SOURCE=1 in `env` forces the sources.
 */
export declare function chooseEntry(root: string, env: Record<string, string | undefined>): Entry;
