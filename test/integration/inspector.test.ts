/**
 * The inspector commands (`inspect`, `digest`, `tags`, `ratelimit`, `login`) against the real registry
 * (docker-registry 2.8), plain HTTP and TLS + token auth, with skopeo as the reference for every digest, byte and
 * field: registry-side truth comes from `skopeo … docker://…`, never from ocipull itself.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../cli/capture.js';
import { MANY_TAGS } from '../helpers/fixtures.js';
import { FIXTURE_CREATED } from '../helpers/images.js';
import { MediaType } from '../helpers/media-types.js';
import { type SeededFixtures, seedFixtures } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { type SkopeoResult, skopeo, skopeoInspectRaw, skopeoRegistryFlags } from '../helpers/skopeo.js';
import { describeWithTools } from '../helpers/tools.js';
import { type Credentials, credentialsOf } from '../helpers/users.js';

/** `ocipull inspect --json`, as far as these tests read it. */
interface InspectJson {
  reference: string;
  digest: string;
  mediaType: string;
  index: {
    digest: string;
    mediaType: string;
    manifests: Array<{
      platform: string | null;
      digest: string;
      mediaType: string;
      size: number;
      attestation: boolean;
    }>;
  } | null;
  image: {
    digest: string;
    mediaType: string;
    platform: string | null;
    created: string | null;
    config: { digest: string; mediaType: string; size: number };
    layers: Array<{ digest: string; mediaType: string; size: number }>;
    layerCount: number;
    totalSize: number;
    entrypoint: string[] | null;
    cmd: string[] | null;
    env: string[];
    workingDir: string | null;
    user: string | null;
    exposedPorts: string[];
    labels: Record<string, string>;
  };
  rateLimit: { set: boolean };
}

/** `skopeo inspect docker://…` (not raw), as far as these tests read it. */
interface SkopeoInspect {
  Digest: string;
  Created?: string;
  Architecture: string;
  Os: string;
  Layers: string[];
  Env: string[] | null;
  Labels: Record<string, string> | null;
}

/** A manifest or index document, as skopeo `--raw` returns it. */
interface RawManifest {
  mediaType?: string;
  config?: { mediaType: string; digest: string; size: number };
  layers?: Array<{ mediaType: string; digest: string; size: number }>;
  manifests?: Array<{
    mediaType: string;
    digest: string;
    size: number;
    platform?: { os: string; architecture: string; variant?: string };
    annotations?: Record<string, string>;
  }>;
}

/** An image config document, as skopeo `--config --raw` returns it. */
interface RawConfig {
  created?: string;
  architecture: string;
  variant?: string;
  os: string;
  config: {
    Env?: string[];
    Cmd?: string[];
    Entrypoint?: string[];
    Labels?: Record<string, string>;
    WorkingDir?: string;
    User?: string;
  };
}

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const FIXTURES = [
  ['oci/image:1', 'ociImage'],
  ['docker/image:1', 'dockerImage'],
  ['multi/oci:1', 'multiOci'],
  ['multi/docker:1', 'multiDocker'],
] as const;

const scratch: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** An environment with an empty home: no credentials, config files or runtime dir of this machine leak in. */
async function isolatedEnv(extra: Record<string, string> = {}): Promise<Record<string, string | undefined>> {
  const home = await tempDir('ocipull-inspector-it-home-');
  return {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CONFIG_HOME: join(home, '.config'),
    PATH: process.env.PATH,
    ...extra,
  };
}

/** An isolated environment whose `$DOCKER_CONFIG/config.json` holds `credentials` for `host`. */
async function envWithDockerConfig(host: string, credentials: Credentials) {
  const env = await isolatedEnv();
  const dockerConfig = env.DOCKER_CONFIG!;
  await mkdir(dockerConfig, { recursive: true });
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }), {
    mode: 0o600,
  });
  return env;
}

/** Fails with skopeo's stderr when it did not succeed, and returns its stdout. */
function ok(result: SkopeoResult, what: string): Buffer {
  expect(result.stderr, `${what}: skopeo stderr`).toBe('');
  expect(result.code, `${what}: skopeo exit code`).toBe(0);
  return result.stdout;
}

