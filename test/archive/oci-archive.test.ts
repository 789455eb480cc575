import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOciArchive } from '../../src/archive/index.js';
import { FaultRegistry } from '../fakes/fault-registry.js';
import { readIndexJson } from '../fakes/layout.js';
import {
  Collector,
  hexOf,
  makeLayer,
  makeLayout,
  onCleanup,
  pullInto,
  pushImage,
  pushIndex,
  REF_NAME,
  readTar,
  tempDir,
} from './helpers.js';

async function archive(layout: string, name?: string): Promise<Buffer> {
  const out = new Collector();
  await writeOciArchive(layout, out, { name });
  expect(out.ended).toBe(false);
  return out.bytes;
}

async function twoImages() {
  const dir = await tempDir();
  const base = await makeLayer({ 'etc/os-release': 'ID=test\n', 'bin/': { type: 'dir' } });
  const images = await makeLayout(dir, [
    { name: 'v1', layers: [base, await makeLayer({ 'app/v1': 'one' })] },
    { name: 'v2', layers: [base, await makeLayer({ 'app/v2': 'two' })] },
  ]);
  return { dir, images, base };
}

describe('writeOciArchive', () => {
  it('writes one named image: sorted members with fixed headers, and only its blobs', async () => {
    const { dir, images } = await twoImages();
    const v1 = images[0]!;
    const members = await readTar(await archive(dir, 'v1'));
    const blobNames = [v1.manifestDigest, v1.configDigest, ...v1.layerDigests].map(
      (d) => `blobs/sha256/${hexOf(d)}`,
    );
    expect(members.map((m) => m.header.name)).toEqual([
      'blobs/',
      'blobs/sha256/',
      ...blobNames.sort(),
      'index.json',
      'oci-layout',
    ]);
    for (const { header } of members) {
      expect(header).toMatchObject({ uid: 0, gid: 0, uname: '', gname: '' });
      expect(header.mtime.getTime()).toBe(0);
      expect(header.mode).toBe(header.type === 'directory' ? 0o755 : 0o644);
    }
    for (const m of members.filter(
      (m) => m.header.name.startsWith('blobs/sha256/') && m.header.type === 'file',
    )) {
      expect(m.content).toEqual(await readFile(join(dir, m.header.name)));
    }
    const byName = new Map(members.map((m) => [m.header.name, m.content.toString()]));
    expect(JSON.parse(byName.get('oci-layout')!)).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(byName.get('index.json')!);
    expect(index.manifests).toEqual([
      expect.objectContaining({ digest: v1.manifestDigest, annotations: { [REF_NAME]: 'v1' } }),
    ]);
  });

  it('writes the whole layout without a name, leaving partial and unreferenced files behind', async () => {
    const { dir, images } = await twoImages();
    await writeFile(join(dir, 'blobs', 'sha256', `.${'a'.repeat(64)}.123.partial`), 'partial');
    await writeFile(join(dir, 'blobs', 'sha256', 'b'.repeat(64)), 'orphan');
    const members = await readTar(await archive(dir));
    const names = members.map((m) => m.header.name);
    const expected = new Set(images.flatMap((i) => [i.manifestDigest, i.configDigest, ...i.layerDigests]));
    expect(names.filter((n) => n.startsWith('blobs/sha256/') && n.length > 13)).toEqual(
      [...expected].map((d) => `blobs/sha256/${hexOf(d)}`).sort(),
    );
    const index = JSON.parse(members.find((m) => m.header.name === 'index.json')!.content.toString());
    expect(
      index.manifests.map((d: { annotations: Record<string, string> }) => d.annotations[REF_NAME]),
    ).toEqual(['v1', 'v2']);
  });

  it('gives the same bytes for the same layout', async () => {
    const { dir } = await twoImages();
    const a = await archive(dir, 'v2');
    const b = await archive(dir, 'v2');
    expect(a.equals(b)).toBe(true);
    expect((await archive(dir)).equals(await archive(dir))).toBe(true);
  });

  it('follows an index pulled with --all-platforms down to every child, attestation included', async () => {
    const reg = await FaultRegistry.start();
    onCleanup(() => reg.close());
    const idx = await pushIndex(reg, 'multi', 'latest');
    const layout = await tempDir();
    await pullInto(`${reg.host}/multi:latest`, layout, ['--all-platforms']);
    const members = await readTar(await archive(layout, 'latest'));
    const blobs = members.map((m) => m.header.name).filter((n) => /^blobs\/sha256\/[a-f0-9]{64}$/.test(n));
    const expected = [idx, idx.amd64, idx.arm, idx.att].map((m) => m.digest);
    for (const img of [idx.amd64, idx.arm, idx.att])
      expected.push(img.config.digest, ...img.layers.map((l) => l.digest));
    expect(blobs).toEqual(expected.map((d) => `blobs/sha256/${hexOf(d)}`).sort());
  });

  it('archives an image pulled from a registry with the digests the layout holds', async () => {
    const reg = await FaultRegistry.start();
    onCleanup(() => reg.close());
    const img = await pushImage(reg, 'team/app', 'v1', [await makeLayer({ 'hello.txt': 'hi' })]);
    const layout = await tempDir();
    await pullInto(`${reg.host}/team/app:v1`, layout);
    const members = await readTar(await archive(layout, 'v1'));
    const entry = (await readIndexJson(layout)).manifests[0]!;
    expect(entry.digest).toBe(img.digest);
    expect(members.map((m) => m.header.name)).toContain(`blobs/sha256/${hexOf(img.layers[0]!.digest)}`);
  });

  it('an unknown name is E_NOT_FOUND listing the names there are, before any byte is written', async () => {
    const { dir } = await twoImages();
    const out = new Collector();
    const err = await writeOciArchive(dir, out, { name: 'v3' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_NOT_FOUND' });
    expect((err as Error).message).toMatch(/no image named "v3".*available: v1, v2/);
    expect(out.bytes.length).toBe(0);
  });

  it('a missing layer blob is E_IO naming it, before any byte is written', async () => {
    const { dir, images } = await twoImages();
    const layer = images[1]!.layerDigests[1]!;
    await rm(join(dir, 'blobs', 'sha256', hexOf(layer)));
    const out = new Collector();
    const err = await writeOciArchive(dir, out, { name: 'v2' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_IO' });
    expect((err as Error).message).toContain(`layer 2 of ${images[1]!.manifestDigest} ${layer} is missing`);
    expect(out.bytes.length).toBe(0);
    // The other image does not need it.
    await expect(writeOciArchive(dir, new Collector(), { name: 'v1' })).resolves.toBeUndefined();
  });

  it('a blob of the wrong size is E_INTEGRITY', async () => {
    const { dir, images } = await twoImages();
    await writeFile(join(dir, 'blobs', 'sha256', hexOf(images[0]!.configDigest)), '{}');
    await expect(writeOciArchive(dir, new Collector(), { name: 'v1' })).rejects.toMatchObject({
      code: 'E_INTEGRITY',
    });
  });

  it('a manifest whose bytes do not match its digest is E_INTEGRITY', async () => {
    const { dir, images } = await twoImages();
    const path = join(dir, 'blobs', 'sha256', hexOf(images[0]!.manifestDigest));
    const bytes = await readFile(path);
    bytes[bytes.length - 2] = 0x20;
    await writeFile(path, bytes);
    await expect(writeOciArchive(dir, new Collector(), { name: 'v1' })).rejects.toMatchObject({
      code: 'E_INTEGRITY',
    });
  });
});
