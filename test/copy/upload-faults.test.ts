import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { runCli } from '../cli/capture.js';
import { type FaultRegistry, type FaultRegistryOptions, readBody, sha256 } from '../fakes/fault-registry.js';
import { addImage, addIndex } from '../fakes/image.js';
import { faultRegistry, isolatedEnv } from '../fakes/scope.js';

/**
 * Registry uploads against the in-process fault registry (issue 8 items 5, 6 and 8): the quirks distribution
 * cannot show — mounts that answer 202 or 401, ECR's 201 on PATCH, a refused large PUT, 416 mid-upload, odd or
 * missing Locations, push-scope refusals — and the copy engine's ordering and safety guarantees.
 */

async function copy(args: string[], env?: Record<string, string>) {
  return runCli(['copy', '--progress=none', '--retries', '1', ...args], { env: await isolatedEnv(env) });
}

/** Two fault registries: a source holding `app:v1` (one layer of `layerBytes`) and an empty destination. */
async function pair(
  destOptions: FaultRegistryOptions = {},
  layerBytes: Buffer = randomBytes(40 * 1024),
): Promise<{ src: FaultRegistry; dst: FaultRegistry; img: ReturnType<typeof addImage> }> {
  const src = await faultRegistry();
  const dst = await faultRegistry(destOptions);
  const img = addImage(src, 'app', 'v1', { layers: [layerBytes] });
  return { src, dst, img };
}

/** Every blob of `img` at `dst` in `repo`, byte for byte, and the tag naming the same manifest bytes. */
function expectCopied(dst: FaultRegistry, repo: string, tag: string, img: ReturnType<typeof addImage>) {
  const r = dst.repos.get(repo);
  expect(r, `repository ${repo} at the destination`).toBeDefined();
  for (const l of img.layers) expect(r!.blobs.get(l.digest)?.equals(l.bytes)).toBe(true);
  expect(r!.blobs.get(img.configDesc.digest)?.equals(img.config)).toBe(true);
  const m = r!.manifests.get(tag);
  expect(m?.body.toString()).toBe(img.manifest);
  expect(sha256(m!.body)).toBe(img.digest);
}

const posts = (reg: FaultRegistry) => reg.requests.filter((r) => r.method === 'POST');
const manifestPuts = (reg: FaultRegistry) =>
  reg.requests.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'));

