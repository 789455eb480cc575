/**
 * The V8 code cache of the CLI bundle (src/cli/code-cache.ts), through the built CLI (`npm run build` first) as
 * child processes against the in-process fault registry: the first successful run of a command writes its cache,
 * the next run takes it as it is (the file is not rewritten, which is what a rejected or unreadable cache leads
 * to), other commands have caches of their own, a corrupt, foreign or V8-rejected cache is ignored and rewritten,
 * and a cache directory that cannot be written changes nothing but speed. `--version`, `ref` and `--help` never
 * touch it.
 */
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { crc32, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultRegistry } from '../fakes/fault-registry.js';
import { addImage } from '../fakes/image.js';
import { tempDir } from '../fakes/scope.js';
import { type CliRun, runBin } from '../pull/process-helpers.js';

function runCli(args: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  return runBin(args, env, { timeoutMs: 30_000 });
}

let reg: FaultRegistry;
let ref: string;
let digest: string;
beforeEach(async () => {
  reg = await FaultRegistry.start();
  const image = addImage(reg, 'cache/app', 'v1', { layers: [gzipSync(Buffer.from('layer'))] });
  ref = `${reg.host}/cache/app:v1`;
  digest = image.digest;
});
afterEach(async () => {
  await reg.close();
});

/** An isolated environment whose cache directory is `cache` (XDG_CACHE_HOME), in a fresh home. */
async function envWith(cache?: string): Promise<{ env: Record<string, string | undefined>; dir: string }> {
  const home = await tempDir('ocipull-cc-home-');
  const xdg = cache ?? join(home, 'xdg-cache');
  return {
    dir: join(xdg, 'ocipull'),
    env: {
      HOME: home,
      DOCKER_CONFIG: join(home, '.docker'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      XDG_CACHE_HOME: xdg,
      PATH: process.env.PATH,
    },
  };
}

/** The one cache file in `dir` (fails when there is none or more than one), `command`'s. */
async function cacheFile(dir: string, command = 'digest'): Promise<string> {
  const files = await readdir(dir);
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(new RegExp(`^cli-.*-${command}-v8-.*\\.cache$`));
  return join(dir, files[0]!);
}

/** The header lines and the data of a cache file. */
function parse(file: Buffer): { magic: string; key: string; crc: string; data: Buffer } {
  const lines = file.subarray(0, 2048).toString('latin1').split('\n');
  const headerLength = lines.slice(0, 3).join('\n').length + 1;
  return { magic: lines[0]!, key: lines[1]!, crc: lines[2]!, data: file.subarray(headerLength) };
}

function header(key: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`ocipull-code-cache 2\n${key}\n${crc32(data).toString(16)}\n`), data]);
}

async function digestOk(env: Record<string, string | undefined>) {
  const r = await runCli(['digest', ref], env);
  expect(r, r.stderr).toEqual({ code: 0, stdout: `${digest}\n`, stderr: '' });
}

