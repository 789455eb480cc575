import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexTar } from '../../src/archive/index.js';
import { openBlobStream } from '../../src/copy/blob-stream.js';
import { DockerArchiveSource } from '../../src/copy/docker-archive-source.js';
import type { Digest } from '../../src/oci/types/index.js';
import { retryPolicy } from '../../src/registry/client/index.js';
import { runCli } from '../cli/capture.js';
import { isolatedEnv, tempDir } from '../fakes/scope.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { skopeo, skopeoRegistryFlags } from '../helpers/skopeo.js';
import { describeWithTools } from '../helpers/tools.js';
import { defaultLayers, sha256, writeLegacyArchive } from './legacy-archive.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

async function open(file: string): Promise<DockerArchiveSource> {
  return DockerArchiveSource.open(file, await indexTar(file), `docker-archive:${file}`);
}

async function openError(file: string): Promise<unknown> {
  return open(file).then(
    () => undefined,
    (err: unknown) => err,
  );
}

async function layerBytes(source: DockerArchiveSource, l: { digest: string; size: number }): Promise<Buffer> {
  const { body, start } = await source.blob({ digest: l.digest as Digest, size: l.size }, 0);
  expect(start).toBe(0);
  return buffer(body);
}

describe('DockerArchiveSource: a docker-archive without index.json (Docker before 25)', () => {
  it('is a Docker v2 image whose layers are gzip streams of the stored tars', async () => {
    const archive = await writeLegacyArchive(await tempDir(), 'app.tar');
    const source = await open(archive.file);
    const top = await source.top();
    expect(top.mediaType).toBe(DOCKER_MANIFEST);
    expect(top.digest).toBe(sha256(top.bytes));
    const manifest = JSON.parse(top.bytes.toString());
    expect(manifest).toMatchObject({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: DOCKER_CONFIG, digest: archive.configDigest, size: archive.config.length },
    });
    expect(manifest.layers).toHaveLength(2);
    expect(await source.blobBytes(manifest.config)).toEqual(archive.config);
    for (const [i, l] of manifest.layers.entries()) {
      expect(l.mediaType).toBe(DOCKER_LAYER_GZIP);
      const bytes = await layerBytes(source, l);
      expect(bytes.length).toBe(l.size);
      expect(sha256(bytes)).toBe(l.digest);
      // gzip header: deflate, no flags (no file name), mtime 0, OS 3 (Unix) whatever the platform.
      expect([...bytes.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
      expect(bytes.readUInt32LE(4)).toBe(0);
      expect(bytes[9]).toBe(3);
      expect(gunzipSync(bytes).equals(archive.layers[i]!)).toBe(true);
    }
  });

  it('gives the same manifest digest every time the same archive is opened, wherever it is', async () => {
    const dir = await tempDir();
    const archive = await writeLegacyArchive(dir, 'app.tar');
    await copyFile(archive.file, join(dir, 'copy.tar'));
    const [a, b, c] = await Promise.all([
      open(archive.file),
      open(archive.file),
      open(join(dir, 'copy.tar')),
    ]);
    const digest = (await a.top()).digest;
    expect((await b.top()).digest).toBe(digest);
    expect((await c.top()).digest).toBe(digest);
  });

  it('serves a layer from an offset by compressing again from the start; the resuming reader skips ahead', async () => {
    const archive = await writeLegacyArchive(await tempDir(), 'app.tar');
    const source = await open(archive.file);
    const layer = JSON.parse((await source.top()).bytes.toString()).layers[1];
    const whole = await layerBytes(source, layer);
    const got = await source.blob(layer, 100);
    expect(got.start).toBe(0);
    got.body.destroy();
    const tail = await buffer(openBlobStream(source, layer, 100, { retry: retryPolicy(0) }));
    expect(tail.equals(whole.subarray(100))).toBe(true);
  });

  it('refuses a layer that does not hash to its rootfs.diff_ids entry (E_INTEGRITY)', async () => {
    const layers = await defaultLayers();
    const wrong = [sha256(layers[0]!), sha256(Buffer.from('another layer'))];
    const archive = await writeLegacyArchive(await tempDir(), 'bad.tar', { layers, diffIds: wrong });
    const err = await openError(archive.file);
    expect(err).toMatchObject({ code: 'E_INTEGRITY', expected: { digest: wrong[1] } });
    expect((err as Error).message).toContain('rootfs.diff_ids[1]');
  });

  it('passes a layer that is gzip already through as stored, checking its uncompressed digest', async () => {
    const [tar] = await defaultLayers();
    const gz = gzipSync(tar!, { level: 1 });
    const archive = await writeLegacyArchive(await tempDir(), 'gz.tar', {
      layers: [gz],
      diffIds: [sha256(tar!)],
    });
    const source = await open(archive.file);
    const [layer] = JSON.parse((await source.top()).bytes.toString()).layers;
    expect(layer).toEqual({ mediaType: DOCKER_LAYER_GZIP, size: gz.length, digest: sha256(gz) });
    expect((await layerBytes(source, layer)).equals(gz)).toBe(true);
    const wrong = await writeLegacyArchive(await tempDir(), 'gz-bad.tar', {
      layers: [gz],
      diffIds: [sha256(gz)],
    });
    expect(await openError(wrong.file)).toMatchObject({ code: 'E_INTEGRITY' });
  });

  it('follows the symlink Docker writes for a layer saved twice', async () => {
    const [one, two] = await defaultLayers();
    const archive = await writeLegacyArchive(await tempDir(), 'dup.tar', {
      layers: [one!, two!, one!],
      symlinks: { 2: 0 },
    });
    const members = await indexTar(archive.file);
    expect([...members.keys()].filter((k) => k.endsWith('layer.tar'))).toHaveLength(3);
    const layers = JSON.parse((await (await open(archive.file)).top()).bytes.toString()).layers;
    expect(layers).toHaveLength(3);
    expect(layers[2]).toEqual(layers[0]);
  });

  it('asks which image when manifest.json lists several, naming their RepoTags (E_USAGE)', async () => {
    const archive = await writeLegacyArchive(await tempDir(), 'two.tar', {
      extraImages: [['team/other:v2']],
    });
    const err = await openError(archive.file);
    expect(err).toMatchObject({ code: 'E_USAGE' });
    expect((err as Error).message).toContain('team/app:v1, team/other:v2');
  });

  it('refuses a manifest.json that is not a list of {Config, RepoTags, Layers} (E_MANIFEST_INVALID)', async () => {
    const archive = await writeLegacyArchive(await tempDir(), 'bad.tar', {
      manifestJson: [{ Config: 'x.json', Layers: 'a/layer.tar' }],
    });
    const err = await openError(archive.file);
    expect(err).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    expect((err as Error).message).toContain('manifest.json: 0.Layers');
  });

  it('refuses an archive whose layer is missing, e.g. a dangling link (E_IO)', async () => {
    const layers = await defaultLayers();
    // Layer 1 is a symlink to a layer the archive does not hold.
    const archive = await writeLegacyArchive(await tempDir(), 'missing.tar', { layers, symlinks: { 1: 5 } });
    const err = await openError(archive.file);
    expect(err).toMatchObject({ code: 'E_IO' });
    expect((err as Error).message).toMatch(/layer ".*\/layer\.tar" is missing from the archive/);
  });
});

describeWithTools(
  ['docker-registry', 'skopeo'],
  'ocipull push docker-archive (Docker before 25) to docker-registry 2.8',
  () => {
    let registry: TestRegistry;

    beforeAll(async () => {
      registry = await startRegistry();
    });
    afterAll(async () => {
      await registry?.stop();
    });

    async function push(file: string, ref: string) {
      return runCli(
        ['push', '--json', '--progress=none', `docker-archive:${file}`, `${registry.host}/${ref}`],
        {
          env: await isolatedEnv(),
        },
      );
    }

    async function get(path: string, accept = DOCKER_MANIFEST): Promise<Response> {
      return fetch(`${registry.url}/v2/${path}`, { headers: { accept } });
    }

    it('pushes a Docker v2 manifest whose gzip layers gunzip to the archive tars', async () => {
      const archive = await writeLegacyArchive(await tempDir(), 'app.tar');
      const r = await push(archive.file, 'legacy/app:v1');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const res = await get('legacy/app/manifests/v1');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(DOCKER_MANIFEST);
      const raw = Buffer.from(await res.arrayBuffer());
      expect(JSON.parse(r.stdout).writtenDigest).toBe(sha256(raw));
      const manifest = JSON.parse(raw.toString());
      expect(manifest.config).toMatchObject({ mediaType: DOCKER_CONFIG, digest: archive.configDigest });
      expect(manifest.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual([
        DOCKER_LAYER_GZIP,
        DOCKER_LAYER_GZIP,
      ]);
      for (const [i, l] of manifest.layers.entries()) {
        const blob = Buffer.from(await (await get(`legacy/app/blobs/${l.digest}`, '*/*')).arrayBuffer());
        expect(sha256(blob)).toBe(l.digest);
        expect(gunzipSync(blob).equals(archive.layers[i]!)).toBe(true);
      }
    });

    it('gives the same manifest digest when the same archive is pushed to two repositories', async () => {
      const archive = await writeLegacyArchive(await tempDir(), 'app.tar');
      const a = await push(archive.file, 'twice/one:v1');
      const b = await push(archive.file, 'twice/two:v1');
      expect([a.code, b.code]).toEqual([0, 0]);
      const digest = JSON.parse(a.stdout).writtenDigest;
      expect(JSON.parse(b.stdout).writtenDigest).toBe(digest);
      const res = await get(`twice/two/manifests/${digest}`);
      expect(res.status).toBe(200);
    });

    it('fails with exit 7 and pushes no manifest when a layer does not match its diff_id', async () => {
      const layers = await defaultLayers();
      const archive = await writeLegacyArchive(await tempDir(), 'bad.tar', {
        layers,
        diffIds: [sha256(layers[0]!), sha256(Buffer.from('not this layer'))],
      });
      const r = await push(archive.file, 'corrupt/app:v1');
      expect(r.code).toBe(7);
      expect(r.stderr).toContain('rootfs.diff_ids[1]');
      expect((await get('corrupt/app/manifests/v1')).status).toBe(404);
    });

    it('agrees with skopeo on the config digest, and skopeo reads the pushed image back', async () => {
      const dir = await tempDir();
      const archive = await writeLegacyArchive(dir, 'app.tar');
      expect((await push(archive.file, 'skopeo/app:v1')).code).toBe(0);

      // skopeo's reading of the archive. dir: keeps its Docker v2 manifest and config as they are; an oci: target
      // would not do: skopeo re-serializes the config when it converts to OCI (c/image convertToManifestOCI1).
      const viaSkopeo = await skopeo(['copy', `docker-archive:${archive.file}`, `dir:${join(dir, 'dir')}`]);
      expect(viaSkopeo.stderr).not.toMatch(/level=(error|fatal)/);
      expect(viaSkopeo.code).toBe(0);
      const skopeoManifest = JSON.parse(await readFile(join(dir, 'dir', 'manifest.json'), 'utf8'));
      expect(skopeoManifest.mediaType).toBe(DOCKER_MANIFEST);

      const flags = skopeoRegistryFlags(registry);
      const raw = await skopeo(['inspect', '--raw', ...flags, `docker://${registry.host}/skopeo/app:v1`]);
      expect(raw.code).toBe(0);
      const pushed = JSON.parse(raw.stdout.toString());
      expect(pushed.config).toEqual(skopeoManifest.config);
      expect(pushed.config.digest).toBe(archive.configDigest);

      const inspect = await skopeo(['inspect', ...flags, `docker://${registry.host}/skopeo/app:v1`]);
      expect(inspect.code).toBe(0);
      expect(JSON.parse(inspect.stdout.toString())).toMatchObject({ Architecture: 'amd64', Os: 'linux' });
      // skopeo verifies every blob's digest as it downloads.
      const back = await skopeo([
        'copy',
        ...skopeoRegistryFlags(registry, { prefix: 'src-' }),
        `docker://${registry.host}/skopeo/app:v1`,
        `oci:${join(dir, 'back')}:v1`,
      ]);
      expect(back.stderr).toBe('');
      expect(back.code).toBe(0);
    });
  },
);
