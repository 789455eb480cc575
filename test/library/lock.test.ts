/**
 * The library's `lock` and `verify` in-process against the fault registry: each resolves to the object the command
 * prints with `--json`, writes the same lockfile, reports drift as an answer, unreachable entries as `error`
 * verdicts, `from` warnings through `onWarning`, and fails with the command's error codes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lock, OcipullError, pull, verify } from '../../src/index.js';
import { runCli } from '../cli/capture.js';
import { addImage, addIndex } from '../fakes/image.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';

async function setup() {
  const reg = await faultRegistry();
  const index = addIndex(reg, 'team/multi', 'v1');
  const single = addImage(reg, 'team/single', 'v1', { arch: 'arm64' });
  const dir = await tempDir();
  const env = await isolatedEnv();
  const cli = (...args: string[]) => runCli(args, { env });
  return {
    reg,
    index,
    single,
    dir,
    env,
    cli,
    multi: `${reg.host}/team/multi:v1`,
    one: `${reg.host}/team/single:v1`,
  };
}

describe('lock()', () => {
  it('resolves to the object `lock --json` prints and writes the same lockfile (host platform default)', async () => {
    const { index, single, dir, env, cli, multi, one } = await setup();
    const libFile = join(dir, 'lib.lock');
    const cliFile = join(dir, 'cli.lock');
    const r = await lock([multi, one], { file: libFile, env });
    const c = await cli('lock', '--json', '--file', cliFile, multi, one);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toEqual({ ...r, file: cliFile });
    expect(r).toMatchObject({
      file: libFile,
      written: true,
      pulls: 2,
      images: [
        { reference: multi, input: multi, status: 'added', digest: index.digest },
        { reference: one, input: one, status: 'added', digest: single.digest },
      ],
    });
    expect(await readFile(libFile, 'utf8')).toBe(await readFile(cliFile, 'utf8'));

    // Again: nothing re-resolved, nothing spent, the file untouched.
    expect(await lock(multi, { file: libFile, env })).toEqual({
      file: libFile,
      written: false,
      pulls: 0,
      images: [{ reference: multi, input: multi, status: 'kept', digest: index.digest }],
    });
  });

  it('update reports old → new like `lock --update --json`; from files warn through onWarning', async () => {
    const { reg, index, dir, env, cli, multi } = await setup();
    const dockerfile = join(dir, 'Dockerfile');
    await writeFile(dockerfile, `FROM ${multi}\nFROM \${NOPE}\n`);
    const file = join(dir, 'ocipull.lock');
    const warnings: string[] = [];
    const r = await lock([], {
      file,
      from: [dockerfile],
      platforms: ['linux/amd64'],
      env,
      onWarning: (w) => warnings.push(w),
    });
    expect(r.images).toMatchObject([{ reference: multi, status: 'added' }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Dockerfile:2: skipped FROM \$\{NOPE\}/);

    const moved = addImage(reg, 'team/multi', 'v1', { arch: 'amd64' });
    const cliFile = join(dir, 'cli.lock');
    await writeFile(cliFile, await readFile(file));
    const u = await lock([], { file, update: true, env });
    expect(u).toMatchObject({
      written: true,
      images: [
        {
          reference: multi,
          status: 'updated',
          digest: moved.digest,
          diff: { status: 'moved', old: index.digest, new: moved.digest },
        },
      ],
    });
    const c = await cli('lock', '--json', '--update', '--file', cliFile);
    expect(JSON.parse(c.stdout)).toEqual({ ...u, file: cliFile });
  });

  it('fails with the command codes: no references (E_USAGE), a platform the index lacks, an aborted signal', async () => {
    const { dir, env, multi } = await setup();
    const file = join(dir, 'ocipull.lock');
    await expect(lock([], { file, env })).rejects.toMatchObject({ code: 'E_USAGE' });
    const err = await lock(multi, { file, env, platforms: ['linux/s390x'] }).catch((e) => e);
    expect(err).toBeInstanceOf(OcipullError);
    expect(err.message).toMatch(/no linux\/s390x in index/);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(lock(multi, { file, env, signal: ac.signal })).rejects.toMatchObject({
      code: 'E_INTERRUPTED',
    });
  });
});

describe('verify()', () => {
  it('resolves to the object `verify --json` prints: unchanged, then drift as an answer', async () => {
    const { reg, index, dir, env, cli, multi, one } = await setup();
    const file = join(dir, 'ocipull.lock');
    await lock(multi, { file, platforms: ['linux/amd64'], env });
    await lock(one, { file, env });
    const ok = await verify({ file, env });
    expect(ok).toMatchObject({ file, pulls: 0, drift: false, errors: false });
    expect(ok.images.map((i) => i.status)).toEqual(['unchanged', 'unchanged']);

    addImage(reg, 'team/multi', 'v1', { arch: 'amd64', config: { created: '2026-01-01T00:00:00Z' } });
    reg.repo('team/single').manifests.delete('v1');
    const moved = await verify({ file, env });
    const c = await cli('verify', '--json', '--file', file);
    expect(c.code).toBe(10);
    expect(JSON.parse(c.stdout)).toEqual(moved);
    expect(moved).toMatchObject({ drift: true, errors: false });
    expect(moved.images.map((i) => [i.reference, i.status])).toEqual([
      [multi, 'moved'],
      [one, 'gone'],
    ]);
    expect(moved.images[0]!.platforms[0]).toMatchObject({
      platform: 'linux/amd64',
      wanted: true,
      old: index.children[0]!.digest,
    });
  });

  it('an entry it cannot check is an error verdict, not a rejection', async () => {
    const { reg, dir, env, multi } = await setup();
    const file = join(dir, 'ocipull.lock');
    await lock(multi, { file, platforms: ['linux/amd64'], env });
    reg.hook((_req, res) => {
      res.statusCode = 401;
      res.setHeader('www-authenticate', 'Basic realm="x"');
      res.end();
      return true;
    });
    const r = await verify({ file, env, retries: 0 });
    expect(r).toMatchObject({ drift: false, errors: true });
    expect(r.images).toMatchObject([{ reference: multi, status: 'error', error: { code: 'E_AUTH' } }]);
  });

  it('layout checks a pulled layout offline, like `verify --layout --json`', async () => {
    const { index, dir, env, cli, multi, one } = await setup();
    const file = join(dir, 'ocipull.lock');
    await lock(multi, { file, platforms: ['linux/amd64'], env });
    await lock(one, { file, env });
    const out = join(dir, 'layout');
    await mkdir(out);
    await pull(`${multi}@${index.digest}`, out, { platform: 'linux/amd64', env });
    const r = await verify({ file, layout: out });
    expect(r).toMatchObject({ file, layout: out, drift: true });
    expect(r.images.map((i) => [i.reference, i.status])).toEqual([
      [multi, 'present'],
      [one, 'missing'],
    ]);
    const c = await cli('verify', '--json', '--file', file, '--layout', out);
    expect(c.code).toBe(10);
    expect(JSON.parse(c.stdout)).toEqual(r);
    await expect(verify({ file: join(dir, 'none.lock'), env })).rejects.toBeInstanceOf(OcipullError);
  });
});
