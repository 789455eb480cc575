import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { type FaultRegistry, serveBytes } from '../fakes/fault-registry.js';
import { addImage, addIndex } from '../fakes/image.js';
import { checkBlobs, readBlob, readIndexJson } from '../fakes/layout.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';

async function pull(args: string[]) {
  return runCli(['pull', '--json', '--progress=none', '--retries', '2', ...args], {
    env: await isolatedEnv(),
  });
}

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

function addDockerImage(reg: FaultRegistry, repo: string, tag: string) {
  const layer = Buffer.from('docker layer bytes');
  const l = reg.addBlob(repo, layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      config: {},
    }),
  );
  const c = reg.addBlob(repo, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', ...c },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', ...l }],
  });
  return { manifest, layer: l, config: c, ...reg.addManifest(repo, tag, manifest, DOCKER_MANIFEST) };
}

describe('ocipull pull: layout', () => {
  it('writes oci-layout, index.json with ref.name, and verified blobs', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'team/app', 'v1');
    const dest = join(await tempDir(), 'app');
    const r = await pull([`${reg.host}/team/app:v1`, dest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      digest: img.digest,
      layoutDigest: img.digest,
      name: 'v1',
      layers: 1,
      platforms: ['linux/amd64'],
    });
    expect(summary.blobs).toEqual({ downloaded: 2, reused: 0 });
    expect(JSON.parse(await readFile(join(dest, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    const index = await readIndexJson(dest);
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: img.digest,
      size: img.size,
      annotations: {
        'org.opencontainers.image.ref.name': 'v1',
        'io.containerd.image.name': `${reg.host}/team/app:v1`,
      },
    });
    const { blobs, stray } = await checkBlobs(dest);
    expect(blobs.sort()).toEqual([img.digest, img.configDesc.digest, img.layers[0]!.digest].sort());
    expect(stray).toEqual([]);
  });

  it('converts Docker media types to OCI, keeping config and layer digests', async () => {
    const reg = await faultRegistry();
    const img = addDockerImage(reg, 'd', 'v1');
    const dest = await tempDir();
    const r = await pull([`${reg.host}/d:v1`, dest]);
    expect(r.code).toBe(0);
    const entry = (await readIndexJson(dest)).manifests[0]!;
    expect(entry.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(entry.digest).not.toBe(img.digest);
    expect(entry.annotations!['io.ocipull.registry.digest']).toBe(img.digest);
    const m = JSON.parse((await readBlob(dest, entry.digest)).toString());
    expect(m.config).toEqual({ mediaType: 'application/vnd.oci.image.config.v1+json', ...img.config });
    expect(m.layers).toEqual([{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...img.layer }]);
    expect(JSON.parse(r.stdout)).toMatchObject({ digest: img.digest, layoutDigest: entry.digest });
  });

  it('--preserve-digests writes the manifest byte for byte', async () => {
    const reg = await faultRegistry();
    const img = addDockerImage(reg, 'd', 'v1');
    const dest = await tempDir();
    expect((await pull(['--preserve-digests', `${reg.host}/d:v1`, dest])).code).toBe(0);
    const entry = (await readIndexJson(dest)).manifests[0]!;
    expect(entry).toMatchObject({ mediaType: DOCKER_MANIFEST, digest: img.digest });
    expect((await readBlob(dest, img.digest)).toString()).toBe(img.manifest);
  });

  it('pulls one platform from an index, or all of it with --all-platforms', async () => {
    const reg = await faultRegistry();
    const idx = addIndex(reg, 'multi', 'latest');
    const one = await tempDir();
    const r = await pull(['--platform', 'linux/arm/v7', `${reg.host}/multi`, one]);
    expect(r.code).toBe(0);
    const entry = (await readIndexJson(one)).manifests[0]!;
    expect(entry.digest).toBe(idx.children[2]!.digest);
    expect(entry.platform).toEqual({ architecture: 'arm', os: 'linux', variant: 'v7' });
    expect(JSON.parse(r.stdout)).toMatchObject({
      digest: idx.digest,
      manifestDigest: idx.children[2]!.digest,
      platforms: ['linux/arm/v7'],
    });

    const all = await tempDir();
    expect((await pull(['--all-platforms', `${reg.host}/multi`, all])).code).toBe(0);
    const top = (await readIndexJson(all)).manifests[0]!;
    expect(top).toMatchObject({ digest: idx.digest, mediaType: 'application/vnd.oci.image.index.v1+json' });
    const { blobs } = await checkBlobs(all);
    // index + 4 manifests (3 platforms + attestation) + their configs and layers
    expect(blobs).toHaveLength(1 + 4 * 3);
  });

  it('refuses --platform that a single-platform image lacks (exit 3) and writes nothing', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'app', 'v1');
    const dest = await tempDir();
    const r = await pull(['--platform', 'linux/arm64', `${reg.host}/app:v1`, dest]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('the image is linux/amd64 only');
    await expect(stat(join(dest, 'oci-layout'))).rejects.toThrow();
  });

  it('a second pull reuses every blob, and a second name adds an entry while the same name moves', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'app', 'v1');
    const v2 = addImage(reg, 'app', 'v2', { layers: [Buffer.from('another layer')] });
    const dest = await tempDir();
    expect((await pull([`${reg.host}/app:v1`, dest])).code).toBe(0);
    const again = JSON.parse((await pull([`${reg.host}/app:v1`, dest])).stdout);
    expect(again.blobs).toEqual({ downloaded: 0, reused: 2 });
    expect(again.bytes.downloaded).toBe(0);
    expect((await pull([`${reg.host}/app:v2`, dest])).code).toBe(0);
    expect(
      (await readIndexJson(dest)).manifests.map((m) => m.annotations!['org.opencontainers.image.ref.name']),
    ).toEqual(['v1', 'v2']);
    expect((await pull(['--name', 'v1', `${reg.host}/app:v2`, dest])).code).toBe(0);
    const names = (await readIndexJson(dest)).manifests.map((m) => [
      m.annotations!['org.opencontainers.image.ref.name'],
      m.digest,
    ]);
    expect(names).toEqual([
      ['v2', v2.digest],
      ['v1', v2.digest],
    ]);
  });

  it('two pulls into one layout at once both land in index.json', async () => {
    const reg = await faultRegistry();
    for (const t of ['a', 'b', 'c', 'd']) addImage(reg, 'app', t, { layers: [Buffer.from(`layer ${t}`)] });
    const dest = await tempDir();
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((t) => pull([`${reg.host}/app:${t}`, dest])));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const names = (await readIndexJson(dest)).manifests
      .map((m) => m.annotations!['org.opencontainers.image.ref.name'])
      .sort();
    expect(names).toEqual(['a', 'b', 'c', 'd']);
    expect((await checkBlobs(dest)).stray).toEqual([]);
  });
});

