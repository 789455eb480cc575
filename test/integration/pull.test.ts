/**
 * `ocipull pull` against the real registry (docker-registry 2.8), with the layouts it writes checked by the
 * reference tools: skopeo (reads `oci:DIR:NAME`, copies it), umoci (unpacks it) and oci-image-tool (validates it).
 * Registry-side truth comes from skopeo (`docker://…`), not from ocipull.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { checkBlobs, readBlob, readIndexJson } from '../fakes/layout.js';
import { MediaType } from '../helpers/media-types.js';
import { type SeededFixtures, seedFixtures } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { skopeo, skopeoRegistryFlags } from '../helpers/skopeo.js';
import { describeWithTools } from '../helpers/tools.js';
import { type Credentials, credentialsOf } from '../helpers/users.js';
import {
  expectedFixtureTree,
  expectedPrivateAppTree,
  ociImageToolValidate,
  readTree,
  type TreeEntry,
  umociUnpack,
} from './pull-tools.js';

/** The `--json` summary of `ocipull pull`. */
interface PullSummary {
  reference: string;
  name: string;
  digest: string;
  manifestDigest: string;
  layoutDigest: string;
  mediaType: string;
  platforms: string[];
  layers: number;
  blobs: { downloaded: number; reused: number };
  bytes: { downloaded: number; reused: number };
}

interface ManifestDoc {
  mediaType?: string;
  config: { mediaType: string; digest: string; size: number };
  layers: Array<{ mediaType: string; digest: string; size: number }>;
}

