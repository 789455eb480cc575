/**
 * `ocipull push` and `ocipull copy` with a local side (OCI layout, oci-archive, docker-archive) against the real
 * registry (docker-registry 2.8). Every digest is checked with skopeo, which reads the registry
 * (`docker://…`) and the local files (`oci:DIR:NAME`, `oci-archive:F`, `docker-archive:F`) itself.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../fakes/scope.js';
import { MediaType } from '../helpers/media-types.js';
import { type SeededFixtures, seedFixtures } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { skopeoRegistryFlags } from '../helpers/skopeo.js';
import { describeWithTools } from '../helpers/tools.js';
import {
  type CopyJson,
  ocipull,
  ocipullDigest,
  served,
  sha256,
  skopeoConfigDigest,
  skopeoInspect,
  skopeoOk,
  succeeded,
  transfer,
} from './copy-tools.js';

/** The `--json` summary of `ocipull pull`, as far as these tests read it. */
interface PullJson {
  digest: string;
  manifestDigest: string;
  layoutDigest: string;
  name: string;
}

let counter = 0;
const fresh = (repo: string) => `${repo}-${process.pid}-${++counter}`;

async function pull(args: string[]): Promise<PullJson> {
  const result = await ocipull(['pull', '--json', '--progress=none', ...args]);
  return JSON.parse(succeeded(result, `pull ${args.join(' ')}`)) as PullJson;
}

