import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';

/**
 * The CLI bundle (dist/cli/cli.cjs, built by scripts/build.mjs) loaded through `vm.Script` with a V8 code cache.
 * Node 20 has no module compile cache (`module.enableCompileCache` is Node >= 22.1), and compiling those 1.5 MB
 * of JS, then lazily compiling the functions a run calls, costs every network command about 60 ms (digest: 188
 * against 135 ms in `npm run bench`); with the cache, V8 deserializes the bytecode instead.
 *
 * The cache lives in `$XDG_CACHE_HOME/ocipull/` (default `~/.cache/ocipull/`): one file per command, ocipull
 * build and V8 version, written after the first successful run (exit code 0) of a process that had none, or whose
 * cache was foreign, corrupt or rejected by V8, through a temp file and a rename so a reader never sees half a
 * file. The file name and key name the command, the build, V8 and the architecture. One file per command because a cache holds the functions the run that wrote it compiled (a `digest`'s cache
 * has none of `pull`'s), and because V8 rejects a cache made under other flags (a pull runs with `--no-opt`): with
 * one shared file, `digest` and `pull` in turn would each reject and rewrite the other's. Any failure to read or
 * write a cache is ignored: an unwritable cache directory changes nothing but speed.
 * `--version`, `ref REF...` and a piped `--help` never load the CLI bundle, so they never read a cache either;
 * `--debug` loads it with require() and no cache, since Node maps stack traces to src/ only for code its own
 * loader compiled.
 */

/** Baked in by scripts/build.mjs: ocipull's version and the SHA-256 of dist/cli/cli.cjs. */
declare const __OCIPULL_VERSION__: string | undefined;
declare const __OCIPULL_CLI_HASH__: string | undefined;

/** First line of a cache file; bump the number when the layout below changes. */
const MAGIC = 'ocipull-code-cache 2';

interface Loaded {
  script: Script;
  path: string;
  key: string;
  /** True when the run had no usable cache: write one if it succeeds. */
  stale: boolean;
  /** True once the command itself ran (`keep()`): a `--help` or a usage error compiles too little to keep. */
  kept: boolean;
}

/** What `loadCached` gives: the bundle's exports, and `keep()`, to call when the command itself starts. */
export interface LoadedBundle<T> {
  exports: T;
  keep(): void;
}

let loaded: Loaded | undefined;

/** `$XDG_CACHE_HOME/ocipull` (an absolute XDG_CACHE_HOME only, as the XDG spec says), else `~/.cache/ocipull`. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'ocipull');
}

/** What a cache must have been made for: this command, this ocipull build, this Node and V8. */
function cacheKey(command: string): string {
  return `ocipull ${__OCIPULL_VERSION__} cli ${__OCIPULL_CLI_HASH__} command ${command} node ${process.version} v8 ${process.versions.v8} ${process.arch}`;
}

/** The cache file's bytes as: MAGIC, the key, the CRC-32 of the data (hex), each on a line; then the data. */
function encode(key: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${MAGIC}\n${key}\n${crc32(data).toString(16)}\n`), data]);
}

/** The V8 data of a cache file, or undefined when it was made for something else or is damaged. */
function decode(file: Buffer, key: string): Buffer | undefined {
  let at = 0;
  const lines: string[] = [];
  for (let i = 0; i < 3; i++) {
    const nl = file.indexOf(10, at);
    if (nl < 0 || nl - at > 1024) return undefined;
    lines.push(file.toString('latin1', at, nl));
    at = nl + 1;
  }
  const data = file.subarray(at);
  if (lines[0] !== MAGIC || lines[1] !== key || lines[2] !== crc32(data).toString(16)) return undefined;
  return data;
}

/**
 * Loads the CommonJS bundle `file` for a run of `command` (once per process), with the command's code cache when
 * there is a valid one. `command` is a word (a command's name). A new cache is written at exit only when the run
 * succeeded and called `keep()`: a cache is never replaced while V8 accepts it, so one written by `CMD --help`
 * would hold almost none of what `CMD` compiles, for good.
 */
export function loadCached<T>(file: string, command: string): LoadedBundle<T> {
  if (loaded) throw new Error('bug: loadCached() twice in one process');
  const key = cacheKey(command);
  const path = join(
    codeCacheDir(),
    `${buildPrefix()}${command}-v8-${process.versions.v8}-${process.arch}.cache`,
  );
  let cachedData: Buffer | undefined;
  try {
    cachedData = decode(readFileSync(path), key);
  } catch {
    // No cache yet, or an unreadable one: compile from source.
  }
  // esbuild writes ASCII only (non-ASCII characters as escapes), so latin1 reads the same string, with no UTF-8
  // decoding.
  const source = readFileSync(file, 'latin1');
  // The CommonJS wrapper Node itself uses, so the bundle sees module, exports and require as it would from require().
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} as T };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  const state: Loaded = { script, path, key, stale, kept: false };
  loaded = state;
  // At exit, so the cache also holds the functions this run compiled lazily (most of what a run costs).
  if (stale) process.once('exit', (code) => code === 0 && state.kept && writeCache());
  wrapper(module.exports, require, module, file, dirname(file));
  return {
    exports: module.exports,
    keep: () => {
      state.kept = true;
    },
  };
}

/** The start of this build's cache file names: `cli-VERSION-HASH-`. */
function buildPrefix(): string {
  return `cli-${__OCIPULL_VERSION__}-${__OCIPULL_CLI_HASH__?.slice(0, 12)}-`;
}

/**
 * Creates `dir` and its missing ancestors, one mkdir each. Not `mkdirSync(dir, { recursive: true })`: Node's
 * recursive mkdir spins forever where mkdir answers ENOENT although the parent exists (under /proc, seen here).
 */
function ensureDir(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      mkdirSync(d);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') break;
      if (code !== 'ENOENT' || dirname(d) === d || missing.length > 32) throw err;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

/** Caches of other builds (or temp files of crashed writers) this old are removed when a new cache is written. */
const PRUNE_AFTER_MS = 30 * 24 * 3600 * 1000;

/**
 * Removes the cache files of other ocipull builds and V8 versions not written for 30 days, so upgrades do not pile
 * up ~1 MB per command each, and temp files of crashed writers; this build's own caches stay (a cache V8 takes is
 * never rewritten, so its age says nothing about its use). Never throws.
 */
function pruneOthers(dir: string, keep: string): void {
  try {
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (file === keep || !/^(cli|net)-.*\.(cache|tmp)$/.test(name)) continue;
      if (name.startsWith(buildPrefix()) && name.endsWith('.cache')) continue;
      if (now - statSync(file).mtimeMs > PRUNE_AFTER_MS) unlinkSync(file);
    }
  } catch {
    // Another process pruned first, or the directory is not ours to clean.
  }
}

/** Writes the cache for the loaded bundle, atomically; never throws. */
function writeCache(): void {
  if (!loaded?.stale) return;
  loaded.stale = false;
  const { path, key, script } = loaded;
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    const data = script.createCachedData();
    ensureDir(dirname(path));
    writeFileSync(tmp, encode(key, data), { mode: 0o644 });
    renameSync(tmp, path);
    pruneOthers(dirname(path), path);
  } catch {
    // A read-only or full cache directory: the next run compiles from source again.
    try {
      unlinkSync(tmp);
    } catch {}
  }
}
