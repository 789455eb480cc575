/**
 * zstd layers (`application/vnd.oci.image.layer.v1.tar+zstd`, and zstd:chunked: the same type, many frames and
 * skippable frames): decoded by node:zlib where Node has zstd, by fzstd otherwise, and checked against the diff ID
 * like gzip layers. The layers are small pre-made blobs (zstd-fixtures.ts); zstd-skopeo.test.ts uses skopeo's.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpackImage } from '../../src/unpack/index.js';
import { createZstdDecoder, type ZstdImplementation, zstdImplementation } from '../../src/unpack/zstd.js';
import { buildTar, type LayerSpec, sha256, writeLayout } from './tar-fixtures.js';
import { forceRemove } from './tree.js';
import { LINES_SHA256, PART1, PART2, skippableFrame, TAR_DIFF_ID, TAR_SIZE, WHOLE } from './zstd-fixtures.js';

const ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const hasNativeZstd = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';
const implementations: ZstdImplementation[] = hasNativeZstd ? ['fzstd', 'node:zlib'] : ['fzstd'];

/** zstd:chunked's shape: data frames, skippable frames between and after them (TOC, tar-split, footer). */
const CHUNKED = Buffer.concat([
  skippableFrame(Buffer.from('leading skippable frame')),
  PART1,
  skippableFrame(Buffer.alloc(300, 7), 0xe),
  PART2,
  skippableFrame(Buffer.from('{"version":1,"entries":[]}'), 0x0),
  skippableFrame(Buffer.alloc(64, 0), 0xf),
]);

let base: string;
let layout: string;
let dest: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'ocipull-unpack-zstd-'));
  layout = join(base, 'layout');
  dest = join(base, 'rootfs');
});
afterEach(async () => {
  await forceRemove(base);
});

const zstdLayer = (blob: Buffer, extra: Partial<LayerSpec> = {}): LayerSpec => ({
  tar: Buffer.alloc(0),
  blob,
  mediaType: ZSTD,
  diffId: TAR_DIFF_ID,
  ...extra,
});

const fileSha256 = async (path: string) => sha256(await readFile(path));

/** Decodes `bytes` with one implementation, returning the output's digest and size, or the error. */
async function decode(bytes: Buffer, implementation: ZstdImplementation, chunkSize = 65_536) {
  const hash = createHash('sha256');
  let size = 0;
  let chunks = 0;
  let largest = 0;
  const pieces = function* () {
    for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, at + chunkSize);
  };
  await pipeline(Readable.from(pieces()), createZstdDecoder('test layer', implementation), async (source) => {
    for await (const chunk of source) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
      chunks++;
      largest = Math.max(largest, (chunk as Buffer).length);
    }
  });
  return { digest: `sha256:${hash.digest('hex')}`, size, chunks, largest };
}