interface IndexDoc {
  mediaType?: string;
  manifests: Array<{
    mediaType: string;
    digest: string;
    size: number;
    platform?: { os: string; architecture: string; variant?: string };
    annotations?: Record<string, string>;
  }>;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const scratch: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** An isolated environment: no host credentials, config files or runtime dir leak in. */
async function isolatedEnv(extra: Record<string, string> = {}): Promise<Record<string, string | undefined>> {
  const home = await tempDir('ocipull-pull-it-home-');
  return {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CONFIG_HOME: join(home, '.config'),
    PATH: process.env.PATH,
    ...extra,
  };
}

interface PullRun {
  code: number;
  stdout: string;
  stderr: string;
  summary: PullSummary;
}

async function pull(args: string[], env?: Record<string, string | undefined>): Promise<PullRun> {
  const result = await runCli(['pull', '--json', '--progress=none', ...args], {
    env: env ?? (await isolatedEnv()),
  });
  let summary = {} as PullSummary;
  if (result.code === 0) summary = JSON.parse(result.stdout) as PullSummary;
  return { ...result, summary };
}

/** Expects a pull to have succeeded quietly; shows stderr when it did not. */
function expectOk(run: PullRun): void {
  expect(run.stderr, `ocipull stderr`).toBe('');
  expect(run.code).toBe(0);
}

/** Runs skopeo and expects success, with its stderr in the failure message. */
async function skopeoOk(args: string[]): Promise<Buffer> {
  const result = await skopeo(args);
  expect(result.code, `skopeo ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

/** What skopeo says the registry serves for REF (raw manifest bytes, and `skopeo inspect`'s Layers). */
async function remote(registry: TestRegistry, ref: string, credentials?: Credentials) {
  const flags = skopeoRegistryFlags(registry, credentials ? { credentials } : {});
  const raw = await skopeoOk(['inspect', '--raw', ...flags, `docker://${registry.host}/${ref}`]);
  return { raw, digest: sha256(raw), doc: JSON.parse(raw.toString('utf8')) as ManifestDoc & IndexDoc, flags };
}

async function skopeoInspectLayers(flags: string[], transportRef: string): Promise<string[]> {
  const out = await skopeoOk(['inspect', ...flags, transportRef]);
  return (JSON.parse(out.toString('utf8')) as { Layers: string[] }).Layers;
}

async function readJsonBlob<T>(dest: string, digest: string): Promise<T> {
  return JSON.parse((await readBlob(dest, digest)).toString('utf8')) as T;
}

function entryNamed<E extends { annotations?: Record<string, string> | undefined }>(
  index: { manifests: E[] },
  name: string,
): E {
  const entries = index.manifests.filter(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === name,
  );
  expect(entries, `index.json entries named ${name}`).toHaveLength(1);
  return entries[0]!;
}

/** Unpacks DEST:NAME with umoci and returns the root filesystem's entries. */
async function unpack(dest: string, name: string): Promise<Record<string, TreeEntry>> {
  const bundle = join(await tempDir('ocipull-pull-it-bundle-'), 'bundle');
  const result = await umociUnpack(dest, name, bundle);
  expect(result.code, `umoci unpack: ${result.stderr}`).toBe(0);
  return readTree(join(bundle, 'rootfs'));
}

/** oci-image-tool accepts DEST:NAME. */
async function expectValid(dest: string, name: string): Promise<void> {
  const result = await ociImageToolValidate(dest, name);
  expect(result.code, `oci-image-tool validate: ${result.stdout}${result.stderr}`).toBe(0);
}

/** Every blob hashes to its name, nothing is left over, and the blobs are exactly `expected`. */
async function expectBlobs(dest: string, expected: Iterable<string>): Promise<void> {
  const { blobs, stray } = await checkBlobs(dest);
  expect(stray).toEqual([]);
  expect([...blobs].sort()).toEqual([...new Set(expected)].sort());
}

/**
 * The full check of a single-image pull: the summary's digest is the registry's, the layout's manifest keeps the
 * registry's config and layer digests (only media types may change), and oci-image-tool, skopeo and umoci all
 * accept the result, which unpacks to `tree`.
 */
async function expectReadableImage(opts: {
  registry: TestRegistry;
  ref: string;
  dest: string;
  name: string;
  run: PullRun;
  tree: Record<string, TreeEntry>;
  credentials?: Credentials;
}): Promise<void> {
  const { registry, ref, dest, name, run } = opts;
  const served = await remote(registry, ref, opts.credentials);
  expect(run.summary.digest).toBe(served.digest);
  expect(run.summary.name).toBe(name);

  const entry = entryNamed(await readIndexJson(dest), name);
  expect(entry.mediaType).toBe(MediaType.ociManifest);
  expect(entry.digest).toBe(run.summary.layoutDigest);
  const manifestBytes = await readBlob(dest, entry.digest);
  expect(manifestBytes.length).toBe(entry.size);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as ManifestDoc;
  expect(manifest.config.digest).toBe(served.doc.config.digest);
  expect(manifest.config.mediaType).toBe(MediaType.ociConfig);
  expect(manifest.layers.map((l) => [l.digest, l.size])).toEqual(
    served.doc.layers.map((l) => [l.digest, l.size]),
  );
  expect(manifest.layers.map((l) => l.mediaType)).toEqual(
    served.doc.layers.map(() => MediaType.ociLayerGzip),
  );
  if (served.doc.mediaType === MediaType.ociManifest) {
    // OCI content is written byte for byte.
    expect(manifestBytes.equals(served.raw)).toBe(true);
  } else {
    expect(entry.annotations?.['io.ocipull.registry.digest']).toBe(served.digest);
  }

  await expectValid(dest, name);

  const registryLayers = await skopeoInspectLayers(served.flags, `docker://${registry.host}/${ref}`);
  const layoutLayers = await skopeoInspectLayers([], `oci:${dest}:${name}`);
  expect(layoutLayers).toEqual(registryLayers);
  expect(layoutLayers).toHaveLength(2);

  expect(await unpack(dest, name)).toEqual(opts.tree);
  await expectBlobs(dest, [entry.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]);
}

describeWithTools(
  ['docker-registry', 'skopeo', 'umoci', 'oci-image-tool'],
  'ocipull pull against docker-registry 2.8, read by skopeo, umoci and oci-image-tool',
  () => {
    let plain: TestRegistry;
    let plainFixtures: SeededFixtures;
    let secure: TestRegistry;
    let secureFixtures: SeededFixtures;

    beforeAll(async () => {
      [plain, secure] = await Promise.all([startRegistry(), startRegistry({ tls: true, auth: 'token' })]);
      [plainFixtures, secureFixtures] = await Promise.all([seedFixtures(plain), seedFixtures(secure)]);
    });

    afterAll(async () => {
      await Promise.all([plain?.stop(), secure?.stop()]);
      for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
    });

    describe('single images', () => {
      it.each([
        ['docker/image:1', 'dockerImage'],
        ['oci/image:1', 'ociImage'],
      ] as const)('%s: valid, readable by skopeo, unpacked by umoci', async (ref, key) => {
        const dest = join(await tempDir('ocipull-pull-it-'), 'layout');
        const run = await pull([`${plain.host}/${ref}`, dest]);
        expectOk(run);
        expect(run.summary.digest).toBe(plainFixtures[key].digest);
        expect(run.summary).toMatchObject({
          name: '1',
          mediaType: MediaType.ociManifest,
          platforms: ['linux/amd64'],
          layers: 2,
          blobs: { downloaded: 3, reused: 0 },
        });
        if (key === 'dockerImage') {
          expect(run.summary.layoutDigest).not.toBe(run.summary.digest);
        } else {
          expect(run.summary.layoutDigest).toBe(run.summary.digest);
        }
        expect(JSON.parse(await readFile(join(dest, 'oci-layout'), 'utf8'))).toEqual({
          imageLayoutVersion: '1.0.0',
        });
        await expectReadableImage({
          registry: plain,
          ref,
          dest,
          name: '1',
          run,
          tree: expectedFixtureTree('linux/amd64'),
        });
      });

      it('--preserve-digests keeps the Docker manifest byte for byte under the registry digest', async () => {
        const dest = await tempDir('ocipull-pull-it-');
        const run = await pull(['--preserve-digests', `${plain.host}/docker/image:1`, dest]);
        expectOk(run);
        const served = await remote(plain, 'docker/image:1');
        expect(run.summary.digest).toBe(served.digest);
        expect(run.summary.layoutDigest).toBe(served.digest);
        const index = await readIndexJson(dest);
        expect(index.manifests).toHaveLength(1);
        const entry = entryNamed(index, '1');
        expect(entry).toMatchObject({
          mediaType: MediaType.dockerManifest,
          digest: served.digest,
          size: served.raw.length,
        });
        expect(entry.annotations?.['io.ocipull.registry.digest']).toBeUndefined();
        expect((await readBlob(dest, served.digest)).equals(served.raw)).toBe(true);
        for (const blob of [served.doc.config, ...served.doc.layers]) {
          expect(sha256(await readBlob(dest, blob.digest))).toBe(blob.digest);
        }
        await expectBlobs(dest, [
          served.digest,
          served.doc.config.digest,
          ...served.doc.layers.map((l) => l.digest),
        ]);
      });
    });

    describe('multi-platform', () => {
      it.each([
        ['multi/oci:1', 'multiOci'],
        ['multi/docker:1', 'multiDocker'],
      ] as const)(
        '%s --platform linux/arm64 picks the arm64 image, which umoci unpacks',
        async (ref, key) => {
          const dest = await tempDir('ocipull-pull-it-');
          const run = await pull(['--platform', 'linux/arm64', `${plain.host}/${ref}`, dest]);
          expectOk(run);
          const served = await remote(plain, ref);
          expect(run.summary.digest).toBe(served.digest);
          expect(run.summary.digest).toBe(plainFixtures[key].digest);
          const child = served.doc.manifests.find((m) => m.platform?.architecture === 'arm64');
          expect(child).toBeDefined();
          expect(child!.digest).toBe(plainFixtures[key].built.images[1]!.manifestDigest);
          expect(run.summary.manifestDigest).toBe(child!.digest);
          expect(run.summary.platforms).toEqual(['linux/arm64/v8']);

          const entry = entryNamed(await readIndexJson(dest), '1');
          expect(entry.mediaType).toBe(MediaType.ociManifest);
          expect(entry.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
          const manifest = await readJsonBlob<ManifestDoc>(dest, entry.digest);
          const config = await readJsonBlob<{ architecture: string; os: string; variant?: string }>(
            dest,
            manifest.config.digest,
          );
          expect(config).toMatchObject({ architecture: 'arm64', os: 'linux', variant: 'v8' });

          // The child as the registry serves it: same config and layers.
          const childServed = await remote(plain, `${ref.split(':')[0]}@${child!.digest}`);
          expect(childServed.digest).toBe(child!.digest);
          expect(manifest.config.digest).toBe(childServed.doc.config.digest);
          expect(manifest.layers.map((l) => l.digest)).toEqual(childServed.doc.layers.map((l) => l.digest));

          await expectValid(dest, '1');
          expect(await unpack(dest, '1')).toEqual(expectedFixtureTree('linux/arm64/v8'));
          await expectBlobs(dest, [
            entry.digest,
            manifest.config.digest,
            ...manifest.layers.map((l) => l.digest),
          ]);
        },
      );

      // multi/oci: 3 configs, the base layer, 3 platform layers, the attestation's config and layer.
      // multi/docker: 3 configs, the base layer, 3 platform layers.
      it.each([
        ['multi/oci:1', 4, 9],
        ['multi/docker:1', 3, 7],
      ] as const)(
        '%s --all-platforms writes an index entry skopeo reads and copies',
        async (ref, children, blobCount) => {
          const dest = await tempDir('ocipull-pull-it-');
          const run = await pull(['--all-platforms', `${plain.host}/${ref}`, dest]);
          expectOk(run);
          const served = await remote(plain, ref);
          expect(run.summary.digest).toBe(served.digest);
          expect(served.doc.manifests).toHaveLength(children);
          expect(run.summary.platforms).toEqual(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
          expect(run.summary.blobs).toEqual({ downloaded: blobCount, reused: 0 });

          const index = await readIndexJson(dest);
          expect(index.manifests).toHaveLength(1);
          const entry = entryNamed(index, '1');
          expect(entry.mediaType).toBe(MediaType.ociIndex);
          expect(entry.platform).toBeUndefined();
          expect(entry.digest).toBe(run.summary.layoutDigest);
          if (served.doc.mediaType === MediaType.ociIndex) {
            expect(entry.digest).toBe(served.digest);
            expect((await readBlob(dest, entry.digest)).equals(served.raw)).toBe(true);
          } else {
            expect(entry.annotations?.['io.ocipull.registry.digest']).toBe(served.digest);
          }

          // skopeo sees every platform (and the attestation) in the layout's index.
          const raw = await skopeoOk(['inspect', '--raw', `oci:${dest}:1`]);
          expect(sha256(raw)).toBe(entry.digest);
          const layoutIndex = JSON.parse(raw.toString('utf8')) as IndexDoc;
          expect(layoutIndex.mediaType).toBe(MediaType.ociIndex);
          expect(layoutIndex.manifests.map((m) => m.platform)).toEqual(
            served.doc.manifests.map((m) => m.platform),
          );
          expect(layoutIndex.manifests.map((m) => m.annotations)).toEqual(
            served.doc.manifests.map((m) => m.annotations),
          );

          // Each child keeps the registry's config and layers; collect the blobs the layout must hold.
          const expected = [entry.digest];
          for (const [i, child] of layoutIndex.manifests.entries()) {
            expect(child.mediaType).toBe(MediaType.ociManifest);
            const manifest = await readJsonBlob<ManifestDoc>(dest, child.digest);
            const childServed = await remote(
              plain,
              `${ref.split(':')[0]}@${served.doc.manifests[i]!.digest}`,
            );
            expect(manifest.config.digest).toBe(childServed.doc.config.digest);
            expect(manifest.layers.map((l) => l.digest)).toEqual(childServed.doc.layers.map((l) => l.digest));
            expected.push(child.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest));
          }
          await expectBlobs(dest, expected);

          // skopeo reads every manifest and blob of the layout while copying all of it.
          const other = await tempDir('ocipull-pull-it-copy-');
          await skopeoOk(['copy', '--all', '--preserve-digests', `oci:${dest}:1`, `oci:${other}:x`]);
          const copied = await readIndexJson(other);
          expect(copied.manifests.map((m) => m.digest)).toEqual([entry.digest]);
          // skopeo resolves the host's platform (amd64) from the layout's index.
          expect(await skopeoInspectLayers([], `oci:${dest}:1`)).toEqual(
            await skopeoInspectLayers(['--tls-verify=false', '--no-creds'], `docker://${plain.host}/${ref}`),
          );

          // Pulling it again downloads nothing and leaves index.json as it was.
          const indexBefore = await readFile(join(dest, 'index.json'), 'utf8');
          const again = await pull(['--all-platforms', `${plain.host}/${ref}`, dest]);
          expectOk(again);
          expect(again.summary.blobs).toEqual({ downloaded: 0, reused: blobCount });
          expect(again.summary.layoutDigest).toBe(entry.digest);
          expect(await readFile(join(dest, 'index.json'), 'utf8')).toBe(indexBefore);
        },
      );

      it('oci-image-tool validates the --all-platforms layout of multi/docker (every platform)', async () => {
        const dest = await tempDir('ocipull-pull-it-');
        expectOk(await pull(['--all-platforms', `${plain.host}/multi/docker:1`, dest]));
        const result = await ociImageToolValidate(dest, '1');
        expect(result.code, `oci-image-tool validate: ${result.stdout}${result.stderr}`).toBe(0);
      });

      it('oci-image-tool on the --all-platforms layout of multi/oci rejects only the attestation layer', async () => {
        // oci-image-tool 1.0.0-rc1 walks every child of the index and knows only the image-spec layer media
        // types, so the BuildKit attestation's `application/vnd.in-toto+json` layer is "invalid". That is the
        // tool's limit, not the layout's: the index is the registry's, byte for byte (checked above), and
        // skopeo copies all of it. Pin what it says, so any other complaint fails this test.
        const dest = await tempDir('ocipull-pull-it-');
        expectOk(await pull(['--all-platforms', `${plain.host}/multi/oci:1`, dest]));
        const result = await ociImageToolValidate(dest, '1');
        const output = `${result.stdout}${result.stderr}`;
        expect(result.code, output).toBe(1);
        expect(output).toContain('1 errors detected');
        expect(output).toContain(
          'layer validation failed: invalid descriptor MediaType \\"application/vnd.in-toto+json\\"',
        );
        // The three platform images in it pass when pulled one by one.
        for (const platform of ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']) {
          const one = await tempDir('ocipull-pull-it-');
          expectOk(await pull(['--platform', platform, `${plain.host}/multi/oci:1`, one]));
          await expectValid(one, '1');
        }
      });
    });

    describe('TLS + token auth', () => {
      const alice = credentialsOf('alice');

      async function dockerConfigEnv(credentials?: Credentials) {
        const env = await isolatedEnv();
        if (credentials) {
          await mkdir(env.DOCKER_CONFIG!, { recursive: true });
          const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
          await writeFile(
            join(env.DOCKER_CONFIG!, 'config.json'),
            JSON.stringify({ auths: { [secure.host]: { auth } } }),
          );
        }
        return env;
      }

      it("private/app:1 with alice's config.json and --cert-dir pulls and validates", async () => {
        const dest = await tempDir('ocipull-pull-it-');
        const env = await dockerConfigEnv(alice);
        const requestsBefore = secure.tokenServer!.requests.length;
        const run = await pull(['--cert-dir', secure.ca!.certDir, `${secure.host}/private/app:1`, dest], env);
        // ocipull's own token requests (skopeo's, below, log in as alice too).
        const tokenRequests = secure.tokenServer!.requests.slice(requestsBefore);
        expectOk(run);
        const basicAlice = `Basic ${Buffer.from('alice:alice-secret').toString('base64')}`;
        expect(
          tokenRequests.some(
            (r) => r.authorization === basicAlice && r.url.includes('repository%3Aprivate%2Fapp%3Apull'),
          ),
        ).toBe(true);
        expect(run.summary.digest).toBe(secureFixtures.privateApp!.digest);
        expect(run.summary.blobs).toEqual({ downloaded: 3, reused: 0 });
        await expectReadableImage({
          registry: secure,
          ref: 'private/app:1',
          dest,
          name: '1',
          run,
          tree: expectedPrivateAppTree(),
          credentials: alice,
        });
      });

      it('private/app:1 with --creds alice:… pulls too', async () => {
        const dest = await tempDir('ocipull-pull-it-');
        const run = await pull([
          '--cert-dir',
          secure.ca!.certDir,
          '--creds',
          `${alice.username}:${alice.password}`,
          `${secure.host}/private/app:1`,
          dest,
        ]);
        expectOk(run);
        expect(run.summary.digest).toBe(secureFixtures.privateApp!.digest);
        await expectValid(dest, '1');
        expect(await unpack(dest, '1')).toEqual(expectedPrivateAppTree());
      });

      it.each([
        ['without credentials', undefined, /authentication required for 127\.0\.0\.1:\d+\/private\/app/],
        ["with bob's credentials", credentialsOf('bob'), /refused with the credentials given/],
      ])('private/app:1 %s exits 4 and writes no entry', async (_, credentials, message) => {
        const dest = await tempDir('ocipull-pull-it-');
        const env = await dockerConfigEnv(credentials);
        const run = await pull(['--cert-dir', secure.ca!.certDir, `${secure.host}/private/app:1`, dest], env);
        expect(run.code, run.stderr).toBe(4);
        expect(run.stderr).toMatch(message);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(/^ocipull: /);
        expect(run.stderr).not.toContain('secret');
        const index = await readIndexJson(dest).catch(() => ({ manifests: [] }));
        expect(index.manifests).toEqual([]);
      });

      it('a public image over TLS is refused without --cert-dir (exit 6) and pulled with it', async () => {
        const dest = await tempDir('ocipull-pull-it-');
        const refused = await pull([`${secure.host}/oci/image:1`, dest]);
        expect(refused.code, refused.stderr).toBe(6);
        expect(refused.stderr).toMatch(/TLS verification failed/);
        const run = await pull(['--cert-dir', secure.ca!.certDir, `${secure.host}/oci/image:1`, dest]);
        expectOk(run);
        expect(run.summary.digest).toBe(secureFixtures.ociImage.digest);
        await expectValid(dest, '1');
      });
    });

    describe('one layout, several pulls', () => {
      it('a repeated pull downloads nothing; other images add entries that stay readable', async () => {
        const dest = await tempDir('ocipull-pull-it-');
        const first = await pull(['--name', 'oci', `${plain.host}/oci/image:1`, dest]);
        expectOk(first);
        expect(first.summary.blobs).toEqual({ downloaded: 3, reused: 0 });

        const again = await pull(['--name', 'oci', `${plain.host}/oci/image:1`, dest]);
        expectOk(again);
        expect(again.summary.blobs).toEqual({ downloaded: 0, reused: 3 });
        expect(again.summary.bytes.downloaded).toBe(0);
        expect((await readIndexJson(dest)).manifests).toHaveLength(1);

        // docker/image:1 has the same config and layer bytes: nothing to download, a new manifest entry.
        const docker = await pull(['--name', 'docker', `${plain.host}/docker/image:1`, dest]);
        expectOk(docker);
        expect(docker.summary.blobs).toEqual({ downloaded: 0, reused: 3 });

        // The arm64 image shares only the base layer.
        const arm = await pull([
          '--name',
          'arm',
          '--platform',
          'linux/arm64',
          `${plain.host}/multi/oci:1`,
          dest,
        ]);
        expectOk(arm);
        expect(arm.summary.blobs).toEqual({ downloaded: 2, reused: 1 });

        const index = await readIndexJson(dest);
        expect(index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'])).toEqual([
          'oci',
          'docker',
          'arm',
        ]);
        expect(entryNamed(index, 'oci').digest).toBe(first.summary.layoutDigest);
        expect(entryNamed(index, 'docker').digest).toBe(docker.summary.layoutDigest);
        expect(entryNamed(index, 'arm').digest).toBe(arm.summary.layoutDigest);

        const amd64Layers = await skopeoInspectLayers([], `oci:${dest}:oci`);
        expect(await skopeoInspectLayers([], `oci:${dest}:docker`)).toEqual(amd64Layers);
        const armInspect = JSON.parse((await skopeoOk(['inspect', `oci:${dest}:arm`])).toString('utf8')) as {
          Architecture: string;
          Layers: string[];
        };
        expect(armInspect.Architecture).toBe('arm64');
        expect(armInspect.Layers[0]).toBe(amd64Layers[0]);
        expect(armInspect.Layers[1]).not.toBe(amd64Layers[1]);
        for (const name of ['oci', 'docker', 'arm']) await expectValid(dest, name);
        expect((await checkBlobs(dest)).stray).toEqual([]);
      });

      it('--verify re-downloads a blob corrupted on disk; without it the size check trusts the file', async () => {
        const dest = await tempDir('ocipull-pull-it-');
        expectOk(await pull([`${plain.host}/oci/image:1`, dest]));
        const layer = plainFixtures.ociImage.built.layers[1]!.descriptor.digest;
        const path = join(dest, 'blobs', 'sha256', layer.slice('sha256:'.length));
        const good = await readFile(path);
        const bad = Buffer.from(good);
        bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
        await writeFile(path, bad);

        const trusting = await pull([`${plain.host}/oci/image:1`, dest]);
        expectOk(trusting);
        expect(trusting.summary.blobs).toEqual({ downloaded: 0, reused: 3 });

        const verifying = await pull(['--verify', `${plain.host}/oci/image:1`, dest]);
        expectOk(verifying);
        expect(verifying.summary.blobs).toEqual({ downloaded: 1, reused: 2 });
        expect((await readFile(path)).equals(good)).toBe(true);
        await expectBlobs(dest, [
          plainFixtures.ociImage.digest,
          plainFixtures.ociImage.built.config.descriptor.digest,
          ...plainFixtures.ociImage.built.layers.map((l) => l.descriptor.digest),
        ]);
        expect(await unpack(dest, '1')).toEqual(expectedFixtureTree('linux/amd64'));
      });
    });

    describe('digest references', () => {
      it('HOST/oci/image@sha256:… is named by the digest hex and readable as oci:DEST:<hex>', async () => {
        const digest = plainFixtures.ociImage.digest;
        const hex = digest.slice('sha256:'.length);
        const dest = await tempDir('ocipull-pull-it-');
        const run = await pull([`${plain.host}/oci/image@${digest}`, dest]);
        expectOk(run);
        expect(run.summary).toMatchObject({ digest, name: hex, layoutDigest: digest });
        const entry = entryNamed(await readIndexJson(dest), hex);
        expect(entry.digest).toBe(digest);
        const inspected = JSON.parse(
          (await skopeoOk(['inspect', `oci:${dest}:${hex}`])).toString('utf8'),
        ) as {
          Digest: string;
          Layers: string[];
        };
        expect(inspected.Digest).toBe(digest);
        expect(inspected.Layers).toEqual(plainFixtures.ociImage.built.layers.map((l) => l.descriptor.digest));
        await expectValid(dest, hex);
      });

      it('a digest the registry does not have exits 3 and writes no entry', async () => {
        const dest = await tempDir('ocipull-pull-it-');
        const run = await pull([`${plain.host}/oci/image@sha256:${'0'.repeat(64)}`, dest]);
        expect(run.code, run.stderr).toBe(3);
        expect(run.stdout).toBe('');
        const index = await readIndexJson(dest).catch(() => ({ manifests: [] }));
        expect(index.manifests).toEqual([]);
      });
    });
  },
);