describe('ocipull copy registry to registry (fault registry)', () => {
  it('copies an index byte for byte: same digests, children by digest first, the tag last', async () => {
    const src = await faultRegistry();
    const dst = await faultRegistry();
    const idx = addIndex(src, 'multi', 'v1');
    const r = await copy(['--json', `${src.host}/multi:v1`, `${dst.host}/mirror/multi:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ digest: idx.digest, writtenDigest: idx.digest });
    const repo = dst.repos.get('mirror/multi')!;
    expect(repo.manifests.get('v1')!.body.toString()).toBe(idx.index);
    for (const [key, blob] of src.repos.get('multi')!.blobs)
      expect(repo.blobs.get(key)?.equals(blob)).toBe(true);
    for (const c of idx.children) expect(repo.manifests.get(c.digest)!.body.toString()).toBe(c.manifest);

    // Order: every blob upload is closed before the first manifest PUT; children by digest, then the tag.
    const order = dst.requests.filter((q) => q.method === 'PUT').map((q) => q.path);
    const firstManifest = order.findIndex((p) => p.includes('/manifests/'));
    const lastBlob = order.findLastIndex((p) => p.includes('/blobs/uploads/'));
    expect(lastBlob).toBeGreaterThanOrEqual(0);
    expect(lastBlob).toBeLessThan(firstManifest);
    const puts = manifestPuts(dst).map((q) => q.path.split('/manifests/')[1]);
    expect(puts.at(-1)).toBe('v1');
    expect(puts.slice(0, -1).sort()).toEqual(
      [...src.repos.get('multi')!.manifests.keys()]
        .filter((k) => k.startsWith('sha256:') && k !== idx.digest)
        .sort(),
    );
    // Content-Type of each PUT is the manifest's media type.
    for (const q of manifestPuts(dst)) {
      const ref = q.path.split('/manifests/')[1]!;
      const stored = src.manifest('multi', ref === 'v1' ? idx.digest : ref)!;
      expect(q.headers['content-type']).toBe(stored.mediaType);
    }
  });

  it('a repeat copy uploads nothing: no POST, no PUT of a blob, no manifest PUT but the tag', async () => {
    const { src, dst, img } = await pair();
    expect((await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`])).code).toBe(0);
    const before = dst.requests.length;
    const r = await copy(['--json', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(0);
    const again = dst.requests.slice(before);
    expect(again.filter((q) => q.method === 'POST')).toEqual([]);
    expect(again.filter((q) => q.method === 'PUT').map((q) => q.path)).toEqual(['/v2/app/manifests/v1']);
    expect(JSON.parse(r.stdout).blobs).toEqual({ copied: 0, existing: 2, mounted: 0 });
    expectCopied(dst, 'app', 'v1', img);
  });

  it('sends the Content-Type of a Docker v2 manifest and of one without a mediaType field', async () => {
    const src = await faultRegistry();
    const dst = await faultRegistry();
    const docker = 'application/vnd.docker.distribution.manifest.v2+json';
    const layer = src.addBlob('d', Buffer.from('docker layer'));
    const config = src.addBlob(
      'd',
      Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}'),
    );
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: docker,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', ...layer }],
    });
    const d = src.addManifest('d', 'v1', body, docker);
    // An OCI manifest without `mediaType` (allowed by the image spec): sniffed from its structure.
    const bare = JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    });
    src.addManifest('d', 'bare', bare, 'application/vnd.oci.image.manifest.v1+json');
    expect((await copy([`${src.host}/d:v1`, `${dst.host}/d:v1`])).code).toBe(0);
    expect((await copy([`${src.host}/d:bare`, `${dst.host}/d:bare`])).code).toBe(0);
    expect(manifestPuts(dst).map((q) => q.headers['content-type'])).toEqual([
      docker,
      'application/vnd.oci.image.manifest.v1+json',
    ]);
    expect(sha256(dst.manifest('d', 'v1')!.body)).toBe(d.digest);
    expect(dst.manifest('d', 'bare')!.body.toString()).toBe(bare);
  });
});

