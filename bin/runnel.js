#!/usr/bin/env node
// The `runnel` executable. It runs the compiled dist/ when that is up to date with src/ (an
// installed package has only dist/), else the TypeScript sources directly (Node 22.18+ and
// 24 strip types): see choose-entry.js.
import { pathToFileURL, fileURLToPath } from 'node:url';
import { chooseEntry } from './choose-entry.js';

const entry = chooseEntry(fileURLToPath(new URL('..', import.meta.url)), process.env);
await import(pathToFileURL(entry.path).href);
