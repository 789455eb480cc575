/**
 * Pulling through mirrors, against in-process registries (test/fakes): the endpoint order of `ocipull mirrors`,
 * the source named in the summary, `--json` and the `resolved` event, per-blob fallback (404, 5xx, a refused
 * connection, a corrupt blob, a mirror that dies mid-layer, resumed with Range), an endpoint skipped after repeated
 * failures, credentials kept per host, `blocked`, and writes that never go to a mirror. The real pull-through cache
 * (distribution in proxy mode) is in test/integration/pull-through.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { sha256 } from '../fakes/fault-registry.js';
import { addImage, addIndex } from '../fakes/image.js';
import { faultRegistry, tempDir } from '../fakes/scope.js';
import { buildTar } from '../helpers/tar.js';
import { blobFile, env, pair, pullJson, reads } from './pull-helpers.js';

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
    // --retries 0: moving to another endpoint is not a retry.
    const { result, json, dest } = await pullJson(['--retries', '0', '--progress', 'json', ...flag, ref]);
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
    // Six blobs, one at a time, no retries: the first two fail on the mirror, then it is skipped.
    const blobGets = mirror.requests.filter((r) => r.path.includes('/blobs/'));
    expect(blobGets).toHaveLength(2);
    expect(json.source.fallbacks).toHaveLength(2);
    expect(json.blobs.downloaded).toBe(image.layers.length + 1);
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

  it('takes a child manifest the mirror lacks from the primary', async () => {
    const primary = await faultRegistry();
    const mirror = await faultRegistry();
    const index = addIndex(primary, 'multi', '1');
    addIndex(mirror, 'multi', '1');
    const child = index.children[0]!; // linux/amd64, the host's platform in these tests
    mirror.repo('multi').manifests.delete(child.digest);
    const { result, json } = await pullJson([
      '--platform',
      'linux/amd64',
      '--mirror',
      `${primary.host}=${mirror.host}`,
      `${primary.host}/multi:1`,
    ]);
    expect(result.code).toBe(0);
    expect(json.source.repository).toBe(`${mirror.host}/multi`);
    expect(json.manifestDigest).toBe(child.digest);
    expect(json.source.fallbacks).toMatchObject([{ digest: child.digest, to: `${primary.host}/multi` }]);
    expect(reads(primary).map((r) => r.path)).toEqual([`/v2/multi/manifests/${child.digest}`]);
  });

  it("when every endpoint fails, the error and exit code are the registry's own, the mirror named in the hint", async () => {
    const { primary, mirror, image, ref, flag } = await pair();
    mirror.repo('app').manifests.delete('1'); // the primary becomes the source
    const layer = image.layers[0]!.digest;
    mirror.repo('app').blobs.delete(layer);
    primary.hook((req, res) => {
      if (!req.url?.endsWith(layer)) return false;
      res.statusCode = 503;
      res.end();
      return true;
    });
    const direct = await pullJson(['--retries', '0', '--no-mirrors', ...flag, ref]);
    const through = await pullJson(['--retries', '0', ...flag, ref]);
    expect(direct.result.code).not.toBe(0);
    expect(through.result.code).toBe(direct.result.code);
    expect(through.result.stderr).toContain(`${primary.host}/app`);
    expect(through.result.stderr).toMatch(/503|unavailable/i);
    expect(through.result.stderr).toMatch(new RegExp(`also tried: ${mirror.host}/app`));
  });

  it('every endpoint sending wrong bytes fails with E_INTEGRITY (exit 7) after one try each, storing nothing', async () => {
    const { primary, mirror, image, ref, flag } = await pair();
    const layer = image.layers[0]!;
    const bad = Buffer.from(layer.bytes);
    bad[0]! ^= 0xff;
    primary.repo('app').blobs.set(layer.digest, bad);
    mirror.repo('app').blobs.set(layer.digest, bad);
    const { result, dest } = await pullJson([...flag, ref]);
    expect(result.code).toBe(7);
    expect(primary.requests.filter((r) => r.path.endsWith(layer.digest))).toHaveLength(1);
    expect(mirror.requests.filter((r) => r.path.endsWith(layer.digest))).toHaveLength(1);
    await expect(blobFile(dest, layer.digest)).rejects.toThrow(/ENOENT/);
  });
});
