/**
 * `ocipull lock`, `verify`, `pull --locked` and `sync` against the real registry (docker-registry 2.8): single
 * images, OCI indexes and Docker lists; a tag moved by re-pushing (verify reports it, pull --locked still gets the
 * old digest); an index moved while the wanted platform stayed; the lockfile byte-stable across runs; sync into a
 * second registry and into a layout, re-sync moving 0 blobs (counted in the registry's own access log). Truth about
 * the registry comes from what was pushed and from skopeo, never from ocipull.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { tempDir } from '../fakes/scope.js';
import { baseLayer, platformLayer } from '../helpers/fixtures.js';
import { buildImage, buildIndex, buildLayer } from '../helpers/images.js';
import { pushImage, type SeededFixtures, seedFixtures } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { skopeo } from '../helpers/skopeo.js';
import { describeWithTools } from '../helpers/tools.js';
import { accessLinesUntil, logMark, uploadPosts } from './copy-tools.js';

const WANT = ['--platform', 'linux/amd64', '--platform', 'linux/arm64/v8'];

describeWithTools(
  ['docker-registry', 'skopeo'],
  'lock, verify, pull --locked and sync against docker-registry 2.8',
  () => {
    let reg: TestRegistry;
    let mirror: TestRegistry;
    let fixtures: SeededFixtures;

    beforeAll(async () => {
      [reg, mirror] = await Promise.all([startRegistry(), startRegistry()]);
      fixtures = await seedFixtures(reg);
    });
    afterAll(async () => {
      await Promise.all([reg?.stop(), mirror?.stop()]);
    });

    const cli = (...args: string[]) =>
      runCli(args, { env: { HOME: '/nonexistent', PATH: process.env.PATH } });

    it('locks single images, an OCI index and a Docker list; per-platform digests match what skopeo sees; byte-stable', async () => {
      const dir = await tempDir();
      const file = join(dir, 'ocipull.lock');
      const multi = ['multi/oci:1', 'multi/docker:1'].map((r) => `${reg.host}/${r}`);
      const singles = ['oci/image:1', 'docker/image:1'].map((r) => `${reg.host}/${r}`);
      const a = await cli('lock', '--file', file, '--json', ...WANT, ...multi);
      expect(a.stderr).toBe('');
      expect(JSON.parse(a.stdout).pulls).toBe(2);
      const b = await cli('lock', '--file', file, '--json', '--platform', 'linux/amd64', ...singles);
      expect(JSON.parse(b.stdout).pulls).toBe(2);
      const text = await readFile(file, 'utf8');
      const lock = JSON.parse(text);
      expect(lock.images[multi[0]!].digest).toBe(fixtures.multiOci.digest);
      expect(lock.images[multi[1]!].digest).toBe(fixtures.multiDocker.digest);
      expect(lock.images[singles[1]!]).toMatchObject({
        digest: fixtures.dockerImage.digest,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        platforms: { 'linux/amd64': { digest: fixtures.dockerImage.digest } },
      });
      for (const key of multi) {
        const raw = JSON.parse(
          (await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${key}`])).stdout.toString(),
        );
        const arm = raw.manifests.find(
          (m: { platform: { architecture: string } }) => m.platform.architecture === 'arm64',
        );
        expect(lock.images[key].platforms['linux/arm64/v8'].digest).toBe(arm.digest);
        expect(Object.keys(lock.images[key].platforms)).toEqual([
          'linux/amd64',
          'linux/arm/v7',
          'linux/arm64/v8',
        ]);
      }
      // The OCI fixture carries a BuildKit attestation for amd64: recorded apart, never a platform.
      expect(Object.keys(lock.images[multi[0]!].attestations)).toEqual(['linux/amd64']);
      const again = await cli('lock', '--file', file, '--update');
      expect(again.code).toBe(0);
      expect(await readFile(file, 'utf8')).toBe(text);
      expect((await cli('verify', '--file', file)).code).toBe(0);
    });

    it('a tag moved by re-pushing: verify exits 10 with the new digest, pull --locked still gets the old one', async () => {
      const dir = await tempDir();
      const file = join(dir, 'ocipull.lock');
      const first = await buildImage({ format: 'oci', platform: 'linux/amd64', layers: [await baseLayer()] });
      const second = await buildImage({
        format: 'oci',
        platform: 'linux/amd64',
        layers: [await baseLayer(), await buildLayer({ 'new.txt': 'v2\n' })],
      });
      await pushImage(reg.url, 'moving/app', 'stable', first);
      await cli('lock', '--file', file, `${reg.host}/moving/app:stable`);
      await pushImage(reg.url, 'moving/app', 'stable', second);
      const v = await cli('verify', '--file', file);
      expect(v.code).toBe(10);
      expect(v.stdout).toContain(
        `moved      ${reg.host}/moving/app:stable ${first.manifestDigest} → ${second.manifestDigest}`,
      );
      const out = join(dir, 'layout');
      const p = await cli(
        'pull',
        '--locked',
        '--lockfile',
        file,
        '--json',
        '--progress=none',
        `${reg.host}/moving/app:stable`,
        out,
      );
      expect(p.stderr).toBe('');
      expect(JSON.parse(p.stdout)).toMatchObject({ digest: first.manifestDigest, name: 'stable' });
      const inspected = JSON.parse((await skopeo(['inspect', `oci:${out}:stable`])).stdout.toString());
      expect(inspected.Layers).toHaveLength(1);
      expect((await cli('verify', '--file', file, '--layout', out)).code).toBe(0);
    });

    it('an index re-pushed with only arm64 changed: verify says "index moved, your platforms unchanged", exit 0', async () => {
      const dir = await tempDir();
      const file = join(dir, 'ocipull.lock');
      const amd64 = await buildImage({
        format: 'oci',
        platform: 'linux/amd64',
        layers: [await platformLayer('linux/amd64')],
      });
      const arm64 = async (text: string) =>
        buildImage({
          format: 'oci',
          platform: 'linux/arm64/v8',
          layers: [await buildLayer({ 'v.txt': text })],
        });
      const a = buildIndex({ format: 'oci', images: [amd64, await arm64('1')] });
      const b = buildIndex({ format: 'oci', images: [amd64, await arm64('2')] });
      await pushImage(reg.url, 'moving/multi', '1', a);
      await cli('lock', '--file', file, '--platform', 'linux/amd64', `${reg.host}/moving/multi:1`);
      await pushImage(reg.url, 'moving/multi', '1', b);
      const v = await cli('verify', '--file', file, '--json');
      expect(v.code).toBe(0);
      expect(JSON.parse(v.stdout).images[0]).toMatchObject({
        status: 'index-moved',
        old: a.manifestDigest,
        new: b.manifestDigest,
        platforms: [{ platform: 'linux/arm64/v8', wanted: false }],
      });
    });

    it('sync into a second registry and into a layout; a re-sync uploads 0 blobs', async () => {
      const dir = await tempDir();
      const file = join(dir, 'ocipull.lock');
      await cli('lock', '--file', file, ...WANT, `${reg.host}/multi/oci:1`);
      await cli('lock', '--file', file, '--platform', 'linux/amd64', `${reg.host}/docker/image:1`);
      const s = await cli('sync', '--file', file, `${mirror.host}/mirror`);
      expect(s.stderr).toBe('');
      expect(s.code).toBe(0);
      // The mirror serves the same bytes under the same digests.
      const copied = JSON.parse(
        (
          await skopeo([
            'inspect',
            '--raw',
            '--tls-verify=false',
            `docker://${mirror.host}/mirror/multi/oci:1`,
          ])
        ).stdout.toString(),
      );
      expect(copied.manifests.length).toBe(4);
      const d = (
        await skopeo([
          'inspect',
          '--tls-verify=false',
          '--format',
          '{{.Digest}}',
          `docker://${mirror.host}/mirror/docker/image:1`,
        ])
      ).stdout
        .toString()
        .trim();
      expect(d).toBe(fixtures.dockerImage.digest);
      const mark = await logMark(mirror);
      const again = await cli('sync', '--file', file, '--json', `${mirror.host}/mirror`);
      expect(JSON.parse(again.stdout).blobs.copied).toBe(0);
      const lines = await accessLinesUntil(mirror, mark, (l) => l.method === 'PUT' || l.method === 'HEAD');
      expect(uploadPosts(lines)).toEqual([]);

      const layout = join(dir, 'images');
      expect((await cli('sync', '--file', file, `oci:${layout}`)).code).toBe(0);
      const re = await cli('sync', '--file', file, '--json', `oci:${layout}`);
      expect(JSON.parse(re.stdout).blobs.copied).toBe(0);
      expect((await cli('verify', '--file', file, '--layout', layout)).code).toBe(0);
      const inspected = JSON.parse(
        (await skopeo(['inspect', `oci:${layout}:${reg.host}/docker/image:1`])).stdout.toString(),
      );
      expect(inspected.Architecture).toBe('amd64');
    });
  },
);
