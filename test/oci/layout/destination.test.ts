import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkLayoutDestination,
  describeIoError,
  initLayout,
  isValidRefName,
  makeDirectories,
} from '../../../src/oci/layout/index.js';
import { tempDir } from '../../fakes/scope.js';

describe('isValidRefName (image-spec annotations.md grammar)', () => {
  it.each(['latest', 'v1.2.3', 'team/app:dev', 'a--b', 'a+b@c_d', '1', 'sha256:abc', 'A/B/C'])(
    'accepts %j',
    (n) => expect(isValidRefName(n)).toBe(true),
  );
  it.each([
    '',
    ' ',
    'bad name/../x',
    '-a',
    'a-',
    'a---b',
    'a//b',
    '/a',
    'a/',
    'a/../b',
    'ü',
    'a b',
    '.a',
    'a..b',
  ])('refuses %j', (n) => expect(isValidRefName(n)).toBe(false));
});

describe('checkLayoutDestination', () => {
  it('accepts a missing path, an empty directory and a layout, creating nothing', async () => {
    const base = await tempDir();
    await checkLayoutDestination(join(base, 'a', 'b'));
    await checkLayoutDestination(base);
    expect(await readdir(base)).toEqual([]);
    await initLayout(base);
    await checkLayoutDestination(base);
  });

  it('refuses a non-empty directory without force (E_USAGE), a foreign index.json even with force', async () => {
    const base = await tempDir();
    await writeFile(join(base, 'notes.txt'), 'x');
    await expect(checkLayoutDestination(base)).rejects.toMatchObject({ code: 'E_USAGE' });
    await checkLayoutDestination(base, { force: true });
    await writeFile(join(base, 'index.json'), '[]');
    await expect(checkLayoutDestination(base, { force: true })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('not an OCI image index'),
    });
  });

  it('refuses what cannot be created with E_IO, in words', async () => {
    await expect(checkLayoutDestination('/proc/nope/x')).rejects.toMatchObject({
      code: 'E_IO',
      message: expect.stringContaining('no such file or directory'),
    });
    const base = await tempDir();
    await writeFile(join(base, 'f'), '');
    await expect(checkLayoutDestination(join(base, 'f'))).rejects.toMatchObject({ code: 'E_IO' });
    await expect(checkLayoutDestination(join(base, 'f', 'g'))).rejects.toMatchObject({
      code: 'E_IO',
      message: expect.stringContaining('not a directory'),
    });
  });
});

describe('makeDirectories', () => {
  it('creates missing parents, and fails (instead of spinning) under /proc', async () => {
    const base = await tempDir();
    await makeDirectories(join(base, 'a', 'b', 'c'));
    await makeDirectories(join(base, 'a', 'b', 'c'));
    await mkdir(join(base, 'a', 'b', 'c', 'd'));
    await expect(makeDirectories('/proc/nope/x')).rejects.toMatchObject({ code: 'E_IO' });
  });
});

describe('describeIoError', () => {
  it.each([
    ['ENOSPC', 'no space left on device'],
    ['EACCES', 'permission denied'],
    ['ENOTDIR', 'not a directory'],
    ['EROFS', 'read-only file system'],
  ])('%s reads "%s"', (code, words) => {
    expect(describeIoError(Object.assign(new Error(code), { code }))).toBe(words);
  });
});
