/**
 * `blocked` in the machine's registries.conf also stops the commands that read references without going through
 * mirrors: lock, verify and sync's sources refuse with E_BLOCKED (exit 11) before a request reaches the registry.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lock } from '../../src/index.js';
import { runCli } from '../cli/capture.js';
import { addImage } from '../fakes/image.js';
import { faultRegistry, tempDir } from '../fakes/scope.js';
import { env } from './pull-helpers.js';

describe('blocked applies to lock, verify and sync', () => {
  it('refuses a blocked registry with exit 11 and sends it nothing', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'app', '1');
    const ref = `${reg.host}/app:1`;
    const e = await env();
    const dir = await tempDir();
    const lockfile = join(dir, 'ocipull.lock');
    const locked = await runCli(['lock', '--file', lockfile, ref], { env: e });
    expect(locked.code).toBe(0);

    await mkdir(join(e.OCIPULL_SYSTEM_CONFIG_ROOT!, 'etc/containers'), { recursive: true });
    await writeFile(
      join(e.OCIPULL_SYSTEM_CONFIG_ROOT!, 'etc/containers/registries.conf'),
      `[[registry]]\nlocation = "${reg.host}"\nblocked = true\n`,
    );
    reg.requests.length = 0;
    const relock = await runCli(['lock', '--update', '--file', lockfile, ref], { env: e });
    expect(relock.code).toBe(11);
    expect(relock.stderr).toMatch(/lock .*blocked by/);
    const verify = await runCli(['verify', '--file', lockfile], { env: e });
    expect(verify.code).toBe(11);
    const dest = await faultRegistry();
    const sync = await runCli(['sync', '--file', lockfile, `${dest.host}/copies`], { env: e });
    expect(sync.code).toBe(11);
    expect(sync.stderr).toContain('blocked');
    // The library's lock too.
    await expect(lock(ref, { file: join(dir, 'lib.lock'), env: e })).rejects.toMatchObject({
      code: 'E_BLOCKED',
    });
    expect(reg.requests).toEqual([]);
    expect(dest.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
  });
});
