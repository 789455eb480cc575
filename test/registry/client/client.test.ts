import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../../src/registry/client/index.js';
import { FaultRegistry, serveBytes } from '../../fakes/fault-registry.js';
import { addImage, addIndex } from '../../fakes/image.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: ConstructorParameters<typeof Object>[0] = {}) {
  const reg = await FaultRegistry.start(opts);
  cleanups.push(() => reg.close());
  return reg;
}

async function client(reg: FaultRegistry, creds?: { username: string; password: string }) {
  const c = await RegistryClient.create({
    domain: reg.host,
    userAgent: 'ocipull/test',
    retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 50 },
    resolveCredential: async () =>
      creds ? { credential: { kind: 'basic', ...creds }, source: 'test' } : null,
  });
  cleanups.push(() => c.close());
  return c;
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string; hint?: string };
  }
  throw new Error('expected a rejection');
}

describe('RegistryClient manifests', () => {
  it('computes the digest over the exact bytes and parses an image', async () => {
    const reg = await setup();
    const img = addImage(reg, 'app', 'v1');
    const c = await client(reg);
    const got = await c.getManifest('app', 'v1');
    expect(got.digest).toBe(img.digest);
    expect(got.bytes.toString()).toBe(img.manifest);
    expect(got.parsed.kind).toBe('image');
    expect(reg.requestsTo('/manifests/v1')[0]!.headers.accept).toContain(
      'application/vnd.oci.image.index.v1+json',
    );
  });

  it('sends the full Accept list on HEAD too and returns the header digest', async () => {
    const reg = await setup();
    const idx = addIndex(reg, 'multi', 'latest');
    const c = await client(reg);
    const head = await c.headManifest('multi', 'latest');
    expect(head.digest).toBe(idx.digest);
    const sent = reg.requestsTo('/manifests/latest')[0]!;
    expect(sent.method).toBe('HEAD');
    for (const t of ['oci.image.index', 'oci.image.manifest', 'manifest.list.v2', 'manifest.v2+json']) {
      expect(sent.headers.accept).toContain(t);
    }
  });

  it('ignores a lying Docker-Content-Digest and reports the hash of the bytes', async () => {
    const reg = await setup();
    const img = addImage(reg, 'app', 'v1');
    reg.hook((req, res) => {
      if (!req.url?.includes('/manifests/v1')) return false;
      res.setHeader('docker-content-digest', `sha256:${'0'.repeat(64)}`);
      res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
      res.end(img.manifest);
      return true;
    });
    const got = await (await client(reg)).getManifest('app', 'v1');
    expect(got.digest).toBe(img.digest);
    expect(got.headerDigest).toBe(`sha256:${'0'.repeat(64)}`);
  });

  it('fails with E_INTEGRITY when bytes fetched by digest hash to something else', async () => {
    const reg = await setup();
    const img = addImage(reg, 'app', 'v1');
    reg.hook((req, res) => {
      if (!req.url?.includes(`/manifests/${img.digest}`)) return false;
      res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
      res.end(img.manifest.replace('"schemaVersion":2', '"schemaVersion":2 '));
      return true;
    });
    const err = await codeOf((await client(reg)).getManifest('app', img.digest));
    expect(err.code).toBe('E_INTEGRITY');
  });

  it('maps 404 MANIFEST_UNKNOWN to E_MANIFEST_UNKNOWN naming the tag and repository', async () => {
    const reg = await setup();
    addImage(reg, 'app', 'v1');
    const err = await codeOf((await client(reg)).getManifest('app', 'nope'));
    expect(err.code).toBe('E_MANIFEST_UNKNOWN');
    expect(err.message).toContain(`nope not found in repository ${reg.host}/app`);
    expect(err.hint).toContain('ocipull tags');
  });

  it('rejects bad JSON with E_MANIFEST_INVALID and an oversize manifest with E_MANIFEST_TOO_LARGE', async () => {
    const reg = await setup();
    reg.addManifest('app', 'bad', '{"schemaVersion":2,', 'application/vnd.oci.image.manifest.v1+json');
    reg.hook((req, res) => {
      if (!req.url?.includes('/manifests/huge')) return false;
      res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
      // No Content-Length: the cap must trip while reading.
      res.write('{"x":"');
      for (let i = 0; i < 5; i++) res.write('a'.repeat(1024 * 1024));
      res.end('"}');
      return true;
    });
    const c = await client(reg);
    expect((await codeOf(c.getManifest('app', 'bad'))).code).toBe('E_MANIFEST_INVALID');
    expect((await codeOf(c.getManifest('app', 'huge'))).code).toBe('E_MANIFEST_TOO_LARGE');
  });

  it('refuses a schema 1 manifest with E_UNSUPPORTED', async () => {
    const reg = await setup();
    reg.addManifest(
      'old',
      'v1',
      '{"schemaVersion":1,"name":"old","tag":"v1","fsLayers":[],"history":[]}',
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
    );
    const err = await codeOf((await client(reg)).getManifest('old', 'v1'));
    expect(err.code).toBe('E_UNSUPPORTED');
    expect(err.message).toMatch(/schema 1/);
  });
});

