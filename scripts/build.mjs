#!/usr/bin/env node
// Builds the CLI into dist/cli/: one esbuild bundle (with code splitting, so `--help` does not load the HTTP
// stack) instead of ~150 separate ES modules. Node 20 has no module compile cache, and loading undici, zod,
// commander and our modules one file at a time cost ~0.3 s of CPU per run (see the README's Benchmark section).
// Type checking stays with `tsc` in `npm run lint`.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const outdir = new URL('../dist/cli/', import.meta.url).pathname;
await rm(new URL('../dist/', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: [new URL('../src/cli/bin.ts', import.meta.url).pathname],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Chunks stay beside bin.js: src/cli/version.ts finds package.json two directories up.
  chunkNames: '[name]-[hash]',
  // undici is CommonJS and calls require() for Node built-ins; give the ES module output a real require.
  banner: {
    js: "import { createRequire as __ocipullCreateRequire } from 'node:module'; const require = __ocipullCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