/** Fails with ocipull's stderr when it did not succeed, and returns its stdout. */
function succeeded(result: CliResult, what: string): string {
  expect(result.stderr, `${what}: ocipull stderr`).toBe('');
  expect(result.code, `${what}: ocipull exit code`).toBe(0);
  return result.stdout;
}

/** skopeo's `--override-os/--override-arch/--override-variant` for `os/arch[/variant]`. */
function overrideFlags(platform: string): string[] {
  const [os, arch, variant] = platform.split('/');
  const flags = [`--override-os=${os}`, `--override-arch=${arch}`];
  if (variant) flags.push(`--override-variant=${variant}`);
  return flags;
}

/** The descriptor of `platform` (`os/arch[/variant]`) in a raw index, or a test failure. */
function entryFor(index: RawManifest, platform: string) {
  const [os, architecture, variant] = platform.split('/');
  const matches = (index.manifests ?? []).filter(
    (m) =>
      m.platform?.os === os && m.platform?.architecture === architecture && m.platform?.variant === variant,
  );
  expect(matches, `entries for ${platform}`).toHaveLength(1);
  return matches[0]!;
}

/**
 * The manifest requests (`METHOD /v2/…/manifests/…`) ocipull made, from the registry's access log after offset
 * `from`. The registry writes a line once it has answered, so wait briefly for at least `atLeast` of them.
 */
async function manifestRequests(registry: TestRegistry, from: number, atLeast = 1): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    const log = (await readFile(registry.logPath)).subarray(from).toString('utf8');
    const lines = [
      ...log.matchAll(/"(HEAD|GET) (\/v2\/\S+\/manifests\/\S+) HTTP\/[\d.]+" \d+ .*"ocipull\//g),
    ].map((m) => `${m[1]} ${m[2]}`);
    if (lines.length >= atLeast || attempt >= 20) return lines;
    await sleep(50);
  }
}

