/**
 * `ocipull copy` and `ocipull tag` registry to registry, against the real registry (docker-registry 2.8): plain,
 * TLS with token auth (alice may push to `mirror/*` and `alice/*`, bob nowhere), and `http.relativeurls: true`.
 * Registry-side truth comes from skopeo (`docker://…`) and from the registry's own access log, never from ocipull.
 * Layouts and archives as sources and destinations are in copy-local.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../fakes/scope.js';
import {
  type BuiltImage,
  buildImage,
  buildLayer,
  deterministicBytes,
  sha256 as digestOf,
  jsonBytes,
} from '../helpers/images.js';
import { MediaType } from '../helpers/media-types.js';
import { pushImage, type SeededFixtures, seedFixtures } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { skopeo, skopeoRegistryFlags } from '../helpers/skopeo.js';
import { describeWithTools } from '../helpers/tools.js';
import { credentialsOf } from '../helpers/users.js';
import {
  accessLines,
  accessLinesUntil,
  blobWrites,
  logMark,
  ocipull,
  ocipullDigest,
  queryOf,
  type RawDoc,
  served,
  skopeoOk,
  succeeded,
  transfer,
  uploadPosts,
} from './copy-tools.js';

const FIXTURES = [
  ['oci/image:1', 'ociImage', MediaType.ociManifest],
  ['docker/image:1', 'dockerImage', MediaType.dockerManifest],
  ['multi/oci:1', 'multiOci', MediaType.ociIndex],
  ['multi/docker:1', 'multiDocker', MediaType.dockerManifestList],
] as const;

/** Distinct config and layer digests of every image in a fixture (all children of an index). */
function blobDigestsOf(fixture: SeededFixtures[keyof SeededFixtures]): string[] {
  const built = fixture!.built;
  const images = built.kind === 'index' ? built.manifests : [built];
  return [...new Set(images.flatMap((image) => image.blobs.map((b) => b.digest)))];
}

/** `repo` with a suffix unique to this run, so tests never share a destination repository. */
let counter = 0;
const fresh = (repo: string) => `${repo}-${process.pid}-${++counter}`.toLowerCase();