describe('RegistryClient retries and rate limits', () => {
  it('retries a 503 and then succeeds', async () => {
    const reg = await setup();
    addImage(reg, 'app', 'v1');
    let failures = 1;
    reg.hook((req, res) => {
      if (!req.url?.includes('/manifests/v1') || failures-- <= 0) return false;
      reg.error(res, 503, 'UNAVAILABLE', 'try later');
      return true;
    });
    await (await client(reg)).getManifest('app', 'v1');
    expect(reg.requestsTo('/manifests/v1')).toHaveLength(2);
  });

  it('gives up after the retries with E_REGISTRY on a registry that stays down', async () => {
    const reg = await setup();
    reg.hook((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      reg.error(res, 503, 'UNAVAILABLE', 'down');
      return true;
    });
    const err = await codeOf((await client(reg)).getManifest('app', 'v1'));
    expect(err.code).toBe('E_REGISTRY');
    expect(reg.requestsTo('/manifests/v1')).toHaveLength(3);
  });

  it('fails at once on a 429 with spent quota, showing the figures', async () => {
    const reg = await setup({
      rateLimit: { limit: 100, remaining: 0, window: 21600, source: '203.0.113.9' },
    });
    reg.hook((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.setHeader('ratelimit-limit', '100;w=21600');
      res.setHeader('ratelimit-remaining', '0;w=21600');
      res.setHeader('retry-after', '1');
      reg.error(res, 429, 'TOOMANYREQUESTS', 'You have reached your unauthenticated pull rate limit.');
      return true;
    });
    const err = await codeOf((await client(reg)).getManifest('app', 'v1'));
    expect(err.code).toBe('E_RATE_LIMITED');
    expect(err.message).toContain('0 of 100 pulls left (6h window)');
    expect(reg.requestsTo('/manifests/v1')).toHaveLength(1);
  });

  it('reads rate-limit headers from a HEAD', async () => {
    const reg = await setup({
      rateLimit: { limit: 100, remaining: 76, window: 21600, source: '203.0.113.9' },
    });
    addImage(reg, 'app', 'v1');
    const head = await (await client(reg)).headManifest('app', 'v1');
    expect(head.rateLimit).toEqual({
      set: true,
      limit: 100,
      remaining: 76,
      windowSeconds: 21600,
      source: '203.0.113.9',
    });
  });

  it('falls back to GET when HEAD answers 405', async () => {
    const reg = await setup();
    const img = addImage(reg, 'app', 'v1');
    reg.hook((req, res) => {
      if (req.method !== 'HEAD') return false;
      res.statusCode = 405;
      res.end();
      return true;
    });
    expect((await (await client(reg)).headManifest('app', 'v1')).digest).toBe(img.digest);
  });
});