describe('cross-repository mounts', () => {
  it('201: the blob is mounted, nothing is uploaded', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'team/a', 'v1');
    const r = await copy(['--json', `${reg.host}/team/a:v1`, `${reg.host}/team/b:v1`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).blobs).toEqual({ copied: 0, existing: 0, mounted: 2 });
    const mounts = posts(reg);
    expect(mounts).toHaveLength(2);
    for (const p of mounts) expect(p.path).toMatch(/\?mount=sha256%3A[0-9a-f]{64}&from=team%2Fa$/);
    expect(
      reg.requests.filter(
        (q) => q.method === 'PATCH' || (q.path.includes('/uploads/') && q.method === 'PUT'),
      ),
    ).toEqual([]);
    expectCopied(reg, 'team/b', 'v1', img);
  });

  it('202: the upload continues in the session the mount opened (no second POST)', async () => {
    const reg = await faultRegistry({ mount: false });
    const img = addImage(reg, 'team/a', 'v1');
    const r = await copy(['--json', `${reg.host}/team/a:v1`, `${reg.host}/team/b:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).blobs).toEqual({ copied: 2, existing: 0, mounted: 0 });
    expect(posts(reg).map((p) => p.path.includes('mount='))).toEqual([true, true]);
    expect(reg.cancelled).toEqual([]);
    expectCopied(reg, 'team/b', 'v1', img);
  });

  it("401 on a mount (Harbor's missing project): falls back to a plain upload", async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'team/a', 'v1');
    reg.hook((req, res, r) => {
      if (req.method !== 'POST' || !req.url?.includes('mount=')) return false;
      r.error(res, 401, 'UNAUTHORIZED', 'project team not found');
      return true;
    });
    const r = await copy(['--json', `${reg.host}/team/a:v1`, `${reg.host}/team/b:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).blobs).toEqual({ copied: 2, existing: 0, mounted: 0 });
    const all = posts(reg);
    expect(all.filter((p) => p.path.includes('mount='))).toHaveLength(2);
    expect(all.filter((p) => !p.path.includes('mount='))).toHaveLength(2);
    expectCopied(reg, 'team/b', 'v1', img);
  });

  it('never sends `from` for a source on another registry', async () => {
    const { src, dst } = await pair();
    expect((await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`])).code).toBe(0);
    for (const p of posts(dst)) expect(p.path).not.toContain('from=');
  });
});

const KiB = 1024;
const uploadPuts = (reg: FaultRegistry) =>
  reg.requests.filter((r) => r.method === 'PUT' && !r.path.includes('/manifests/'));

describe('chunked uploads', () => {
  it('--chunk-size sends PATCHes with Content-Range start-end (no `bytes `), then an empty PUT ?digest=', async () => {
    const { src, dst, img } = await pair();
    const r = await copy(['--chunk-size', '16KiB', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const layer = dst.patches.filter((p) => p.length > 1000);
    expect(layer.map((p) => p.contentRange)).toEqual(['0-16383', '16384-32767', '32768-40959']);
    expect(layer.every((p) => p.status === 202)).toBe(true);
    for (const q of uploadPuts(dst)) expect(q.headers['content-length']).toBe('0');
    expectCopied(dst, 'app', 'v1', img);
  });

  it('PATCH answered 201 (ECR early accept) is accepted and the upload carries on', async () => {
    const { src, dst, img } = await pair({ patchStatus: 201 });
    const r = await copy(['--chunk-size', '16KiB', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(dst.patches.filter((p) => p.length > 1000).map((p) => p.status)).toEqual([201, 201, 201]);
    expectCopied(dst, 'app', 'v1', img);
  });

  it('honours OCI-Chunk-Min-Length: every chunk but the last is at least that long', async () => {
    const { src, dst, img } = await pair({ chunkMinLength: 20_000 });
    const r = await copy(['--chunk-size', '16KiB', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(dst.patches.filter((p) => p.length !== img.config.length).map((p) => p.length)).toEqual([
      20_000, 20_000, 960,
    ]);
    expectCopied(dst, 'app', 'v1', img);
  });

  it('416 mid-upload: asks the server for its Range (GET) and resumes from there', async () => {
    const { src, dst, img } = await pair();
    let patches = 0;
    dst.hook(async (req, res, reg) => {
      if (req.method !== 'PATCH' || Number(req.headers['content-length']) < 1000 || ++patches !== 2)
        return false;
      // The registry kept 5000 bytes of this chunk, then lost track: 416 and the session says where it is.
      const body = await readBody(req);
      const session = reg.session(req.url!)!;
      session.data = Buffer.concat([session.data, body.subarray(0, 5000)]);
      session.state++;
      reg.sessionAnswer(res, 416, session, new URL(req.url!, reg.url).pathname);
      return true;
    });
    const r = await copy(['--chunk-size', '16KiB', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(dst.patches.filter((p) => p.length > 1000).map((p) => p.contentRange)).toEqual([
      '0-16383',
      '21384-37767',
      '37768-40959',
    ]);
    const statusChecks = dst.requests.filter((q) => q.method === 'GET' && q.path.includes('/blobs/uploads/'));
    expect(statusChecks).toHaveLength(1);
    expectCopied(dst, 'app', 'v1', img);
  });

  it('a connection reset mid-PATCH: asks the server for its Range and resumes there', async () => {
    const { src, dst, img } = await pair();
    let patches = 0;
    dst.hook(async (req, _res, reg) => {
      if (req.method !== 'PATCH' || Number(req.headers['content-length']) < 1000 || ++patches !== 2)
        return false;
      // 3000 bytes of the second chunk arrived, then the connection broke.
      const body = await readBody(req);
      const session = reg.session(req.url!)!;
      session.data = Buffer.concat([session.data, body.subarray(0, 3000)]);
      session.state++;
      req.socket.destroy();
      return true;
    });
    const r = await copy(['--chunk-size', '16KiB', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(dst.patches.filter((p) => p.length > 1000).map((p) => p.contentRange)).toEqual([
      '0-16383',
      '19384-35767',
      '35768-40959',
    ]);
    expectCopied(dst, 'app', 'v1', img);
  });

  it('a reset on the first PATCH with nothing stored (status Range 0-0): resumes from byte 0', async () => {
    const { src, dst, img } = await pair();
    let broken = false;
    dst.hook((req) => {
      if (broken || req.method !== 'PATCH' || Number(req.headers['content-length']) < 1000) return false;
      broken = true;
      req.socket.destroy();
      return true;
    });
    const r = await copy(['--chunk-size', '16KiB', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(dst.patches.filter((p) => p.length > 1000).map((p) => p.contentRange)).toEqual([
      '0-16383',
      '16384-32767',
      '32768-40959',
    ]);
    expect(posts(dst)).toHaveLength(2); // resumed in the same session, not started over
    expect(dst.requests.filter((q) => q.method === 'GET' && q.path.includes('/uploads/'))).toHaveLength(1);
    expectCopied(dst, 'app', 'v1', img);
  });

  it('a PUT of a large body refused with 413: the blob goes up in chunks instead', async () => {
    const { src, dst, img } = await pair();
    dst.hook(async (req, res, reg) => {
      if (req.method !== 'PUT' || Number(req.headers['content-length'] ?? 0) < 1000) return false;
      await readBody(req);
      reg.error(res, 413, 'SIZE_INVALID', 'request entity too large');
      return true;
    });
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(dst.patches.filter((p) => p.length > 1000).map((p) => p.contentRange)).toEqual(['0-40959']);
    expect(dst.cancelled).toHaveLength(1); // the refused session was cancelled, not left open
    expectCopied(dst, 'app', 'v1', img);
  });

  it('a 413 sent before the body is read (a proxy limit) on a 9 MiB blob also falls back to chunks', async () => {
    const { src, dst, img } = await pair({}, randomBytes(9 * 1024 * KiB));
    dst.hook((req, res) => {
      if (req.method !== 'PUT' || Number(req.headers['content-length'] ?? 0) < 1024 * KiB) return false;
      res.writeHead(413, { connection: 'close', 'content-type': 'text/html' });
      res.end('<html>413 Request Entity Too Large</html>');
      return true;
    });
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(dst.patches.filter((p) => p.length > 1000).length).toBeGreaterThan(0);
    expectCopied(dst, 'app', 'v1', img);
  });
});

describe('upload Locations', () => {
  it.each([
    ['an absolute Location on another path', { uploadPath: (_: string, id: string) => `/offload/up/${id}` }],
    ['a path-only Location (http.relativeurls)', { locations: 'path' as const }],
    ['a Location relative to the request URL', { locations: 'relative' as const }],
    [
      'a relative Location on another path',
      { locations: 'relative' as const, uploadPath: (_: string, id: string) => `/offload/up/${id}` },
    ],
  ])('%s: monolithic and chunked uploads use it', async (_name, options) => {
    const { src, dst, img } = await pair(options);
    expect((await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`])).code).toBe(0);
    expectCopied(dst, 'app', 'v1', img);
    const again = await faultRegistry(options);
    const r = await copy(['--chunk-size', '16KiB', `${src.host}/app:v1`, `${again.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(again.patches.filter((p) => p.length > 1000)).toHaveLength(3);
    expectCopied(again, 'app', 'v1', img);
    if ('uploadPath' in options) {
      expect(
        again.requests.filter((q) => q.method === 'PATCH').every((q) => q.path.startsWith('/offload/up/')),
      ).toBe(true);
    }
  });

  it('keeps the query of the Location byte for byte (a pre-signed upload URL) when adding digest=', async () => {
    const options = { locationQuery: 'X-Sig=a~b%20c*d' };
    const { src, dst, img } = await pair(options);
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const q of uploadPuts(dst)) expect(q.path).toMatch(/\?_state=1&X-Sig=a~b%20c\*d&digest=sha256%3A/);
    expectCopied(dst, 'app', 'v1', img);
    const chunked = await faultRegistry(options);
    expect((await copy(['--chunk-size', '16KiB', `${src.host}/app:v1`, `${chunked.host}/app:v1`])).code).toBe(
      0,
    );
    expectCopied(chunked, 'app', 'v1', img);
  });

  it('no Location at all: one clear error (exit 6), no manifest pushed', async () => {
    const { src, dst } = await pair({ locations: 'none' });
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(6);
    const [first, ...rest] = r.stderr.trimEnd().split('\n');
    expect(first).toMatch(
      /^ocipull: push blob sha256:[0-9a-f]{64} to .*: registry answered 202 without a Location/,
    );
    expect(rest.every((l) => l.startsWith('hint: '))).toBe(true);
    expect(manifestPuts(dst)).toEqual([]);
  });
});

describe('push permissions', () => {
  it('anonymous on a registry that lets anyone pull: 401 insufficient_scope → exit 4 "can pull but not push"', async () => {
    const { src, dst } = await pair({ auth: { kind: 'bearer', users: { alice: 'pw' } } });
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /^ocipull: push blob .*: anonymous access can pull but not push to 127\.0\.0\.1:\d+\/app \(401 UNAUTHORIZED\)\n/,
    );
    expect(r.stderr).toContain('hint: pass credentials that may push (--dest-creds');
    expect(
      dst.tokenRequests.some((t) => decodeURIComponent(t.path).includes('repository:app:pull,push')),
    ).toBe(true);
    expect(manifestPuts(dst)).toEqual([]);
  });

  it('an account without push rights: exit 4 naming the credentials', async () => {
    const { src, dst } = await pair({ auth: { kind: 'bearer', users: { alice: 'pw', bob: 'pw' } } });
    dst.repo('app').pushers = ['bob'];
    const r = await copy(['--dest-creds', 'alice:pw', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/the credentials given can pull but not push to 127\.0\.0\.1:\d+\/app \(401/);
    const ok = await copy(['--dest-creds', 'bob:pw', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });

  it('403 DENIED on the upload with credentials: exit 4 "the credentials given can pull but not push"', async () => {
    const { src, dst } = await pair({ auth: { kind: 'bearer', users: { alice: 'pw' } } });
    dst.hook((req, res, reg) => {
      if (req.method !== 'POST') return false;
      reg.error(res, 403, 'DENIED', 'requested access to the resource is denied');
      return true;
    });
    const r = await copy(['--dest-creds', 'alice:pw', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /^ocipull: push blob .*: the credentials given can pull but not push to 127\.0\.0\.1:\d+\/app \(403 DENIED\)\n/,
    );
    expect(r.stderr).toContain('hint: check that this account may push to');
    expect(manifestPuts(dst)).toEqual([]);
  });

  it('403 on the manifest PUT: exit 4 "can pull but not push"', async () => {
    const { src, dst } = await pair();
    dst.hook((req, res, reg) => {
      if (req.method !== 'PUT' || !req.url?.includes('/manifests/')) return false;
      reg.error(res, 403, 'DENIED', 'tag is immutable');
      return true;
    });
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /^ocipull: push manifest .*: anonymous access can pull but not push .*\(403 DENIED\)\n/,
    );
  });
});

describe('source faults during a registry copy', () => {
  it('a corrupt source byte: exit 7, the upload cancelled with DELETE, no manifest at the destination', async () => {
    const { src, dst, img } = await pair();
    const layer = img.layers[0]!;
    src.hook((req, res) => {
      if (req.method !== 'GET' || !req.url?.endsWith(layer.digest)) return false;
      const bad = Buffer.from(layer.bytes);
      bad[bad.length - 7]! ^= 0x01;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bad.length });
      res.end(bad);
      return true;
    });
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(new RegExp(`^ocipull: blob ${layer.digest}: content hashes to sha256:`));
    expect(manifestPuts(dst)).toEqual([]);
    expect(dst.repos.get('app')?.blobs.has(layer.digest) ?? false).toBe(false);
    expect(dst.cancelled.length).toBeGreaterThanOrEqual(1);
    expect(dst.uploads.size).toBe(0); // nothing left open
  });

  it('a corrupt source byte in a chunked upload: the wrong last chunk is never sent, exit 7', async () => {
    const { src, dst, img } = await pair();
    const layer = img.layers[0]!;
    src.hook((req, res) => {
      if (req.method !== 'GET' || !req.url?.endsWith(layer.digest)) return false;
      const bad = Buffer.from(layer.bytes);
      bad[100]! ^= 0x01;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bad.length });
      res.end(bad);
      return true;
    });
    const r = await copy(['--chunk-size', '16KiB', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(7);
    expect(manifestPuts(dst)).toEqual([]);
    expect(dst.repos.get('app')?.blobs.has(layer.digest) ?? false).toBe(false);
    expect(dst.uploads.size).toBe(0);
  });

  it('a source connection cut mid-blob: resumed from the source with Range, the copy succeeds', async () => {
    const { src, dst, img } = await pair();
    const layer = img.layers[0]!;
    let cut = false;
    src.hook((req, res) => {
      if (cut || req.method !== 'GET' || !req.url?.endsWith(layer.digest)) return false;
      cut = true;
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': layer.bytes.length,
      });
      res.write(layer.bytes.subarray(0, 20 * KiB), () => setTimeout(() => res.socket?.destroy(), 20));
      return true;
    });
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const gets = src.requests.filter((q) => q.method === 'GET' && q.path.endsWith(layer.digest));
    expect(gets).toHaveLength(2);
    expect(gets[1]!.headers.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(posts(dst).length).toBe(2); // one session per blob: the upload went on while the source resumed
    expectCopied(dst, 'app', 'v1', img);
  });

  it('a source blob redirected to another host gets no Authorization there', async () => {
    const src = await faultRegistry({ auth: { kind: 'basic', users: { alice: 'a-secret' } } });
    const cdn = await faultRegistry();
    const dst = await faultRegistry();
    const img = addImage(src, 'app', 'v1', { layers: [randomBytes(30 * KiB)] });
    const layer = img.layers[0]!;
    cdn.hook((req, res) => {
      if (!req.url?.startsWith('/cdn/')) return false;
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': layer.bytes.length,
      });
      res.end(layer.bytes);
      return true;
    });
    src.hook((req, res) => {
      if (req.method !== 'GET' || !req.url?.endsWith(layer.digest) || !req.headers.authorization)
        return false;
      res.writeHead(307, { location: `http://localhost:${cdn.port}/cdn/${layer.digest}?sig=x` });
      res.end();
      return true;
    });
    const r = await copy(['--src-creds', 'alice:a-secret', `${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(src.requestsTo(layer.digest).some((q) => q.headers.authorization?.startsWith('Basic '))).toBe(
      true,
    );
    expect(cdn.requests.length).toBeGreaterThan(0);
    for (const q of cdn.requests) expect(q.headers.authorization).toBeUndefined();
    expectCopied(dst, 'app', 'v1', img);
  });
});

describe('credentials stay on their side', () => {
  it.each(['basic', 'bearer'] as const)(
    '%s: --src-creds go only to the source and --dest-creds only to the destination',
    async (kind) => {
      const src = await faultRegistry({ auth: { kind, users: { alice: 'src-secret' } } });
      const dst = await faultRegistry({ auth: { kind, users: { bob: 'dst-secret' } } });
      const img = addImage(src, 'app', 'v1');
      src.repo('app').users = ['alice'];
      const r = await copy([
        '--src-creds',
        'alice:src-secret',
        '--dest-creds',
        'bob:dst-secret',
        `${src.host}/app:v1`,
        `${dst.host}/app:v1`,
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expectCopied(dst, 'app', 'v1', img);
      const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
      const seen = (reg: FaultRegistry) =>
        [...reg.requests, ...reg.tokenRequests]
          .map((q) => q.headers.authorization)
          .filter((h) => h !== undefined);
      for (const h of seen(src)) {
        expect(h).not.toContain(basic('bob', 'dst-secret').slice(6));
        if (h!.startsWith('Bearer ')) expect(src.tokens.has(h!.slice(7))).toBe(true);
        else expect(h).toBe(basic('alice', 'src-secret'));
      }
      for (const h of seen(dst)) {
        expect(h).not.toContain(basic('alice', 'src-secret').slice(6));
        if (h!.startsWith('Bearer ')) expect(dst.tokens.has(h!.slice(7))).toBe(true);
        else expect(h).toBe(basic('bob', 'dst-secret'));
      }
      expect(seen(src).length).toBeGreaterThan(0);
      expect(seen(dst).length).toBeGreaterThan(0);
    },
  );
});

describe('referrers fallback tag', () => {
  function addSignature(reg: FaultRegistry, subject: { digest: string; size: number }) {
    const empty = reg.addBlob('app', Buffer.from('{}'));
    const sig = reg.addBlob('app', Buffer.from('signature bytes'));
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example.signature',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
      layers: [{ mediaType: 'application/vnd.example.signature', ...sig }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...subject },
    });
    return { body, ...reg.addManifest('app', 'sig', body, 'application/vnd.oci.image.manifest.v1+json') };
  }

  it('without OCI-Subject from the registry: sha256-<hex> is updated (read, add, write) and stays deduplicated', async () => {
    const { src, dst, img } = await pair();
    const sig = addSignature(src, img);
    const tag = `sha256-${img.digest.slice(7)}`;
    expect((await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`])).code).toBe(0);
    const r = await copy([`${src.host}/app:sig`, `${dst.host}/app:sig`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const stored = dst.manifest('app', tag);
    expect(stored?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const index = JSON.parse(stored!.body.toString());
    expect(index).toMatchObject({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json' });
    expect(index.manifests).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: sig.digest,
        size: sig.size,
        artifactType: 'application/vnd.example.signature',
      },
    ]);
    // The fallback tag is written after the signature itself.
    const puts = manifestPuts(dst).map((q) => q.path.split('/manifests/')[1]);
    expect(puts.indexOf(tag)).toBeGreaterThan(puts.indexOf('sig'));
    // A second copy finds the entry there and does not add it again.
    expect((await copy([`${src.host}/app:sig`, `${dst.host}/app:sig`])).code).toBe(0);
    expect(JSON.parse(dst.manifest('app', tag)!.body.toString()).manifests).toHaveLength(1);
  });

  it('with OCI-Subject from the registry: no fallback tag is read or written', async () => {
    const { src, dst, img } = await pair({ referrers: true });
    addSignature(src, img);
    const r = await copy([`${src.host}/app:sig`, `${dst.host}/app:sig`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(dst.requestsTo('sha256-')).toEqual([]);
    expect(dst.manifest('app', 'sig')).toBeDefined();
  });
});

