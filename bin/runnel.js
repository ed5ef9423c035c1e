#!/usr/bin/env node
// The `runnel` executable. An installed package runs the compiled dist/; a checkout runs
// the TypeScript sources directly (Node 22.18+ and 24 strip types).
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli/main.js', import.meta.url);
await import(existsSync(dist) ? dist.href : new URL('../src/cli/main.ts', import.meta.url).href);
