/**
 * `ocipull debian` against "Docker Hub", offline and on loopback only (TESTING.md "Testing the Docker Hub flow end
 * to end, offline"). The real registry (docker-registry 2.8) serves TLS with a test-CA certificate naming
 * `registry-1.docker.io`; the harness's token server, with a certificate naming `auth.docker.io`, is its realm
 * (`https://auth.docker.io/token`, service `registry.docker.io`); an in-process CONNECT proxy tunnels only those two
 * names to the loopback ports. ocipull runs in-process with `HTTPS_PROXY` and `NODE_EXTRA_CA_CERTS` in its env, so it
 * takes its real Docker Hub code path (short names, `library/`, the Hub's credential key) without any real Docker host
 * being resolved or dialled: the proxy records every target and refuses all others, and a recording `dns.lookup`
 * wrapper shows no Docker Hub name was ever looked up.
 */
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../cli/capture.js';
import { checkBlobs, readIndexJson } from '../fakes/layout.js';
import { baseLayer } from '../helpers/fixtures.js';
import {
  type BuiltArtifact,
  type BuiltImage,
  buildImage,
  buildLayer,
  formatPlatform,
} from '../helpers/images.js';
import { decodeJwt } from '../helpers/jwt.js';
import { MediaType } from '../helpers/media-types.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { skopeo } from '../helpers/skopeo.js';
import type { TokenServer } from '../helpers/token-server.js';
import { describeWithTools, requireTool } from '../helpers/tools.js';
import { credentialsOf } from '../helpers/users.js';
import { buildDebianFixture, DEBIAN_PLATFORMS, type DebianFixture } from './dockerhub-debian.js';
import { type ConnectProxy, startConnectProxy } from './dockerhub-proxy.js';
import { type RateLimitStub, startRateLimitStub } from './dockerhub-stub.js';

const HUB_API = 'registry-1.docker.io';
const HUB_AUTH = 'auth.docker.io';
const REALM = `https://${HUB_AUTH}/token`;
const SERVICE = 'registry.docker.io';
const HUB_TARGETS = [`${HUB_AUTH}:443`, `${HUB_API}:443`];

/** The CommonJS `dns` module object, whose `lookup` node:net calls (an ESM namespace could not be patched). */
const dns = createRequire(import.meta.url)('node:dns') as typeof import('node:dns');

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The architecture ocipull picks from an index on this machine (it maps Node's x64 to amd64). */
const hostArch = process.arch === 'x64' ? 'amd64' : process.arch;

/** skopeo reads the layout (item 3) and cross-checks the registry through the proxy (item 6). */
const withSkopeo = requireTool('skopeo', 'the skopeo checks of "ocipull against Docker Hub, offline"');

/** The platform `--json` and `inspect` print for an image of the debian fixture. */
const platformName = (image: BuiltImage) => formatPlatform(image.platform);

/** The `--json` summary of `ocipull pull`, as far as read here. */
interface PullSummary {
  reference: string;
  name: string;
  digest: string;
  manifestDigest: string;
  layoutDigest: string;
  platforms: string[];
}

/** `ocipull inspect --json`, as far as read here. */
interface InspectJson {
  reference: string;
  digest: string;
  mediaType: string;
  index: unknown;
  image: { digest: string; mediaType: string; platform: string | null; layerCount: number };
}

/** The fixtures pushed into the registry, as built. */
interface HubFixtures {
  debian: DebianFixture;
  busybox: BuiltImage;
  secret: BuiltImage;
  probe: BuiltImage;
}

const scratch: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** Expects an ocipull run to have succeeded quietly (showing its stderr if not); returns its stdout. */
function succeeded(result: CliResult, what: string): string {
  expect(result.stderr, `${what}: stderr`).toBe('');
  expect(result.code, `${what}: exit code (stderr: ${result.stderr})`).toBe(0);
  return result.stdout;
}

/** Every (service, scope) pair of the token server's requests from `since` on, with the Basic user if any. */
function tokenRequests(server: TokenServer, since: number) {
  return server.requests.slice(since).map((r) => {
    const url = new URL(r.url, REALM);
    const basic = /^Basic\s+(\S+)$/i.exec(r.authorization ?? '')?.[1];
    return {
      method: r.method,
      path: url.pathname,
      service: url.searchParams.get('service'),
      scopes: url.searchParams.getAll('scope'),
      user: basic ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0] : undefined,
    };
  });
}

