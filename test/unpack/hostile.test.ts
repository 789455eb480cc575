/**
 * Hostile layers (PROTOCOL.md §9 "path safety"): every entry either lands inside the rootfs or the layer is
 * refused with a message naming the entry; nothing outside the rootfs is created, changed or removed. Each case
 * runs in a fresh directory `base/` holding `rootfs/` and a sentinel tree `outside/` (also reachable by an
 * absolute path), whose state is compared before and after.
 */

import { lstat, mkdir, mkdtemp, readFile, readlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyLayer } from '../../src/unpack/index.js';
import { buildTar, type TarSpec } from './tar-fixtures.js';
import { forceRemove, readTree } from './tree.js';

let base: string;
let root: string;
let outside: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'ocipull-unpack-hostile-'));
  root = join(base, 'rootfs');
  outside = join(base, 'outside');
  await mkdir(root);
  await mkdir(join(outside, 'etc'), { recursive: true });
  await writeFile(join(outside, 'etc', 'passwd'), 'host passwd\n');
  await writeFile(join(outside, 'sentinel'), 'untouched\n');
});
afterEach(async () => {
  await forceRemove(base);
});

/** The state of everything in `base` except the rootfs. */
async function outsideState() {
  const tree = await readTree(base);
  for (const path of [...tree.keys()]) if (path === 'rootfs' || path.startsWith('rootfs/')) tree.delete(path);
  return JSON.stringify([...tree]);
}

async function apply(specs: TarSpec[], rootless = true) {
  return applyLayer(root, Readable.from([await buildTar(specs)]), { rootless, label: 'hostile layer' });
}

/** Applies `specs`, asserting nothing outside the rootfs changed; returns the error, if the layer was refused. */
async function applyConfined(specs: TarSpec[], rootless = true): Promise<unknown> {
  const before = await outsideState();
  let error: unknown;
  try {
    await apply(specs, rootless);
  } catch (err) {
    error = err;
  }
  expect(await outsideState()).toBe(before);
  return error;
}

const text = (rel: string) => readFile(join(root, rel), 'utf8');
const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

