/**
 * Pushes built fixtures to a registry with undici, following the distribution spec: blobs (HEAD to reuse, else
 * POST an upload then a monolithic `PUT ?digest=`), then child manifests by digest, then the top one by tag.
 * This is the harness's own minimal client, independent of ocipull's code under test.
 */
import { Agent, type Dispatcher, request } from 'undici';
import { buildStandardFixtures, type StandardFixtures } from './fixtures.js';
import { type BuiltArtifact, type BuiltImage, type BuiltIndex, blobsOf, type Digest } from './images.js';
import type { TestRegistry } from './registry.js';
import type { Credentials } from './users.js';

/** Options of {@link pushImage}. */
export interface PushOptions {
  /** Send this `Authorization` header verbatim. */
  authorization?: string;
  /** Log in through the registry's challenge: a Bearer token with `pull,push` scope, or Basic. */
  credentials?: Credentials;
  /** PEM CA certificate to trust for https (registry and token realm). */
  ca?: string | Buffer;
}

/** What a push produced. */
export interface PushResult {
  repository: string;
  tags: string[];
  digest: Digest;
  mediaType: string;
  /** `HOST/REPO:FIRST_TAG`. */
  reference: string;
  /** `HOST/REPO@DIGEST`. */
  digestReference: string;
}

