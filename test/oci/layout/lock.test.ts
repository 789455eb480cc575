import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLock } from '../../../src/oci/layout/lock.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocipull-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Records entries and exits of the critical section, so overlapping holders show up as interleaving. */
async function criticalSection(log: string, who: string) {
  await writeFile(log, `enter ${who}\n`, { flag: 'a' });
  await new Promise((r) => setTimeout(r, 15));
  await writeFile(log, `exit ${who}\n`, { flag: 'a' });
}

function assertExclusive(text: string, holders: number) {
  const lines = text.trim().split('\n');
  expect(lines).toHaveLength(holders * 2);
  for (let i = 0; i < lines.length; i += 2) {
    expect(lines[i]!.startsWith('enter ')).toBe(true);
    expect(lines[i + 1]).toBe(lines[i]!.replace('enter', 'exit'));
  }
}

describe('withLock', () => {
  it('serializes callers in one process', async () => {
    const lock = join(dir, 'a.lock');
    const log = join(dir, 'a.log');
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => withLock(lock, () => criticalSection(log, String(i)))),
    );
    assertExclusive(await readFile(log, 'utf8'), 8);
    await expect(stat(lock)).rejects.toThrow();
  });

  it('breaks a lock left by a dead process, and one left with our own pid by an earlier process', async () => {
    for (const pid of ['999999', String(process.pid)]) {
      const lock = join(dir, `stale-${pid}.lock`);
      await writeFile(lock, `${pid}\n`);
      const started = Date.now();
      expect(await withLock(lock, async () => 'ran')).toBe('ran');
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });

  it('breaks an empty lock file once it is old, but waits on a fresh one', async () => {
    const lock = join(dir, 'empty.lock');
    await writeFile(lock, '');
    await expect(withLock(lock, async () => 'ran', undefined, 300)).rejects.toMatchObject({ code: 'E_IO' });
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    expect(await withLock(lock, async () => 'ran')).toBe('ran');
  });

  it('lets exactly one of several processes take over a stale lock at a time', async () => {
    // Bundle the lock module so plain node children can run it.
    const script = join(dir, 'locker.mjs');
    await build({
      stdin: {
        contents: `import { withLock } from ${JSON.stringify(resolve('src/oci/layout/lock.ts'))};
import { writeFile } from 'node:fs/promises';
const [lock, log] = process.argv.slice(2);
await withLock(lock, async () => {
  await writeFile(log, 'enter ' + process.pid + '\\n', { flag: 'a' });
  await new Promise((r) => setTimeout(r, 15));
  await writeFile(log, 'exit ' + process.pid + '\\n', { flag: 'a' });
});`,
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: script,
      logLevel: 'silent',
    });
    for (let round = 0; round < 3; round++) {
      const lock = join(dir, `race-${round}.lock`);
      const log = join(dir, `race-${round}.log`);
      await writeFile(lock, '999999\n');
      const children = Array.from(
        { length: 6 },
        () =>
          new Promise<number>((res) => {
            spawn(process.execPath, [script, lock, log], { stdio: 'inherit' }).on('exit', (code) =>
              res(code ?? -1),
            );
          }),
      );
      expect(await Promise.all(children)).toEqual([0, 0, 0, 0, 0, 0]);
      assertExclusive(await readFile(log, 'utf8'), 6);
    }
  });
});