describeWithTools(
  ['docker-registry', 'skopeo'],
  'ocipull push/copy with layouts and archives against docker-registry 2.8',
  () => {
    let registry: TestRegistry;
    let fixtures: SeededFixtures;
    /** skopeo flags for the plain registry (`--tls-verify=false --no-creds`). */
    let flags: string[];
    const docker = (ref: string) => `docker://${registry.host}/${ref}`;

    beforeAll(async () => {
      registry = await startRegistry();
      fixtures = await seedFixtures(registry);
      flags = skopeoRegistryFlags(registry);
    });
    afterAll(async () => {
      await registry?.stop();
    });

    describe('layout → registry', () => {
      it.each([
        ['oci/image:1', 'ociImage'],
        ['docker/image:1', 'dockerImage'],
      ] as const)(
        'pull %s into a layout, push DIR:1: skopeo sees the layout digest in the registry',
        async (ref, key) => {
          const dir = join(await tempDir('ocipull-copy-local-'), 'layout');
          const pulled = await pull([`${registry.host}/${ref}`, dir]);
          expect(pulled.digest).toBe(fixtures[key].digest);
          const repo = fresh('pushed/layout');
          const pushed = await transfer('push', [`${dir}:1`, `${registry.host}/${repo}:1`]);
          const layout = await skopeoInspect(`oci:${dir}:1`);
          const remote = await skopeoInspect(docker(`${repo}:1`), flags);
          expect(remote.Digest).toBe(layout.Digest);
          expect(pushed.writtenDigest).toBe(layout.Digest);
          expect(layout.Digest).toBe(pulled.layoutDigest);
          expect(remote.Layers).toEqual(layout.Layers);
          // OCI content stays byte for byte; a Docker image was converted by the pull, not by the push.
          if (key === 'ociImage') expect(remote.Digest).toBe(fixtures.ociImage.digest);
          const raw = await served(registry, `${repo}:1`);
          expect(raw.doc.mediaType).toBe(MediaType.ociManifest);
        },
      );

      it('oci:DIR:NAME and ./DIR:NAME name the same source', async () => {
        const dir = join(await tempDir('ocipull-copy-local-'), 'layout');
        await pull(['--name', 'custom', `${registry.host}/oci/image:1`, dir]);
        const a = await transfer('push', [`oci:${dir}:custom`, `${registry.host}/${fresh('pushed/oci')}:1`]);
        const b = await transfer('copy', [`${dir}:custom`, `${registry.host}/${fresh('pushed/oci')}:1`]);
        expect(a.writtenDigest).toBe(fixtures.ociImage.digest);
        expect(b.writtenDigest).toBe(fixtures.ociImage.digest);
      });

      it('--preserve-digests layout of a Docker image pushes back under the registry digest', async () => {
        const dir = join(await tempDir('ocipull-copy-local-'), 'layout');
        await pull(['--preserve-digests', `${registry.host}/docker/image:1`, dir]);
        const repo = fresh('pushed/docker');
        const pushed = await transfer('push', [`${dir}:1`, `${registry.host}/${repo}:1`]);
        expect(pushed.writtenDigest).toBe(fixtures.dockerImage.digest);
        const raw = await served(registry, `${repo}:1`);
        expect(raw.digest).toBe(fixtures.dockerImage.digest);
        expect(raw.raw.equals(fixtures.dockerImage.built.manifest)).toBe(true);
      });

      it('an --all-platforms layout of multi/oci pushes back as the same index, attestation included', async () => {
        const dir = join(await tempDir('ocipull-copy-local-'), 'layout');
        const pulled = await pull(['--all-platforms', `${registry.host}/multi/oci:1`, dir]);
        expect(pulled.digest).toBe(fixtures.multiOci.digest);
        const repo = fresh('pushed/multi');
        const pushed = await transfer('push', [`${dir}:1`, `${registry.host}/${repo}:1`]);
        expect(pushed.writtenDigest).toBe(fixtures.multiOci.digest);
        const layoutRaw = await skopeoOk(['inspect', '--raw', `oci:${dir}:1`]);
        const remote = await served(registry, `${repo}:1`);
        expect(remote.digest).toBe(sha256(layoutRaw));
        expect(remote.digest).toBe(fixtures.multiOci.digest);
        for (const child of fixtures.multiOci.built.manifests) {
          const copied = await served(registry, `${repo}@${child.manifestDigest}`);
          expect(copied.raw.equals(child.manifest), `child ${child.manifestDigest}`).toBe(true);
        }
      });
    });

    describe('archives → registry', () => {
      it('oci-archive written by ocipull: the pushed image has the archive digest', async () => {
        const file = join(await tempDir('ocipull-copy-local-'), 'image.tar');
        await pull(['--format', 'oci-archive', `${registry.host}/oci/image:1`, file]);
        const repo = fresh('pushed/oci-archive');
        const pushed = await transfer('push', [`oci-archive:${file}`, `${registry.host}/${repo}:1`]);
        const archive = await skopeoInspect(`oci-archive:${file}`);
        const remote = await skopeoInspect(docker(`${repo}:1`), flags);
        expect(remote.Digest).toBe(archive.Digest);
        expect(remote.Digest).toBe(fixtures.ociImage.digest);
        expect(pushed.writtenDigest).toBe(archive.Digest);
        expect(remote.Layers).toEqual(archive.Layers);
      });

      it('oci-archive of a Docker image, by name (oci-archive:F:NAME)', async () => {
        const file = join(await tempDir('ocipull-copy-local-'), 'image.tar');
        await pull(['--format', 'oci-archive', '--name', 'v1', `${registry.host}/docker/image:1`, file]);
        const repo = fresh('pushed/oci-archive');
        await transfer('push', [`oci-archive:${file}:v1`, `${registry.host}/${repo}:1`]);
        const archive = await skopeoInspect(`oci-archive:${file}:v1`);
        const remote = await skopeoInspect(docker(`${repo}:1`), flags);
        expect(remote.Digest).toBe(archive.Digest);
        expect(await skopeoConfigDigest(docker(`${repo}:1`), flags)).toBe(
          fixtures.dockerImage.built.config.descriptor.digest,
        );
      });

      it.each([
        ['oci/image:1', 'ociImage'],
        ['docker/image:1', 'dockerImage'],
      ] as const)(
        'docker-archive of %s written by ocipull: same config, same layers, deterministic digest',
        async (ref, key) => {
          const file = join(await tempDir('ocipull-copy-local-'), 'image.tar');
          await pull(['--format', 'docker-archive', `${registry.host}/${ref}`, file]);
          const archiveConfig = await skopeoConfigDigest(`docker-archive:${file}`);
          expect(archiveConfig).toBe(fixtures[key].built.config.descriptor.digest);
          const repo = fresh('pushed/docker-archive');
          const first = await transfer('push', [`docker-archive:${file}`, `${registry.host}/${repo}:1`]);
          const second = await transfer('push', [`docker-archive:${file}`, `${registry.host}/${repo}:2`]);
          expect(await skopeoConfigDigest(docker(`${repo}:1`), flags)).toBe(archiveConfig);
          // Two pushes of one archive give one digest (the layers are gzipped deterministically).
          expect(second.writtenDigest).toBe(first.writtenDigest);
          expect(second.blobs.copied).toBe(0);
          const remote = await served(registry, `${repo}:1`);
          expect(remote.digest).toBe(first.writtenDigest);
          expect(remote.doc.layers).toHaveLength(2);
          // skopeo pulls it back, verifying every blob, and it unpacks to the same diff_ids (same config).
          const out = await tempDir('ocipull-copy-local-');
          await skopeoOk([
            'copy',
            ...skopeoRegistryFlags(registry, { prefix: 'src-' }),
            docker(`${repo}:1`),
            `oci:${out}:x`,
          ]);
          expect(await skopeoConfigDigest(`oci:${out}:x`)).toBe(archiveConfig);
        },
      );

      it('oci-archive written by skopeo (skopeo copy docker://… oci-archive:F) pushes with its digest', async () => {
        const file = join(await tempDir('ocipull-copy-local-'), 'skopeo.tar');
        await skopeoOk([
          'copy',
          ...skopeoRegistryFlags(registry, { prefix: 'src-' }),
          docker('oci/image:1'),
          `oci-archive:${file}:img`,
        ]);
        const repo = fresh('pushed/skopeo-oci');
        await transfer('push', [`oci-archive:${file}`, `${registry.host}/${repo}:1`]);
        const archive = await skopeoInspect(`oci-archive:${file}`);
        expect((await skopeoInspect(docker(`${repo}:1`), flags)).Digest).toBe(archive.Digest);
        expect(archive.Digest).toBe(fixtures.ociImage.digest);
      });

      it('docker-archive written by skopeo pushes with the same config and layers', async () => {
        const file = join(await tempDir('ocipull-copy-local-'), 'skopeo.tar');
        await skopeoOk([
          'copy',
          ...skopeoRegistryFlags(registry, { prefix: 'src-' }),
          docker('docker/image:1'),
          `docker-archive:${file}:example/image:1`,
        ]);
        const repo = fresh('pushed/skopeo-docker');
        const pushed = await transfer('push', [`docker-archive:${file}`, `${registry.host}/${repo}:1`]);
        const archiveConfig = await skopeoConfigDigest(`docker-archive:${file}`);
        expect(archiveConfig).toBe(fixtures.dockerImage.built.config.descriptor.digest);
        expect(await skopeoConfigDigest(docker(`${repo}:1`), flags)).toBe(archiveConfig);
        const remote = await served(registry, `${repo}:1`);
        expect(remote.digest).toBe(pushed.writtenDigest);
        // Docker before 25 shape: pushed as a Docker v2 image, the uncompressed layers gzipped on the way...
        expect(remote.doc.mediaType).toBe(MediaType.dockerManifest);
        expect(remote.doc.layers?.map((l) => l.mediaType)).toEqual([
          MediaType.dockerLayerGzip,
          MediaType.dockerLayerGzip,
        ]);
        // ...deterministically: a second push of the same archive gives the same digest and uploads nothing.
        const again = await transfer('push', [`docker-archive:${file}`, `${registry.host}/${repo}:2`]);
        expect(again.writtenDigest).toBe(pushed.writtenDigest);
        expect(again.blobs.copied).toBe(0);
        const out = await tempDir('ocipull-copy-local-');
        await skopeoOk([
          'copy',
          ...skopeoRegistryFlags(registry, { prefix: 'src-' }),
          docker(`${repo}:1`),
          `oci:${out}:x`,
        ]);
      });
    });

    describe('round trips', () => {
      it.each([
        ['oci/image:1', 'ociImage', []],
        ['multi/oci:1', 'multiOci', ['--all-platforms']],
        ['multi/oci:1', 'multiOci', ['--platform', 'linux/arm/v7']],
      ] as const)('pull %s %s → push → pull: identical digests', async (ref, key, extra) => {
        const first = join(await tempDir('ocipull-copy-local-'), 'a');
        const second = join(await tempDir('ocipull-copy-local-'), 'b');
        const a = await pull([...extra, `${registry.host}/${ref}`, first]);
        expect(a.digest).toBe(fixtures[key].digest);
        const repo = fresh('roundtrip/oci');
        const pushed = await transfer('push', [`${first}:1`, `${registry.host}/${repo}:1`]);
        expect(pushed.writtenDigest).toBe(a.layoutDigest);
        const b = await pull([...extra, `${registry.host}/${repo}:1`, second]);
        expect(b.layoutDigest).toBe(a.layoutDigest);
        expect(b.manifestDigest).toBe(a.manifestDigest);
        const [sa, sb] = await Promise.all([
          skopeoInspect(`oci:${first}:1`),
          skopeoInspect(`oci:${second}:1`),
        ]);
        expect(sb.Digest).toBe(sa.Digest);
        expect(sb.Layers).toEqual(sa.Layers);
        expect((await skopeoInspect(docker(`${repo}:1`), flags)).Digest).toBe(a.layoutDigest);
      });
    });

    describe('registry → local destinations', () => {
      it.each([
        ['oci/image:1', 'ociImage'],
        ['docker/image:1', 'dockerImage'],
      ] as const)('copy %s oci:DIR:NAME: skopeo reads it with the written digest', async (ref, key) => {
        const dir = join(await tempDir('ocipull-copy-local-'), 'layout');
        const result = await transfer('copy', [`${registry.host}/${ref}`, `oci:${dir}:named`]);
        expect(result.name).toBe('named');
        expect(result.digest).toBe(fixtures[key].digest);
        const layout = await skopeoInspect(`oci:${dir}:named`);
        expect(layout.Digest).toBe(result.writtenDigest);
        if (key === 'ociImage') expect(layout.Digest).toBe(fixtures.ociImage.digest);
        else expect(result.writtenDigest).not.toBe(fixtures.dockerImage.digest);
        expect(await skopeoConfigDigest(`oci:${dir}:named`)).toBe(
          fixtures[key].built.config.descriptor.digest,
        );
        expect(layout.Layers).toEqual(fixtures[key].built.layers.map((l) => l.descriptor.digest));
      });

      it('copy multi/oci oci:DIR:NAME keeps the whole index byte for byte', async () => {
        const dir = join(await tempDir('ocipull-copy-local-'), 'layout');
        const result = await transfer('copy', [`${registry.host}/multi/oci:1`, `oci:${dir}:all`]);
        expect(result.writtenDigest).toBe(fixtures.multiOci.digest);
        const raw = await skopeoOk(['inspect', '--raw', `oci:${dir}:all`]);
        expect(raw.equals(fixtures.multiOci.built.manifest)).toBe(true);
        // skopeo picks the arm64/v8 child from the layout's index and reads its config.
        const arm = await skopeoConfigDigest(`oci:${dir}:all`, [
          '--override-arch=arm64',
          '--override-variant=v8',
        ]);
        expect(arm).toBe(fixtures.multiOci.built.images[1]!.config.descriptor.digest);
      });

      it.each([
        ['oci/image:1', 'ociImage'],
        ['docker/image:1', 'dockerImage'],
        ['multi/oci:1', 'multiOci'],
      ] as const)(
        'copy %s oci-archive:FILE:NAME: skopeo reads it with the written digest',
        async (ref, key) => {
          const file = join(await tempDir('ocipull-copy-local-'), 'image.tar');
          const result: CopyJson = await transfer('copy', [
            `${registry.host}/${ref}`,
            `oci-archive:${file}:named`,
          ]);
          const raw = await skopeoOk(['inspect', '--raw', `oci-archive:${file}:named`]);
          expect(sha256(raw)).toBe(result.writtenDigest);
          if (key !== 'dockerImage') expect(result.writtenDigest).toBe(fixtures[key].digest);
          // And it pushes back where it came from unchanged.
          const repo = fresh('archive/back');
          const back = await transfer('push', [`oci-archive:${file}:named`, `${registry.host}/${repo}:1`]);
          expect(back.writtenDigest).toBe(result.writtenDigest);
          expect(await ocipullDigest(`${registry.host}/${repo}:1`)).toBe(result.writtenDigest);
        },
      );

      it('copy docker/image:1 docker-archive:FILE: skopeo reads the same config', async () => {
        const file = join(await tempDir('ocipull-copy-local-'), 'image.tar');
        await transfer('copy', [`${registry.host}/docker/image:1`, `docker-archive:${file}`]);
        expect(await skopeoConfigDigest(`docker-archive:${file}`)).toBe(
          fixtures.dockerImage.built.config.descriptor.digest,
        );
      });
    });
  },
);
