import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDockerArchive } from '../../src/archive/index.js';
import { FaultRegistry } from '../fakes/fault-registry.js';
import {
  Collector,
  hexOf,
  makeLayer,
  makeLayout,
  onCleanup,
  pullInto,
  pushIndex,
  readTar,
  tempDir,
} from './helpers.js';

async function archive(layout: string, opts: Parameters<typeof writeDockerArchive>[2]): Promise<Buffer> {
  const out = new Collector();
  await writeDockerArchive(layout, out, opts);
  expect(out.ended).toBe(false);
  return out.bytes;
}

function member(members: Awaited<ReturnType<typeof readTar>>, name: string) {
  const found = members.find((m) => m.header.name === name);
  if (!found) throw new Error(`${name} not in archive`);
  return found;
}

async function layout() {
  const dir = await tempDir();
  const layers = [
    await makeLayer({ 'etc/os-release': 'ID=debian\n' }),
    await makeLayer({ 'usr/bin/hello': { type: 'file', content: '#!/bin/sh\necho hi\n', mode: 0o755 } }),
  ];
  const [image] = await makeLayout(dir, [{ name: 'latest', layers }]);
  return { dir, image: image! };
}

describe('writeDockerArchive', () => {
  it('writes docker save members: blobs, index.json, manifest.json, oci-layout, repositories', async () => {
    const { dir, image } = await layout();
    const members = await readTar(
      await archive(dir, { name: 'latest', repoTag: 'docker.io/library/debian:latest' }),
    );
    const blobs = [image.manifestDigest, image.configDigest, ...image.layerDigests].map(
      (d) => `blobs/sha256/${hexOf(d)}`,
    );
    expect(members.map((m) => m.header.name)).toEqual([
      'blobs/',
      'blobs/sha256/',
      ...blobs.sort(),
      'index.json',
      'manifest.json',
      'oci-layout',
      'repositories',
    ]);
    for (const { header } of members) {
      expect(header.mtime.getTime()).toBe(0);
      expect(header).toMatchObject({ uid: 0, gid: 0 });
    }
    for (const name of blobs) expect(member(members, name).content).toEqual(await readFile(join(dir, name)));
  });

  it('manifest.json lists Config, familiar RepoTags and Layers in order as blob paths', async () => {
    const { dir, image } = await layout();
    const members = await readTar(
      await archive(dir, { name: 'latest', repoTag: 'docker.io/library/debian:latest' }),
    );
    expect(JSON.parse(member(members, 'manifest.json').content.toString())).toEqual([
      {
        Config: `blobs/sha256/${hexOf(image.configDigest)}`,
        RepoTags: ['debian:latest'],
        Layers: image.layerDigests.map((d) => `blobs/sha256/${hexOf(d)}`),
      },
    ]);
    expect(JSON.parse(member(members, 'repositories').content.toString())).toEqual({
      debian: { latest: hexOf(image.layerDigests[1]!) },
    });
    const index = JSON.parse(member(members, 'index.json').content.toString());
    expect(index).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: image.manifestDigest,
          size: image.manifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: {
            'io.containerd.image.name': 'docker.io/library/debian:latest',
            'org.opencontainers.image.ref.name': 'latest',
          },
        },
      ],
    });
  });

  it('keeps other registries in the name and records no tag for a digest reference', async () => {
    const { dir } = await layout();
    const ghcr = await readTar(await archive(dir, { name: 'latest', repoTag: 'ghcr.io/o/app:1.0' }));
    expect(JSON.parse(member(ghcr, 'manifest.json').content.toString())[0].RepoTags).toEqual([
      'ghcr.io/o/app:1.0',
    ]);
    const byDigest = await readTar(
      await archive(dir, { name: 'latest', repoTag: `docker.io/library/debian@sha256:${'a'.repeat(64)}` }),
    );
    expect(JSON.parse(member(byDigest, 'manifest.json').content.toString())[0].RepoTags).toEqual([]);
    expect(byDigest.map((m) => m.header.name)).not.toContain('repositories');
  });

  it('gives the same bytes for the same layout', async () => {
    const { dir } = await layout();
    const opts = { name: 'latest', repoTag: 'debian:latest' };
    expect((await archive(dir, opts)).equals(await archive(dir, opts))).toBe(true);
  });

  it('chooses the platform from an index entry, the host by default', async () => {
    const reg = await FaultRegistry.start();
    onCleanup(() => reg.close());
    const idx = await pushIndex(reg, 'multi', 'latest');
    const dir = await tempDir();
    await pullInto(`${reg.host}/multi:latest`, dir, ['--all-platforms']);
    const repoTag = `${reg.host}/multi:latest`;
    const arm = await readTar(
      await archive(dir, {
        name: 'latest',
        repoTag,
        platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      }),
    );
    const manifestJson = JSON.parse(member(arm, 'manifest.json').content.toString());
    expect(manifestJson[0]).toEqual({
      Config: `blobs/sha256/${hexOf(idx.arm.config.digest)}`,
      RepoTags: [repoTag],
      Layers: [`blobs/sha256/${hexOf(idx.arm.layers[0]!.digest)}`],
    });
    const index = JSON.parse(member(arm, 'index.json').content.toString());
    expect(index.manifests[0]).toMatchObject({
      digest: idx.arm.digest,
      platform: { architecture: 'arm', os: 'linux', variant: 'v7' },
    });
    if (process.arch === 'x64') {
      const host = await readTar(await archive(dir, { name: 'latest', repoTag }));
      expect(JSON.parse(member(host, 'manifest.json').content.toString())[0].Config).toBe(
        `blobs/sha256/${hexOf(idx.amd64.config.digest)}`,
      );
    }
    await expect(
      writeDockerArchive(dir, new Collector(), {
        name: 'latest',
        repoTag,
        platform: { os: 'linux', architecture: 's390x' },
      }),
    ).rejects.toMatchObject({
      code: 'E_PLATFORM_NOT_FOUND',
      message: expect.stringMatching(/linux\/arm\/v7/),
    });
  });

  it('an unknown name is E_NOT_FOUND listing the names there are', async () => {
    const { dir } = await layout();
    await expect(
      writeDockerArchive(dir, new Collector(), { name: 'v9', repoTag: 'x:v9' }),
    ).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: expect.stringMatching(/available: latest$/),
    });
  });

  it('a missing layer blob is E_IO naming it, before any byte is written', async () => {
    const { dir, image } = await layout();
    await rm(join(dir, 'blobs', 'sha256', hexOf(image.layerDigests[0]!)));
    const out = new Collector();
    const err = await writeDockerArchive(dir, out, { name: 'latest', repoTag: 'debian' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_IO' });
    expect((err as Error).message).toContain(image.layerDigests[0]!);
    expect(out.bytes.length).toBe(0);
  });

  it('refuses an image whose config lists fewer diff_ids than layers, which docker load would reject', async () => {
    const { dir, image } = await layout();
    const manifest = JSON.parse(image.manifest.toString());
    manifest.layers.push(manifest.layers[0]);
    const bytes = Buffer.from(JSON.stringify(manifest));
    const { createHash } = await import('node:crypto');
    const hex = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(dir, 'blobs', 'sha256', hex), bytes);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    index.manifests[0].digest = `sha256:${hex}`;
    index.manifests[0].size = bytes.length;
    await writeFile(join(dir, 'index.json'), JSON.stringify(index));
    await expect(
      writeDockerArchive(dir, new Collector(), { name: 'latest', repoTag: 'debian' }),
    ).rejects.toMatchObject({
      code: 'E_MANIFEST_INVALID',
      message: expect.stringContaining('2 diff_ids for 3 layers'),
    });
  });
});
