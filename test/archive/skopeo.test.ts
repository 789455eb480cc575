/**
 * skopeo, the reference reader, must read what we write: `oci-archive:` and `docker-archive:` inspect, and a copy
 * of a docker-archive back into an OCI layout keeps the layer content.
 *
 * containers/image serves docker-archive layers by their diff ID and decompresses them on the way out
 * (`docker/internal/tarfile/src.go`), so for gzip layers skopeo reports the config's `rootfs.diff_ids` rather than
 * the layout's blob digests, and a copy to `oci:` recompresses them with its own gzip. With uncompressed layers the
 * two coincide, which is how the round trip is checked byte for byte.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { writeArchiveFile, writeDockerArchive, writeOciArchive } from '../../src/archive/index.js';
import { FaultRegistry } from '../fakes/fault-registry.js';
import { readIndexJson } from '../fakes/layout.js';
import { skopeo } from '../helpers/skopeo.js';
import { describeWithTools } from '../helpers/tools.js';
import {
  type BuiltImage,
  configFor,
  hexOf,
  makeLayer,
  makeLayout,
  onCleanup,
  pullInto,
  pushImage,
  pushIndex,
  sha256,
  tempDir,
} from './helpers.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

interface Inspect {
  Digest: string;
  Layers: string[];
  Architecture: string;
  Os: string;
}

async function inspect(transport: string): Promise<Inspect> {
  const r = await skopeo(['inspect', transport]);
  if (r.code !== 0) throw new Error(`skopeo inspect ${transport}: ${r.stderr}`);
  return JSON.parse(r.stdout.toString('utf8')) as Inspect;
}

async function inspectRaw(transport: string): Promise<Buffer> {
  const r = await skopeo(['inspect', '--raw', transport]);
  if (r.code !== 0) throw new Error(`skopeo inspect --raw ${transport}: ${r.stderr}`);
  return r.stdout;
}

async function copy(args: string[]): Promise<void> {
  const r = await skopeo(['copy', '-q', ...args]);
  if (r.code !== 0) throw new Error(`skopeo copy ${args.join(' ')}: ${r.stderr}`);
}

/** The manifest and config of the image named `name` in an OCI layout. */
async function layoutImage(dir: string, name: string) {
  const entry = (await readIndexJson(dir)).manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === name,
  )!;
  const blob = (digest: string) => readFile(join(dir, 'blobs', 'sha256', hexOf(digest)));
  const manifest = JSON.parse((await blob(entry.digest)).toString()) as {
    config: { digest: string };
    layers: { digest: string; mediaType: string }[];
  };
  const config = JSON.parse((await blob(manifest.config.digest)).toString()) as {
    rootfs: { diff_ids: string[] };
  };
  return { digest: entry.digest, manifest, config, blob };
}

async function handLayout(compress: boolean) {
  const dir = await tempDir();
  const base = await makeLayer({ 'etc/os-release': 'ID=test\n', 'usr/': { type: 'dir' } }, compress);
  const images = await makeLayout(dir, [
    { name: 'one', layers: [base, await makeLayer({ 'app/one.txt': 'one' }, compress)] },
    { name: 'two', layers: [base, await makeLayer({ 'app/two.txt': 'two' }, compress)], arch: 'arm64' },
  ]);
  return { dir, images: images as [BuiltImage, BuiltImage] };
}

