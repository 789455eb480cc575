import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, type TestContext } from 'vitest';
import { runCli } from '../cli/capture.js';
import { addImage } from '../fakes/image.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';
import { pseudoRandomBytes } from './process-helpers.js';

/**
 * The disk says no (issue 11, items 3 and 16): a full file system and a read-only one are I/O errors (exit 8) in
 * words, never "registry unreachable", and a full disk keeps the partial blob for a resume and leaves index.json
 * as it was. The file systems are small tmpfs mounts (root only); elsewhere the tests skip loudly, and in CI
 * (`CI=true`) a refused mount fails.
 */

function mountTmpfs(ctx: TestContext, dir: string, options: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    if (process.env.CI === 'true') throw new Error(`mount tmpfs on ${dir} failed in CI: ${err}`);
    console.warn(
      `\n*** SKIPPED ${ctx.task.name}: cannot mount a tmpfs here (${String(err).split('\n')[0]}) ***\n`,
    );
    ctx.skip();
  }
  onTestFinished(() => {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  });
}

async function pull(args: string[]) {
  return runCli(['pull', '--progress=none', '--retries', '1', ...args], { env: await isolatedEnv() });
}

describe('pull onto a full or read-only disk', () => {
  it('a full disk is exit 8 "no space left", keeps the partial for a resume, and leaves index.json alone', async (ctx) => {
    const mnt = await tempDir();
    mountTmpfs(ctx, mnt, 'size=2m');
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'small');
    addImage(reg, 'team/app', 'big', { layers: [pseudoRandomBytes(3 * 1024 * 1024)] });
    const dest = join(mnt, 'layout');
    expect((await pull([`${reg.host}/team/app:small`, dest])).code).toBe(0);
    const indexBefore = await readFile(join(dest, 'index.json'));

    const r = await pull([`${reg.host}/team/app:big`, dest]);
    expect(r.code).toBe(8);
    expect(r.stderr).not.toContain('unreachable');
    expect(r.stderr).not.toContain('ENOSPC');
    const m =
      /no space left on the device of .+ \((\d+\.\d) MiB partial kept for resume at (\S+\.partial)\)/.exec(
        r.stderr,
      );
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0.5);
    expect((await stat(m![2]!)).size).toBeGreaterThan(512 * 1024);
    expect(r.stderr).toContain('free some disk space');
    expect(await readFile(join(dest, 'index.json'))).toEqual(indexBefore);

    // With room again, the same command resumes from the kept bytes.
    execFileSync('mount', ['-o', 'remount,size=16m', mnt], { stdio: 'pipe' });
    const again = await pull([`${reg.host}/team/app:big`, dest]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(
      reg.requests.some((q) => typeof q.headers.range === 'string' && q.headers.range !== 'bytes=0-'),
    ).toBe(true);
  });

  it('a read-only file system is exit 8 "read-only file system", before any request', async (ctx) => {
    const mnt = await tempDir();
    mountTmpfs(ctx, mnt, 'ro,size=1m');
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'v1');
    for (const dest of [mnt, join(mnt, 'new', 'layout')]) {
      const r = await pull([`${reg.host}/team/app:v1`, dest]);
      expect(r.code, r.stderr).toBe(8);
      expect(r.stderr).toContain('read-only file system');
      expect(r.stderr).not.toMatch(/\bE[A-Z]{3,}\b/);
    }
    expect(reg.requests).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)(
    'a directory without write permission is exit 8 "permission denied"',
    async () => {
      const reg = await faultRegistry();
      addImage(reg, 'team/app', 'v1');
      const dir = join(await tempDir(), 'ro');
      await mkdir(dir);
      await chmod(dir, 0o555);
      onTestFinished(() => chmod(dir, 0o755));
      for (const dest of [dir, join(dir, 'sub')]) {
        const r = await pull([`${reg.host}/team/app:v1`, dest]);
        expect(r.code).toBe(8);
        expect(r.stderr).toContain('permission denied');
      }
      expect(reg.requests).toEqual([]);
    },
  );
});