describeWithTools(['docker-registry', 'skopeo'], 'ocipull copy between docker-registry 2.8 instances', () => {
  describe('plain registry', () => {
    let plain: TestRegistry;
    let other: TestRegistry;
    let fixtures: SeededFixtures;

    beforeAll(async () => {
      [plain, other] = await Promise.all([startRegistry(), startRegistry()]);
      fixtures = await seedFixtures(plain);
    });
    afterAll(async () => {
      await Promise.all([plain?.stop(), other?.stop()]);
    });

    it.each(FIXTURES)(
      '%s into a new repository: byte for byte, same digest for ocipull and skopeo',
      async (ref, key, mediaType) => {
        const repo = fresh(`mirror/${key}`);
        const dst = `${plain.host}/${repo}:copied`;
        const result = await transfer('copy', [`${plain.host}/${ref}`, dst]);
        const source = await served(plain, ref);
        expect(source.digest).toBe(fixtures[key].digest);
        expect(result).toMatchObject({
          digest: source.digest,
          manifestDigest: source.digest,
          writtenDigest: source.digest,
          mediaType,
          name: 'copied',
        });
        const copied = await served(plain, `${repo}:copied`);
        expect(copied.raw.equals(source.raw), 'destination manifest bytes equal the source').toBe(true);
        expect(await ocipullDigest(dst)).toBe(await ocipullDigest(`${plain.host}/${ref}`));
        // Every child of an index is there by digest, byte for byte.
        for (const child of source.doc.manifests ?? []) {
          const a = await served(plain, `${ref.split(':')[0]}@${child.digest}`);
          const b = await served(plain, `${repo}@${child.digest}`);
          expect(b.raw.equals(a.raw), `child ${child.digest}`).toBe(true);
        }
        expect(result.blobs.copied + result.blobs.existing + result.blobs.mounted).toBe(
          blobDigestsOf(fixtures[key]).length,
        );
      },
    );

    it('--platform linux/arm64/v8 of multi/oci copies the arm64 child byte for byte', async () => {
      const repo = fresh('mirror/arm64');
      const result = await transfer('copy', [
        '--platform',
        'linux/arm64/v8',
        `${plain.host}/multi/oci:1`,
        `${plain.host}/${repo}:1`,
      ]);
      const index = await served(plain, 'multi/oci:1');
      const child = index.doc.manifests!.find(
        (m) => m.platform?.architecture === 'arm64' && m.platform.variant === 'v8',
      )!;
      expect(child.digest).toBe(fixtures.multiOci.built.images[1]!.manifestDigest);
      const sourceChild = await served(plain, `multi/oci@${child.digest}`);
      const copied = await served(plain, `${repo}:1`);
      expect(copied.doc.mediaType).toBe(MediaType.ociManifest);
      expect(copied.digest).toBe(child.digest);
      expect(copied.raw.equals(sourceChild.raw)).toBe(true);
      expect(result).toMatchObject({
        digest: index.digest,
        manifestDigest: child.digest,
        writtenDigest: child.digest,
        platforms: ['linux/arm64/v8'],
        layers: 2,
      });
      expect(await ocipullDigest(`${plain.host}/${repo}:1`)).toBe(child.digest);
      // The other platforms did not come along.
      const amd64 = fixtures.multiOci.built.images[0]!.manifestDigest;
      const flags = skopeoRegistryFlags(plain);
      const missing = await skopeo(['inspect', '--raw', ...flags, `docker://${plain.host}/${repo}@${amd64}`]);
      expect(missing.code).not.toBe(0);
    });

    it('same registry: blobs are mounted (POST ?from=SRC&mount=… answered 201), a repeat copy uploads nothing', async () => {
      const repo = fresh('mounted/oci');
      const dst = `${plain.host}/${repo}:1`;
      const mark = await logMark(plain);
      const first = await transfer('copy', [`${plain.host}/multi/oci:1`, dst]);
      const blobs = blobDigestsOf(fixtures.multiOci);
      expect(first.blobs.mounted).toBeGreaterThan(0);
      expect(first.blobs).toEqual({ copied: 0, existing: 0, mounted: blobs.length });

      const lines = await accessLinesUntil(
        plain,
        mark,
        (l) => l.method === 'PUT' && l.path === `/v2/${repo}/manifests/1`,
      );
      const posts = uploadPosts(lines, repo);
      const mounts = posts.filter((l) => queryOf(l).has('mount'));
      expect(mounts.length).toBe(blobs.length);
      for (const mount of mounts) {
        expect(queryOf(mount).get('from')).toBe('multi/oci');
        expect(mount.status).toBe(201);
      }
      expect(new Set(mounts.map((m) => queryOf(m).get('mount')))).toEqual(new Set(blobs));
      // Nothing was uploaded the long way.
      expect(
        lines.filter((l) => l.method === 'PATCH' || (l.method === 'PUT' && l.path.includes('/blobs/'))),
      ).toEqual([]);
      expect(await ocipullDigest(dst)).toBe(fixtures.multiOci.digest);

      const again = await logMark(plain);
      const second = await transfer('copy', [`${plain.host}/multi/oci:1`, dst]);
      expect(second.blobs).toEqual({ copied: 0, existing: blobs.length, mounted: 0 });
      expect(second.bytes.copied).toBe(0);
      // The repeat ends with the tag PUT (the index is re-tagged); wait for it, then look at everything before.
      const repeat = await accessLinesUntil(
        plain,
        again,
        (l) => l.method === 'PUT' && l.path === `/v2/${repo}/manifests/1`,
      );
      expect(repeat.filter((l) => l.method === 'HEAD' && l.path.includes('/blobs/')).length).toBe(
        blobs.length,
      );
      expect(blobWrites(repeat)).toEqual([]);
    });

    it('across two registries: every blob is uploaded, no request carries from=', async () => {
      const repo = fresh('elsewhere/multi');
      const srcMark = await logMark(plain);
      const mark = await logMark(other);
      const result = await transfer('copy', [`${plain.host}/multi/oci:1`, `${other.host}/${repo}:1`]);
      const blobs = blobDigestsOf(fixtures.multiOci);
      expect(result.blobs).toEqual({ copied: blobs.length, existing: 0, mounted: 0 });
      expect(await ocipullDigest(`${other.host}/${repo}:1`)).toBe(fixtures.multiOci.digest);
      const copied = await served(other, `${repo}:1`);
      expect(copied.raw.equals((await served(plain, 'multi/oci:1')).raw)).toBe(true);

      const lines = await accessLinesUntil(
        other,
        mark,
        (l) => l.method === 'PUT' && l.path === `/v2/${repo}/manifests/1`,
      );
      const posts = uploadPosts(lines);
      expect(posts.length).toBe(blobs.length);
      for (const post of posts) {
        expect(queryOf(post).has('from'), post.path).toBe(false);
        expect(queryOf(post).has('mount'), post.path).toBe(false);
      }
      // The source registry was only read.
      expect(blobWrites(await accessLines(plain, srcMark))).toEqual([]);
    });

    it('tag REF t2 t3: the tags appear with the same digest, and no blob moves', async () => {
      const repo = fresh('tagged/oci');
      await transfer('copy', [`${plain.host}/multi/oci:1`, `${plain.host}/${repo}:1`]);
      const mark = await logMark(plain);
      const out = succeeded(await ocipull(['tag', `${plain.host}/${repo}:1`, 't2', 't3']), 'tag');
      expect(out).toContain(`${repo}:t2`);
      const tags = succeeded(await ocipull(['tags', `${plain.host}/${repo}`]), 'tags');
      expect(tags.trim().split('\n').sort()).toEqual(['1', 't2', 't3']);
      for (const tag of ['t2', 't3']) {
        expect(await ocipullDigest(`${plain.host}/${repo}:${tag}`)).toBe(fixtures.multiOci.digest);
        expect((await served(plain, `${repo}:${tag}`)).digest).toBe(fixtures.multiOci.digest);
      }
      const lines = await accessLinesUntil(
        plain,
        mark,
        (l) => l.method === 'PUT' && l.path === `/v2/${repo}/manifests/t3`,
      );
      expect(lines.filter((l) => l.path.includes('/blobs/'))).toEqual([]);
      expect(
        lines
          .filter((l) => l.method === 'PUT')
          .map((l) => l.path)
          .sort(),
      ).toEqual([`/v2/${repo}/manifests/t2`, `/v2/${repo}/manifests/t3`]);
    });

    it('tag by digest works too, and -q/--json print the digest', async () => {
      const ref = `${plain.host}/oci/image@${fixtures.ociImage.digest}`;
      const json = JSON.parse(
        succeeded(await ocipull(['tag', '--json', ref, 'by-digest']), 'tag --json'),
      ) as { digest: string; tags: string[] };
      expect(json.digest).toBe(fixtures.ociImage.digest);
      expect((await served(plain, 'oci/image:by-digest')).digest).toBe(fixtures.ociImage.digest);
      const quiet = await ocipull([
        'copy',
        '-q',
        '--progress=none',
        `${plain.host}/oci/image:1`,
        `${plain.host}/${fresh('quiet/oci')}:1`,
      ]);
      expect(succeeded(quiet, 'copy -q')).toBe(`${fixtures.ociImage.digest}\n`);
    });

    describe('a manifest with a subject (distribution 2.8 has no referrers API)', () => {
      /** An OCI manifest that refers to `subject`, e.g. a signature: one tiny layer, its own config. */
      function referrer(subject: BuiltImage, note: string): BuiltImage {
        const layerBytes = Buffer.from(`signature of ${subject.manifestDigest}: ${note}\n`);
        const layer = {
          mediaType: 'application/vnd.ocipull.test.signature',
          digest: digestOf(layerBytes),
          size: layerBytes.length,
        };
        const configBytes = jsonBytes({
          architecture: 'unknown',
          os: 'unknown',
          rootfs: { type: 'layers', diff_ids: [] },
        });
        const config = {
          mediaType: MediaType.ociConfig,
          digest: digestOf(configBytes),
          size: configBytes.length,
        };
        const manifest = jsonBytes({
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          config,
          layers: [layer],
          subject: {
            mediaType: subject.mediaType,
            digest: subject.manifestDigest,
            size: subject.manifest.length,
          },
          annotations: { 'org.ocipull.test.note': note },
        });
        const manifestDigest = digestOf(manifest);
        return {
          kind: 'image',
          format: 'oci',
          mediaType: MediaType.ociManifest,
          manifest,
          manifestDigest,
          descriptor: { mediaType: MediaType.ociManifest, digest: manifestDigest, size: manifest.length },
          platform: { os: 'unknown', architecture: 'unknown' },
          config: { bytes: configBytes, descriptor: config },
          layers: [],
          blobs: [
            { digest: config.digest, size: configBytes.length, bytes: configBytes },
            { digest: layer.digest, size: layerBytes.length, bytes: layerBytes },
          ],
        };
      }

      it('updates the fallback tag sha256-<hex> with an OCI index listing each referrer', async () => {
        const subject = fixtures.ociImage.built;
        const first = referrer(subject, 'first');
        const second = referrer(subject, 'second');
        await pushImage(plain.url, 'signed/source', ['sig1', 'sig2'], first);
        await pushImage(plain.url, 'signed/source', 'sig2', second);
        const repo = fresh('signed/app');
        // The subject first, then each referrer, into another registry.
        await transfer('copy', [`${plain.host}/oci/image:1`, `${other.host}/${repo}:1`]);
        const r1 = await transfer('copy', [`${plain.host}/signed/source:sig1`, `${other.host}/${repo}:sig1`]);
        expect(r1.writtenDigest).toBe(first.manifestDigest);
        const fallbackTag = `sha256-${subject.manifestDigest.slice('sha256:'.length)}`;

        const afterOne = await served(other, `${repo}:${fallbackTag}`);
        expect(afterOne.doc.mediaType).toBe(MediaType.ociIndex);
        expect(afterOne.doc.manifests?.map((m) => m.digest)).toEqual([first.manifestDigest]);
        expect(afterOne.doc.manifests?.[0]).toMatchObject({
          mediaType: MediaType.ociManifest,
          digest: first.manifestDigest,
          size: first.manifest.length,
        });

        await transfer('copy', [`${plain.host}/signed/source:sig2`, `${other.host}/${repo}:sig2`]);
        const afterTwo = await served(other, `${repo}:${fallbackTag}`);
        expect(afterTwo.doc.manifests?.map((m) => m.digest).sort()).toEqual(
          [first.manifestDigest, second.manifestDigest].sort(),
        );
        // A repeat copy of the first referrer does not list it twice.
        await transfer('copy', [`${plain.host}/signed/source:sig1`, `${other.host}/${repo}:sig1`]);
        const afterRepeat = await served(other, `${repo}:${fallbackTag}`);
        expect(afterRepeat.doc.manifests).toHaveLength(2);
        // The referrer itself arrived byte for byte, subject field and all.
        const copied = await served(other, `${repo}:sig1`);
        expect(copied.raw.equals(first.manifest)).toBe(true);
        expect((copied.doc as RawDoc).subject?.digest).toBe(subject.manifestDigest);
      });
    });
  });

  describeWithTools(['openssl'], 'TLS + token auth', () => {
    let secure: TestRegistry;
    let fixtures: SeededFixtures;
    const alice = credentialsOf('alice');
    const bob = credentialsOf('bob');
    const creds = (c: { username: string; password: string }) => `${c.username}:${c.password}`;

    beforeAll(async () => {
      secure = await startRegistry({ tls: true, auth: 'token' });
      fixtures = await seedFixtures(secure);
    });
    afterAll(async () => {
      await secure?.stop();
    });

    it('alice copies private/app:1 (only she may pull it) into mirror/*, which she may push', async () => {
      const repo = fresh('mirror/app');
      const result = await transfer('copy', [
        '--src-cert-dir',
        secure.ca!.certDir,
        '--dest-cert-dir',
        secure.ca!.certDir,
        '--src-creds',
        creds(alice),
        '--dest-creds',
        creds(alice),
        `${secure.host}/private/app:1`,
        `${secure.host}/${repo}:1`,
      ]);
      const source = await served(secure, 'private/app:1', alice);
      expect(source.digest).toBe(fixtures.privateApp!.digest);
      expect(result.writtenDigest).toBe(source.digest);
      const copied = await served(secure, `${repo}:1`, alice);
      expect(copied.raw.equals(source.raw)).toBe(true);
      // mirror/* is public to pull, so anyone now sees the same digest.
      expect(await ocipullDigest(`${secure.host}/${repo}:1`, ['--cert-dir', secure.ca!.certDir])).toBe(
        source.digest,
      );
      // The mount of private/app blobs into mirror/… worked, on a token that carried both repositories.
      expect(result.blobs.mounted).toBe(3);
      const both = secure.tokenServer!.issued.filter(
        (claims) =>
          claims.sub === 'alice' &&
          claims.access.some((a) => a.name === repo && a.actions.includes('push')) &&
          claims.access.some((a) => a.name === 'private/app' && a.actions.includes('pull')),
      );
      expect(both.length, 'a token for mirror/…:push and private/app:pull').toBeGreaterThan(0);
    });

    it('alice copies a public image into alice/* with the shared --cert-dir', async () => {
      const repo = fresh('alice/image');
      const result = await transfer('copy', [
        '--cert-dir',
        secure.ca!.certDir,
        '--dest-creds',
        creds(alice),
        `${secure.host}/multi/docker:1`,
        `${secure.host}/${repo}:1`,
      ]);
      expect(result.writtenDigest).toBe(fixtures.multiDocker.digest);
      expect((await served(secure, `${repo}:1`)).digest).toBe(fixtures.multiDocker.digest);
    });

    it('bob (pull only) gets exit 4: "can pull but not push"', async () => {
      const repo = fresh('mirror/bob');
      const result = await ocipull([
        'copy',
        '--progress=none',
        '--cert-dir',
        secure.ca!.certDir,
        '--src-creds',
        creds(bob),
        '--dest-creds',
        creds(bob),
        `${secure.host}/oci/image:1`,
        `${secure.host}/${repo}:1`,
      ]);
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toMatch(/can pull but not push/);
      expect(result.stderr).toContain(repo);
      // Nothing was written.
      const gone = await skopeo([
        'inspect',
        '--raw',
        ...skopeoRegistryFlags(secure, { credentials: alice }),
        `docker://${secure.host}/${repo}:1`,
      ]);
      expect(gone.code).not.toBe(0);
    });

    it('push: --creds and --cert-dir apply to the registry (every blob uploaded over TLS)', async () => {
      // A layout of the whole multi/oci index, made by skopeo, so nothing can be mounted.
      const dir = await tempDir('ocipull-copy-it-');
      await skopeoOk([
        'copy',
        '--all',
        '--preserve-digests',
        ...skopeoRegistryFlags(secure, { prefix: 'src-' }),
        `docker://${secure.host}/multi/oci:1`,
        `oci:${dir}:img`,
      ]);
      const repo = fresh('alice/pushed');
      const result = await transfer('push', [
        '--cert-dir',
        secure.ca!.certDir,
        '--creds',
        creds(alice),
        `${dir}:img`,
        `${secure.host}/${repo}:1`,
      ]);
      expect(result.writtenDigest).toBe(fixtures.multiOci.digest);
      expect(result.blobs.copied).toBe(blobDigestsOf(fixtures.multiOci).length);
      expect((await served(secure, `${repo}:1`)).digest).toBe(fixtures.multiOci.digest);
    });

    it('alice copies from another (plain) registry into mirror/*: every blob uploaded over TLS', async () => {
      const plain = await startRegistry();
      try {
        const seeded = await seedFixtures(plain);
        const repo = fresh('mirror/from-plain');
        const result = await transfer('copy', [
          '--dest-cert-dir',
          secure.ca!.certDir,
          '--dest-creds',
          creds(alice),
          `${plain.host}/multi/docker:1`,
          `${secure.host}/${repo}:1`,
        ]);
        expect(result.writtenDigest).toBe(seeded.multiDocker.digest);
        expect(result.blobs).toEqual({
          copied: blobDigestsOf(seeded.multiDocker).length,
          existing: 0,
          mounted: 0,
        });
        const copied = await served(secure, `${repo}:1`);
        expect(copied.raw.equals((await served(plain, 'multi/docker:1')).raw)).toBe(true);
      } finally {
        await plain.stop();
      }
    });
  });

  describe('http.relativeurls: true', () => {
    let relative: TestRegistry;
    let source: TestRegistry;

    beforeAll(async () => {
      [relative, source] = await Promise.all([startRegistry({ relativeUrls: true }), startRegistry()]);
      await seedFixtures(source);
      // One incompressible ~96 KiB layer, so small chunks really split it.
      const big = await buildImage({
        format: 'oci',
        layers: [await buildLayer({ 'data/random.bin': deterministicBytes(96 * 1024, 'copy-relative') })],
      });
      await pushImage(source.url, 'big/image', '1', big);
    });
    afterAll(async () => {
      await Promise.all([relative?.stop(), source?.stop()]);
    });

    it.each([
      ['multi/oci:1', 'monolithic PUT', []],
      ['multi/oci:1', '--chunk-size 1KiB', ['--chunk-size', '1KiB']],
      ['big/image:1', 'monolithic PUT', []],
      ['big/image:1', '--chunk-size 16KiB', ['--chunk-size', '16KiB']],
      ['big/image:1', '--chunk-size 1000 (not a power of two)', ['--chunk-size', '1000']],
    ] as const)('%s, %s: lands with the source digests, skopeo reads it back', async (ref, _, extra) => {
      const repo = fresh('relative/copy');
      const mark = await logMark(relative);
      const result = await transfer('copy', [
        ...extra,
        `${source.host}/${ref}`,
        `${relative.host}/${repo}:1`,
      ]);
      const original = await served(source, ref);
      expect(result.writtenDigest).toBe(original.digest);
      const copied = await served(relative, `${repo}:1`);
      expect(copied.raw.equals(original.raw)).toBe(true);
      expect(await ocipullDigest(`${relative.host}/${repo}:1`)).toBe(original.digest);
      // skopeo reads every blob back, verifying each digest on the way.
      const dir = await tempDir('ocipull-copy-it-');
      await skopeoOk([
        'copy',
        '--all',
        ...skopeoRegistryFlags(relative, { prefix: 'src-' }),
        `docker://${relative.host}/${repo}:1`,
        `oci:${dir}:x`,
      ]);
      const lines = await accessLinesUntil(
        relative,
        mark,
        (l) => l.method === 'PUT' && l.path === `/v2/${repo}/manifests/1`,
      );
      const patches = lines.filter((l) => l.method === 'PATCH');
      for (const line of blobWrites(lines))
        expect(line.status, `${line.method} ${line.path}`).toBeLessThan(300);
      if (extra.length === 0) {
        expect(patches).toEqual([]);
      } else if (ref === 'big/image:1') {
        // 96 KiB of random bytes in chunks of at most 16 KiB: at least 6 PATCHes for the layer alone.
        expect(patches.length).toBeGreaterThanOrEqual(6);
      } else {
        expect(patches.length).toBeGreaterThan(0);
      }
    });
  });
});