describeWithTools(
  ['docker-registry', 'skopeo', 'openssl'],
  'inspector commands against docker-registry 2.8',
  () => {
    let plain: TestRegistry;
    let plainFixtures: SeededFixtures;
    let secure: TestRegistry;
    let secureFixtures: SeededFixtures;

    beforeAll(async () => {
      const [a, b] = await Promise.all([startRegistry(), startRegistry({ tls: true, auth: 'token' })]);
      plain = a;
      secure = b;
      [plainFixtures, secureFixtures] = await Promise.all([seedFixtures(plain), seedFixtures(secure)]);
    });

    afterAll(async () => {
      await Promise.all([plain?.stop(), secure?.stop()]);
      for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
    });

    /** skopeo `--raw` bytes of `reference` in the plain registry. */
    async function skopeoRaw(
      reference: string,
      registry = plain,
      credentials?: Credentials,
    ): Promise<Buffer> {
      return ok(
        await skopeoInspectRaw(registry, reference, credentials),
        `skopeo inspect --raw ${reference}`,
      );
    }

    describe('plain HTTP registry', () => {
      describe.each(FIXTURES)('%s', (reference, key) => {
        it('digest equals the sha256 of the manifest skopeo reads, and --full-ref pins the repository', async () => {
          const raw = await skopeoRaw(reference);
          const expected = sha256(raw);
          // The harness's own record of what it pushed: catches a skopeo or registry surprise too.
          expect(expected).toBe(plainFixtures[key].digest);
          const env = await isolatedEnv();

          const digest = await runCli(['digest', `${plain.host}/${reference}`], { env });
          expect(succeeded(digest, 'digest')).toBe(`${expected}\n`);

          const repo = reference.slice(0, reference.lastIndexOf(':'));
          const full = await runCli(['digest', '--full-ref', `${plain.host}/${reference}`], { env });
          expect(succeeded(full, 'digest --full-ref')).toBe(`${plain.host}/${repo}@${expected}\n`);

          const json = await runCli(['digest', '--json', `${plain.host}/${reference}`], { env });
          expect(JSON.parse(succeeded(json, 'digest --json'))).toMatchObject({
            digest: expected,
            mediaType: plainFixtures[key].mediaType,
            fullRef: `${plain.host}/${repo}@${expected}`,
          });

          // Pinning by digest resolves to the same digest.
          const pinned = await runCli(['digest', `${plain.host}/${repo}@${expected}`], { env });
          expect(succeeded(pinned, 'digest by digest')).toBe(`${expected}\n`);
        });

        it('inspect --raw prints the very bytes skopeo --raw prints', async () => {
          const raw = await skopeoRaw(reference);
          const r = await runCli(['inspect', '--raw', `${plain.host}/${reference}`], {
            env: await isolatedEnv(),
          });
          const out = succeeded(r, 'inspect --raw');
          expect(sha256(out)).toBe(sha256(raw));
          expect(Buffer.from(out, 'utf8').equals(raw)).toBe(true);
        });

        it('inspect --json reports the top manifest and its index entries as skopeo reads them', async () => {
          const raw = await skopeoRaw(reference);
          const doc = JSON.parse(raw.toString('utf8')) as RawManifest;
          const r = await runCli(
            ['inspect', '--json', '--platform', 'linux/amd64', `${plain.host}/${reference}`],
            {
              env: await isolatedEnv(),
            },
          );
          const report = JSON.parse(succeeded(r, 'inspect --json')) as InspectJson;
          expect(report.reference).toBe(`${plain.host}/${reference}`);
          expect(report.digest).toBe(sha256(raw));
          expect(report.mediaType).toBe(plainFixtures[key].mediaType);
          if (doc.manifests) {
            expect(report.index?.digest).toBe(sha256(raw));
            expect(report.index?.manifests.map((m) => [m.digest, m.mediaType, m.size])).toEqual(
              doc.manifests.map((m) => [m.digest, m.mediaType, m.size]),
            );
            expect(report.index?.manifests.map((m) => m.attestation)).toEqual(
              doc.manifests.map(
                (m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest',
              ),
            );
            expect(report.image.digest).toBe(entryFor(doc, 'linux/amd64').digest);
          } else {
            expect(report.index).toBeNull();
            expect(report.image.digest).toBe(sha256(raw));
          }
        });
      });

      describe.each([
        ['multi/oci:1', MediaType.ociManifest],
        ['multi/docker:1', MediaType.dockerManifest],
      ] as const)('%s', (reference, childType) => {
        it('inspect --platform linux/arm64 selects the arm64/v8 entry of the index skopeo reads', async () => {
          const index = JSON.parse((await skopeoRaw(reference)).toString('utf8')) as RawManifest;
          const arm64 = entryFor(index, 'linux/arm64/v8');
          const r = await runCli(
            ['inspect', '--json', '--platform', 'linux/arm64', `${plain.host}/${reference}`],
            {
              env: await isolatedEnv(),
            },
          );
          const report = JSON.parse(succeeded(r, 'inspect --json --platform linux/arm64')) as InspectJson;
          expect(report.image.digest).toBe(arm64.digest);
          expect(report.image.mediaType).toBe(childType);
          expect(report.image.platform).toBe('linux/arm64/v8');
          expect(report.index?.manifests.find((m) => m.digest === arm64.digest)?.platform).toBe(
            'linux/arm64/v8',
          );
        });

        it('digest --platform linux/arm/v7 is the arm/v7 entry', async () => {
          const index = JSON.parse((await skopeoRaw(reference)).toString('utf8')) as RawManifest;
          const armV7 = entryFor(index, 'linux/arm/v7');
          const env = await isolatedEnv();
          const r = await runCli(['digest', '--platform', 'linux/arm/v7', `${plain.host}/${reference}`], {
            env,
          });
          expect(succeeded(r, 'digest --platform linux/arm/v7')).toBe(`${armV7.digest}\n`);
          const json = await runCli(
            ['digest', '--json', '--platform', 'linux/arm/v7', `${plain.host}/${reference}`],
            {
              env,
            },
          );
          expect(JSON.parse(succeeded(json, 'digest --json --platform'))).toMatchObject({
            digest: armV7.digest,
            mediaType: childType,
            platform: 'linux/arm/v7',
          });
        });

        it('--platform linux/arm means arm/v7, and linux/arm64 means arm64/v8, as in containerd', async () => {
          const index = JSON.parse((await skopeoRaw(reference)).toString('utf8')) as RawManifest;
          const env = await isolatedEnv();
          for (const [flag, platform] of [
            ['linux/arm', 'linux/arm/v7'],
            ['linux/arm64', 'linux/arm64/v8'],
            ['linux/arm64/v8', 'linux/arm64/v8'],
          ]) {
            const r = await runCli(['digest', '--platform', flag!, `${plain.host}/${reference}`], { env });
            expect(succeeded(r, `digest --platform ${flag}`)).toBe(`${entryFor(index, platform!).digest}\n`);
          }
        });

        it('inspect --raw --platform prints the child manifest skopeo reads by digest', async () => {
          const index = JSON.parse((await skopeoRaw(reference)).toString('utf8')) as RawManifest;
          const arm64 = entryFor(index, 'linux/arm64/v8');
          const repo = reference.slice(0, reference.lastIndexOf(':'));
          const child = await skopeoRaw(`${repo}@${arm64.digest}`);
          expect(sha256(child)).toBe(arm64.digest);
          const r = await runCli(
            ['inspect', '--raw', '--platform', 'linux/arm64', `${plain.host}/${reference}`],
            {
              env: await isolatedEnv(),
            },
          );
          const out = succeeded(r, 'inspect --raw --platform linux/arm64');
          expect(sha256(out)).toBe(arm64.digest);
          expect(Buffer.from(out, 'utf8').equals(child)).toBe(true);
        });

        it('a platform the index lacks exits 3 and lists the platforms it has', async () => {
          const env = await isolatedEnv();
          for (const argv of [
            ['inspect', '--platform', 'linux/s390x', `${plain.host}/${reference}`],
            ['digest', '--platform', 'linux/s390x', `${plain.host}/${reference}`],
          ]) {
            const r = await runCli(argv, { env });
            expect(r.stdout, argv.join(' ')).toBe('');
            expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(3);
            expect(r.stderr).toMatch(
              /linux\/s390x.*available: linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7\b/,
            );
            expect(r.stderr).not.toContain('unknown/unknown');
            expect(r.stderr).not.toContain('    at ');
          }
        });
      });

      describe.each([
        ['oci/image:1', 'linux/amd64'],
        ['docker/image:1', 'linux/amd64'],
        ['multi/oci:1', 'linux/amd64'],
        ['multi/oci:1', 'linux/arm64/v8'],
        ['multi/oci:1', 'linux/arm/v7'],
        ['multi/docker:1', 'linux/arm64/v8'],
        ['multi/docker:1', 'linux/arm/v7'],
      ] as const)('%s for %s', (reference, platform) => {
        it('inspect --json agrees with skopeo inspect and the config skopeo reads', async () => {
          const target = `docker://${plain.host}/${reference}`;
          const flags = [...overrideFlags(platform), ...skopeoRegistryFlags(plain)];
          const [info, configBytes, manifestBytes] = await Promise.all([
            skopeo(['inspect', ...flags, target]).then((r) => ok(r, 'skopeo inspect')),
            skopeo(['inspect', '--config', '--raw', ...flags, target]).then((r) =>
              ok(r, 'skopeo inspect --config --raw'),
            ),
            skopeo(['inspect', '--raw', ...flags, target]).then((r) => ok(r, 'skopeo inspect --raw')),
          ]);
          const s = JSON.parse(info.toString('utf8')) as SkopeoInspect;
          const config = JSON.parse(configBytes.toString('utf8')) as RawConfig;
          const top = JSON.parse(manifestBytes.toString('utf8')) as RawManifest;
          // skopeo --raw does not resolve an index: pick the entry ourselves and read that manifest by digest.
          const repo = reference.slice(0, reference.lastIndexOf(':'));
          const imageDigest = top.manifests ? entryFor(top, platform).digest : sha256(manifestBytes);
          const manifest = top.manifests
            ? (JSON.parse((await skopeoRaw(`${repo}@${imageDigest}`)).toString('utf8')) as RawManifest)
            : top;

          const r = await runCli(
            ['inspect', '--json', '--platform', platform, `${plain.host}/${reference}`],
            {
              env: await isolatedEnv(),
            },
          );
          const report = JSON.parse(succeeded(r, 'inspect --json')) as InspectJson;
          const i = report.image;

          // skopeo's Digest is that of the manifest the reference names (the index for a multi-platform tag).
          expect(report.digest).toBe(s.Digest);
          expect(i.digest).toBe(imageDigest);
          expect(i.platform).toBe(platform);
          // skopeo 1.9 prints no Variant; the variant comes from the config it reads.
          expect([s.Os, s.Architecture, config.variant].filter(Boolean).join('/')).toBe(platform);
          expect([config.os, config.architecture, config.variant].filter(Boolean).join('/')).toBe(platform);
          expect(i.created).toBe(s.Created);
          expect(i.created).toBe(FIXTURE_CREATED);
          expect(i.layers.map((l) => l.digest)).toEqual(s.Layers);
          // skopeo 1.9 prints no LayersData: sizes and media types come from the manifest it reads.
          expect(i.layers).toEqual(manifest.layers);
          expect(i.layerCount).toBe(s.Layers.length);
          expect(i.totalSize).toBe((manifest.layers ?? []).reduce((n, l) => n + l.size, 0));
          expect(i.config).toEqual(manifest.config);
          expect(i.config.digest).toBe(sha256(configBytes));
          expect(i.config.size).toBe(configBytes.length);
          expect(i.env).toEqual(s.Env ?? []);
          expect(i.env).toEqual(config.config.Env ?? []);
          expect(i.labels).toEqual(s.Labels ?? {});
          expect(i.labels).toEqual({ 'org.ocipull.test.platform': platform });
          expect(i.cmd).toEqual(config.config.Cmd ?? null);
          expect(i.cmd).toEqual(['/bin/sh']);
          expect(i.entrypoint).toEqual(config.config.Entrypoint ?? null);
          expect(i.workingDir).toBe(config.config.WorkingDir || null);
          expect(i.user).toBe(config.config.User || null);
          expect(report.rateLimit.set).toBe(false);
        });

        it('inspect --config --raw prints the config bytes skopeo --config --raw prints', async () => {
          const target = `docker://${plain.host}/${reference}`;
          const flags = [...overrideFlags(platform), ...skopeoRegistryFlags(plain)];
          const expected = ok(
            await skopeo(['inspect', '--config', '--raw', ...flags, target]),
            'skopeo inspect --config --raw',
          );
          const env = await isolatedEnv();
          const r = await runCli(
            ['inspect', '--config', '--raw', '--platform', platform, `${plain.host}/${reference}`],
            {
              env,
            },
          );
          const out = succeeded(r, 'inspect --config --raw');
          expect(sha256(out)).toBe(sha256(expected));
          expect(Buffer.from(out, 'utf8').equals(expected)).toBe(true);

          // --config without --raw: the same document, parsed.
          const pretty = await runCli(
            ['inspect', '--config', '--platform', platform, `${plain.host}/${reference}`],
            {
              env,
            },
          );
          expect(JSON.parse(succeeded(pretty, 'inspect --config'))).toEqual(
            JSON.parse(expected.toString('utf8')),
          );
        });
      });

      it('digest and ratelimit send only a HEAD for the manifest (no Docker Hub pull spent)', async () => {
        const env = await isolatedEnv();
        for (const reference of ['multi/oci:1', 'docker/image:1']) {
          const repo = reference.slice(0, reference.lastIndexOf(':'));
          const tag = reference.slice(reference.lastIndexOf(':') + 1);
          for (const command of ['digest', 'ratelimit']) {
            const from = (await stat(plain.logPath)).size;
            const r = await runCli([command, `${plain.host}/${reference}`], { env });
            expect(r.code, r.stderr).toBe(0);
            expect(await manifestRequests(plain, from), `${command} ${reference}`).toEqual([
              `HEAD /v2/${repo}/manifests/${tag}`,
            ]);
          }
        }
      });

      it('tags lists the same set as skopeo list-tags', async () => {
        const listed = ok(
          await skopeo(['list-tags', ...skopeoRegistryFlags(plain), `docker://${plain.host}/many/tags`]),
          'skopeo list-tags',
        );
        const expected = [...(JSON.parse(listed.toString('utf8')) as { Tags: string[] }).Tags].sort();
        expect(expected).toHaveLength(MANY_TAGS);
        const env = await isolatedEnv();

        const r = await runCli(['tags', `${plain.host}/many/tags`], { env });
        const lines = succeeded(r, 'tags').split('\n');
        expect(lines.pop()).toBe('');
        expect([...lines].sort()).toEqual(expected);
        expect(lines).toHaveLength(MANY_TAGS);

        const json = await runCli(['tags', '--json', `${plain.host}/many/tags`], { env });
        const parsed = JSON.parse(succeeded(json, 'tags --json')) as { repository: string; tags: string[] };
        expect(parsed.repository).toBe(`${plain.host}/many/tags`);
        expect([...parsed.tags].sort()).toEqual(expected);
      });

      it('tags of a repository with one tag', async () => {
        const r = await runCli(['tags', `${plain.host}/oci/image`], { env: await isolatedEnv() });
        expect(succeeded(r, 'tags')).toBe('1\n');
      });

      it('a missing tag exits 3 and names the tag and repository', async () => {
        const r = await runCli(['inspect', `${plain.host}/oci/image:nope`], { env: await isolatedEnv() });
        expect(r.stdout).toBe('');
        expect(r.code, r.stderr).toBe(3);
        expect(r.stderr).toContain(`nope not found in repository ${plain.host}/oci/image`);
      });

      it('ratelimit reports a registry without rate-limit headers as not rate-limited', async () => {
        const env = await isolatedEnv();
        const r = await runCli(['ratelimit', `${plain.host}/oci/image:1`], { env });
        expect(succeeded(r, 'ratelimit')).toBe(
          `${plain.host}: not rate-limited (no rate-limit headers on ${plain.host}/oci/image:1)\n`,
        );
        const json = await runCli(['ratelimit', '--json', `${plain.host}/oci/image:1`], { env });
        expect(JSON.parse(succeeded(json, 'ratelimit --json'))).toEqual({
          reference: `${plain.host}/oci/image:1`,
          registry: plain.host,
          limited: false,
          limit: null,
          remaining: null,
          windowSeconds: null,
          windowHours: null,
          source: null,
        });
      });

      it('the human inspect output names the digest, platform and layers skopeo reports', async () => {
        const raw = await skopeoRaw('multi/oci:1');
        const arm64 = entryFor(JSON.parse(raw.toString('utf8')) as RawManifest, 'linux/arm64/v8');
        const r = await runCli(['inspect', '--platform', 'linux/arm64', `${plain.host}/multi/oci:1`], {
          env: await isolatedEnv(),
        });
        const out = succeeded(r, 'inspect');
        expect(out).toContain(`Digest:      ${sha256(raw)}\n`);
        expect(out).toContain(`Image:       ${arm64.digest} (linux/arm64/v8)\n`);
        expect(out).toContain('Platforms:   linux/amd64, linux/arm64/v8, linux/arm/v7 (+1 attestation)\n');
        expect(out).toContain('Platform:    linux/arm64/v8\n');
        expect(out).toContain('Layers:      2,');
        expect(out).toContain('Cmd:         ["/bin/sh"]\n');
        expect(out).toContain('  org.ocipull.test.platform=linux/arm64/v8\n');
      });
    });

    describe('TLS + token auth registry', () => {
      const alice = credentialsOf('alice');
      const bob = credentialsOf('bob');
      const certFlags = () => ['--cert-dir', secure.ca!.certDir];

      it('anonymous inspect of a public image works, with one token request per scope', async () => {
        const server = secure.tokenServer!;
        const raw = await skopeoRaw('multi/oci:1', secure);
        const index = JSON.parse(raw.toString('utf8')) as RawManifest;
        const arm64 = entryFor(index, 'linux/arm64/v8');

        const before = server.requests.length;
        const r = await runCli(
          ['inspect', '--json', '--platform', 'linux/arm64', ...certFlags(), `${secure.host}/multi/oci:1`],
          { env: await isolatedEnv() },
        );
        const report = JSON.parse(succeeded(r, 'inspect --json over TLS')) as InspectJson;
        const made = server.requests.slice(before);
        expect(report.digest).toBe(sha256(raw));
        expect(report.digest).toBe(secureFixtures.multiOci.digest);
        expect(report.image.digest).toBe(arm64.digest);
        expect(report.image.platform).toBe('linux/arm64/v8');

        // index, child manifest and config blob: three authorized requests, but one token for the one scope.
        const scopes = made.map((q) => new URL(q.url, server.url).searchParams.getAll('scope').join(' '));
        expect(scopes.length, JSON.stringify(made)).toBeGreaterThanOrEqual(1);
        const perScope = new Map<string, number>();
        for (const scope of scopes) perScope.set(scope, (perScope.get(scope) ?? 0) + 1);
        expect(Object.fromEntries(perScope), JSON.stringify(made)).toEqual({
          'repository:multi/oci:pull': 1,
        });
        expect(made.every((q) => q.authorization === undefined)).toBe(true);
      });

      it('digest of every public fixture equals skopeo over TLS', async () => {
        const env = await isolatedEnv();
        for (const [reference, key] of FIXTURES) {
          const raw = await skopeoRaw(reference, secure);
          expect(sha256(raw)).toBe(secureFixtures[key].digest);
          const r = await runCli(['digest', ...certFlags(), `${secure.host}/${reference}`], { env });
          expect(succeeded(r, `digest ${reference}`)).toBe(`${sha256(raw)}\n`);
          const inspect = await runCli(['inspect', '--raw', ...certFlags(), `${secure.host}/${reference}`], {
            env,
          });
          expect(Buffer.from(succeeded(inspect, `inspect --raw ${reference}`), 'utf8').equals(raw)).toBe(
            true,
          );
        }
      });

      it('tags over TLS + token equals skopeo list-tags', async () => {
        const listed = ok(
          await skopeo(['list-tags', ...skopeoRegistryFlags(secure), `docker://${secure.host}/many/tags`]),
          'skopeo list-tags',
        );
        const expected = [...(JSON.parse(listed.toString('utf8')) as { Tags: string[] }).Tags].sort();
        const r = await runCli(['tags', ...certFlags(), `${secure.host}/many/tags`], {
          env: await isolatedEnv(),
        });
        expect(succeeded(r, 'tags').trimEnd().split('\n').sort()).toEqual(expected);
      });

      it('private/app without credentials exits 4 with a hint', async () => {
        for (const command of ['digest', 'inspect']) {
          const r = await runCli([command, ...certFlags(), `${secure.host}/private/app:1`], {
            env: await isolatedEnv(),
          });
          expect(r.stdout).toBe('');
          expect(r.code, `${command}: ${r.stderr}`).toBe(4);
          expect(r.stderr).toMatch(/^ocipull: .*private\/app/);
          expect(r.stderr).toMatch(/\nhint: .*(--creds|ocipull login)/);
          expect(r.stderr).not.toContain('    at ');
        }
      });

      it("private/app with alice's auth in DOCKER_CONFIG/config.json: the digest skopeo --creds alice gets", async () => {
        const raw = await skopeoRaw('private/app:1', secure, alice);
        expect(sha256(raw)).toBe(secureFixtures.privateApp!.digest);
        const env = await envWithDockerConfig(secure.host, alice);
        const server = secure.tokenServer!;
        const before = server.requests.length;

        const r = await runCli(['digest', ...certFlags(), `${secure.host}/private/app:1`], { env });
        expect(succeeded(r, 'digest private/app as alice')).toBe(`${sha256(raw)}\n`);
        const basicAlice = `Basic ${Buffer.from(`${alice.username}:${alice.password}`).toString('base64')}`;
        const made = server.requests.slice(before);
        expect(made.length).toBeGreaterThanOrEqual(1);
        expect(made.every((q) => q.authorization === basicAlice)).toBe(true);

        const beforeInspect = server.requests.length;
        const inspect = await runCli(['inspect', '--json', ...certFlags(), `${secure.host}/private/app:1`], {
          env,
        });
        // manifest and config blob, one token.
        expect(
          server.requests
            .slice(beforeInspect)
            .map((q) => new URL(q.url, server.url).searchParams.get('scope')),
        ).toEqual(['repository:private/app:pull']);
        const report = JSON.parse(succeeded(inspect, 'inspect private/app as alice')) as InspectJson;
        expect(report.digest).toBe(sha256(raw));
        expect(report.image.cmd).toEqual(['/app/run']);
        const manifest = JSON.parse(raw.toString('utf8')) as RawManifest;
        expect(report.image.layers).toEqual(manifest.layers);
      });

      it("private/app with bob's credentials is refused", async () => {
        const asBob = await skopeoInspectRaw(secure, 'private/app:1', bob);
        expect(asBob.code).not.toBe(0);
        const env = await envWithDockerConfig(secure.host, bob);
        const r = await runCli(['digest', ...certFlags(), `${secure.host}/private/app:1`], { env });
        expect(r.stdout).toBe('');
        // The registry answers 401 insufficient_scope for a valid user without rights: an authorization failure.
        expect(r.code, r.stderr).toBe(4);
        expect(r.stderr).toMatch(/^ocipull: .*private\/app/);
        expect(r.stderr).not.toContain(bob.password);

        const creds = await runCli(
          [
            'digest',
            '--creds',
            `${bob.username}:${bob.password}`,
            ...certFlags(),
            `${secure.host}/private/app:1`,
          ],
          { env: await isolatedEnv() },
        );
        expect(creds.code, creds.stderr).toBe(4);
      });

      it('--tls-verify=false works without --cert-dir', async () => {
        const r = await runCli(['digest', '--tls-verify=false', `${secure.host}/oci/image:1`], {
          env: await isolatedEnv(),
        });
        expect(succeeded(r, 'digest --tls-verify=false')).toBe(`${secureFixtures.ociImage.digest}\n`);
      });

      it('an unknown CA exits 6 with a hint naming --cert-dir', async () => {
        const started = Date.now();
        const r = await runCli(['digest', `${secure.host}/oci/image:1`], { env: await isolatedEnv() });
        expect(r.stdout).toBe('');
        expect(r.code, r.stderr).toBe(6);
        expect(r.stderr).toMatch(/^ocipull: /);
        expect(r.stderr).toMatch(/\nhint: .*--cert-dir/);
        expect(r.stderr).not.toContain('    at ');
        // A certificate error is not worth retrying: 3 retries would back off at least 250+500+1000 ms.
        expect(Date.now() - started).toBeLessThan(1500);
      });

      it('login checks the password, writes the authfile only on success, and the file then works', async () => {
        const dir = await tempDir('ocipull-inspector-it-login-');
        const authfile = join(dir, 'auth.json');
        const env = await isolatedEnv();

        const wrong = await runCli(
          [
            'login',
            secure.host,
            '--username',
            'alice',
            '--password-stdin',
            '--authfile',
            authfile,
            ...certFlags(),
          ],
          { env, stdin: Readable.from(['not-the-password\n']) },
        );
        expect(wrong.code, wrong.stderr).toBe(4);
        expect(wrong.stderr).not.toContain('not-the-password');
        await expect(stat(authfile)).rejects.toMatchObject({ code: 'ENOENT' });

        const right = await runCli(
          [
            'login',
            secure.host,
            '--username',
            'alice',
            '--password-stdin',
            '--authfile',
            authfile,
            ...certFlags(),
          ],
          { env, stdin: Readable.from([`${alice.password}\n`]) },
        );
        expect(right.code, right.stderr).toBe(0);
        expect(right.stderr).toContain('Login succeeded');
        expect(right.stdout).toBe('');
        const saved = JSON.parse(await readFile(authfile, 'utf8')) as {
          auths: Record<string, { auth: string }>;
        };
        expect(Buffer.from(saved.auths[secure.host]!.auth, 'base64').toString('utf8')).toBe(
          `${alice.username}:${alice.password}`,
        );
        expect((await stat(authfile)).mode & 0o777).toBe(0o600);
        // Nothing went to the Docker config: --authfile replaces it.
        await expect(stat(join(env.DOCKER_CONFIG!, 'config.json'))).rejects.toMatchObject({ code: 'ENOENT' });

        const raw = await skopeoRaw('private/app:1', secure, alice);
        const digest = await runCli(
          ['digest', '--authfile', authfile, ...certFlags(), `${secure.host}/private/app:1`],
          {
            env,
          },
        );
        expect(succeeded(digest, 'digest with the saved authfile')).toBe(`${sha256(raw)}\n`);
      });

      it('ratelimit over TLS + token reports not rate-limited', async () => {
        const r = await runCli(['ratelimit', ...certFlags(), `${secure.host}/oci/image:1`], {
          env: await isolatedEnv(),
        });
        expect(succeeded(r, 'ratelimit')).toBe(
          `${secure.host}: not rate-limited (no rate-limit headers on ${secure.host}/oci/image:1)\n`,
        );
      });
    });
  },
);
