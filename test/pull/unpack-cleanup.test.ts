import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../cli/capture.js';
import type { FaultRegistry } from '../fakes/fault-registry.js';
import { addImage } from '../fakes/image.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';

/**
 * `unpack REF DIR` pulls into a temporary layout on the way; it must be gone after every failure (issue 11, item 5).
 * And a SOURCE that is a path without a layout is "no OCI layout at PATH" (item 20).
 */

/** Points `os.tmpdir()` of this worker at a fresh directory for the test, so what is left there can be listed. */
async function privateTmpdir(): Promise<string> {
  const dir = await tempDir('ocipull-tmpdir-');
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  onTestFinished(() => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  });
  return dir;
}

const failures: [string, (reg: FaultRegistry) => string][] = [
  ['a tag that does not exist', (reg) => `${reg.host}/team/app:nope`],
  [
    'a layer that fails its digest',
    (reg) => {
      const img = addImage(reg, 'team/bad', 'v1');
      reg.repo('team/bad').blobs.set(img.layers[0]!.digest, Buffer.alloc(img.layers[0]!.size, 1));
      return `${reg.host}/team/bad:v1`;
    },
  ],
  ['a registry that refuses connections', () => '127.0.0.1:1/team/app:v1'],
  ['a destination that is not empty (the unpack fails, not the pull)', (reg) => `${reg.host}/team/app:v1`],
];

describe('unpack REF DIR leaves no temporary layout behind', () => {
  it.each(failures)('when the run fails on %s', async (what, refOf) => {
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'v1');
    const base = await tempDir();
    const rootfs = join(base, 'rootfs');
    if (what.startsWith('a destination')) {
      await runCli(['pull', '--progress=none', `${reg.host}/team/app:v1`, rootfs], {
        env: await isolatedEnv(),
      });
    }
    const env = await isolatedEnv();
    const tmp = await privateTmpdir();
    const r = await runCli(['unpack', '--progress=none', '--retries', '0', refOf(reg), rootfs], { env });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(1);
    expect(await readdir(tmp)).toEqual([]);
  });
});

describe('unpack of a path that holds no layout', () => {
  it.each([['./missing-layout'], ['./missing-layout:v1'], ['/nonexistent/dir'], ['../nope']])(
    '%s: "no OCI layout at …", exit 3',
    async (source) => {
      const dir = join(await tempDir(), 'rootfs');
      const r = await runCli(['unpack', source, dir], { env: await isolatedEnv() });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`no OCI layout at ${source.replace(/:v1$/, '')}`);
      expect(r.stderr).not.toContain('invalid reference');
    },
  );
});
