/**
 * `unpackImage` and `applyLayer` beyond layer semantics: digest checks, unsupported compression, skipped entries,
 * choosing the image and platform in a layout, the destination rules, cancellation.
 */
import { lstat, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyLayer, unpackImage } from '../../src/unpack/index.js';
import {
  buildTar,
  initLayoutDir,
  sha256,
  type TarSpec,
  writeImage,
  writeIndexBlob,
  writeIndexJson,
  writeLayout,
} from './tar-fixtures.js';
import { forceRemove } from './tree.js';

let base: string;
let layout: string;
let dest: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'ocipull-unpack-image-'));
  layout = join(base, 'layout');
  dest = join(base, 'rootfs');
});
afterEach(async () => {
  await forceRemove(base);
});

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );
const simple: TarSpec[] = [{ name: 'etc/' }, { name: 'etc/os-release', content: 'ID=test\n' }];
const isRoot = process.getuid?.() === 0;
/** A zstd frame's magic bytes and a broken frame header (real zstd layers are in zstd.test.ts). */
const fakeZstd = () => Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);

describe('integrity', () => {
  it('refuses a layer whose uncompressed digest differs from the diff ID, and cleans up', async () => {
    const tar = await buildTar(simple);
    const wrong = sha256(Buffer.from('something else'));
    const written = await writeLayout(layout, [
      { tar },
      { tar: await buildTar([{ name: 'x' }]), diffId: wrong },
    ]);
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_INTEGRITY', expected: { digest: wrong } });
    expect((error as Error).message).toContain(`layer 2/2 (${written.layers[1]!.digest})`);
    expect((error as Error).message).toContain('rootfs.diff_ids');
    expect(await exists(dest)).toBe(false);
  });

  it('keeps a destination that was given non-empty with force, and says it holds a partial rootfs', async () => {
    await writeLayout(layout, [{ tar: await buildTar(simple), diffId: sha256(Buffer.from('no')) }]);
    await mkdir(dest);
    await writeFile(join(dest, 'mine'), 'keep me');
    const error = await unpackImage({ layout, dest, rootless: true, force: true }).catch(
      (err: unknown) => err,
    );
    expect(error).toMatchObject({ code: 'E_INTEGRITY' });
    expect((error as { hint?: string }).hint).toMatch(/partly unpacked rootfs/);
    expect(await readFile(join(dest, 'mine'), 'utf8')).toBe('keep me');
  });

  it('refuses a gzip blob that does not match its digest, naming the layer', async () => {
    const written = await writeLayout(layout, [{ tar: await buildTar(simple) }]);
    const blob = join(layout, 'blobs', 'sha256', written.layers[0]!.digest.slice(7));
    const bytes = await readFile(blob);
    bytes[bytes.length - 5]! ^= 0xff; // inside the gzip trailer (CRC/size): the tar itself still parses
    await writeFile(blob, bytes);
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_INTEGRITY' });
    expect((error as Error).message).toContain('layer 1/1');
  });

  it('refuses a blob whose deflate data is damaged as an integrity error, not a malformed tar', async () => {
    const written = await writeLayout(layout, [{ tar: await buildTar(simple) }]);
    const blob = join(layout, 'blobs', 'sha256', written.layers[0]!.digest.slice(7));
    const bytes = await readFile(blob);
    for (let i = 20; i < 40; i++) bytes[i] = 0xff;
    await writeFile(blob, bytes);
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_INTEGRITY' });
  });

  it('refuses a blob of the wrong size before reading it', async () => {
    const written = await writeLayout(layout, [{ tar: await buildTar(simple) }]);
    const blob = join(layout, 'blobs', 'sha256', written.layers[0]!.digest.slice(7));
    await writeFile(blob, Buffer.concat([await readFile(blob), Buffer.from('extra')]));
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_INTEGRITY' });
    expect((error as Error).message).toMatch(/blob has \d+ bytes, its descriptor says \d+/);
  });

  it('reports a missing blob as E_BLOB_UNKNOWN', async () => {
    const written = await writeLayout(layout, [{ tar: await buildTar(simple) }]);
    await rm(join(layout, 'blobs', 'sha256', written.layers[0]!.digest.slice(7)));
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_BLOB_UNKNOWN' });
  });

  it('hashes bytes after the end-of-archive marker too (drains to EOF)', async () => {
    const tar = Buffer.concat([await buildTar(simple), Buffer.alloc(4096, 0)]);
    await mkdir(dest);
    const result = await applyLayer(dest, Readable.from([tar]), { rootless: true, diffId: sha256(tar) });
    expect(result.diffId).toBe(sha256(tar));
    expect(result.size).toBe(tar.length);
    const error = await applyLayer(dest, Readable.from([tar]), {
      rootless: true,
      diffId: sha256(await buildTar(simple)),
    }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_INTEGRITY', actual: { digest: sha256(tar), size: tar.length } });
  });

  it('refuses bytes that are not a tar as E_MANIFEST_INVALID', async () => {
    const junk = Buffer.alloc(2048, 0x41);
    await writeLayout(layout, [{ tar: junk, compression: 'none' }]);
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    expect((error as Error).message).toMatch(/layer 1\/1 .* is not a valid tar archive/);
  });
});

describe('unsupported layers', () => {
  it('a zstd layer that does not decode is invalid, naming it', async () => {
    const written = await writeLayout(layout, [
      { tar: await buildTar(simple) },
      {
        tar: await buildTar(simple),
        blob: fakeZstd(),
        mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
      },
    ]);
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    expect((error as Error).message).toContain(
      `layer 2/2 (${written.layers[1]!.digest}): not valid zstd data`,
    );
    expect(await exists(dest)).toBe(false);
  });

  it('decodes zstd bytes behind a gzip media type as zstd (sniffed)', async () => {
    await writeLayout(layout, [{ tar: await buildTar(simple), blob: fakeZstd() }]);
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    expect((error as Error).message).toContain('zstd');
  });

  it('refuses a non-layer media type', async () => {
    await writeLayout(layout, [{ tar: await buildTar(simple), mediaType: 'application/vnd.example.thing' }]);
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_UNSUPPORTED' });
    expect((error as Error).message).toContain('application/vnd.example.thing');
  });

  it('reads an uncompressed layer labelled gzip (the media type is sniffed, as moby does)', async () => {
    const tar = await buildTar(simple);
    await writeLayout(layout, [{ tar, blob: tar }]);
    await unpackImage({ layout, dest, rootless: true });
    expect(await readFile(join(dest, 'etc/os-release'), 'utf8')).toBe('ID=test\n');
  });
});

describe('skipped entries', () => {
  const devices: TarSpec[] = [
    { name: 'dev/' },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'dev/zero', type: 'character-device', devmajor: 1, devminor: 5, mode: 0o666 },
  ];

  it('skips device nodes rootless with one summary warning over all layers', async () => {
    await writeLayout(layout, [
      { tar: await buildTar(devices) },
      { tar: await buildTar([{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }]) },
    ]);
    const warnings: string[] = [];
    const result = await unpackImage({ layout, dest, rootless: true, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual(['skipped 3 device nodes (not root)']);
    expect(result.warnings).toEqual(warnings);
    expect(await exists(join(dest, 'dev/null'))).toBe(false);
    expect(await exists(join(dest, 'dev'))).toBe(true);
  });

  it.skipIf(!isRoot)('creates device nodes and applies ownership as root', async () => {
    await writeLayout(layout, [
      {
        tar: await buildTar([
          ...devices,
          { name: 'home/', uid: 1000, gid: 1000, mode: 0o750 },
          { name: 'home/user', content: 'x', uid: 1000, gid: 100, mode: 0o4750 },
          { name: 'home/link', type: 'symlink', linkname: 'user', uid: 1000, gid: 1000 },
        ]),
      },
    ]);
    const result = await unpackImage({ layout, dest, rootless: false });
    expect(result.warnings).toEqual([]);
    const dev = await lstat(join(dest, 'dev/null'));
    expect(dev.isCharacterDevice()).toBe(true);
    expect(dev.mode & 0o7777).toBe(0o666);
    expect(dev.rdev).toBe(0x103);
    const user = await lstat(join(dest, 'home/user'));
    expect([user.uid, user.gid, user.mode & 0o7777]).toEqual([1000, 100, 0o4750]);
    const home = await lstat(join(dest, 'home'));
    expect([home.uid, home.gid, home.mode & 0o7777]).toEqual([1000, 1000, 0o750]);
    expect((await lstat(join(dest, 'home/link'))).uid).toBe(1000);
  });

  it.skipIf(isRoot)('is rootless whenever the process is not root, whatever the option says', async () => {
    await writeLayout(layout, [
      { tar: await buildTar([...devices, { name: 'f', content: 'x', uid: 0, gid: 0 }]) },
    ]);
    const result = await unpackImage({ layout, dest, rootless: false });
    expect(result.warnings).toEqual(['skipped 2 device nodes (not root)']);
    expect((await lstat(join(dest, 'f'))).uid).toBe(process.getuid?.());
  });

  it('warns once about extended attributes it cannot set', async () => {
    await mkdir(dest);
    const tar = await buildTar([
      { name: 'bin/ping', content: 'elf', pax: { 'SCHILY.xattr.security.capability': 'cap' } },
      { name: 'bin/other', content: 'elf', pax: { 'SCHILY.xattr.user.note': 'x' } },
    ]);
    const result = await applyLayer(dest, Readable.from([tar]), { rootless: true });
    expect(result.warnings).toEqual([
      'ignored extended attributes (e.g. file capabilities) on 2 entries: Node has no xattr API',
    ]);
    expect(await readFile(join(dest, 'bin/ping'), 'utf8')).toBe('elf');
  });
});

describe('choosing the image', () => {
  async function twoPlatforms() {
    await initLayoutDir(layout);
    const amd64 = await writeImage(layout, [{ tar: await buildTar([{ name: 'arch', content: 'amd64' }]) }]);
    const arm64 = await writeImage(
      layout,
      [{ tar: await buildTar([{ name: 'arch', content: 'arm64' }]) }],
      'arm64',
    );
    const index = await writeIndexBlob(layout, [
      { ...arm64.manifest, platform: { os: 'linux', architecture: 'arm64' } },
      { ...amd64.manifest, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    return { amd64, arm64, index };
  }

  it('follows an index to the requested platform, and to the host platform by default', async () => {
    const { index, arm64 } = await twoPlatforms();
    await writeIndexJson(layout, [{ descriptor: index, name: 'multi' }]);
    const result = await unpackImage({
      layout,
      dest,
      rootless: true,
      platform: { os: 'linux', architecture: 'arm64' },
    });
    expect(result.manifest).toBe(arm64.manifest.digest);
    expect(await readFile(join(dest, 'arch'), 'utf8')).toBe('arm64');
    if (process.arch === 'x64') {
      const other = join(base, 'host');
      await unpackImage({ layout, dest: other, rootless: true });
      expect(await readFile(join(other, 'arch'), 'utf8')).toBe('amd64');
    }
  });

  it('names the platforms an index offers when none fits', async () => {
    const { index } = await twoPlatforms();
    await writeIndexJson(layout, [{ descriptor: index, name: 'multi' }]);
    const error = await unpackImage({
      layout,
      dest,
      rootless: true,
      platform: { os: 'linux', architecture: 's390x' },
    }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_PLATFORM_NOT_FOUND' });
    expect((error as Error).message).toContain('linux/arm64, linux/amd64');
    expect(await exists(dest)).toBe(false);
  });

  it('picks an entry by ref.name, and asks for a name when the layout holds several', async () => {
    const { amd64, arm64 } = await twoPlatforms();
    await writeIndexJson(layout, [
      { descriptor: amd64.manifest, name: 'one' },
      { descriptor: arm64.manifest, name: 'two' },
    ]);
    await unpackImage({ layout, name: 'two', dest, rootless: true });
    expect(await readFile(join(dest, 'arch'), 'utf8')).toBe('arm64');

    const noName = await unpackImage({ layout, dest: join(base, 'b'), rootless: true }).catch(
      (e: unknown) => e,
    );
    expect(noName).toMatchObject({ code: 'E_USAGE' });
    expect((noName as Error).message).toContain('one, two');
    const unknown = await unpackImage({ layout, name: 'three', dest: join(base, 'c'), rootless: true }).catch(
      (e: unknown) => e,
    );
    expect(unknown).toMatchObject({ code: 'E_NOT_FOUND' });
    expect((unknown as Error).message).toContain('"three"');
  });
});

describe('destination', () => {
  it('refuses a non-empty destination unless forced, and unpacks over it when forced', async () => {
    await writeLayout(layout, [{ tar: await buildTar(simple) }]);
    await mkdir(dest);
    await writeFile(join(dest, 'old'), 'old');
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_USAGE' });
    expect((error as Error).message).toContain('is not empty');
    await unpackImage({ layout, dest, rootless: true, force: true });
    expect(await readFile(join(dest, 'old'), 'utf8')).toBe('old');
    expect(await readFile(join(dest, 'etc/os-release'), 'utf8')).toBe('ID=test\n');
  });

  it('unpacks into an existing empty directory and counts entries', async () => {
    await writeLayout(layout, [{ tar: await buildTar(simple) }, { tar: await buildTar([{ name: 'b' }]) }]);
    await mkdir(dest);
    const result = await unpackImage({ layout, dest, rootless: true });
    expect(result).toMatchObject({ layers: 2, entries: 3, warnings: [] });
    expect((await stat(dest)).isDirectory()).toBe(true);
  });

  it('stops with E_INTERRUPTED when the signal aborts', async () => {
    await writeLayout(layout, [{ tar: await buildTar(simple) }, { tar: await buildTar([{ name: 'b' }]) }]);
    const controller = new AbortController();
    const error = await unpackImage({
      layout,
      dest,
      rootless: true,
      signal: controller.signal,
      onLayer: (i) => {
        if (i === 2) controller.abort();
      },
    }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'E_INTERRUPTED' });
    expect(await exists(dest)).toBe(false);
  });
});

describe('streaming', () => {
  it('applies a 256 MiB layer from a generated stream without holding it in memory', async () => {
    const size = 256 * 1024 * 1024;
    const header = await buildTar([{ name: 'big', content: Buffer.alloc(1) }]);
    // A one-entry tar whose header we rewrite for the big size: 512-byte header, content, padding, two zero blocks.
    const head = Buffer.from(header.subarray(0, 512));
    head.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
    head.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of head) sum += byte;
    head.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    async function* generate() {
      yield head;
      for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
      yield Buffer.alloc(1024);
    }
    await mkdir(dest);
    const before = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.rss - before.rss);
    }, 20);
    try {
      const result = await applyLayer(dest, Readable.from(generate()), { rootless: true });
      expect(result.size).toBe(512 + size + 1024);
    } finally {
      clearInterval(sampler);
    }
    expect((await stat(join(dest, 'big'))).size).toBe(size);
    expect(peak).toBeLessThan(96 * 1024 * 1024);
  }, 60_000);
});
