#!/usr/bin/env node
// Builds dist/: the CLI into dist/cli/ and the library (`import … from 'ocipull'`) into dist/index.js, plus the
// library's declarations (dist/index.d.ts and the files it references), emitted by `tsc -p tsconfig.dist.json`
// since esbuild writes none.
//
// The CLI is two CommonJS bundles instead of ~150 separate ES modules: dist/cli/cli.cjs, the whole CLI
// (src/cli/main.ts and everything it imports, undici and zod included), which src/cli/boot.ts loads through
// vm.Script with a V8 code cache (src/cli/code-cache.ts; Node 20 has no module compile cache, and an ES module
// cannot use one), and dist/cli/boot.cjs, the small process entry that bin/ocipull.js requires. The commands that
// load lazily (`import()` in the sources) stay lazy: esbuild evaluates a dynamically imported module only when
// the import runs. See the README's Benchmark section for what each part costs. Type checking stays with `tsc`
// in `npm run lint`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const path = (p) => new URL(p, root).pathname;
const { version } = JSON.parse(readFileSync(path('package.json'), 'utf8'));

/**
 * An esbuild plugin that resolves imports matching `filter` to `file` (in scripts/), for importers inside
 * node_modules/`pkg`/ only, or for every importer when `pkg` is undefined.
 */
function standIn(name, filter, file, pkg) {
  return {
    name,
    setup(b) {
      b.onResolve({ filter }, (args) =>
        pkg === undefined || args.importer.includes(`/node_modules/${pkg}/`)
          ? { path: path(`scripts/${file}`) }
          : undefined,
      );
    },
  };
}

/**
 * The CLI bundle takes only the parts of undici it uses (scripts/undici-slim.cjs, for `undici`; the library build
 * leaves undici to npm), and none of its HTTP/2 client (scripts/undici-no-h2.cjs): undici's index.js makes Node
 * load its own internal undici and node:http2 as well.
 */
const slimUndici = standIn('slim-undici', /^undici$/, 'undici-slim.cjs');
const noH2 = standIn('undici-no-h2', /[\\/]client-h2(\.js)?$/, 'undici-no-h2.cjs', 'undici');

/**
 * commander requires node:child_process when it loads, for executable subcommands, which ocipull has none of:
 * give it a stand-in that loads the module on first use (scripts/lazy-child-process.cjs).
 */
const lazyChildProcess = standIn(
  'lazy-child-process',
  /^node:child_process$/,
  'lazy-child-process.cjs',
  'commander',
);

await rm(path('dist/'), { recursive: true, force: true });
// The CLI first: its hash keys the code cache (src/cli/code-cache.ts), and boot.cjs is built with it.
/** What both CLI bundles are: one CommonJS file each, for Node 20, with a source map. */
const cliBundle = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};
await build({
  ...cliBundle,
  entryPoints: [path('src/cli/main.ts')],
  outfile: path('dist/cli/cli.cjs'),
  // ASCII only (escapes for the rest), so code-cache.ts can read the file as latin1, without UTF-8 decoding.
  charset: 'ascii',
  // Every run reads the whole file (V8 compiles the functions it did not cache from it): without whitespace and
  // with simpler syntax it is 1.5 MB instead of 2.1 (-4 ms per command). Names stay as they are, so messages and
  // stack traces read the same; --debug maps them to src/ through the source map.
  minifyWhitespace: true,
  minifySyntax: true,
  // import.meta has no meaning in CommonJS; the one use (src/cli/version.ts) is for running from src/, and the
  // baked-in version makes it dead code here.
  define: { __OCIPULL_VERSION__: JSON.stringify(version), 'import.meta.url': 'undefined' },
  plugins: [slimUndici, noH2, lazyChildProcess],
});
const cliHash = createHash('sha256')
  .update(readFileSync(path('dist/cli/cli.cjs')))
  .digest('hex');
await build({
  ...cliBundle,
  entryPoints: [path('src/cli/boot.ts')],
  outfile: path('dist/cli/boot.cjs'),
  define: { __OCIPULL_VERSION__: JSON.stringify(version), __OCIPULL_CLI_HASH__: JSON.stringify(cliHash) },
});

// `--help` and `CMD --help` with stdout not a terminal print these texts (src/cli/boot.ts): what the program
// itself prints for each, captured here through the built CLI (help.json does not exist yet, so the program
// answers), in an environment with nothing but PATH. test/cli/help-fast.test.ts checks they still agree.
const helpRun = (args) =>
  execFileSync(process.execPath, [path('bin/ocipull.js'), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const commands = JSON.parse(
  execFileSync(
    process.execPath,
    [
      '-e',
      `console.log(JSON.stringify(require(${JSON.stringify(path('dist/cli/cli.cjs'))}).commandNames()))`,
    ],
    { encoding: 'utf8' },
  ),
);
const help = { '': helpRun(['--help']) };
for (const name of commands) help[name] = helpRun([name, '--help']);
writeFileSync(path('dist/cli/help.json'), `${JSON.stringify(help)}\n`);

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