describe('RegistryClient auth', () => {
  it('answers 401 with an anonymous token and caches it per scope', async () => {
    const reg = await setup({ auth: { kind: 'bearer' } });
    addImage(reg, 'app', 'v1');
    addImage(reg, 'other', 'v1');
    const c = await client(reg);
    await c.getManifest('app', 'v1');
    await c.getManifest('app', 'v1');
    await c.headManifest('app', 'v1');
    expect(reg.tokenRequests).toHaveLength(1);
    expect(reg.tokenRequests[0]!.path).toContain('scope=repository%3Aapp%3Apull');
    expect(reg.tokenRequests[0]!.headers.authorization).toBeUndefined();
    await c.getManifest('other', 'v1');
    expect(reg.tokenRequests).toHaveLength(2);
  });

  it('uses credentials for a private repository and fails without them with E_AUTH and a hint', async () => {
    const reg = await setup({ auth: { kind: 'bearer', users: { alice: 's3cret' } } });
    addImage(reg, 'private/app', 'v1');
    reg.repo('private/app').users = ['alice'];
    const ok = await (await client(reg, { username: 'alice', password: 's3cret' })).getManifest(
      'private/app',
      'v1',
    );
    expect(ok.parsed.kind).toBe('image');
    expect(reg.tokenRequests.at(-1)!.headers.authorization).toBe(
      `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
    );

    const err = await codeOf((await client(reg)).getManifest('private/app', 'v1'));
    expect(err.code).toBe('E_AUTH');
    expect(err.hint).toMatch(/--creds|ocipull login/);
  });

  it('reports refused credentials with E_AUTH without leaking the password', async () => {
    const reg = await setup({ auth: { kind: 'bearer', users: { alice: 's3cret' } } });
    addImage(reg, 'app', 'v1');
    const err = await codeOf(
      (await client(reg, { username: 'alice', password: 'wrong-pw' })).getManifest('app', 'v1'),
    );
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain('credentials were rejected');
    expect(JSON.stringify(err) + err.message + err.hint).not.toContain('wrong-pw');
  });

  it('refetches the token once on insufficient_scope', async () => {
    const reg = await setup({ auth: { kind: 'bearer' } });
    addImage(reg, 'app', 'v1');
    const c = await client(reg);
    await c.getManifest('app', 'v1');
    reg.tokens.clear(); // the registry forgets every token: the next request is refused once
    await c.getManifest('app', 'v1');
    expect(reg.tokenRequests).toHaveLength(2);
  });

  it('speaks Basic auth when the registry asks for it', async () => {
    const reg = await setup({ auth: { kind: 'basic', users: { bob: 'pw' } } });
    addImage(reg, 'app', 'v1');
    await (await client(reg, { username: 'bob', password: 'pw' })).getManifest('app', 'v1');
    expect(reg.requestsTo('/manifests/v1').at(-1)!.headers.authorization).toBe(
      `Basic ${Buffer.from('bob:pw').toString('base64')}`,
    );
  });

  it('refuses a token realm on a link-local address', async () => {
    const reg = await setup({ auth: { kind: 'bearer', realm: 'http://169.254.169.254/latest/meta-data' } });
    addImage(reg, 'app', 'v1');
    const err = await codeOf((await client(reg)).getManifest('app', 'v1'));
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain('link-local');
  });

  it('never sends Authorization to the host a blob redirects to', async () => {
    const reg = await setup({ auth: { kind: 'bearer' } });
    const img = addImage(reg, 'app', 'v1');
    const layer = img.layers[0]!;
    const seen: (string | undefined)[] = [];
    const cdn = createServer((req, res) => {
      seen.push(req.headers.authorization);
      serveBytes(req, res, layer.bytes);
    });
    await new Promise<void>((r) => cdn.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => cdn.close(r)));
    const cdnPort = (cdn.address() as AddressInfo).port;
    reg.hook((req, res) => {
      if (!req.url?.includes('/blobs/')) return false;
      if (!req.headers.authorization) return false; // let the normal 401 happen first
      res.statusCode = 307;
      res.setHeader('location', `http://127.0.0.1:${cdnPort}/blob?sig=abc`);
      res.end();
      return true;
    });
    const c = await client(reg);
    const blob = await c.getBlob('app', layer);
    const chunks: Buffer[] = [];
    for await (const chunk of blob.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(layer.bytes)).toBe(true);
    expect(seen).toEqual([undefined]);
    expect(reg.requestsTo('/blobs/').at(-1)!.headers.authorization).toMatch(/^Bearer /);
  });
});

describe('RegistryClient blobs and tags', () => {
  it('resumes a blob from an offset with Range', async () => {
    const reg = await setup();
    const img = addImage(reg, 'app', 'v1', { layers: [Buffer.alloc(1000, 7)] });
    const layer = img.layers[0]!;
    const blob = await (await client(reg)).getBlob('app', layer, 400);
    expect(blob.start).toBe(400);
    expect(blob.contentLength).toBe(600);
    await blob.body.dump();
  });

  it('reports start 0 when a server ignores Range', async () => {
    const reg = await setup();
    const img = addImage(reg, 'app', 'v1', { layers: [Buffer.alloc(1000, 7)] });
    reg.hook((req, res) => {
      if (!req.url?.includes('/blobs/')) return false;
      delete req.headers.range;
      serveBytes(req, res, img.layers[0]!.bytes);
      return true;
    });
    const blob = await (await client(reg)).getBlob('app', img.layers[0]!, 400);
    expect(blob.start).toBe(0);
    await blob.body.dump();
  });

  it('rejects a Content-Length that differs from the descriptor before reading', async () => {
    const reg = await setup();
    const img = addImage(reg, 'app', 'v1');
    const err = await codeOf(
      (await client(reg)).getBlob('app', { digest: img.layers[0]!.digest, size: img.layers[0]!.size + 1 }),
    );
    expect(err.code).toBe('E_INTEGRITY');
  });

  it('verifies small blobs read whole', async () => {
    const reg = await setup();
    const img = addImage(reg, 'app', 'v1');
    const c = await client(reg);
    expect((await c.getBlobBytes('app', img.configDesc)).equals(img.config)).toBe(true);
    reg
      .repo('app')
      .blobs.set(img.configDesc.digest, Buffer.from(img.config.toString().replace('amd64', 'arm64')));
    expect((await codeOf(c.getBlobBytes('app', img.configDesc))).code).toBe('E_INTEGRITY');
  });

  it('follows Link pagination for tags', async () => {
    const reg = await setup({ tagPageSize: 3 });
    for (let i = 0; i < 10; i++) addImage(reg, 'many', `t${String(i).padStart(2, '0')}`);
    const tags = await (await client(reg)).listTags('many');
    expect(tags).toEqual(Array.from({ length: 10 }, (_, i) => `t${String(i).padStart(2, '0')}`));
    expect(reg.requestsTo('/tags/list').length).toBe(4);
  });
});
