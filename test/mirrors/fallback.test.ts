/**
 * Pulling through mirrors, against in-process registries (test/fakes): the endpoint order of `ocipull mirrors`,
 * the source named in the summary, `--json` and the `resolved` event, per-blob fallback (404, 5xx, a refused
 * connection, a corrupt blob, a mirror that dies mid-layer, resumed with Range), an endpoint skipped after repeated
 * failures, credentials kept per host, `blocked`, and writes that never go to a mirror. The real pull-through cache
 * (distribution in proxy mode) is in test/integration/pull-through.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pull } from '../../src/index.js';
import { runCli } from '../cli/capture.js';
import { type FaultRegistry, sha256 } from '../fakes/fault-registry.js';
import { addImage } from '../fakes/image.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';
import { buildTar } from '../helpers/tar.js';

/** An environment without the machine's registries.conf, credentials or mirrors. */
async function env(extra: Record<string, string> = {}) {
  const sys = await tempDir('ocipull-sys-');
  return isolatedEnv({ OCIPULL_SYSTEM_CONFIG_ROOT: sys, ...extra });
}

/** The GETs and HEADs of manifests and blobs a registry received (not the `/v2/` ping). */
function reads(reg: FaultRegistry) {
  return reg.requests.filter((r) => /\/(manifests|blobs)\//.test(r.path));
}

/** A primary and a mirror holding the same image (`app:1`, two layers); the mirror is `--mirror`ed. */
async function pair(layers?: Buffer[]) {
  const primary = await faultRegistry();
  const mirror = await faultRegistry();
  const ls = layers ?? [gzipSync(Buffer.from('layer one')), gzipSync(Buffer.from('layer two'))];
  const image = addImage(primary, 'app', '1', { layers: ls });
  addImage(mirror, 'app', '1', { layers: ls });
  const ref = `${primary.host}/app:1`;
  const flag = ['--mirror', `${primary.host}=${mirror.host}`];
  return { primary, mirror, image, ref, flag };
}

async function pullJson(args: string[], extraEnv: Record<string, string> = {}) {
  const dest = join(await tempDir(), 'out');
  const result = await runCli(['pull', '--json', '--progress', 'none', ...args, dest], {
    env: await env(extraEnv),
  });
  const json = result.code === 0 ? JSON.parse(result.stdout) : undefined;
  return { result, json, dest };
}

async function blobFile(layout: string, digest: string): Promise<Buffer> {
  return readFile(join(layout, 'blobs', 'sha256', digest.slice(7)));
}

describe('pull through a mirror', () => {
  it('takes everything from the mirror, names it in the summary, --json and the resolved event', async () => {
    const { primary, mirror, ref, flag } = await pair();
    const human = await runCli(['pull', '--progress', 'none', ...flag, ref, join(await tempDir(), 'o')], {
      env: await env(),
    });
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Pulled ${ref} via ${mirror.host}/app into`);
    expect(reads(primary)).toEqual([]);

    const { result, json } = await pullJson(['--progress', 'json', ...flag, ref]);
    expect(result.code).toBe(0);
    expect(json.source).toEqual({
      repository: `${mirror.host}/app`,
      mirror: true,
      attempts: [],
      fallbacks: [],
    });
    const resolved = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .find((e) => e.type === 'resolved');
    expect(resolved.source).toEqual({ repository: `${mirror.host}/app`, mirror: true, attempts: [] });
    expect(reads(primary)).toEqual([]);
  });

  it('falls back to the primary when the mirror is down, and says what failed', async () => {
    const { primary, mirror, image, ref, flag } = await pair();
    const mirrorRepo = `${mirror.host}/app`;
    await mirror.close();
    const { result, json, dest } = await pullJson([...flag, ref]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(json.source.repository).toBe(`${primary.host}/app`);
    expect(json.source.mirror).toBe(false);
    expect(json.source.attempts).toHaveLength(1);
    expect(json.source.attempts[0].repository).toBe(mirrorRepo);
    expect(json.source.attempts[0].error).toMatch(/refused|unreachable/);
    // Blobs start on the source (the primary): the dead mirror is not asked again for each of them.
    expect(json.source.fallbacks).toEqual([]);
    expect(json.digest).toBe(image.digest);
    expect(await blobFile(dest, image.layers[0]!.digest)).toEqual(image.layers[0]!.bytes);
  });

  it('takes a blob the mirror lacks (404) from the primary, and lists it', async () => {
    const { primary, mirror, image, ref, flag } = await pair();
    const missing = image.layers[1]!.digest;
    mirror.repo('app').blobs.delete(missing);
    const { result, json, dest } = await pullJson([...flag, ref]);
    expect(result.code).toBe(0);
    expect(json.source.repository).toBe(`${mirror.host}/app`);
    expect(json.source.fallbacks).toHaveLength(1);
    expect(json.source.fallbacks[0]).toMatchObject({
      digest: missing,
      from: `${mirror.host}/app`,
      to: `${primary.host}/app`,
    });
    expect(json.source.fallbacks[0].error).toMatch(/404|not found|unknown/i);
    expect(reads(primary).map((r) => r.path)).toEqual([`/v2/app/blobs/${missing}`]);
    expect(await blobFile(dest, missing)).toEqual(image.layers[1]!.bytes);
    expect(result.stderr).toMatch(
      new RegExp(`warning: ${mirror.host}/app: fetch blob ${missing}.*; trying ${primary.host}/app`),
    );
  });

  it('refuses a corrupt blob from the mirror and stores the right bytes from the primary', async () => {
    const { primary, mirror, image, ref, flag } = await pair();
    const layer = image.layers[0]!;
    const bad = Buffer.from(layer.bytes);
    bad[bad.length - 1]! ^= 0xff;
    mirror.repo('app').blobs.set(layer.digest, bad);
    const { result, json, dest } = await pullJson([...flag, ref]);
    expect(result.code).toBe(0);
    expect(json.source.mirror).toBe(true);
    expect(reads(primary).map((r) => r.path)).toEqual([`/v2/app/blobs/${layer.digest}`]);
    const stored = await blobFile(dest, layer.digest);
    expect(sha256(stored)).toBe(layer.digest);
    expect(stored).toEqual(layer.bytes);
  });

  it('refuses a corrupt blob on a copy to a registry too: the destination gets the right bytes', async () => {
    const { primary, mirror, image, ref, flag } = await pair();
    const dest = await faultRegistry();
    const layer = image.layers[1]!;
    const bad = Buffer.from(layer.bytes);
    bad[0]! ^= 0xff;
    mirror.repo('app').blobs.set(layer.digest, bad);
    const result = await runCli(
      ['copy', '--json', '--progress', 'none', ...flag, ref, `${dest.host}/copied:1`],
      { env: await env() },
    );
    expect(result.stderr).toContain(layer.digest);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).servedBy.repository).toBe(`${mirror.host}/app`);
    expect(dest.repo('copied').blobs.get(layer.digest)).toEqual(layer.bytes);
    expect(dest.manifest('copied', '1')?.body.toString()).toBe(image.manifest);
    expect(reads(primary).some((r) => r.path.endsWith(layer.digest))).toBe(true);
  });

  it('resumes a layer the mirror dropped halfway on the primary, with Range, on the same hash', async () => {
    const big = randomBytes(2 * 1024 * 1024);
    const { primary, mirror, image, ref, flag } = await pair([big]);
    const layer = image.layers[0]!;
    const half = 1024 * 1024;
    mirror.hook((req, res, reg) => {
      if (!req.url?.includes(`/blobs/${layer.digest}`)) return false;
      res.writeHead(200, { 'content-length': big.length, 'content-type': 'application/octet-stream' });
      res.write(big.subarray(0, half), () => {
        // The mirror goes away mid-layer: the connection and the listener.
        res.socket?.destroy();
        reg.server.close();
        reg.server.closeAllConnections();
      });
      return true;
    });
    const { result, json, dest } = await pullJson(['--progress', 'json', ...flag, ref]);
    expect(result.code).toBe(0);
    const ranged = primary.requests.filter((r) => r.path.endsWith(layer.digest));
    expect(ranged).toHaveLength(1);
    const from = Number(/^bytes=(\d+)-$/.exec(ranged[0]!.headers.range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(half);
    expect(json.source.fallbacks.map((f: { digest: string }) => f.digest)).toContain(layer.digest);
    expect(json.bytes.downloaded).toBe(image.layers.reduce((n, l) => n + l.size, 0) + image.configDesc.size);
    expect(sha256(await blobFile(dest, layer.digest))).toBe(layer.digest);
  });

  it('skips a mirror that keeps failing (5xx) for the rest of the run', async () => {
    const layers = [1, 2, 3, 4, 5].map((i) => gzipSync(Buffer.from(`layer ${i} `.repeat(100 * i))));
    const { mirror, image, ref, flag } = await pair(layers);
    mirror.hook((req, res) => {
      if (!req.url?.includes('/blobs/')) return false;
      res.statusCode = 503;
      res.end();
      return true;
    });
    const { result, json } = await pullJson(['--jobs', '1', '--retries', '0', ...flag, ref]);
    expect(result.code).toBe(0);
    expect(json.source.mirror).toBe(true);
    // Six blobs: the first two fail on the mirror (one retry each), then it is skipped.
    const blobGets = mirror.requests.filter((r) => r.path.includes('/blobs/'));
    expect(blobGets.length).toBeLessThanOrEqual(4);
    expect(json.source.fallbacks).toHaveLength(2);
    expect(json.blobs.downloaded).toBe(image.layers.length + 1);
  });

  it("never sends the primary's credentials to a mirror; each host gets its own", async () => {
    const primary = await faultRegistry({ auth: { kind: 'bearer', users: { alice: 'alice-secret' } } });
    const mirror = await faultRegistry({ auth: { kind: 'basic', users: { bob: 'bob-secret' } } });
    const image = addImage(primary, 'app', '1');
    addImage(mirror, 'app', '1');
    mirror.repo('app').blobs.delete(image.layers[0]!.digest); // so the primary is reached too
    const home = await env();
    await mkdir(home.DOCKER_CONFIG, { recursive: true });
    const bobAuth = Buffer.from('bob:bob-secret').toString('base64');
    await writeFile(
      join(home.DOCKER_CONFIG, 'config.json'),
      JSON.stringify({ auths: { [mirror.host]: { auth: bobAuth } } }),
    );
    const result = await runCli(
      [
        'pull',
        '--json',
        '--progress',
        'none',
        '--creds',
        'alice:alice-secret',
        '--mirror',
        `${primary.host}=${mirror.host}`,
        `${primary.host}/app:1`,
        join(await tempDir(), 'o'),
      ],
      { env: home },
    );
    expect(result.stderr).toContain('warning:');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).source.repository).toBe(`${mirror.host}/app`);
    const bob = `Basic ${Buffer.from('bob:bob-secret').toString('base64')}`;
    const mirrorAuth = mirror.requests.map((r) => r.headers.authorization).filter(Boolean);
    expect(mirrorAuth.length).toBeGreaterThan(0);
    expect(new Set(mirrorAuth)).toEqual(new Set([bob]));
    expect(mirror.tokenRequests).toEqual([]);
    // The primary's token came from alice's credentials, and only the primary's token server saw them.
    expect(primary.tokenRequests.length).toBeGreaterThan(0);
    expect(primary.requests.some((r) => r.headers.authorization?.startsWith('Bearer '))).toBe(true);
    expect(primary.requests.every((r) => r.headers.authorization !== bob)).toBe(true);
  });

  it('refuses a blocked reference with E_BLOCKED (exit 11) before any request', async () => {
    const { primary, ref } = await pair();
    const dir = await tempDir();
    const conf = join(dir, 'registries.conf');
    await writeFile(conf, `[[registry]]\nlocation = "${primary.host}"\nblocked = true\n`);
    for (const cmd of [['pull'], ['inspect'], ['digest']]) {
      const result = await runCli(
        [...cmd, '--registries-conf', conf, '--registries-conf-dir', join(dir, 'none'), ref],
        { env: await env() },
      );
      expect(result.code).toBe(11);
      expect(result.stderr).toContain('blocked');
      expect(result.stderr).toContain(conf);
    }
    expect(primary.requests).toEqual([]);
  });

  it('digest and inspect read through the mirror and say so; --no-mirrors goes to the primary', async () => {
    const { primary, mirror, image, ref, flag } = await pair();
    const digest = await runCli(['digest', '--json', ...flag, ref], { env: await env() });
    expect(digest.code).toBe(0);
    expect(JSON.parse(digest.stdout)).toMatchObject({
      digest: image.digest,
      source: { repository: `${mirror.host}/app`, mirror: true },
    });
    const inspect = await runCli(['inspect', ...flag, ref], { env: await env() });
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(new RegExp(`Via mirror: +${mirror.host}/app`));
    const json = await runCli(['inspect', '--json', ...flag, ref], { env: await env() });
    expect(JSON.parse(json.stdout).source.repository).toBe(`${mirror.host}/app`);
    expect(reads(primary)).toEqual([]);

    const direct = await runCli(['digest', '--json', '--no-mirrors', ...flag, ref], { env: await env() });
    expect(direct.code).toBe(0);
    expect(JSON.parse(direct.stdout).source).toEqual({
      repository: `${primary.host}/app`,
      mirror: false,
      attempts: [],
      fallbacks: [],
    });
    expect(reads(primary).length).toBeGreaterThan(0);
  });

  it('a digest-only mirror serves digest pulls, and blobs of a tag pull only as a fallback', async () => {
    const { primary, mirror, image, ref } = await pair();
    const flag = ['--mirror', `${primary.host}=${mirror.host},digest-only`];
    const byDigest = await pullJson([...flag, `${primary.host}/app@${image.digest}`]);
    expect(byDigest.result.code).toBe(0);
    expect(byDigest.json.source.repository).toBe(`${mirror.host}/app`);
    expect(reads(primary)).toEqual([]);

    primary.repo('app').blobs.delete(image.layers[0]!.digest);
    const byTag = await pullJson([...flag, ref]);
    expect(byTag.result.code).toBe(0);
    expect(byTag.json.source.repository).toBe(`${primary.host}/app`);
    expect(byTag.json.source.fallbacks).toMatchObject([
      { digest: image.layers[0]!.digest, from: `${primary.host}/app`, to: `${mirror.host}/app` },
    ]);
    expect(mirror.requests.filter((r) => r.path.includes('/manifests/1'))).toEqual([]);
  });

  it('pull --locked turns a tag pull into a digest pull, which a digest-only mirror serves', async () => {
    const { primary, mirror, image, ref } = await pair();
    const lockfile = join(await tempDir(), 'ocipull.lock');
    const locked = await runCli(['lock', '--file', lockfile, ref], { env: await env() });
    expect(locked.code).toBe(0);
    primary.requests.length = 0;
    const flag = ['--mirror', `${primary.host}=${mirror.host},digest-only`];
    const { result, json } = await pullJson(['--locked', '--lockfile', lockfile, ...flag, ref]);
    expect(result.code).toBe(0);
    expect(json.digest).toBe(image.digest);
    expect(json.source.repository).toBe(`${mirror.host}/app`);
    expect(reads(primary)).toEqual([]);
  });

  it('copy reads its source through the mirror and never writes to a mirror', async () => {
    const { mirror, image, ref } = await pair();
    const dest = await faultRegistry();
    const result = await runCli(
      [
        'copy',
        '--json',
        '--progress',
        'none',
        '--mirror',
        `${ref.split('/')[0]}=${mirror.host}`,
        '--mirror',
        `${dest.host}=${mirror.host}`,
        ref,
        `${dest.host}/app:1`,
      ],
      { env: await env() },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).servedBy.repository).toBe(`${mirror.host}/app`);
    expect(mirror.requests.filter((r) => !['GET', 'HEAD'].includes(r.method))).toEqual([]);
    expect(dest.manifest('app', '1')?.body.toString()).toBe(image.manifest);
  });

  it('unpack of a reference goes through the mirror', async () => {
    const tar = await buildTar({ 'etc/hello': { type: 'file', content: 'hi\n' } });
    const primary = await faultRegistry();
    const mirror = await faultRegistry();
    const diffIds = { rootfs: { type: 'layers', diff_ids: [sha256(tar)] } };
    addImage(primary, 'app', '1', { layers: [gzipSync(tar)], config: diffIds });
    addImage(mirror, 'app', '1', { layers: [gzipSync(tar)], config: diffIds });
    const ref = `${primary.host}/app:1`;
    const flag = ['--mirror', `${primary.host}=${mirror.host}`];
    const result = await runCli(
      ['unpack', '--progress', 'none', ...flag, ref, join(await tempDir(), 'root')],
      {
        env: await env(),
      },
    );
    expect(result.code).toBe(0);
    expect(reads(mirror).length).toBeGreaterThan(0);
    expect(reads(primary)).toEqual([]);
  });

  it('the library reads through mirrors too, and mirrors: false turns them off', async () => {
    const { primary, mirror, ref } = await pair();
    const sys = await tempDir('ocipull-sys-');
    const e = await isolatedEnv({ OCIPULL_SYSTEM_CONFIG_ROOT: sys });
    const via = await pull(ref, join(await tempDir(), 'a'), {
      env: e,
      mirrors: { mirror: [`${primary.host}=${mirror.host}`] },
    });
    expect(via.source.repository).toBe(`${mirror.host}/app`);
    expect(reads(primary)).toEqual([]);
    const direct = await pull(ref, join(await tempDir(), 'b'), {
      env: { ...e, OCIPULL_MIRRORS: `${primary.host}=${mirror.host}` },
      mirrors: false,
    });
    expect(direct.source).toMatchObject({ repository: `${primary.host}/app`, mirror: false });
    const fromEnv = await pull(ref, join(await tempDir(), 'c'), {
      env: { ...e, OCIPULL_MIRRORS: `${primary.host}=${mirror.host}` },
    });
    expect(fromEnv.source.mirror).toBe(true);
  });
});