describe('the code cache of the CLI bundle', () => {
  it('the first successful run writes it; the next run takes it as it is', async () => {
    const { env, dir } = await envWith();
    await digestOk(env);
    const path = await cacheFile(dir);
    const bytes = await readFile(path);
    const c = parse(bytes);
    expect(c.magic).toBe('ocipull-code-cache 2');
    expect(c.key).toContain(`command digest node ${process.version} v8 ${process.versions.v8}`);
    expect(c.crc).toBe(crc32(c.data).toString(16));
    expect(c.data.length).toBeGreaterThan(100_000);
    // V8 takes it (same source, same flags): the second run neither rejects nor rewrites it.
    const before = await stat(path);
    await digestOk(env);
    const after = await stat(path);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(await readdir(dir)).toHaveLength(1); // no temp file left behind
  });

  it('each command has its own cache: digest and pull in turn do not reject and rewrite each other’s', async () => {
    // A pull runs under other V8 flags (--no-opt), which V8 checks before it takes a cache.
    const { env, dir } = await envWith();
    const home = env.HOME!;
    const pullOk = async (n: number) => {
      const r = await runCli(['pull', '--progress=none', ref, join(home, `out${n}`)], env);
      expect(r.code, r.stderr).toBe(0);
    };
    await digestOk(env);
    await pullOk(1);
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^cli-.*-digest-v8-/);
    expect(files[1]).toMatch(/^cli-.*-pull-v8-/);
    const before = await Promise.all(files.map((f) => stat(join(dir, f))));
    await digestOk(env);
    await pullOk(2);
    await digestOk(env);
    const after = await Promise.all(files.map((f) => stat(join(dir, f))));
    expect(after.map((s) => [s.ino, s.mtimeMs])).toEqual(before.map((s) => [s.ino, s.mtimeMs]));
    expect(await readdir(dir)).toHaveLength(2);
  });

  it('writing a cache keeps this build’s other caches, however old', async () => {
    const { env, dir } = await envWith();
    const home = env.HOME!;
    const r = await runCli(['pull', '--progress=none', ref, join(home, 'out')], env);
    expect(r.code, r.stderr).toBe(0);
    const pullCache = await cacheFile(dir, 'pull');
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    await utimes(pullCache, old, old);
    await digestOk(env); // writes digest's cache, and prunes
    expect((await readdir(dir)).sort()).toEqual(
      [pullCache.slice(dir.length + 1), pullCache.slice(dir.length + 1).replace('-pull-', '-digest-')].sort(),
    );
  });

  it('writing a cache removes those of other builds unused for 30 days, and keeps recent ones', async () => {
    const { env, dir } = await envWith();
    await mkdir(dir, { recursive: true });
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    for (const name of [
      'cli-0.0.1-aaaaaaaaaaaa-digest-v8-1.cache',
      'cli-0.0.1-aaaaaaaaaaaa-digest-v8-1.cache.1.x.tmp',
      'net-0.0.1-aaaaaaaaaaaa-v8-1.cache',
      'notes.txt',
    ]) {
      await writeFile(join(dir, name), 'old');
      await utimes(join(dir, name), old, old);
    }
    await writeFile(join(dir, 'cli-0.0.2-bbbbbbbbbbbb-digest-v8-1.cache'), 'recent');
    await digestOk(env);
    const files = (await readdir(dir)).sort();
    expect(files.filter((f) => !f.includes('-0.0.'))).toHaveLength(2); // ours, and notes.txt
    expect(files).toContain('notes.txt');
    expect(files).toContain('cli-0.0.2-bbbbbbbbbbbb-digest-v8-1.cache');
    // Old caches of this layout, and of the last one (a network chunk of its own, net-…), are gone.
    expect(files.filter((f) => f.includes('-0.0.1-'))).toEqual([]);
  });

  it('a failed run writes none', async () => {
    const { env, dir } = await envWith();
    const r = await runCli(['digest', `${reg.host}/cache/app:missing`], env);
    expect(r.code).toBe(3);
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('--version, ref and --help never touch it', async () => {
    const { env, dir } = await envWith();
    for (const args of [['--version'], ['ref', 'alpine'], ['--help']]) {
      const r = await runCli(args, env);
      expect(r.code, r.stderr).toBe(0);
    }
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a run in which no command ran writes none: help through the program, -V, a usage error, --debug', async () => {
    // These load the CLI bundle but compile little of a command; a cache V8 takes is never replaced, so one
    // written by `digest --help` would have left every later digest without most of its cache.
    const { env, dir } = await envWith();
    for (const args of [
      ['--debug', '--help'],
      ['digest', '--help', 'extra'],
      ['help', 'digest', 'x'],
      ['-q', '-V'],
      ['--debug', 'digest', ref],
    ]) {
      const r = await runCli(args, env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    expect((await runCli(['digest'], env)).code).toBe(2);
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await digestOk(env);
    await cacheFile(dir);
  });

  it('a relative XDG_CACHE_HOME is ignored (XDG spec): the cache goes to ~/.cache/ocipull', async () => {
    const { env } = await envWith();
    env.XDG_CACHE_HOME = 'relative/cache';
    await digestOk(env);
    await cacheFile(join(env.HOME!, '.cache', 'ocipull'));
  });

  /** Writes a good cache, lets `damage` change it, runs again: same output, and a good cache written anew. */
  async function expectRewritten(damage: (good: Buffer, key: string) => Buffer) {
    const { env, dir } = await envWith();
    await digestOk(env);
    const path = await cacheFile(dir);
    const good = await readFile(path);
    await writeFile(path, damage(good, parse(good).key));
    const before = await stat(path);
    await digestOk(env);
    const after = await stat(path);
    expect(after.ino).not.toBe(before.ino); // renamed into place: rewritten
    const c = parse(await readFile(path));
    expect([c.key, c.crc]).toEqual([parse(good).key, crc32(c.data).toString(16)]);
    // …and the rewritten one is taken by the next run.
    await digestOk(env);
    expect((await stat(path)).ino).toBe(after.ino);
  }

  it('a corrupt cache (flipped bytes, same length) is ignored and rewritten', async () => {
    await expectRewritten((good) => {
      const bad = Buffer.from(good);
      for (let i = bad.length - 5000; i < bad.length; i += 7) bad[i] = (bad[i] ?? 0) ^ 0xff;
      return bad;
    });
  });

  it('a file of garbage, or a truncated cache, is ignored and rewritten', async () => {
    await expectRewritten(() => Buffer.from('not a cache at all'));
    await expectRewritten((good) => good.subarray(0, good.length >> 1));
  });

  it('a foreign cache (made for another V8) is ignored and rewritten', async () => {
    await expectRewritten((good, key) => header(key.replace(/ v8 \S+/, ' v8 9.9.9'), parse(good).data));
  });

  it('a cache V8 rejects (well-formed, but for another script) is ignored and rewritten', async () => {
    await expectRewritten((_good, key) => header(key, new Script('globalThis.x = 1 + 1').createCachedData()));
  });

  it('a cache directory that cannot be created or written changes nothing but speed', async () => {
    // As root, permissions do not stop writes; a regular file in the way and /proc do.
    const home = await tempDir('ocipull-cc-ro-');
    const file = join(home, 'a-file');
    await writeFile(file, 'x');
    for (const cache of [file, '/proc/ocipull-cache-test']) {
      const { env } = await envWith(cache);
      await digestOk(env);
      await digestOk(env);
    }
    expect(await readFile(file, 'utf8')).toBe('x');
  });
});
