/**
 * Layer semantics of PROTOCOL.md §9 on the three-layer whiteout fixture, checked against what the layers mean
 * (the comparison with umoci is in umoci.test.ts).
 */
import { lstat, mkdtemp, readFile, readlink, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackImage } from '../../src/unpack/index.js';
import { T0, writeLayout } from './tar-fixtures.js';
import { forceRemove } from './tree.js';
import { whiteoutLayers } from './whiteout-fixture.js';

describe('unpackImage on the whiteout fixture', () => {
  let base: string;
  let root: string;
  let warnings: string[];
  const layersSeen: string[] = [];

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'ocipull-unpack-wh-'));
    const [l1, l2, l3] = await whiteoutLayers();
    await writeLayout(join(base, 'layout'), [{ tar: l1 }, { tar: l2, compression: 'none' }, { tar: l3 }]);
    root = join(base, 'rootfs');
    const result = await unpackImage({
      layout: join(base, 'layout'),
      dest: root,
      rootless: true,
      onWarning: (w) => layersSeen.push(`warning: ${w}`),
      onLayer: (i, total, digest) => layersSeen.push(`${i}/${total} ${digest.slice(0, 13)}`),
    });
    warnings = result.warnings;
    expect(result.layers).toBe(3);
  });
  afterAll(async () => {
    await forceRemove(base);
  });

  const exists = (rel: string) =>
    lstat(join(root, rel)).then(
      () => true,
      () => false,
    );
  const text = (rel: string) => readFile(join(root, rel), 'utf8');

  it('reports layers 1..3 and one warning for the skipped device nodes', () => {
    expect(layersSeen.filter((l) => !l.startsWith('warning')).map((l) => l.slice(0, 3))).toEqual([
      '1/3',
      '2/3',
      '3/3',
    ]);
    expect(warnings).toEqual(['skipped 2 device nodes (not root)']);
    expect(layersSeen.filter((l) => l.startsWith('warning'))).toHaveLength(1);
  });

  it('deletes whited-out files and whole directory trees, never writing the markers', async () => {
    expect(await exists('delfile')).toBe(false);
    expect(await exists('del')).toBe(false);
    expect(await exists('etc/hosts')).toBe(false);
    expect(await text('etc/passwd')).toContain('root:x:0:0');
    expect(await exists('.wh.delfile')).toBe(false);
    expect(await exists('etc/.wh.hosts')).toBe(false);
    expect(await exists('.wh..wh.plnk')).toBe(false);
  });

  it('empties an opaque directory of lower content only, wherever the marker sits', async () => {
    expect(await exists('opq/a')).toBe(false);
    expect(await exists('opq/sub/b')).toBe(false);
    expect(await text('opq/new')).toBe('new');
    expect(await text('opq/sub/c')).toBe('c');
    expect(await exists('opq/.wh..wh..opq')).toBe(false);
    expect((await stat(join(root, 'opq'))).mode & 0o7777).toBe(0o700);
  });

  it('spares an entry of the same layer from its whiteout, and re-creates a file in a later layer', async () => {
    expect(await text('samelayer')).toBe('kept');
    expect(await text('recreate')).toBe('v3');
  });

  it('keeps a hardlink whose lower-layer original was deleted later', async () => {
    expect(await exists('data/orig')).toBe(false);
    expect(await text('data/link')).toBe('hello');
    expect(await text('data/abs-link')).toBe('hello');
    expect((await lstat(join(root, 'data/link'))).nlink).toBe(2);
  });

  it('stores symlink targets verbatim, absolute ones included', async () => {
    expect(await readlink(join(root, 'lib64'))).toBe('/usr/lib64');
    expect(await readlink(join(root, 'rel-link'))).toBe('../etc/hosts');
    expect(await readlink(join(root, 'symlink-to-dir'))).toBe('/usr/lib64');
  });

  it('replaces a directory by a file and a file by a directory', async () => {
    expect(await text('replace-dir')).toBe('now a file');
    expect((await lstat(join(root, 'replace-file'))).isDirectory()).toBe(true);
    expect(await text('replace-file/inner')).toBe('inner');
  });

  it('applies modes (setuid, sticky, read-only dirs), FIFOs and directory mtimes after each layer', async () => {
    expect((await stat(join(root, 'bin/su'))).mode & 0o7777).toBe(0o4755);
    expect((await stat(join(root, 'sticky'))).mode & 0o7777).toBe(0o1777);
    expect((await stat(join(root, 'ro'))).mode & 0o7777).toBe(0o555);
    expect(await text('ro/new')).toBe('written into a read-only dir');
    expect((await lstat(join(root, 'fifo'))).isFIFO()).toBe(true);
    expect((await lstat(join(root, 'fifo'))).mode & 0o777).toBe(0o640);
    // data/ was written to by layers 2 and 3 after its own entry; its mtime is still layer 3's header.
    expect(Math.round((await stat(join(root, 'data'))).mtimeMs / 1000)).toBe(T0 + 7200);
    // Lower directories changed by whiteouts (the root; opq/sub, emptied by the opaque purge) keep their mtime.
    expect(Math.round((await stat(join(root, 'opq/sub'))).mtimeMs / 1000)).toBe(T0);
    expect(Math.round((await stat(root)).mtimeMs / 1000)).toBe(T0);
    expect(await exists('dev/null')).toBe(false);
  });
});
