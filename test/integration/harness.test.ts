/**
 * Proves the test harness against the real registry (docker-registry 2.8), with skopeo as the independent
 * reference: what our builders hash is what the registry stores and serves, and token auth works as dist's does.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildStandardFixtures, MANY_TAGS } from '../helpers/fixtures.js';
import { buildImage, buildIndex, buildLayer, sha256 } from '../helpers/images.js';
import { decodeJwt, libtrustKeyId } from '../helpers/jwt.js';
import { MANIFEST_ACCEPT } from '../helpers/media-types.js';
import { type SeededFixtures, seedFixtures } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { skopeo, skopeoInspectRaw, skopeoRegistryFlags } from '../helpers/skopeo.js';
import { describeWithTools, requireTool } from '../helpers/tools.js';
import { credentialsOf } from '../helpers/users.js';

const hex = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('fixture builders', () => {
  it('are deterministic', async () => {
    const build = async () => {
      const layer = await buildLayer({ 'b/file': 'x', 'a/': { type: 'dir' }, 'c.txt': Buffer.from('y') });
      const images = await Promise.all(
        ['linux/amd64', 'linux/arm64/v8'].map((platform) =>
          buildImage({ format: 'oci', platform, layers: [layer] }),
        ),
      );
      return buildIndex({ format: 'oci', images, attestation: true });
    };
    const [first, second] = await Promise.all([build(), build()]);
    expect(first.manifestDigest).toBe(second.manifestDigest);
    expect(first.manifestDigest).toBe(sha256(first.manifest));
    expect(new Set(first.images.map((image) => image.manifestDigest)).size).toBe(2);
  });

  it('compute the libtrust kid as 12 groups of 4 base32 characters', async () => {
    const { privateKey } = await import('node:crypto').then((crypto) =>
      crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
    );
    const kid = libtrustKeyId(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(kid).toMatch(/^[A-Z2-7]{4}(:[A-Z2-7]{4}){11}$/);
  });
});

describe('requireTool', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('finds tools on PATH', () => {
    expect(requireTool('sh')).toBe(true);
  });

  it('warns and returns false for a missing tool outside CI', () => {
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(requireTool('ocipull-no-such-tool', 'the frobnicator tests')).toBe(false);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/SKIPPING the frobnicator tests: ocipull-no-such-tool/),
    );
  });

  it('throws for a missing tool in CI', () => {
    vi.stubEnv('CI', 'true');
    expect(() => requireTool('skopeo-no-such-tool')).toThrow(
      /skopeo-no-such-tool is required in CI: apt-get install skopeo-no-such-tool/,
    );
  });
});

describeWithTools(['docker-registry', 'skopeo', 'openssl'], 'harness against docker-registry 2.8', () => {
  describe('plain HTTP, no auth', () => {
    let registry: TestRegistry;
    let fixtures: SeededFixtures;
    const scratch: string[] = [];

    beforeAll(async () => {
      registry = await startRegistry();
      fixtures = await seedFixtures(registry);
    });

    afterAll(async () => {
      const dir = registry?.rootDir;
      await registry?.stop();
      for (const path of scratch) await rm(path, { recursive: true, force: true });
      if (dir) expect(existsSync(dir)).toBe(false);
    });

    it.each([
      ['oci/image:1', 'ociImage'],
      ['docker/image:1', 'dockerImage'],
      ['multi/oci:1', 'multiOci'],
      ['multi/docker:1', 'multiDocker'],
      ['many/tags:tag-17', 'manyTags'],
    ] as const)('skopeo inspect --raw %s hashes to the built digest', async (reference, key) => {
      const result = await skopeoInspectRaw(registry, reference);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(hex(result.stdout)).toBe(fixtures[key].digest);
      expect(result.stdout.equals(fixtures[key].built.manifest)).toBe(true);
    });

    it('serves the OCI index with 3 platforms and an attestation', async () => {
      const raw = await skopeoInspectRaw(registry, 'multi/oci:1');
      const index = JSON.parse(raw.stdout.toString('utf8')) as {
        manifests: Array<{
          platform: { architecture: string; variant?: string };
          annotations?: Record<string, string>;
        }>;
      };
      expect(index.manifests).toHaveLength(4);
      expect(index.manifests.map((m) => [m.platform.architecture, m.platform.variant ?? ''])).toEqual([
        ['amd64', ''],
        ['arm64', 'v8'],
        ['arm', 'v7'],
        ['unknown', ''],
      ]);
      expect(index.manifests[3]!.annotations?.['vnd.docker.reference.type']).toBe('attestation-manifest');
      const list = await skopeoInspectRaw(registry, 'multi/docker:1');
      expect((JSON.parse(list.stdout.toString('utf8')) as { manifests: unknown[] }).manifests).toHaveLength(
        3,
      );
    });

    it('lists the many/tags tags', async () => {
      const result = await skopeo([
        'list-tags',
        ...skopeoRegistryFlags(registry),
        `docker://${registry.host}/many/tags`,
      ]);
      expect(result.code).toBe(0);
      const { Tags } = JSON.parse(result.stdout.toString('utf8')) as { Tags: string[] };
      expect(Tags).toHaveLength(MANY_TAGS);
      // distribution 2.8 lists tags in storage order, not sorted.
      expect([...Tags].sort()).toEqual(fixtures.manyTags.tags);
    });

    it('has content-addressed blobs: skopeo copies every platform and verifies each digest', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ocipull-harness-layout-'));
      scratch.push(dir);
      const copy = await skopeo([
        'copy',
        '--all',
        '--preserve-digests',
        ...skopeoRegistryFlags(registry, { prefix: 'src-' }),
        `docker://${registry.host}/multi/oci:1`,
        `oci:${dir}:copy`,
      ]);
      expect(copy.stderr).toBe('');
      expect(copy.code).toBe(0);
      const built = await buildStandardFixtures();
      for (const image of built.multiOci.manifests) {
        for (const blob of image.blobs) {
          const stored = await readFile(join(dir, 'blobs', 'sha256', blob.digest.slice(7)));
          expect(hex(stored)).toBe(blob.digest);
        }
      }
    });
  });

  describe('TLS + token auth', () => {
    let registry: TestRegistry;
    let fixtures: SeededFixtures;
    const alice = credentialsOf('alice');
    const bob = credentialsOf('bob');

    beforeAll(async () => {
      registry = await startRegistry({ tls: true, auth: 'token' });
      fixtures = await seedFixtures(registry);
    });

    afterAll(async () => {
      const dir = registry?.rootDir;
      await registry?.stop();
      if (dir) expect(existsSync(dir)).toBe(false);
    });

    it('serves https with the test CA and announces the token realm', async () => {
      expect(registry.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(registry.tokenServer!.realm).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/token$/);
      expect(await readFile(registry.configPath, 'utf8')).toContain(registry.tokenServer!.realm);
    });

    it.each([
      ['oci/image:1', 'ociImage'],
      ['docker/image:1', 'dockerImage'],
      ['multi/oci:1', 'multiOci'],
      ['multi/docker:1', 'multiDocker'],
    ] as const)('anonymous skopeo inspect --raw %s hashes to the built digest', async (reference, key) => {
      const result = await skopeoInspectRaw(registry, reference);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(hex(result.stdout)).toBe(fixtures[key].digest);
    });

    it('multi/oci:1 lists 4 manifests', async () => {
      const result = await skopeoInspectRaw(registry, 'multi/oci:1');
      expect((JSON.parse(result.stdout.toString('utf8')) as { manifests: unknown[] }).manifests).toHaveLength(
        4,
      );
    });

    it('private/app: denied anonymously and to bob, served to alice', async () => {
      const anonymous = await skopeoInspectRaw(registry, 'private/app:1');
      expect(anonymous.code).not.toBe(0);
      expect(anonymous.stderr).toMatch(/unauthorized|denied|authentication required/i);

      const asBob = await skopeoInspectRaw(registry, 'private/app:1', bob);
      expect(asBob.code).not.toBe(0);

      const asAlice = await skopeoInspectRaw(registry, 'private/app:1', alice);
      expect(asAlice.stderr).toBe('');
      expect(asAlice.code).toBe(0);
      expect(hex(asAlice.stdout)).toBe(fixtures.privateApp!.digest);
    });

    it('POST /token: password and refresh_token grants give tokens the registry accepts', async () => {
      const server = registry.tokenServer!;
      const dispatcher = new Agent({ connect: { ca: registry.caCertPem! } });
      const post = async (fields: Record<string, string>) => {
        const res = await request(server.realm, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            service: server.service,
            client_id: 'ocipull-test',
            ...fields,
          }).toString(),
          dispatcher,
        });
        return { status: res.statusCode, body: (await res.body.json()) as Record<string, string> };
      };
      try {
        const scope = 'repository:private/app:pull';
        const password = await post({
          grant_type: 'password',
          username: 'alice',
          password: 'alice-secret',
          scope,
        });
        expect(password.status).toBe(200);
        const offline = {
          grant_type: 'password',
          username: 'alice',
          password: 'alice-secret',
          access_type: 'offline',
        };
        const refreshToken = (await post({ ...offline, scope })).body.refresh_token!;
        expect(server.refreshTokens.get(refreshToken)).toBe('alice');
        const refreshed = await post({ grant_type: 'refresh_token', refresh_token: refreshToken, scope });
        expect(refreshed.status).toBe(200);
        expect((await post({ grant_type: 'refresh_token', refresh_token: 'nope', scope })).status).toBe(401);
        expect((await post({ grant_type: 'password', username: 'alice', password: 'x', scope })).status).toBe(
          401,
        );

        for (const token of [password.body.access_token, refreshed.body.access_token]) {
          const res = await request(`${registry.url}/v2/private/app/manifests/1`, {
            method: 'HEAD',
            headers: { authorization: `Bearer ${token}`, accept: MANIFEST_ACCEPT },
            dispatcher,
          });
          await res.body.dump();
          expect(res.statusCode).toBe(200);
          expect(res.headers['docker-content-digest']).toBe(fixtures.privateApp!.digest);
        }
      } finally {
        await dispatcher.close();
      }
    });

    it('records token requests and signs tokens the registry trusts', () => {
      const server = registry.tokenServer!;
      const basicAlice = `Basic ${Buffer.from('alice:alice-secret').toString('base64')}`;
      const forPrivate = server.requests.filter((r) =>
        r.url.includes('scope=repository%3Aprivate%2Fapp%3Apull'),
      );
      expect(forPrivate.some((r) => r.authorization === undefined)).toBe(true);
      expect(forPrivate.some((r) => r.authorization === basicAlice)).toBe(true);
      expect(server.requests.filter((r) => r.authorization?.startsWith('Basic cHVzaGVy')).length).toBe(6);

      const aliceClaims = server.issued.filter((c) => c.sub === 'alice');
      expect(aliceClaims.at(-1)?.access).toEqual([
        { type: 'repository', name: 'private/app', actions: ['pull'] },
      ]);
      const anonymousPrivate = server.issued.find((c) => c.sub === '' && c.access[0]?.name === 'private/app');
      expect(anonymousPrivate?.access[0]?.actions).toEqual([]);
      const claims = server.issued[0]!;
      expect(typeof claims.aud).toBe('string');
      expect(decodeJwt(server.mint('x', [])).header).toEqual({ typ: 'JWT', alg: 'RS256', kid: server.kid });
    });
  });

  describe('htpasswd auth', () => {
    let registry: TestRegistry;

    beforeAll(async () => {
      registry = await startRegistry({ auth: 'htpasswd' });
      await seedFixtures(registry);
    });

    afterAll(async () => {
      await registry?.stop();
    });

    it('needs valid credentials', async () => {
      const built = await buildStandardFixtures();
      expect((await skopeoInspectRaw(registry, 'oci/image:1')).code).not.toBe(0);
      expect(
        (await skopeoInspectRaw(registry, 'oci/image:1', { username: 'alice', password: 'wrong' })).code,
      ).not.toBe(0);
      const ok = await skopeoInspectRaw(registry, 'oci/image:1', credentialsOf('alice'));
      expect(ok.code).toBe(0);
      expect(hex(ok.stdout)).toBe(built.ociImage.manifestDigest);
    });
  });
});