/**
 * Builds the images this suite pushes: debian (Docker Hub's shape: an OCI index of 8 platforms, each followed by
 * its attestation), busybox (Docker v2), a private one, the probe.
 */
async function buildHubFixtures(): Promise<HubFixtures> {
  const base = await baseLayer();
  const busybox = await buildImage({
    format: 'docker',
    platform: 'linux/amd64',
    layers: [await buildLayer({ 'bin/busybox': { type: 'file', content: '#!/bin/sh\n', mode: 0o755 } })],
    config: { Cmd: ['sh'] },
  });
  const secret = await buildImage({
    format: 'oci',
    platform: 'linux/amd64',
    layers: [base, await buildLayer({ 'secret.txt': 'for alice only\n' })],
  });
  const probe = await buildImage({
    format: 'oci',
    platform: 'linux/amd64',
    layers: [await buildLayer({ 'probe.txt': 'rate limit probe\n' })],
  });
  return { debian: await buildDebianFixture(), busybox, secret, probe };
}

describeWithTools(['docker-registry', 'openssl'], 'ocipull against Docker Hub, offline', () => {
  let registry: TestRegistry;
  let tokens: TokenServer;
  let proxy: ConnectProxy;
  let fixtures: HubFixtures;
  const lookups: string[] = [];
  const originalLookup = dns.lookup;

  /** An isolated environment that reaches "Docker Hub" through the proxy and trusts the test CA. */
  async function hubEnv(extra: Record<string, string> = {}): Promise<Record<string, string | undefined>> {
    const home = await tempDir('ocipull-dockerhub-home-');
    return {
      HOME: home,
      DOCKER_CONFIG: join(home, '.docker'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      XDG_CONFIG_HOME: join(home, '.config'),
      PATH: process.env.PATH,
      HTTPS_PROXY: proxy.url,
      NODE_EXTRA_CA_CERTS: registry.caCertPath!,
      ...extra,
    };
  }

  /** Pushes straight to the registry's loopback port with a minted push token (the realm is not reachable). */
  async function push(repo: string, tag: string, built: BuiltArtifact) {
    const token = tokens.mint('pusher', [{ type: 'repository', name: repo, actions: ['pull', 'push'] }]);
    return pushImage(registry.url, repo, tag, built, {
      ca: registry.caCertPem!,
      authorization: `Bearer ${token}`,
    });
  }

  /** The proxy was asked for both Docker Hub hosts and nothing else, and refused nothing. */
  function expectOnlyHubTargets(on: ConnectProxy = proxy) {
    expect(on.targets()).toEqual(HUB_TARGETS);
    expect(on.refused()).toEqual([]);
    expect(on.plainRequests).toEqual([]);
  }

  beforeAll(async () => {
    // Record (never change) every name resolution in this worker: none may be a Docker Hub host.
    const recording = function (this: unknown, hostname: string, ...rest: unknown[]) {
      lookups.push(hostname);
      return (originalLookup as (...args: unknown[]) => unknown).call(this, hostname, ...rest);
    };
    dns.lookup = recording as typeof dns.lookup;

    registry = await startRegistry({
      tls: true,
      auth: 'token',
      hosts: [HUB_API, HUB_AUTH],
      token: { realm: REALM, service: SERVICE, acl: { 'library/secret': { users: ['alice'] } } },
    });
    tokens = registry.tokenServer!;
    proxy = await startConnectProxy({
      [`${HUB_API}:443`]: registry.port,
      [`${HUB_AUTH}:443`]: tokens.port,
    });
    fixtures = await buildHubFixtures();
    await Promise.all([
      push('library/debian', 'latest', fixtures.debian),
      push('library/busybox', '1', fixtures.busybox),
      push('library/secret', 'latest', fixtures.secret),
      push('ratelimitpreview/test', 'latest', fixtures.probe),
    ]);
  });

  afterAll(async () => {
    dns.lookup = originalLookup;
    await proxy?.stop();
    await registry?.stop();
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  it('the set-up: the registry announces the Docker Hub realm and its certificate names both hosts', async () => {
    expect(registry.ca!.subjectAltNames).toEqual(
      expect.arrayContaining([`DNS:${HUB_API}`, `DNS:${HUB_AUTH}`]),
    );
    const config = JSON.parse(await readFile(registry.configPath, 'utf8')) as {
      auth: { token: { realm: string; service: string } };
    };
    expect(config.auth.token).toMatchObject({ realm: REALM, service: SERVICE });
    expect(tokens.service).toBe(SERVICE);
  });

  it('the set-up: the proxy refuses other hosts, and the name-resolution recorder sees what net resolves', async () => {
    proxy.reset();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: proxy.port,
        method: 'CONNECT',
        path: 'index.docker.io:443',
      });
      req.once('connect', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end();
    });
    expect(status).toBe(403);
    expect(proxy.connects).toEqual([{ target: 'index.docker.io:443', allowed: false }]);

    const before = lookups.length;
    await new Promise<void>((resolve, reject) => {
      const socket = netConnect({ host: 'localhost', family: 4, port: proxy.port }, () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
    expect(lookups.slice(before)).toContain('localhost');
    proxy.reset();
  });

  it('the set-up: the test CA is trusted only through the env given to ocipull (NODE_EXTRA_CA_CERTS)', async () => {
    proxy.reset();
    const env = await hubEnv();
    delete env.NODE_EXTRA_CA_CERTS;
    const result = await runCli(['digest', '--retries', '0', 'debian'], { env });
    expect(result.stdout).toBe('');
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toMatch(/certificate/i);
    expect(proxy.targets()).toEqual([`${HUB_API}:443`]);
  });

  it('1. ocipull ref debian → docker.io/library/debian:latest, without any network', async () => {
    proxy.reset();
    const result = await runCli(['ref', 'debian'], { env: await hubEnv() });
    expect(succeeded(result, 'ref')).toBe('docker.io/library/debian:latest\n');
    expect(proxy.connects).toEqual([]);
  });

  it('2. ocipull digest debian: the index digest, via registry-1.docker.io and an anonymous auth.docker.io token', async () => {
    proxy.reset();
    const since = tokens.requests.length;
    const result = await runCli(['digest', 'debian'], { env: await hubEnv() });
    expect(succeeded(result, 'digest')).toBe(`${fixtures.debian.manifestDigest}\n`);
    expectOnlyHubTargets();

    const asked = tokenRequests(tokens, since);
    expect(asked.length).toBeGreaterThan(0);
    for (const request of asked) {
      expect(request).toMatchObject({ method: 'GET', path: '/token', service: SERVICE, user: undefined });
    }
    expect(asked.flatMap((r) => r.scopes)).toContain('repository:library/debian:pull');
  });

  it('3. ocipull pull debian DEST writes the host-platform image, named docker.io/library/debian:latest', async () => {
    proxy.reset();
    const dest = join(await tempDir('ocipull-dockerhub-pull-'), 'debian');
    const host = fixtures.debian.images.find((image) => image.platform.architecture === hostArch);
    expect(host, `a ${hostArch} image in the debian fixture`).toBeDefined();
    const result = await runCli(['pull', '--json', '--progress=none', 'debian', dest], {
      env: await hubEnv(),
    });
    const summary = JSON.parse(succeeded(result, 'pull')) as PullSummary;
    expectOnlyHubTargets();

    expect(summary).toMatchObject({
      reference: 'docker.io/library/debian:latest',
      name: 'latest',
      digest: fixtures.debian.manifestDigest,
      manifestDigest: host!.manifestDigest,
      layoutDigest: host!.manifestDigest,
    });
    const index = await readIndexJson(dest);
    expect(index.manifests).toEqual([
      {
        mediaType: MediaType.ociManifest,
        digest: host!.manifestDigest,
        size: host!.manifest.length,
        platform: host!.platform,
        annotations: {
          'io.containerd.image.name': 'docker.io/library/debian:latest',
          'org.opencontainers.image.ref.name': 'latest',
        },
      },
    ]);
    const { blobs, stray } = await checkBlobs(dest);
    expect(stray).toEqual([]);
    expect([...blobs].sort()).toEqual(
      [host!.manifestDigest, ...host!.blobs.map((blob) => blob.digest)].sort(),
    );

    if (withSkopeo) {
      const inspected = await skopeo(['inspect', `oci:${dest}:latest`]);
      expect(inspected.code, `skopeo inspect oci:…:latest: ${inspected.stderr}`).toBe(0);
      const info = JSON.parse(inspected.stdout.toString('utf8')) as { Digest: string; Architecture: string };
      expect(info).toMatchObject({ Digest: host!.manifestDigest, Architecture: hostArch });
    }
  });

  it("3a. the stand-in's debian:latest has Docker Hub's shape: 8 platforms, each followed by its attestation", () => {
    const index = JSON.parse(fixtures.debian.manifest.toString('utf8')) as {
      mediaType: string;
      manifests: {
        mediaType: string;
        digest: string;
        platform: { os: string; architecture: string; variant?: string };
        annotations?: Record<string, string>;
      }[];
    };
    expect(index.mediaType).toBe(MediaType.ociIndex);
    expect(index.manifests).toHaveLength(16);
    const images = index.manifests.filter((_, i) => i % 2 === 0);
    const attestations = index.manifests.filter((_, i) => i % 2 === 1);
    expect(images.map((m) => formatPlatform(m.platform))).toEqual([...DEBIAN_PLATFORMS]);
    attestations.forEach((attestation, i) => {
      expect(attestation).toMatchObject({
        mediaType: MediaType.ociManifest,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: {
          'vnd.docker.reference.type': 'attestation-manifest',
          'vnd.docker.reference.digest': images[i]!.digest,
        },
      });
    });
    // One small gzip layer per platform image; one in-toto layer per attestation.
    for (const image of fixtures.debian.images) {
      expect(image.layers.map((l) => l.descriptor.mediaType)).toEqual([MediaType.ociLayerGzip]);
      expect(image.layers[0]!.descriptor.size).toBeLessThan(1024);
    }
    for (const attestation of fixtures.debian.attestations) {
      expect(attestation.layers.map((l) => l.descriptor.mediaType)).toEqual([MediaType.inToto]);
    }
  });

  it.each([
    ['linux/arm/v5', 'linux/arm/v5'],
    ['linux/arm/v7', 'linux/arm/v7'],
    ['linux/arm64', 'linux/arm64/v8'],
    ['linux/386', 'linux/386'],
  ] as const)(
    '3b. ocipull pull --platform %s debian takes the %s image and no attestation',
    async (asked, platform) => {
      proxy.reset();
      const image = fixtures.debian.image(platform);
      const dest = join(await tempDir('ocipull-dockerhub-platform-'), 'debian');
      const result = await runCli(
        ['pull', '--json', '--progress=none', '--platform', asked, 'debian', dest],
        {
          env: await hubEnv(),
        },
      );
      const summary = JSON.parse(succeeded(result, `pull --platform ${asked}`)) as PullSummary;
      expectOnlyHubTargets();
      expect(summary).toMatchObject({
        reference: 'docker.io/library/debian:latest',
        digest: fixtures.debian.manifestDigest,
        manifestDigest: image.manifestDigest,
        platforms: [platformName(image)],
      });
      const index = await readIndexJson(dest);
      expect(index.manifests).toMatchObject([
        { mediaType: MediaType.ociManifest, digest: image.manifestDigest, platform: image.platform },
      ]);
      const { blobs, stray } = await checkBlobs(dest);
      expect(stray).toEqual([]);
      expect([...blobs].sort()).toEqual(
        [image.manifestDigest, ...image.blobs.map((blob) => blob.digest)].sort(),
      );
    },
  );

  it('3c. ocipull pull --all-platforms debian writes the 16-entry index with every child, attestations included', async () => {
    proxy.reset();
    const dest = join(await tempDir('ocipull-dockerhub-all-'), 'debian');
    const result = await runCli(['pull', '--json', '--progress=none', '--all-platforms', 'debian', dest], {
      env: await hubEnv(),
    });
    const summary = JSON.parse(succeeded(result, 'pull --all-platforms')) as PullSummary;
    expectOnlyHubTargets();
    expect(summary).toMatchObject({
      reference: 'docker.io/library/debian:latest',
      digest: fixtures.debian.manifestDigest,
      layoutDigest: fixtures.debian.manifestDigest,
    });
    expect(summary.platforms).toEqual(expect.arrayContaining([...DEBIAN_PLATFORMS]));
    expect(summary.platforms.filter((p) => p.startsWith('linux/'))).toHaveLength(8);
    const index = await readIndexJson(dest);
    expect(index.manifests).toMatchObject([
      {
        mediaType: MediaType.ociIndex,
        digest: fixtures.debian.manifestDigest,
        size: fixtures.debian.manifest.length,
        annotations: { 'org.opencontainers.image.ref.name': 'latest' },
      },
    ]);
    const { blobs, stray } = await checkBlobs(dest);
    expect(stray).toEqual([]);
    const expected = new Set<string>([fixtures.debian.manifestDigest]);
    for (const child of fixtures.debian.manifests) {
      expected.add(child.manifestDigest);
      for (const blob of child.blobs) expected.add(blob.digest);
    }
    expect([...blobs].sort()).toEqual([...expected].sort());
    // The index bytes are the registry's (an OCI index is written byte for byte).
    const written = await readFile(join(dest, 'blobs', 'sha256', fixtures.debian.manifestDigest.slice(7)));
    expect(written.equals(fixtures.debian.manifest)).toBe(true);
    if (withSkopeo) {
      // skopeo reads the layout (oci-image-tool would reject its in-toto layers, TESTING.md).
      const raw = await skopeo(['inspect', '--raw', `oci:${dest}:latest`]);
      expect(raw.code, `skopeo inspect --raw: ${raw.stderr}`).toBe(0);
      expect(sha256(raw.stdout)).toBe(fixtures.debian.manifestDigest);
    }
  });

  it('3d. ocipull inspect debian: the index with 8 platforms and 8 attestations, and the host image', async () => {
    proxy.reset();
    const env = await hubEnv();
    const host = fixtures.debian.images.find((image) => image.platform.architecture === hostArch);
    const json = JSON.parse(
      succeeded(await runCli(['inspect', '--json', 'debian'], { env }), 'inspect --json debian'),
    ) as InspectJson & {
      index: {
        digest: string;
        manifests: { platform: string | null; digest: string; attestation: boolean }[];
      };
    };
    expect(json).toMatchObject({
      reference: 'docker.io/library/debian:latest',
      digest: fixtures.debian.manifestDigest,
      mediaType: MediaType.ociIndex,
      index: { digest: fixtures.debian.manifestDigest },
    });
    expect(json.index.manifests).toEqual(
      fixtures.debian.manifests.map((child) => ({
        platform: platformName(child),
        digest: child.manifestDigest,
        mediaType: MediaType.ociManifest,
        size: child.manifest.length,
        attestation: child.platform.os === 'unknown',
      })),
    );
    if (host) {
      expect(json.image).toMatchObject({
        digest: host.manifestDigest,
        platform: platformName(host),
        layerCount: 1,
      });
    }
    const arm = JSON.parse(
      succeeded(
        await runCli(['inspect', '--json', '--platform', 'linux/arm/v7', 'debian'], { env }),
        'inspect --platform linux/arm/v7',
      ),
    ) as InspectJson;
    expect(arm.image).toMatchObject({
      digest: fixtures.debian.image('linux/arm/v7').manifestDigest,
      platform: 'linux/arm/v7',
      layerCount: 1,
    });
    const text = succeeded(await runCli(['inspect', 'debian'], { env }), 'inspect debian');
    expect(text).toContain(`${DEBIAN_PLATFORMS.join(', ')} (+8 attestations)`);
    expectOnlyHubTargets();
  });

  it.each([
    ['linux/arm/v5', 'linux/arm/v5'],
    ['linux/arm64', 'linux/arm64/v8'],
    ['linux/s390x', 'linux/s390x'],
  ] as const)(
    '3e. ocipull digest --platform %s debian gives the %s manifest digest',
    async (asked, platform) => {
      proxy.reset();
      const env = await hubEnv();
      const result = await runCli(['digest', '--platform', asked, 'debian'], { env });
      expect(succeeded(result, `digest --platform ${asked}`)).toBe(
        `${fixtures.debian.image(platform).manifestDigest}\n`,
      );
      expectOnlyHubTargets();
    },
  );

  it('3f. ocipull digest --platform for a platform debian lacks lists what it has', async () => {
    proxy.reset();
    const result = await runCli(['digest', '--platform', 'linux/mips64le', 'debian'], {
      env: await hubEnv(),
    });
    expect(result.stdout).toBe('');
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain('linux/mips64le');
    expect(result.stderr).toContain('linux/riscv64');
    expect(result.stderr).not.toContain('unknown/unknown');
  });

  it.each([
    ['linux/riscv64', 'linux/riscv64'],
    ['linux/arm/v5', 'linux/arm/v5'],
  ] as const)('3g. ocipull unpack --platform %s debian DIR unpacks that image', async (asked, platform) => {
    proxy.reset();
    const root = join(await tempDir('ocipull-dockerhub-unpack-'), 'rootfs');
    const result = await runCli(
      ['unpack', '--json', '--progress=none', '--platform', asked, 'debian', root],
      {
        env: await hubEnv(),
      },
    );
    const summary = JSON.parse(succeeded(result, `unpack --platform ${asked}`)) as { layers: number };
    expect(summary).toMatchObject({ layers: 1 });
    expectOnlyHubTargets();
    expect(await readFile(join(root, 'etc/ocipull/platform'), 'utf8')).toBe(`${platform}\n`);
    expect(await readFile(join(root, 'etc/debian_version'), 'utf8')).toBe('13.7\n');
  });

  it('4a. ocipull inspect busybox:1 shows the Docker v2 image', async () => {
    proxy.reset();
    const env = await hubEnv();
    const json = JSON.parse(
      succeeded(await runCli(['inspect', '--json', 'busybox:1'], { env }), 'inspect --json'),
    ) as InspectJson;
    expect(json).toMatchObject({
      reference: 'docker.io/library/busybox:1',
      digest: fixtures.busybox.manifestDigest,
      mediaType: MediaType.dockerManifest,
      index: null,
      image: {
        digest: fixtures.busybox.manifestDigest,
        mediaType: MediaType.dockerManifest,
        platform: 'linux/amd64',
        layerCount: 1,
      },
    });
    const text = succeeded(await runCli(['inspect', 'busybox:1'], { env }), 'inspect');
    expect(text).toContain('docker.io/library/busybox:1');
    expect(text).toContain(fixtures.busybox.manifestDigest);
    expectOnlyHubTargets();
  });

  it('4b. ocipull ratelimit asks about ratelimitpreview/test; docker-registry sends no quota headers', async () => {
    proxy.reset();
    const since = tokens.requests.length;
    const result = await runCli(['ratelimit'], { env: await hubEnv() });
    expect(succeeded(result, 'ratelimit')).toBe(
      'docker.io: not rate-limited (no rate-limit headers on docker.io/ratelimitpreview/test:latest)\n',
    );
    expectOnlyHubTargets();
    expect(tokenRequests(tokens, since).flatMap((r) => r.scopes)).toContain(
      'repository:ratelimitpreview/test:pull',
    );
  });

  describe('4c. ocipull ratelimit against a Docker Hub stub that sends the quota headers', () => {
    let stub: RateLimitStub;
    let stubProxy: ConnectProxy;

    /** A token our token server signed, for the stub's service, granting `scope` ('' for `/v2/`). */
    function accepts(token: string, scope: string): boolean {
      const [header, claims, signature] = token.split('.');
      if (!header || !claims || !signature) return false;
      const key = createPublicKey(registry.ca!.tokenSigning!.certPem);
      const signed = verify(
        'sha256',
        Buffer.from(`${header}.${claims}`),
        key,
        Buffer.from(signature, 'base64url'),
      );
      const decoded = decodeJwt(token).claims;
      if (!signed || decoded.aud !== SERVICE || decoded.exp * 1000 < Date.now()) return false;
      if (scope === '') return true;
      const [type, name, action] = scope.split(':');
      return decoded.access.some(
        (a) => a.type === type && a.name === name && a.actions.includes(action ?? ''),
      );
    }

    beforeAll(async () => {
      stub = await startRateLimitStub({
        tls: registry.ca!.server,
        realm: REALM,
        service: SERVICE,
        rateLimitHeaders: {
          'ratelimit-limit': '100;w=21600',
          'ratelimit-remaining': '76;w=21600',
          'docker-ratelimit-source': '203.0.113.1',
        },
        manifest: {
          digest: fixtures.probe.manifestDigest,
          mediaType: fixtures.probe.mediaType,
          size: fixtures.probe.manifest.length,
        },
        accepts,
      });
      stubProxy = await startConnectProxy({
        [`${HUB_API}:443`]: stub.port,
        [`${HUB_AUTH}:443`]: tokens.port,
      });
    });

    afterAll(async () => {
      await stubProxy?.stop();
      await stub?.stop();
    });

    it('reports 100 pulls per 6h, 76 left, from one HEAD after the token dance', async () => {
      const since = tokens.requests.length;
      const env = await hubEnv({ HTTPS_PROXY: stubProxy.url });
      const json = JSON.parse(succeeded(await runCli(['ratelimit', '--json'], { env }), 'ratelimit --json'));
      expect(json).toEqual({
        reference: 'docker.io/ratelimitpreview/test:latest',
        registry: 'docker.io',
        limited: true,
        limit: 100,
        remaining: 76,
        windowSeconds: 21600,
        windowHours: 6,
        source: '203.0.113.1',
      });
      expectOnlyHubTargets(stubProxy);

      const manifestRequests = stub.requests.filter((r) => r.url.includes('/manifests/'));
      expect(manifestRequests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'HEAD /v2/ratelimitpreview/test/manifests/latest',
      ]);
      expect(manifestRequests[0]!.authorization).toMatch(/^Bearer /);
      expect(stub.requests.every((r) => r.method === 'HEAD' || r.url === '/v2/')).toBe(true);
      const asked = tokenRequests(tokens, since);
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.every((r) => r.service === SERVICE && r.user === undefined)).toBe(true);
      expect(asked.flatMap((r) => r.scopes)).toContain('repository:ratelimitpreview/test:pull');

      const text = succeeded(await runCli(['ratelimit', '--quiet'], { env }), 'ratelimit');
      expect(text).toMatch(/Limit:\s+100 pulls per 6h/);
      expect(text).toMatch(/Remaining:\s+76\n/);
      expect(text).toMatch(/Source:\s+203\.0\.113\.1/);
    });
  });

  describe('5. a private repository, library/secret (alice only)', () => {
    const alice = credentialsOf('alice');

    it('without credentials: exit 4, "does not exist or is private"', async () => {
      proxy.reset();
      const result = await runCli(['digest', 'secret'], { env: await hubEnv() });
      expect(result.stdout).toBe('');
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toMatch(/repository docker\.io\/library\/secret does not exist or is private/);
      expectOnlyHubTargets();
    });

    it('with --creds alice:…: the digest, and a token fetched as alice', async () => {
      proxy.reset();
      const since = tokens.requests.length;
      const result = await runCli(['digest', '--creds', `${alice.username}:${alice.password}`, 'secret'], {
        env: await hubEnv(),
      });
      expect(succeeded(result, 'digest --creds')).toBe(`${fixtures.secret.manifestDigest}\n`);
      expectOnlyHubTargets();
      const asked = tokenRequests(tokens, since);
      expect(
        asked.some((r) => r.user === 'alice' && r.scopes.includes('repository:library/secret:pull')),
      ).toBe(true);
    });

    it('with alice in config.json under https://index.docker.io/v1/: the digest', async () => {
      proxy.reset();
      const since = tokens.requests.length;
      const env = await hubEnv();
      await mkdir(env.DOCKER_CONFIG!, { recursive: true });
      const auth = Buffer.from(`${alice.username}:${alice.password}`).toString('base64');
      await writeFile(
        join(env.DOCKER_CONFIG!, 'config.json'),
        JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth } } }),
        { mode: 0o600 },
      );
      const result = await runCli(['digest', 'secret'], { env });
      expect(succeeded(result, 'digest with config.json')).toBe(`${fixtures.secret.manifestDigest}\n`);
      expectOnlyHubTargets();
      expect(tokenRequests(tokens, since).some((r) => r.user === 'alice')).toBe(true);
    });
    it('ocipull login (docker.io by default) checks alice at auth.docker.io and saves her under https://index.docker.io/v1/', async () => {
      proxy.reset();
      const env = await hubEnv();
      const login = await runCli(['login', '--username', alice.username, '--password-stdin'], {
        env,
        stdin: Readable.from([`${alice.password}\n`]),
      });
      expect(login.code, login.stderr).toBe(0);
      expect(login.stderr).toMatch(/^Login succeeded: credentials for docker\.io saved in /);
      expectOnlyHubTargets();
      const saved = JSON.parse(await readFile(join(env.DOCKER_CONFIG!, 'config.json'), 'utf8')) as {
        auths: Record<string, { auth?: string }>;
      };
      expect(Object.keys(saved.auths)).toEqual(['https://index.docker.io/v1/']);
      expect(Buffer.from(saved.auths['https://index.docker.io/v1/']!.auth ?? '', 'base64').toString()).toBe(
        `${alice.username}:${alice.password}`,
      );
      const result = await runCli(['digest', 'secret'], { env });
      expect(succeeded(result, 'digest after login')).toBe(`${fixtures.secret.manifestDigest}\n`);
    });
  });

  it.skipIf(!withSkopeo)(
    '6. skopeo through the same proxy: inspect --raw docker://debian:latest hashes to the same digest',
    async () => {
      proxy.reset();
      const home = await tempDir('ocipull-dockerhub-skopeo-');
      const registriesConf = join(home, 'registries.conf');
      await writeFile(registriesConf, '');
      const result = await runSkopeo(['inspect', '--raw', '--no-creds', 'docker://debian:latest'], {
        PATH: process.env.PATH,
        HOME: home,
        HTTPS_PROXY: proxy.url,
        SSL_CERT_FILE: registry.caCertPath,
        CONTAINERS_REGISTRIES_CONF: registriesConf,
        REGISTRY_AUTH_FILE: join(home, 'no-auth.json'),
      });
      expect(result.code, `skopeo: ${result.stderr}`).toBe(0);
      expect(sha256(result.stdout)).toBe(fixtures.debian.manifestDigest);
      expectOnlyHubTargets();
    },
  );

  it('never resolved a Docker Hub name (all traffic went to 127.0.0.1)', () => {
    expect(lookups.filter((name) => /docker\.(io|com)$/i.test(name))).toEqual([]);
  });
});

/** Runs `skopeo --insecure-policy ARGS` with exactly `env` (the helper in test/helpers/skopeo.ts adds ours). */
function runSkopeo(args: string[], env: Record<string, string | undefined>) {
  return new Promise<{ code: number; stdout: Buffer; stderr: string }>((resolve, reject) => {
    execFile(
      'skopeo',
      ['--insecure-policy', ...args],
      { encoding: 'buffer', timeout: 60_000, env },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}