describe('zstd decoder', () => {
  it(`uses ${hasNativeZstd ? 'node:zlib' : 'fzstd'} on Node ${process.versions.node}`, () => {
    expect(zstdImplementation()).toBe(hasNativeZstd ? 'node:zlib' : 'fzstd');
  });

  it.each(implementations)('%s: one frame, fed in any chunk size, gives the tar', async (implementation) => {
    for (const chunkSize of [1, 7, 4096, 1 << 20]) {
      const out = await decode(WHOLE, implementation, chunkSize);
      expect(out, `chunks of ${chunkSize}`).toMatchObject({ digest: TAR_DIFF_ID, size: TAR_SIZE });
    }
  });

  it.each(implementations)(
    '%s: zstd:chunked (many frames and skippable frames) gives the tar',
    async (implementation) => {
      expect(await decode(CHUNKED, implementation, 1000)).toMatchObject({
        digest: TAR_DIFF_ID,
        size: TAR_SIZE,
      });
      expect(await decode(Buffer.concat([PART1, PART2]), implementation)).toMatchObject({
        digest: TAR_DIFF_ID,
      });
    },
  );

  it.each(implementations)(
    '%s: 4 MiB of zeros from a few bytes come out in bounded pieces',
    async (implementation) => {
      const out = await decode(WHOLE, implementation, 1 << 20);
      // Output arrives as many chunks of at most one zstd block each, not as one buffer of the whole tar.
      expect(out.chunks).toBeGreaterThan(30);
      expect(out.largest).toBeLessThanOrEqual(1 << 20);
    },
  );

  it.each(implementations)(
    '%s: garbage and an empty input are E_MANIFEST_INVALID',
    async (implementation) => {
      for (const bad of [Buffer.from('this is not zstd at all, just some text'), Buffer.alloc(0)]) {
        const error = await decode(bad, implementation).catch((err: unknown) => err);
        expect(error, `${bad.length} bytes`).toMatchObject({ code: 'E_MANIFEST_INVALID' });
        expect((error as Error).message).toMatch(/^test layer: not valid zstd data \(/);
      }
    },
  );

  it('fzstd: a truncated frame or skippable frame is E_MANIFEST_INVALID', async () => {
    // (node:zlib's answer to truncation is its own; in a layer, the blob digest and the diff ID catch it anyway.)
    for (const bad of [
      WHOLE.subarray(0, WHOLE.length - 10),
      PART1.subarray(0, 40),
      Buffer.concat([PART1, skippableFrame(Buffer.alloc(100)).subarray(0, 50)]),
    ]) {
      const error = await decode(bad, 'fzstd').catch((err: unknown) => err);
      expect(error, `${bad.length} bytes`).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    }
  });
});

describe('unpack with zstd layers', () => {
  it('unpacks a +zstd layer on top of a gzip layer, and the files are the tar’s', async () => {
    const base = await buildTar([{ name: 'etc/' }, { name: 'etc/hostname', content: 'base\n' }]);
    await writeLayout(layout, [{ tar: base }, zstdLayer(WHOLE)]);
    const result = await unpackImage({ layout, dest, rootless: true });
    expect(result).toMatchObject({ layers: 2, entries: 2 + 7 });
    expect(await readFile(join(dest, 'etc/hostname'), 'utf8')).toBe('base\n');
    expect(await readFile(join(dest, 'etc/os-release'), 'utf8')).toBe('ID=zstd\n');
    expect(await fileSha256(join(dest, 'usr/share/lines.txt'))).toBe(LINES_SHA256);
    expect((await lstat(join(dest, 'usr/share/zeros'))).size).toBe(4 * 1024 * 1024);
    expect(await readlink(join(dest, 'usr/share/link'))).toBe('lines.txt');
  });

  it('unpacks a zstd:chunked layer (frames and skippable frames, chunked annotations ignored)', async () => {
    await writeLayout(layout, [zstdLayer(CHUNKED)]);
    const result = await unpackImage({ layout, dest, rootless: true });
    expect(result).toMatchObject({ layers: 1, entries: 7 });
    expect(await fileSha256(join(dest, 'usr/share/lines.txt'))).toBe(LINES_SHA256);
  });

  it('sniffs zstd bytes behind a gzip media type (as moby does)', async () => {
    await writeLayout(layout, [zstdLayer(WHOLE, { mediaType: GZIP })]);
    expect(await unpackImage({ layout, dest, rootless: true })).toMatchObject({ entries: 7 });
  });

  it('checks the diff ID of the decompressed tar, as for gzip', async () => {
    const wrong = sha256(Buffer.from('not this tar'));
    const written = await writeLayout(layout, [zstdLayer(WHOLE, { diffId: wrong })]);
    const error = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(error).toMatchObject({
      code: 'E_INTEGRITY',
      expected: { digest: wrong },
      actual: { digest: TAR_DIFF_ID, size: TAR_SIZE },
    });
    expect((error as Error).message).toContain(`layer 1/1 (${written.layers[0]!.digest})`);
    expect((error as Error).message).toContain('rootfs.diff_ids');
    expect(await lstat(dest).catch(() => null)).toBeNull();
  });

  it('reports a damaged zstd blob as an integrity error, and a well-hashed bad one as not zstd', async () => {
    // A flipped byte: the blob no longer matches its digest.
    await writeLayout(layout, [zstdLayer(WHOLE)]);
    const written = await readFile(join(layout, 'index.json'), 'utf8');
    const manifestHex = (
      JSON.parse(written) as { manifests: { digest: string }[] }
    ).manifests[0]!.digest.slice(7);
    const manifest = JSON.parse(await readFile(join(layout, 'blobs/sha256', manifestHex), 'utf8')) as {
      layers: { digest: string }[];
    };
    const blobFile = join(layout, 'blobs/sha256', manifest.layers[0]!.digest.slice(7));
    const bytes = await readFile(blobFile);
    bytes[2000] = bytes[2000]! ^ 0xff;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(blobFile, bytes);
    const damaged = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(damaged).toMatchObject({ code: 'E_INTEGRITY' });

    // Bytes that hash right but are not zstd, under the zstd type.
    await forceRemove(layout);
    await writeLayout(layout, [zstdLayer(Buffer.from('plain text, not a zstd frame'))]);
    const invalid = await unpackImage({ layout, dest, rootless: true }).catch((err: unknown) => err);
    expect(invalid).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    expect((invalid as Error).message).toMatch(/layer 1\/1 \(sha256:[0-9a-f]{64}\): not valid zstd data/);
  });
});