interface Response {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function header(res: Response, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function basic(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Parameters of a `WWW-Authenticate` challenge, e.g. `Bearer realm="…",service="…"`. */
function parseChallenge(value: string): { scheme: string; params: Record<string, string> } {
  const scheme = value.split(' ', 1)[0] ?? '';
  const params: Record<string, string> = {};
  for (const match of value.slice(scheme.length).matchAll(/([A-Za-z_]+)="([^"]*)"/g))
    params[match[1]!] = match[2]!;
  return { scheme: scheme.toLowerCase(), params };
}

class PushClient {
  private authorization: string | undefined;

  constructor(
    private readonly base: string,
    private readonly repository: string,
    private readonly dispatcher: Dispatcher,
    private readonly options: PushOptions,
  ) {
    this.authorization = options.authorization;
  }

  async send(
    method: Dispatcher.HttpMethod,
    url: string,
    headers: Record<string, string> = {},
    body?: Buffer,
  ): Promise<Response> {
    const all = this.authorization ? { ...headers, authorization: this.authorization } : headers;
    const res = await request(new URL(url, this.base), {
      method,
      headers: all,
      body,
      dispatcher: this.dispatcher,
    });
    return { statusCode: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  private fail(what: string, res: Response): never {
    throw new Error(`${what}: HTTP ${res.statusCode} ${res.text.slice(0, 500)}`);
  }

  /** Answers the registry's challenge once, unless an Authorization header was given. */
  async login(): Promise<void> {
    if (this.authorization !== undefined) return;
    const res = await this.send('GET', '/v2/');
    if (res.statusCode === 200) return;
    const challenge = header(res, 'www-authenticate');
    if (res.statusCode !== 401 || !challenge) this.fail('GET /v2/', res);
    const { scheme, params } = parseChallenge(challenge);
    const { credentials } = this.options;
    if (scheme === 'basic') {
      if (!credentials) throw new Error('registry wants Basic auth; pass credentials');
      this.authorization = basic(credentials);
      return;
    }
    if (scheme !== 'bearer' || !params.realm) throw new Error(`unsupported challenge ${challenge}`);
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', `repository:${this.repository}:pull,push`);
    const tokenRes = await request(realm, {
      headers: credentials ? { authorization: basic(credentials) } : {},
      dispatcher: this.dispatcher,
    });
    const text = await tokenRes.body.text();
    if (tokenRes.statusCode !== 200) throw new Error(`token request: HTTP ${tokenRes.statusCode} ${text}`);
    const body = JSON.parse(text) as { token?: string; access_token?: string };
    this.authorization = `Bearer ${body.token ?? body.access_token}`;
  }

  async pushBlob(blob: { digest: Digest; bytes: Buffer }): Promise<void> {
    const blobPath = `/v2/${this.repository}/blobs/${blob.digest}`;
    const head = await this.send('HEAD', blobPath);
    if (head.statusCode === 200) return;
    const start = await this.send('POST', `/v2/${this.repository}/blobs/uploads/`);
    const location = header(start, 'location');
    if (start.statusCode !== 202 || !location) this.fail(`POST upload for ${blob.digest}`, start);
    const target = new URL(location, this.base);
    target.searchParams.append('digest', blob.digest);
    const put = await this.send(
      'PUT',
      target.toString(),
      { 'content-type': 'application/octet-stream', 'content-length': String(blob.bytes.length) },
      blob.bytes,
    );
    if (put.statusCode !== 201) this.fail(`PUT blob ${blob.digest}`, put);
  }

  async pushManifest(reference: string, mediaType: string, bytes: Buffer, digest: Digest): Promise<void> {
    const res = await this.send(
      'PUT',
      `/v2/${this.repository}/manifests/${reference}`,
      { 'content-type': mediaType, 'content-length': String(bytes.length) },
      bytes,
    );
    if (res.statusCode !== 201) this.fail(`PUT manifest ${this.repository}:${reference}`, res);
    const echoed = header(res, 'docker-content-digest');
    if (echoed && echoed !== digest) throw new Error(`registry computed ${echoed} for manifest ${digest}`);
  }
}

/**
 * Pushes `built` (an image, or an index with its children) to `registryUrl` as `repo` under each tag in `tag`.
 */
export async function pushImage(
  registryUrl: string,
  repo: string,
  tag: string | readonly string[],
  built: BuiltArtifact,
  options: PushOptions = {},
): Promise<PushResult> {
  const tags = typeof tag === 'string' ? [tag] : [...tag];
  if (tags.length === 0) throw new Error('pushImage: no tag');
  const dispatcher = new Agent({ connect: options.ca ? { ca: options.ca } : {} });
  try {
    const client = new PushClient(registryUrl, repo, dispatcher, options);
    await client.login();
    // Concurrency matters: distribution's filesystem driver spends ~10 ms per write on a small machine.
    await Promise.all(blobsOf(built).map((blob) => client.pushBlob(blob)));
    if (built.kind === 'index') {
      await Promise.all(
        built.manifests.map((child) =>
          client.pushManifest(child.manifestDigest, child.mediaType, child.manifest, child.manifestDigest),
        ),
      );
    }
    await Promise.all(
      tags.map((name) => client.pushManifest(name, built.mediaType, built.manifest, built.manifestDigest)),
    );
  } finally {
    await dispatcher.close();
  }
  const host = new URL(registryUrl).host;
  return {
    repository: repo,
    tags,
    digest: built.manifestDigest,
    mediaType: built.mediaType,
    reference: `${host}/${repo}:${tags[0]}`,
    digestReference: `${host}/${repo}@${built.manifestDigest}`,
  };
}

/** A pushed fixture: where it is and what was built. */
export type SeededFixture<T extends BuiltArtifact = BuiltArtifact> = PushResult & { built: T };

/** The standard fixture set in a registry; see {@link seedFixtures}. */
export interface SeededFixtures {
  /** `oci/image:1`: OCI image, linux/amd64, two layers. */
  ociImage: SeededFixture<BuiltImage>;
  /** `docker/image:1`: Docker v2 image, linux/amd64 (same layer and config blobs as ociImage). */
  dockerImage: SeededFixture<BuiltImage>;
  /** `multi/oci:1`: OCI index, amd64 + arm64/v8 + arm/v7 + a BuildKit attestation for amd64. */
  multiOci: SeededFixture<BuiltIndex>;
  /** `multi/docker:1`: Docker manifest list, amd64 + arm64/v8 + arm/v7. */
  multiDocker: SeededFixture<BuiltIndex>;
  /**
   * `private/app:1` (auth on only): OCI image, linux/amd64. With token auth only alice (and push users) may pull;
   * htpasswd has no ACL, so there any valid user may.
   */
  privateApp?: SeededFixture<BuiltImage>;
  /** `many/tags` with MANY_TAGS (30) tags (`tag-01` … `tag-30`), all one small OCI image. */
  manyTags: SeededFixture<BuiltImage>;
}

/** Pushes the standard fixtures (see {@link SeededFixtures}) into `registry`, as its push user when auth is on. */
export async function seedFixtures(registry: TestRegistry): Promise<SeededFixtures> {
  const built: StandardFixtures = await buildStandardFixtures();
  const options: PushOptions = {};
  if (registry.caCertPem) options.ca = registry.caCertPem;
  if (registry.pushCredentials) options.credentials = registry.pushCredentials;
  const push = async <T extends BuiltArtifact>(repo: string, tags: string | string[], artifact: T) => ({
    ...(await pushImage(registry.url, repo, tags, artifact, options)),
    built: artifact,
  });
  const [ociImage, dockerImage, multiOci, multiDocker, manyTags, privateApp] = await Promise.all([
    push('oci/image', '1', built.ociImage),
    push('docker/image', '1', built.dockerImage),
    push('multi/oci', '1', built.multiOci),
    push('multi/docker', '1', built.multiDocker),
    push('many/tags', built.manyTagNames, built.manyTags),
    registry.auth === 'none' ? undefined : push('private/app', '1', built.privateApp),
  ]);
  const fixtures: SeededFixtures = { ociImage, dockerImage, multiOci, multiDocker, manyTags };
  if (privateApp) fixtures.privateApp = privateApp;
  return fixtures;
}
