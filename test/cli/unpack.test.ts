import { lstat, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeLayer, pushImage, tempDir } from '../archive/helpers.js';
import { FaultRegistry } from '../fakes/fault-registry.js';
import { runCli } from './capture.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const reg = await FaultRegistry.start();
  cleanups.push(() => reg.close());
  const lower = await makeLayer({ 'etc/hello': 'hi\n', 'etc/gone': 'bye\n' });
  const upper = await makeLayer({ 'etc/.wh.gone': '', 'etc/new': 'new\n' });
  await pushImage(reg, 'team/app', 'v1', [lower, upper]);
  const home = await tempDir('ocipull-home-');
  const env = {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    PATH: process.env.PATH,
  };
  return { reg, env };
}

describe('ocipull unpack', () => {
  it('unpacks a registry reference, applying whiteouts, and keeps nothing unless --keep', async () => {
    const { reg, env } = await setup();
    const root = join(await tempDir(), 'rootfs');
    const r = await runCli(['unpack', '--json', '--progress=none', `${reg.host}/team/app:v1`, root], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: `${reg.host}/team/app:v1`, layers: 2 });
    expect(await readFile(join(root, 'etc/hello'), 'utf8')).toBe('hi\n');
    expect(await readFile(join(root, 'etc/new'), 'utf8')).toBe('new\n');
    await expect(lstat(join(root, 'etc/gone'))).rejects.toThrow();
    await expect(lstat(join(root, 'etc/.wh.gone'))).rejects.toThrow();
  });

  it('unpacks an entry of a local layout chosen by name, and --keep leaves the pulled layout', async () => {
    const { reg, env } = await setup();
    const base = await tempDir();
    const keep = join(base, 'layout');
    const first = await runCli(
      ['unpack', '--progress=none', '--keep', keep, `${reg.host}/team/app:v1`, join(base, 'a')],
      { env },
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Unpacked .* into .*: 2 layers, \d+ entries/);
    const second = await runCli(['unpack', `${keep}:v1`, join(base, 'b')], { env });
    expect(second.code).toBe(0);
    expect(await readFile(join(base, 'b/etc/new'), 'utf8')).toBe('new\n');
    const missing = await runCli(['unpack', `${keep}:nope`, join(base, 'c')], { env });
    expect(missing.code).toBe(3);
    await rm(join(base, 'c'), { recursive: true, force: true });
  });

  it('refuses a non-empty destination without --force', async () => {
    const { reg, env } = await setup();
    const root = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(root, 'existing'), 'x');
    const r = await runCli(['unpack', '--progress=none', `${reg.host}/team/app:v1`, root], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^ocipull: /);
    expect(await readlink(join(root, 'existing')).catch(() => 'not a link')).toBe('not a link');
  });
});
