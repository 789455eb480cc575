/** Name cleaning, whiteout parsing and chroot-style resolution (the internals behind hostile.test.ts). */
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEntryName, parseWhiteout } from '../../src/unpack/entry-name.js';
import { resolveInRoot } from '../../src/unpack/secure-join.js';
import { forceRemove } from './tree.js';

describe('cleanEntryName', () => {
  it.each([
    ['etc/passwd', 'etc/passwd'],
    ['./etc/passwd', 'etc/passwd'],
    ['/etc/passwd', 'etc/passwd'],
    ['//etc//passwd/', 'etc/passwd'],
    ['etc/../usr/./bin/', 'usr/bin'],
    ['./', ''],
    ['/', ''],
    ['.', ''],
    ['a/..', ''],
  ])('%s → %s', (raw, cleaned) => {
    expect(cleanEntryName(raw)).toBe(cleaned);
  });

  it.each([['..'], ['../x'], ['a/../../x'], ['/../x'], ['x\0y']])('refuses %j', (raw) => {
    expect(() => cleanEntryName(raw)).toThrow(expect.objectContaining({ code: 'E_MANIFEST_INVALID' }));
  });
});

describe('parseWhiteout', () => {
  it('classifies markers', () => {
    expect(parseWhiteout('file', 'file')).toBeUndefined();
    expect(parseWhiteout('.wh.file', '.wh.file')).toEqual({ kind: 'remove', name: 'file' });
    expect(parseWhiteout('.wh..hidden', '.wh..hidden')).toEqual({ kind: 'remove', name: '.hidden' });
    expect(parseWhiteout('.wh..wh..opq', 'd/.wh..wh..opq')).toEqual({ kind: 'opaque' });
    expect(parseWhiteout('.wh..wh.plnk', '.wh..wh.plnk')).toEqual({ kind: 'aufs-meta' });
    expect(parseWhiteout('.wh..wh.aufs', '.wh..wh.aufs')).toEqual({ kind: 'aufs-meta' });
    for (const base of ['.wh.', '.wh..', '.wh...']) {
      expect(() => parseWhiteout(base, base)).toThrow(/refusing layer whiteout/);
    }
  });
});

describe('resolveInRoot', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ocipull-unpack-paths-'));
    await mkdir(join(root, 'usr/lib64'), { recursive: true });
    await symlink('/usr/lib64', join(root, 'lib64'));
    await symlink('../../..', join(root, 'up'));
    await symlink('/', join(root, 'slash'));
    await symlink('lib64/../..', join(root, 'tricky'));
    await symlink('usr', join(root, 'rel'));
    await symlink('loop2', join(root, 'loop1'));
    await symlink('loop1', join(root, 'loop2'));
    await symlink('nope/../usr', join(root, 'through-missing'));
  });
  afterAll(async () => {
    await forceRemove(root);
  });

  it.each([
    ['', ''],
    ['usr/lib64', 'usr/lib64'],
    ['lib64', 'usr/lib64'],
    ['lib64/x/y', 'usr/lib64/x/y'],
    ['up', ''],
    ['up/etc', 'etc'],
    ['slash/usr', 'usr'],
    ['tricky', ''],
    ['rel/lib64', 'usr/lib64'],
    ['missing/dir', 'missing/dir'],
    ['through-missing/lib64', 'usr/lib64'],
  ])('%j → %j', async (rel, resolved) => {
    expect(await resolveInRoot(root, rel)).toBe(resolved);
  });

  it('refuses a symlink loop', async () => {
    await expect(resolveInRoot(root, 'loop1/x')).rejects.toMatchObject({ code: 'E_MANIFEST_INVALID' });
  });
});