describeWithTools(['skopeo'], 'archives read by skopeo', () => {
  it('oci-archive:FILE:NAME of one image and of the whole layout', async () => {
    const { dir, images } = await handLayout(true);
    const out = await tempDir();
    const one = join(out, 'one.tar');
    await writeArchiveFile(one, (s) => writeOciArchive(dir, s, { name: 'one' }));
    const got = await inspect(`oci-archive:${one}:one`);
    expect(got.Digest).toBe(images[0].manifestDigest);
    expect(got.Layers).toEqual(images[0].layerDigests);
    expect(await inspectRaw(`oci-archive:${one}:one`)).toEqual(images[0].manifest);

    const all = join(out, 'all.tar');
    await writeArchiveFile(all, (s) => writeOciArchive(dir, s, {}));
    for (const image of images) {
      const i = await inspect(`oci-archive:${all}:${image.name}`);
      expect(i.Digest).toBe(image.manifestDigest);
      expect(i.Layers).toEqual(image.layerDigests);
    }
    expect((await inspect(`oci-archive:${all}:two`)).Architecture).toBe('arm64');
  });

  it('oci-archive of an index pulled with --all-platforms: skopeo picks a platform and copies it all', async () => {
    const reg = await FaultRegistry.start();
    onCleanup(() => reg.close());
    const idx = await pushIndex(reg, 'multi', 'latest');
    const layout = await tempDir();
    await pullInto(`${reg.host}/multi:latest`, layout, ['--all-platforms']);
    const file = join(await tempDir(), 'multi.tar');
    await writeArchiveFile(file, (s) => writeOciArchive(layout, s, { name: 'latest' }));
    const arm = await skopeo([
      '--override-arch',
      'arm',
      '--override-variant',
      'v7',
      'inspect',
      `oci-archive:${file}:latest`,
    ]);
    expect(arm.stderr).toBe('');
    expect(JSON.parse(arm.stdout.toString()).Layers).toEqual(idx.arm.layers.map((l) => l.digest));

    const copied = await tempDir();
    await copy(['--all', '--preserve-digests', `oci-archive:${file}:latest`, `oci:${copied}:x`]);
    const entry = (await readIndexJson(copied)).manifests[0]!;
    expect(entry.digest).toBe(idx.digest);
  });

  it('docker-archive:FILE of a gzip image pulled from a registry reports the layout diff IDs', async () => {
    const reg = await FaultRegistry.start();
    onCleanup(() => reg.close());
    const layers = [await makeLayer({ 'a.txt': 'a' }), await makeLayer({ 'b/c.txt': 'c' })];
    await pushImage(reg, 'library/debian', 'latest', layers);
    const layout = await tempDir();
    await pullInto(`${reg.host}/library/debian:latest`, layout);
    const image = await layoutImage(layout, 'latest');
    const file = join(await tempDir(), 'debian.tar');
    await writeArchiveFile(file, (s) =>
      writeDockerArchive(layout, s, { name: 'latest', repoTag: 'docker.io/library/debian:latest' }),
    );
    const got = await inspect(`docker-archive:${file}`);
    expect(got.Layers).toEqual(image.config.rootfs.diff_ids);
    expect(got.Layers).toEqual(layers.map((l) => l.diffId));
    expect(await inspect(`docker-archive:${file}:debian:latest`)).toMatchObject({ Layers: got.Layers });

    // A copy back into an OCI layout recompresses the layers with skopeo's gzip and re-marshals the config as OCI
    // JSON (PROTOCOL.md §3): the layer content (diff IDs) survives, the gzip and config bytes do not.
    const copied = await tempDir();
    await copy([`docker-archive:${file}`, `oci:${copied}:x`]);
    const back = await layoutImage(copied, 'x');
    expect(back.config.rootfs.diff_ids).toEqual(image.config.rootfs.diff_ids);
    expect(back.manifest.layers).toHaveLength(2);
  });

  it('docker-archive of a Docker v2 image kept byte for byte (--preserve-digests)', async () => {
    const reg = await FaultRegistry.start();
    onCleanup(() => reg.close());
    const layers = [await makeLayer({ 'etc/hostname': 'box\n' })];
    const config = configFor(layers);
    const configDesc = reg.addBlob('d', config);
    const layerDesc = reg.addBlob('d', layers[0]!.bytes);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', ...configDesc },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', ...layerDesc }],
    });
    reg.addManifest('d', 'v1', manifest, DOCKER_MANIFEST);
    const layout = await tempDir();
    await pullInto(`${reg.host}/d:v1`, layout, ['--preserve-digests']);
    const file = join(await tempDir(), 'd.tar');
    await writeArchiveFile(file, (s) =>
      writeDockerArchive(layout, s, { name: 'v1', repoTag: `${reg.host}/d:v1` }),
    );
    expect((await inspect(`docker-archive:${file}`)).Layers).toEqual([layers[0]!.diffId]);
  });

  it('docker-archive round-trips uncompressed layers with the same digests', async () => {
    const { dir, images } = await handLayout(false);
    const two = images[1];
    const file = join(await tempDir(), 'two.tar');
    await writeArchiveFile(file, (s) =>
      writeDockerArchive(dir, s, {
        name: 'two',
        repoTag: 'example.com/team/two:v2',
        platform: { os: 'linux', architecture: 'arm64' },
      }),
    );
    const got = await inspect(`docker-archive:${file}`);
    expect(got.Layers).toEqual(two.layerDigests);
    expect(got.Architecture).toBe('arm64');

    const copied = await tempDir();
    await copy(['--dest-oci-accept-uncompressed-layers', `docker-archive:${file}`, `oci:${copied}:x`]);
    const back = await layoutImage(copied, 'x');
    expect(back.manifest.layers.map((l) => l.digest)).toEqual(two.layerDigests);
    expect(back.config.rootfs.diff_ids).toEqual(two.diffIds);
    for (const digest of two.layerDigests) expect(sha256(await back.blob(digest))).toBe(digest);
  });
});