describe('hostile layers stay inside the rootfs', () => {
  it.each([['../evil'], ['./../evil'], ['a/../../evil'], ['/../evil']])(
    'refuses the name %s, which climbs out',
    async (name) => {
      const error = await applyConfined([{ name, content: 'evil' }]);
      expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
      expect((error as Error).message).toContain(JSON.stringify(name));
      expect((error as Error).message).toContain('..');
      expect(await exists(join(base, 'evil'))).toBe(false);
    },
  );

  it('does not follow a hardlink-to-symlink out of the rootfs with a later whiteout (stale path cache)', async () => {
    // Found in review: `b` cached as a plain path, then replaced by a hardlink to `s -> <outside>`.
    await applyConfined([
      { name: 's', type: 'symlink', linkname: outside },
      { name: 'b/.wh.nothing', content: '' },
      { name: 'b', type: 'link', linkname: 's' },
      { name: 'b/.wh.sentinel', content: '' },
    ]);
    expect(await readFile(join(outside, 'sentinel'), 'utf8')).toBe('untouched\n');
  });

  it('never re-applies directory metadata through an ancestor replaced by a symlink', async () => {
    // Found in review: x/etc's mode and mtime were applied at layer end to <outside>/etc through `x -> <outside>`.
    await applyConfined([
      { name: 'x/', type: 'directory', mode: 0o755 },
      { name: 'x/etc/', type: 'directory', mode: 0o777, mtime: 0 },
      { name: 'x', type: 'symlink', linkname: outside },
    ]);
  });

  it('puts an absolute name under the rootfs', async () => {
    expect(await applyConfined([{ name: '/abs/evil', content: 'evil' }])).toBeUndefined();
    expect(await text('abs/evil')).toBe('evil');
  });

  it('resolves a path through `link -> /` inside the rootfs', async () => {
    const error = await applyConfined([
      { name: 'link', type: 'symlink', linkname: '/' },
      { name: 'link/etc/evil', content: 'evil' },
    ]);
    expect(error).toBeUndefined();
    expect(await text('etc/evil')).toBe('evil');
    expect(await readlink(join(root, 'link'))).toBe('/');
  });

  it('resolves `a -> /etc` then `a/passwd` to <root>/etc/passwd', async () => {
    expect(
      await applyConfined([
        { name: 'etc/' },
        { name: 'a', type: 'symlink', linkname: '/etc' },
        { name: 'a/passwd', content: 'image passwd' },
      ]),
    ).toBeUndefined();
    expect(await text('etc/passwd')).toBe('image passwd');
  });

  it('clamps `up -> ../../..` at the rootfs: up/evil lands in <root>/evil', async () => {
    expect(
      await applyConfined([
        { name: 'up', type: 'symlink', linkname: '../../..' },
        { name: 'up/evil', content: 'evil' },
      ]),
    ).toBeUndefined();
    expect(await text('evil')).toBe('evil');
  });

  it('treats a symlink to the host path of a directory outside as rootfs-relative', async () => {
    expect(
      await applyConfined([
        { name: 'host', type: 'symlink', linkname: outside },
        { name: 'host/sentinel', content: 'overwritten?' },
        { name: 'rel', type: 'symlink', linkname: '../outside' },
        { name: 'rel/.wh.sentinel' },
        { name: 'rel/new', content: 'inside' },
      ]),
    ).toBeUndefined();
    expect(await text(join(outside.slice(1), 'sentinel'))).toBe('overwritten?');
    expect(await text('outside/new')).toBe('inside');
  });

  it('replaces a planted symlink instead of writing through it', async () => {
    expect(
      await applyConfined([
        { name: 'victim', type: 'symlink', linkname: join(outside, 'sentinel') },
        { name: 'victim', content: 'replaced the link' },
        { name: 'dirlink', type: 'symlink', linkname: outside },
        { name: 'dirlink/', mode: 0o700 },
      ]),
    ).toBeUndefined();
    expect((await lstat(join(root, 'victim'))).isFile()).toBe(true);
    expect(await text('victim')).toBe('replaced the link');
    expect((await lstat(join(root, 'dirlink'))).isDirectory()).toBe(true);
  });

  it('refuses a hardlink to /etc/passwd when the rootfs has none', async () => {
    const error = await applyConfined([{ name: 'hl', type: 'link', linkname: '/etc/passwd' }]);
    expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    expect((error as Error).message).toMatch(
      /hardlink "hl" -> "\/etc\/passwd": the target does not exist in the rootfs/,
    );
    expect((await lstat(join(outside, 'etc', 'passwd'))).nlink).toBe(1);
  });

  it("links a hardlink to /etc/passwd to the rootfs's own etc/passwd", async () => {
    expect(
      await applyConfined([
        { name: 'etc/passwd', content: 'image passwd' },
        { name: 'hl', type: 'link', linkname: '/etc/passwd' },
      ]),
    ).toBeUndefined();
    expect(await text('hl')).toBe('image passwd');
    expect((await lstat(join(root, 'hl'))).nlink).toBe(2);
  });

  // Specs are functions: `outside` only exists once beforeEach has run.
  it.each([
    ['a target with ..', () => [{ name: 'hl', type: 'link', linkname: '../outside/sentinel' }], /climbs out/],
    [
      'a target through up -> ../../..',
      () => [
        { name: 'up', type: 'symlink', linkname: '../../..' },
        { name: 'hl', type: 'link', linkname: 'up/outside/sentinel' },
      ],
      /does not exist in the rootfs/,
    ],
    [
      'a target through a symlink to the host path',
      () => [
        { name: 'host', type: 'symlink', linkname: outside },
        { name: 'hl', type: 'link', linkname: 'host/sentinel' },
      ],
      /does not exist in the rootfs/,
    ],
    [
      'a directory target',
      () => [{ name: 'd/' }, { name: 'hl', type: 'link', linkname: 'd' }],
      /is a directory/,
    ],
  ] as [string, () => TarSpec[], RegExp][])('refuses a hardlink with %s', async (_what, specs, message) => {
    const error = await applyConfined(specs());
    expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    expect((error as Error).message).toMatch(message);
    expect((await lstat(join(outside, 'sentinel'))).nlink).toBe(1);
  });

  it.each([['.wh.'], ['.wh..'], ['.wh...'], ['sub/.wh.'], ['sub/.wh..']])(
    'refuses the whiteout %s, which names its own directory or its parent',
    async (name) => {
      const error = await applyConfined([{ name: 'sub/' }, { name: 'sub/file', content: 'x' }, { name }]);
      expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
      expect((error as Error).message).toContain('whiteout');
    },
  );

  it.each([['../.wh.outside'], ['../.wh..wh..opq'], ['/../.wh.sentinel']])(
    'refuses the whiteout %s outside the rootfs',
    async (name) => {
      const error = await applyConfined([{ name }]);
      expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    },
  );

  it('keeps whiteouts through `up -> ../../..` and opaque markers at the root inside the rootfs', async () => {
    await apply([
      { name: 'lower', content: 'lower' },
      { name: 'sentinel', content: 'inside' },
    ]);
    expect(
      await applyConfined([
        { name: 'up', type: 'symlink', linkname: '../../..' },
        { name: 'up/.wh.sentinel' },
        { name: 'up/.wh..wh..opq' },
      ]),
    ).toBeUndefined();
    expect(await exists(join(root, 'sentinel'))).toBe(false);
    expect(await exists(join(root, 'lower'))).toBe(false);
    expect(await exists(join(outside, 'sentinel'))).toBe(true);
  });

  it('refuses to turn the rootfs into something else', async () => {
    const error = await applyConfined([{ name: './', type: 'symlink', linkname: '/' }]);
    expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    expect((error as Error).message).toContain('cannot replace the rootfs directory');
    expect((await lstat(root)).isDirectory()).toBe(true);
  });

  it('refuses a symlink loop with a clear message', async () => {
    const error = await applyConfined([
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'a' },
      { name: 'a/x', content: 'x' },
    ]);
    expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    expect((error as Error).message).toContain('symlinks');
  });

  it('refuses out-of-range device numbers as root', async () => {
    const error = await applyConfined(
      [{ name: 'dev/bad', type: 'character-device', devmajor: 0x1000, devminor: 0 }],
      false,
    );
    expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    expect((error as Error).message).toContain('out of range');
  });
});
