/**
 * A real pull-through cache: distribution 2.8 in proxy mode (`proxy.remoteurl`) on 127.0.0.1, in front of a
 * token-auth distribution as the upstream (the cache logs in upstream as alice), configured as a
 * `[[registry.mirror]]` in a registries.conf the test writes. Faults the cache cannot show (a corrupt blob, a
 * mirror dying mid-layer) come from a real HTTP server between (test/fakes/tap.ts). Order matters: the upstream is
 * stopped last.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { sha256 } from '../fakes/fault-registry.js';
import { isolatedEnv, tempDir } from '../fakes/scope.js';
import { Tap } from '../fakes/tap.js';
import { buildImage, buildLayer, deterministicBytes } from '../helpers/images.js';
import { pushImage, type SeededFixtures, seedFixtures } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { describeWithTools } from '../helpers/tools.js';

const ALICE = 'alice:alice-secret';

describeWithTools(['docker-registry'], 'pulling through a distribution pull-through cache', () => {
  let upstream: TestRegistry;
  let cache: TestRegistry;
  let fixtures: SeededFixtures;
  let big: { digest: string; layer: string; size: number };
  const taps: Tap[] = [];
  const others: TestRegistry[] = [];

  beforeAll(async () => {
    upstream = await startRegistry({ auth: 'token' });
    fixtures = await seedFixtures(upstream);
    const layer = await buildLayer({ 'big.bin': deterministicBytes(3 * 1024 * 1024, 'pull-through') });
    const image = await buildImage({ format: 'oci', layers: [layer] });
    await pushImage(upstream.url, 'big/app', '1', image, { credentials: upstream.pushCredentials! });
    big = { digest: image.manifestDigest, layer: layer.digest, size: layer.size };
    cache = await startProxy();
  }, 60_000);
  afterAll(async () => {
    for (const t of taps) await t.close();
    await Promise.all([...others, cache, upstream].map((r) => r?.stop()));
  });

  /** A cache of the upstream, logged in upstream as alice. */
  async function startProxy(): Promise<TestRegistry> {
    return startRegistry({ proxy: { remoteUrl: upstream.url, username: 'alice', password: 'alice-secret' } });
  }

  async function tap(target: string): Promise<Tap> {
    const t = await Tap.start(target);
    taps.push(t);
    return t;
  }

  /** Writes a registries.conf: `primary` with `mirror` as its one mirror. */
  async function conf(primary: string, mirror: string): Promise<string[]> {
    const dir = await tempDir();
    const file = join(dir, 'registries.conf');
    await writeFile(
      file,
      `[[registry]]\nlocation = "${primary}"\n\n[[registry.mirror]]\nlocation = "${mirror}"\n`,
    );
    return ['--registries-conf', file, '--registries-conf-dir', join(dir, 'none')];
  }

  async function pull(args: string[], auths: Record<string, string> = {}) {
    const sys = await tempDir('ocipull-sys-');
    const dest = join(await tempDir(), 'out');
    const env = await isolatedEnv({ OCIPULL_SYSTEM_CONFIG_ROOT: sys });
    await mkdir(env.DOCKER_CONFIG, { recursive: true });
    const entries = Object.fromEntries(
      Object.entries(auths).map(([host, userPass]) => [
        host,
        { auth: Buffer.from(userPass).toString('base64') },
      ]),
    );
    await writeFile(join(env.DOCKER_CONFIG, 'config.json'), JSON.stringify({ auths: entries }));
    const result = await runCli(['pull', '--json', '--progress', 'none', ...args, dest], { env });
    expect(result.stderr).not.toMatch(/^ocipull:/m);
    expect(result.code).toBe(0);
    return { json: JSON.parse(result.stdout), dest, stderr: result.stderr };
  }

  /** The blob file distribution keeps for `digest` under its data dir. */
  function cached(registry: TestRegistry, digest: string): boolean {
    const hex = digest.slice(7);
    return existsSync(
      join(registry.dataDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data'),
    );
  }

  it('the first pull goes through the cache, fills it, and the primary credentials never reach it', async () => {
    // The cache asks for Basic credentials of its own (the tap in front checks and strips them), which ocipull
    // finds in config.json for the cache's host; --creds are alice's, for the primary only.
    const front = await tap(cache.url);
    const cacheAuth = `Basic ${Buffer.from('cacheuser:cache-secret').toString('base64')}`;
    front.hook((req, res) => {
      if (req.headers.authorization === cacheAuth) {
        delete req.headers.authorization;
        return false;
      }
      res.writeHead(401, { 'www-authenticate': 'Basic realm="cache"', 'content-length': 0 });
      res.end();
      return true;
    });
    const app = fixtures.privateApp!;
    const { json, dest } = await pull(
      ['--creds', ALICE, ...(await conf(upstream.host, front.host)), app.reference],
      {
        [front.host]: 'cacheuser:cache-secret',
      },
    );
    expect(json.source).toEqual({
      repository: `${front.host}/private/app`,
      mirror: true,
      attempts: [],
      fallbacks: [],
    });
    expect(json.digest).toBe(app.digest);
    const layers = app.built.layers.map((l) => l.layer.digest);
    // The cache commits what it fetched upstream as the client reads it, finishing just after.
    await expect
      .poll(() => [...layers, app.built.config.descriptor.digest].every((d) => cached(cache, d)), {
        timeout: 5_000,
      })
      .toBe(true);
    const index = JSON.parse(await readFile(join(dest, 'index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(1);
    // The cache logged in upstream as alice (private/app is hers alone, proxy.username); ocipull sent the cache its
    // own credentials only, never alice's.
    expect(upstream.tokenServer!.issued.some((c) => c.sub === 'alice')).toBe(true);
    const sent = front.requests.map((r) => r.headers.authorization ?? 'none');
    expect(sent).toContain(cacheAuth);
    expect(new Set(sent)).toEqual(new Set(['none', cacheAuth]));
    const alice = Buffer.from(ALICE).toString('base64');
    expect(front.requests.some((r) => JSON.stringify(r.headers).includes(alice))).toBe(false);
  });

  it('a cache serving a corrupt blob is caught; that blob comes from the primary', async () => {
    const img = fixtures.ociImage;
    const layer = img.built.layers[0]!.layer.digest;
    const bad = await tap(cache.url);
    bad.hook(async (req, res, forward) => {
      if (!req.url?.endsWith(`/blobs/${layer}`) || req.method !== 'GET') return false;
      const up = await forward();
      const body = Buffer.from(up.body);
      body[Math.floor(body.length / 2)]! ^= 0x55;
      res.writeHead(up.status, up.headers);
      res.end(body);
      return true;
    });
    const { json, dest } = await pull([...(await conf(upstream.host, bad.host)), img.reference]);
    expect(json.source.repository).toBe(`${bad.host}/oci/image`);
    expect(json.source.fallbacks).toMatchObject([
      { digest: layer, from: `${bad.host}/oci/image`, to: `${upstream.host}/oci/image` },
    ]);
    const stored = await readFile(join(dest, 'blobs/sha256', layer.slice(7)));
    expect(sha256(stored)).toBe(layer);
  });

  it('a mirror dying halfway through a large layer is resumed on the primary with Range', async () => {
    const primary = await tap(upstream.url); // to see the Range the primary receives
    const dying = await tap(cache.url);
    dying.hook(async (req, res, forward, self) => {
      if (!req.url?.endsWith(`/blobs/${big.layer}`) || req.method !== 'GET') return false;
      const up = await forward();
      res.writeHead(up.status, up.headers);
      res.write(up.body.subarray(0, Math.floor(up.body.length / 2)), () => self.kill());
      return true;
    });
    const ref = `${primary.host}/big/app:1`;
    const { json, dest } = await pull([...(await conf(primary.host, dying.host)), ref]);
    expect(json.digest).toBe(big.digest);
    expect(json.source.repository).toBe(`${dying.host}/big/app`);
    const gets = primary.requests.filter((r) => r.path.endsWith(`/blobs/${big.layer}`));
    expect(gets).toHaveLength(1);
    const from = Number(/^bytes=(\d+)-$/.exec(gets[0]!.headers.range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(Math.floor(big.size / 2));
    expect(json.source.fallbacks.map((f: { digest: string }) => f.digest)).toContain(big.layer);
    const stored = await readFile(join(dest, 'blobs/sha256', big.layer.slice(7)));
    expect(sha256(stored)).toBe(big.layer);
  });

  it('with the cache stopped, pulls fall back to the primary', async () => {
    const second = await startProxy();
    others.push(second);
    const img = fixtures.multiOci;
    const args = await conf(upstream.host, second.host);
    const first = await pull([...args, img.reference]);
    expect(first.json.source.repository).toBe(`${second.host}/multi/oci`);
    await second.stop();
    const again = await pull([...args, img.reference]);
    expect(again.json.digest).toBe(img.digest);
    expect(again.json.source.repository).toBe(`${upstream.host}/multi/oci`);
    expect(again.json.source.attempts).toHaveLength(1);
    expect(again.json.source.attempts[0].repository).toBe(`${second.host}/multi/oci`);
  });

  it('with the upstream stopped, a second pull of the same digest still succeeds from the cache', async () => {
    const app = fixtures.privateApp!;
    const args = await conf(upstream.host, cache.host);
    await upstream.stop();
    const { json } = await pull([...args, app.digestReference]);
    expect(json.digest).toBe(app.digest);
    expect(json.source).toMatchObject({ repository: `${cache.host}/private/app`, mirror: true });
  });
});
