#!/usr/bin/env node
// Builds dist/: the CLI into dist/cli/ and the library (`import … from 'ocipull'`) into dist/index.js, plus the
// library's declarations (dist/index.d.ts and the files it references), emitted by `tsc -p tsconfig.dist.json`
// since esbuild writes none.
//
// The CLI is one esbuild bundle (with code splitting, so `--help` does not load the HTTP stack) instead of ~150
// separate ES modules. Node 20 has no module compile cache, and loading undici, zod, commander and our modules one
// file at a time cost ~0.3 s of CPU per run (see the README's Benchmark section). Type checking stays with `tsc`
// in `npm run lint`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const path = (p) => new URL(p, root).pathname;
const { version } = JSON.parse(readFileSync(path('package.json'), 'utf8'));

/**
 * The CLI bundle takes only the parts of undici it uses (scripts/undici-slim.cjs), and none of its HTTP/2 client
 * (scripts/undici-no-h2.cjs): undici's index.js makes Node load its own internal undici and node:http2 as well.
 */
const noH2 = {
  name: 'undici-no-h2',
  setup(b) {
    b.onResolve({ filter: /[\\/]client-h2(\.js)?$/ }, (args) =>
      args.importer.includes('/node_modules/undici/')
        ? { path: path('scripts/undici-no-h2.cjs') }
        : undefined,
    );
  },
};

/**
 * In the CLI's ES module bundle, `undici` and `zod` come from the network chunk (dist/cli/net.cjs, loaded with a V8
 * code cache by src/cli/code-cache.ts) through two small stand-ins. The library build is not affected: it leaves
 * undici and zod to npm.
 */
const fromNetChunk = {
  name: 'from-net-chunk',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: path('scripts/net-undici.mjs') }));
    b.onResolve({ filter: /^zod$/ }, () => ({ path: path('scripts/net-zod.mjs') }));
  },
};

await rm(path('dist/'), { recursive: true, force: true });
// The network chunk first: its hash keys the code cache (src/cli/code-cache.ts).
await build({
  entryPoints: [path('scripts/net-entry.mjs')],
  outfile: path('dist/cli/net.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  plugins: [noH2],
  logLevel: 'warning',
});
const netHash = createHash('sha256')
  .update(readFileSync(path('dist/cli/net.cjs')))
  .digest('hex');
await build({
  entryPoints: [path('src/cli/bin.ts')],
  outdir: path('dist/cli/'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Chunks stay beside bin.js: src/cli/version.ts finds package.json two directories up.
  chunkNames: '[name]-[hash]',
  define: { __OCIPULL_VERSION__: JSON.stringify(version), __OCIPULL_NET_HASH__: JSON.stringify(netHash) },
  // undici is CommonJS and calls require() for Node built-ins; give the ES module output a real require.
  banner: {
    js: "import { createRequire as __ocipullCreateRequire } from 'node:module'; const require = __ocipullCreateRequire(import.meta.url);",
  },
  plugins: [fromNetChunk],
  logLevel: 'warning',
});

// The library: one ES module of our code, with the dependencies left as imports (npm installs them, and a user's
// bundler dedupes them). No top-level await and no import.meta, so require() of it works (require(esm), Node
// >= 20.19) and a CommonJS bundle of it (ncc, esbuild --format=cjs) still runs. The version is baked in: the
// library reads no file at run time.
await build({
  entryPoints: [path('src/index.ts')],
  outfile: path('dist/index.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  define: { __OCIPULL_VERSION__: JSON.stringify(version) },
  supported: { 'top-level-await': false },
  logLevel: 'warning',
});

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path('tsconfig.dist.json')], { stdio: 'inherit' });