describe('manifest refusals', () => {
  it('a registry that refuses the media type: exit 9 naming the manifest, its media type and the reason', async () => {
    const { src, dst, img } = await pair();
    dst.hook((req, res, reg) => {
      if (req.method !== 'PUT' || !req.url?.includes('/manifests/')) return false;
      reg.error(res, 400, 'MANIFEST_INVALID', 'manifest invalid: media type not allowed');
      return true;
    });
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain(
      `the registry refused manifest ${img.digest} (application/vnd.oci.image.manifest.v1+json)`,
    );
    expect(r.stderr).toContain('media type not allowed');
  });

  it('a Docker-Content-Digest answer that differs from the bytes sent: exit 7', async () => {
    const { src, dst } = await pair();
    dst.hook((req, res) => {
      if (req.method !== 'PUT' || !req.url?.includes('/manifests/')) return false;
      req.resume();
      req.on('end', () => {
        res.writeHead(201, { 'docker-content-digest': `sha256:${'0'.repeat(64)}`, 'content-length': 0 });
        res.end();
      });
      return true;
    });
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(`the registry stored it as sha256:${'0'.repeat(64)}`);
  });
});

describe('one failed blob stops the others', () => {
  it('a corrupt layer cancels the upload of another layer still streaming (DELETE); no manifest is written', async () => {
    const src = await faultRegistry();
    const dst = await faultRegistry();
    const slow = randomBytes(64 * KiB);
    const bad = randomBytes(8 * KiB);
    const img = addImage(src, 'app', 'v1', { layers: [slow, bad] });
    const [slowLayer, badLayer] = img.layers as [(typeof img.layers)[0], (typeof img.layers)[0]];
    let stalled: (() => void) | undefined;
    const stalling = new Promise<void>((resolve) => {
      stalled = resolve;
    });
    let failedAt = 0;
    src.hook(async (req, res) => {
      if (req.method !== 'GET') return false;
      if (req.url?.endsWith(slowLayer.digest)) {
        // Half the layer, then a pause well after the other layer failed, then the rest.
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': slow.length });
        res.write(slow.subarray(0, 32 * KiB));
        stalled!();
        await stalling;
        setTimeout(() => res.end(slow.subarray(32 * KiB)), 1500);
        return true;
      }
      if (req.url?.endsWith(badLayer.digest)) {
        await stalling;
        const wrong = Buffer.from(bad);
        wrong[0]! ^= 0xff;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': wrong.length });
        res.end(wrong);
        failedAt = Date.now();
        return true;
      }
      return false;
    });
    const r = await copy([`${src.host}/app:v1`, `${dst.host}/app:v1`]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(new RegExp(`^ocipull: blob ${badLayer.digest}: content hashes to`));
    expect(manifestPuts(dst)).toEqual([]);
    // The slow layer's upload was stopped and cancelled at once, not finished when its source resumed.
    expect(dst.repos.get('app')?.blobs.has(slowLayer.digest) ?? false).toBe(false);
    expect(dst.uploads.size).toBe(0);
    expect(dst.cancelled.length).toBeGreaterThanOrEqual(2);
    const deletes = dst.requests.filter((q) => q.method === 'DELETE');
    expect(deletes.length).toBe(dst.cancelled.length);
    expect(failedAt).toBeGreaterThan(0);
  });
});

describe('interrupted (Ctrl-C)', () => {
  it('cancels the open upload with DELETE although the abort signal already fired, and writes no manifest', async () => {
    const src = await faultRegistry();
    const dst = await faultRegistry();
    const big = randomBytes(1024 * KiB);
    const img = addImage(src, 'app', 'v1', { layers: [big] });
    const layer = img.layers[0]!;
    let stalled: (() => void) | undefined;
    const stalling = new Promise<void>((resolve) => {
      stalled = resolve;
    });
    src.hook((req, res) => {
      if (req.method !== 'GET' || !req.url?.endsWith(layer.digest)) return false;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
      res.write(big.subarray(0, 512 * KiB), () => stalled!());
      return true;
    });
    const controller = new AbortController();
    let stderr = '';
    const exit = run(
      ['copy', '--progress=none', '--retries', '0', `${src.host}/app:v1`, `${dst.host}/app:v1`],
      {
        stdout: { write: () => true },
        stderr: { write: (s: string | Uint8Array) => (stderr += String(s)) },
        env: await isolatedEnv(),
        signal: controller.signal,
      },
    );
    await stalling;
    // Wait until the layer's PUT is open at the destination, then interrupt as the bin shim does on SIGINT.
    for (let i = 0; i < 100 && !uploadPuts(dst).some((q) => q.path.includes(layer.digest.slice(7))); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    controller.abort(new Error('received SIGINT'));
    expect(await exit).toBe(130);
    expect(stderr).toMatch(/^ocipull: [^\n]*interrupted[^\n]*\n$/);
    const layerPut = uploadPuts(dst).find((q) => q.path.includes(layer.digest.slice(7)))!;
    const session = new URL(layerPut.path, dst.url).pathname;
    expect(dst.requests.some((q) => q.method === 'DELETE' && q.path.startsWith(session))).toBe(true);
    expect(dst.uploads.size).toBe(0);
    expect(manifestPuts(dst)).toEqual([]);
  });
});