describe('ocipull pull: faults', () => {
  const big = Buffer.alloc(256 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;

  it('a corrupted byte fails with exit 7 and leaves nothing under the digest and no index entry', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'app', 'v1', { layers: [big] });
    reg.hook((req, res) => {
      if (!req.url?.includes(img.layers[0]!.digest)) return false;
      const bad = Buffer.from(big);
      bad[1000] = (bad[1000] ?? 0) ^ 0xff;
      serveBytes(req, res, bad);
      return true;
    });
    const dest = await tempDir();
    const r = await pull([`${reg.host}/app:v1`, dest]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/^ocipull: blob sha256:[a-f0-9]{64}: content hashes to sha256:/);
    await expect(stat(join(dest, 'blobs', 'sha256', img.layers[0]!.digest.slice(7)))).rejects.toThrow();
    expect((await readIndexJson(dest)).manifests).toEqual([]);
    expect((await checkBlobs(dest)).stray).toEqual([]);
  });

  it('a body cut short mid-blob resumes with Range from the bytes on disk', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'app', 'v1', { layers: [big] });
    let cut = true;
    reg.hook((req, res) => {
      if (!req.url?.includes(img.layers[0]!.digest) || !cut) return false;
      cut = false;
      res.writeHead(200, { 'content-length': big.length, 'content-type': 'application/octet-stream' });
      res.write(big.subarray(0, 100_000), () => res.destroy());
      return true;
    });
    const dest = await tempDir();
    const r = await pull([`${reg.host}/app:v1`, dest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const layerRequests = reg.requestsTo(img.layers[0]!.digest);
    expect(layerRequests).toHaveLength(2);
    expect(layerRequests[1]!.headers.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/=(\d+)-/.exec(layerRequests[1]!.headers.range!)![1])).toBeGreaterThan(0);
    expect((await readBlob(dest, img.layers[0]!.digest)).equals(big)).toBe(true);
  });

  it('a server that ignores Range on the retry still gives a correct blob', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'app', 'v1', { layers: [big] });
    let first = true;
    reg.hook((req, res) => {
      if (!req.url?.includes(img.layers[0]!.digest)) return false;
      if (first) {
        first = false;
        res.writeHead(200, { 'content-length': big.length });
        res.write(big.subarray(0, 50_000), () => res.destroy());
        return true;
      }
      delete req.headers.range;
      serveBytes(req, res, big);
      return true;
    });
    const dest = await tempDir();
    expect((await pull([`${reg.host}/app:v1`, dest])).code).toBe(0);
    expect((await readBlob(dest, img.layers[0]!.digest)).equals(big)).toBe(true);
  });

  it('retries a 503 on a blob', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'app', 'v1');
    let fail = true;
    reg.hook((req, res) => {
      if (!req.url?.includes('/blobs/') || !fail) return false;
      fail = false;
      reg.error(res, 503, 'UNAVAILABLE', 'busy');
      return true;
    });
    const dest = await tempDir();
    expect((await pull([`${reg.host}/app:v1`, dest])).code).toBe(0);
    expect((await checkBlobs(dest)).blobs).toContain(img.layers[0]!.digest);
  });

  it('a body with too many bytes fails with exit 7 at once', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'app', 'v1');
    reg.hook((req, res) => {
      if (!req.url?.includes(img.layers[0]!.digest)) return false;
      res.writeHead(200); // no Content-Length: the overflow must be caught while streaming
      res.end(Buffer.concat([img.layers[0]!.bytes, Buffer.from('extra')]));
      return true;
    });
    const dest = await tempDir();
    const r = await pull([`${reg.host}/app:v1`, dest]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/more than the \d+ bytes/);
  });

  it('a blob that stays broken fails after the retries (exit 6) and keeps the partial file for a resume', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'app', 'v1', { layers: [big] });
    reg.hook((req, res) => {
      if (!req.url?.includes(img.layers[0]!.digest)) return false;
      res.writeHead(req.headers.range ? 206 : 200, {
        'content-length': big.length - (req.headers.range ? Number(/=(\d+)/.exec(req.headers.range)![1]) : 0),
        ...(req.headers.range
          ? {
              'content-range': `bytes ${/=(\d+)/.exec(req.headers.range)![1]}-${big.length - 1}/${big.length}`,
            }
          : {}),
      });
      res.write(Buffer.alloc(0), () => res.destroy());
      return true;
    });
    const dest = await tempDir();
    const r = await pull([`${reg.host}/app:v1`, dest]);
    expect(r.code).toBe(6);
    expect((await readIndexJson(dest)).manifests).toEqual([]);
    expect((await checkBlobs(dest)).stray).toEqual([
      `.${img.layers[0]!.digest.slice(7)}.${process.pid}.partial`,
    ]);
  });

  it('fails at once with exit 5 on a spent Docker Hub-style quota', async () => {
    const reg = await faultRegistry();
    reg.hook((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.setHeader('ratelimit-limit', '100;w=21600');
      res.setHeader('ratelimit-remaining', '0;w=21600');
      reg.error(res, 429, 'TOOMANYREQUESTS', 'You have reached your pull rate limit.');
      return true;
    });
    const dest = await tempDir();
    const r = await pull([`${reg.host}/app:v1`, dest]);
    expect(r.code).toBe(5);
    // Nothing was resolved, so nothing was written: not even the layout skeleton.
    await expect(stat(join(dest, 'oci-layout'))).rejects.toThrow();
    expect(r.stderr).toContain('0 of 100 pulls left');
    expect(reg.requestsTo('/manifests/')).toHaveLength(1);
  });
});
