import { IntegrityError, OcipullError } from '../../errors.js';
import {
  type Descriptor,
  type Digest,
  isDigest,
  MANIFEST_ACCEPT,
  type ParsedManifest,
  parseManifest,
  sha256Digest,
} from '../../oci/types/index.js';
import { connectHost, isLoopbackDomain } from '../../reference/index.js';
import { AuthSession } from '../auth/index.js';
import {
  BodyLimits,
  createDispatcher,
  loadExtraCa,
  parseRateLimit,
  type RateLimit,
  readCapped,
  Transport,
  type TransportRequest,
  type TransportResponse,
} from '../transport/index.js';
import { errorFromResponse, manifestTooLarge } from './errors.js';
import { nextLink } from './link.js';
import { type ClientOptions, resolveClientOptions } from './options.js';
import { discard, headerValue } from './response.js';

/** A manifest as served: the exact bytes, the digest we computed over them, and its parsed form. */
export interface ManifestResult {
  bytes: Buffer;
  /** sha256 of `bytes`; never taken from a header. */
  digest: Digest;
  mediaType: string;
  parsed: ParsedManifest;
  /** `Docker-Content-Digest` as sent, a hint only. */
  headerDigest?: string | undefined;
  rateLimit: RateLimit;
}

/** What a HEAD on a manifest tells without a body. */
export interface ManifestHead {
  digest?: Digest | undefined;
  mediaType?: string | undefined;
  size?: number | undefined;
  rateLimit: RateLimit;
}

/** A blob response with its body still streaming. */
export interface BlobResponse {
  /** The body; the caller must consume or destroy it. */
  body: TransportResponse['body'];
  /** Offset of the first byte in the body: the requested offset for a 206, 0 when the server ignored `Range`. */
  start: number;
  /** `Content-Length` of this response, when sent. */
  contentLength?: number | undefined;
}

/**
 * Talks to one registry: ping, manifests (one Accept list, digest over the exact bytes), blobs (streamed, with
 * `Range` for resuming) and tags (following `Link`). Authentication is handled by its `AuthSession`.
 */
export class RegistryClient {
  readonly options: ClientOptions;
  readonly #transport: Transport;
  readonly #session: AuthSession;
  #baseUrl: URL | undefined;
  #pinging: Promise<URL> | undefined;
  readonly #schemes: ('https' | 'http')[];

  private constructor(options: ClientOptions, transport: Transport, schemes: ('https' | 'http')[]) {
    this.options = options;
    this.#transport = transport;
    this.#schemes = schemes;
    const host = connectHost(options.domain);
    this.#session = new AuthSession({
      transport,
      registryUrl: new URL(`${schemes[0]}://${host}`),
      registryHost: options.domain,
      resolveCredential: options.resolveCredential,
      allowPlainHttpCredentials:
        options.plainHttp || options.insecure === true || isLoopbackDomain(options.domain),
      debugLog: options.debugLog,
    });
  }

  /** Builds a client for `partial.domain`, loading the extra CAs that apply to its host. */
  static async create(
    partial: Partial<ClientOptions> & Pick<ClientOptions, 'domain' | 'userAgent'>,
  ): Promise<RegistryClient> {
    const options = resolveClientOptions(partial);
    const host = connectHost(options.domain);
    const extraCa = await loadExtraCa({
      host,
      certDir: options.certDir,
      certDirs: options.certDirs,
      env: options.env,
    });
    const dispatcher = createDispatcher({
      tlsVerify: options.tlsVerify,
      extraCa,
      proxy: {
        httpProxy: options.env.HTTP_PROXY ?? options.env.http_proxy,
        httpsProxy: options.env.HTTPS_PROXY ?? options.env.https_proxy,
        noProxy: options.env.NO_PROXY ?? options.env.no_proxy,
      },
      maxRedirections: 5,
      headersTimeoutMs: options.headersTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    const transport = new Transport(dispatcher, options.userAgent, options.retry, {
      onRetry: (r) =>
        options.debugLog?.(`retry ${r.attempt} of ${r.method} ${r.url} in ${r.delayMs} ms: ${r.reason}`),
      onRequest: (r) =>
        options.debugLog?.(`${r.method} ${r.url}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}`),
    });
    // https everywhere except loopback registries (http first, as ggcr's `Registry.Scheme()` does for localhost,
    // then https) and `--plain-http`. Trying http first on loopback also saves building a TLS context (~0.1 s).
    // An insecure registries.conf endpoint tries https (unverified), then http, as containers/image does.
    const schemes: ('https' | 'http')[] = options.plainHttp
      ? ['http']
      : isLoopbackDomain(options.domain)
        ? ['http', 'https']
        : options.insecure
          ? ['https', 'http']
          : ['https'];
    return new RegistryClient(options, transport, schemes);
  }

  /** The registry's auth session, for commands that need to check credentials (`login`). */
  get session(): AuthSession {
    return this.#session;
  }

  /**
   * Pings `/v2/` to learn the scheme and the auth challenge (as ggcr's transport does up front), once per client.
   */
  ping(): Promise<URL> {
    if (this.#baseUrl) return Promise.resolve(this.#baseUrl);
    // Concurrent first requests (a copy's blob jobs) share one ping; a failed ping may be tried again.
    this.#pinging ??= this.#ping().finally(() => {
      this.#pinging = undefined;
    });
    return this.#pinging;
  }

  async #ping(): Promise<URL> {
    const host = connectHost(this.options.domain);
    let lastError: unknown;
    for (const scheme of this.#schemes) {
      const url = new URL(`${scheme}://${host}/v2/`);
      try {
        const res = await this.#transport.send({
          method: 'GET',
          url,
          signal: this.options.signal,
          operation: `ping ${this.options.domain}`,
        });
        await res.body.dump({ limit: BodyLimits.error }).catch(() => undefined);
        if (scheme === 'http' && res.status === 400 && this.#schemes.length > 1) {
          // A TLS server answering plain HTTP ("Client sent an HTTP request to an HTTPS server"): try https.
          throw new OcipullError('E_NETWORK', `ping ${url.origin}: the server speaks TLS`);
        }
        if (res.status === 401) this.#session.setChallenges(res.headers['www-authenticate']);
        else if (res.status === 404) {
          throw new OcipullError(
            'E_REGISTRY',
            `ping ${this.options.domain}: ${url.origin} has no registry API at /v2/ (404)`,
            {
              hint: 'check the registry address',
            },
          );
        } else if (res.status >= 500) {
          throw await errorFromResponse(res, this.#ctx('GET', url, `ping ${this.options.domain}`, ''));
        }
        this.#baseUrl = new URL(`${scheme}://${host}`);
        this.#session.registryUrl = this.#baseUrl;
        return this.#baseUrl;
      } catch (err) {
        lastError = err;
        if (!(err instanceof OcipullError) || (err.code !== 'E_NETWORK' && err.code !== 'E_TLS')) throw err;
        this.options.debugLog?.(`ping ${url.origin} failed (${err.message})`);
      }
    }
    throw lastError;
  }

  #ctx(method: string, url: URL, operation: string, path: string, subject?: string) {
    return {
      operation,
      method,
      url,
      domain: this.options.domain,
      repository: path ? `${this.options.domain}/${path}` : this.options.domain,
      subject,
      authenticated: false,
    };
  }

  async #send(
    method: 'GET' | 'HEAD',
    path: string,
    suffix: string,
    operation: string,
    headers: Record<string, string>,
  ) {
    return this.request({ method, path, suffix, operation, headers });
  }

  /**
   * Sends one request to this registry, authorized for `scopes` (default `repository:<path>:pull`): to
   * `/v2/<path>/<suffix>`, or to `url` (an upload `Location`, resolved by the caller). `Authorization` is only ever
   * added for the registry's own origin. For the push side (`upload.ts`, `manifest-put.ts`).
   */
  async request(req: {
    method: TransportRequest['method'];
    path: string;
    suffix?: string | undefined;
    url?: URL | undefined;
    headers?: Record<string, string> | undefined;
    body?: TransportRequest['body'];
    operation: string;
    scopes?: string[] | undefined;
    retry?: boolean | undefined;
  }): Promise<{ res: TransportResponse; url: URL; authenticated: boolean }> {
    const base = await this.ping();
    const url = req.url ?? new URL(`/v2/${req.path}/${req.suffix ?? ''}`, base);
    const res = await this.#session.send(
      {
        method: req.method,
        url,
        headers: req.headers,
        body: req.body,
        signal: this.options.signal,
        operation: req.operation,
        retry: req.retry,
      },
      req.scopes ?? [`repository:${req.path}:pull`],
    );
    const found = res.status === 401 ? await this.#session.credential() : null;
    return { res, url, authenticated: found !== null };
  }

  /** The error for an unexpected response, with the message and hint `errorFromResponse` gives it. */
  async failure(
    res: TransportResponse,
    at: {
      method: string;
      url: URL;
      operation: string;
      path: string;
      subject?: string;
      authenticated: boolean;
    },
  ): Promise<OcipullError> {
    return errorFromResponse(res, {
      ...this.#ctx(at.method, at.url, at.operation, at.path, at.subject),
      authenticated: at.authenticated,
    });
  }

  /**
   * HEADs a manifest with the full Accept list (Docker Hub resolves digests per Accept), costing no Docker Hub
   * pull. Falls back to GET when the registry mishandles HEAD (405/501) or sends no digest.
   */
  async headManifest(path: string, reference: string): Promise<ManifestHead> {
    const operation = `resolve ${this.options.domain}/${path}${reference.includes(':') ? '@' : ':'}${reference}`;
    const { res, url, authenticated } = await this.#send('HEAD', path, `manifests/${reference}`, operation, {
      accept: MANIFEST_ACCEPT.join(', '),
    });
    if (res.status === 405 || res.status === 501) {
      await res.body.dump().catch(() => undefined);
      const got = await this.getManifest(path, reference);
      return {
        digest: got.digest,
        mediaType: got.mediaType,
        size: got.bytes.length,
        rateLimit: got.rateLimit,
      };
    }
    if (res.status !== 200) {
      throw await errorFromResponse(res, {
        ...this.#ctx('HEAD', url, operation, path, reference),
        authenticated,
      });
    }
    await res.body.dump().catch(() => undefined);
    const digest = headerValue(res.headers, 'docker-content-digest');
    const length = headerValue(res.headers, 'content-length');
    return {
      digest: digest && isDigest(digest) ? digest : undefined,
      mediaType: headerValue(res.headers, 'content-type')?.split(';')[0]?.trim(),
      size: length !== undefined ? Number(length) : undefined,
      rateLimit: parseRateLimit(res.headers),
    };
  }

  /**
   * GETs a manifest and verifies it: the digest is computed over the exact bytes (never re-serialized); when
   * `reference` is a digest the bytes must hash to it. `Docker-Content-Digest` is only a hint.
   */
  async getManifest(path: string, reference: string, expectedSize?: number): Promise<ManifestResult> {
    const byDigest = reference.includes(':');
    const operation = `fetch manifest ${this.options.domain}/${path}${byDigest ? '@' : ':'}${reference}`;
    const { res, url, authenticated } = await this.#send('GET', path, `manifests/${reference}`, operation, {
      accept: MANIFEST_ACCEPT.join(', '),
    });
    if (res.status !== 200) {
      throw await errorFromResponse(res, {
        ...this.#ctx('GET', url, operation, path, reference),
        authenticated,
      });
    }
    const length = headerValue(res.headers, 'content-length');
    if (length !== undefined && Number(length) > BodyLimits.manifest) {
      void discard(res.body);
      throw manifestTooLarge(operation, length);
    }
    const bytes = await readCapped(res.body, BodyLimits.manifest, {
      code: 'E_MANIFEST_TOO_LARGE',
      message: operation,
    });
    const digest = sha256Digest(bytes);
    if (byDigest && digest !== reference) {
      throw new IntegrityError(
        `${operation}: manifest bytes hash to ${digest}, not the requested digest`,
        { digest: reference, size: expectedSize },
        { digest, size: bytes.length },
      );
    }
    if (expectedSize !== undefined && bytes.length !== expectedSize) {
      throw new IntegrityError(
        `${operation}: manifest is ${bytes.length} bytes, the descriptor says ${expectedSize}`,
        { digest: reference, size: expectedSize },
        { digest, size: bytes.length },
      );
    }
    let parsed: ParsedManifest;
    try {
      parsed = parseManifest(bytes, headerValue(res.headers, 'content-type'));
    } catch (err) {
      if (err instanceof OcipullError)
        throw new OcipullError(err.code, `${operation}: ${err.message}`, { hint: err.hint, cause: err });
      throw err;
    }
    return {
      bytes,
      digest,
      mediaType: parsed.mediaType,
      parsed,
      headerDigest: headerValue(res.headers, 'docker-content-digest'),
      rateLimit: parseRateLimit(res.headers),
    };
  }

  /**
   * GETs a blob as a stream, from `offset` when resuming. Follows redirects (to CDNs, without `Authorization`),
   * asks for identity encoding, and checks `Content-Length` against the descriptor before any byte is read.
   */
  async getBlob(
    path: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    offset = 0,
  ): Promise<BlobResponse> {
    const operation = `fetch blob ${descriptor.digest} from ${this.options.domain}/${path}`;
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const { res, url, authenticated } = await this.#send(
      'GET',
      path,
      `blobs/${descriptor.digest}`,
      operation,
      headers,
    );
    if (res.status !== 200 && res.status !== 206) {
      throw await errorFromResponse(res, {
        ...this.#ctx('GET', url, operation, path, descriptor.digest),
        authenticated,
      });
    }
    const encoding = headerValue(res.headers, 'content-encoding');
    if (encoding && encoding !== 'identity') {
      void discard(res.body);
      throw new OcipullError(
        'E_REGISTRY',
        `${operation}: server applied Content-Encoding ${encoding} although identity was asked`,
      );
    }
    let start = 0;
    if (res.status === 206) {
      const range = /^bytes (\d+)-/.exec(headerValue(res.headers, 'content-range') ?? '');
      if (!range || Number(range[1]) !== offset) {
        void discard(res.body);
        throw new OcipullError(
          'E_REGISTRY',
          `${operation}: server answered a Range request with the wrong Content-Range`,
        );
      }
      start = offset;
    }
    const lengthHeader = headerValue(res.headers, 'content-length');
    const contentLength = lengthHeader !== undefined ? Number(lengthHeader) : undefined;
    if (contentLength !== undefined && start + contentLength !== descriptor.size) {
      void discard(res.body);
      throw new IntegrityError(
        `${operation}: Content-Length ${contentLength}${start ? ` from offset ${start}` : ''} does not match the descriptor size ${descriptor.size}`,
        { digest: descriptor.digest, size: descriptor.size },
        { size: start + contentLength },
      );
    }
    return { body: res.body, start, contentLength };
  }

  /** Reads a small blob (an image config) whole, with a cap, and verifies its size and digest. */
  async getBlobBytes(
    path: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    limit = BodyLimits.config,
  ): Promise<Buffer> {
    const operation = `fetch blob ${descriptor.digest} from ${this.options.domain}/${path}`;
    if (descriptor.size > limit) {
      throw new OcipullError(
        'E_MANIFEST_INVALID',
        `${operation}: ${descriptor.size} bytes is over the ${limit}-byte limit for configs`,
      );
    }
    const { body } = await this.getBlob(path, descriptor);
    const bytes = await readCapped(body, limit, { code: 'E_MANIFEST_INVALID', message: operation });
    const digest = sha256Digest(bytes);
    if (bytes.length !== descriptor.size || digest !== descriptor.digest) {
      throw new IntegrityError(
        `${operation}: got ${bytes.length} bytes hashing to ${digest}, expected ${descriptor.size} bytes`,
        { digest: descriptor.digest, size: descriptor.size },
        { digest, size: bytes.length },
      );
    }
    return bytes;
  }

  /** Lists every tag of a repository, following `Link: <…>; rel="next"` pages (and coping with servers that send none). */
  async listTags(path: string): Promise<string[]> {
    const operation = `list tags of ${this.options.domain}/${path}`;
    const tags: string[] = [];
    const seen = new Set<string>();
    let suffix = 'tags/list?n=1000';
    for (let page = 0; page < 10_000; page++) {
      const { res, url, authenticated } = await this.#send('GET', path, suffix, operation, {
        accept: 'application/json',
      });
      if (res.status !== 200) {
        throw await errorFromResponse(res, { ...this.#ctx('GET', url, operation, path), authenticated });
      }
      const bytes = await readCapped(res.body, BodyLimits.manifest, {
        code: 'E_REGISTRY',
        message: operation,
      });
      let list: unknown;
      try {
        list = (JSON.parse(bytes.toString('utf8')) as { tags?: unknown }).tags;
      } catch {
        throw new OcipullError('E_REGISTRY', `${operation}: registry sent a tag list that is not JSON`);
      }
      if (list !== null && list !== undefined && !Array.isArray(list)) {
        throw new OcipullError('E_REGISTRY', `${operation}: registry sent a malformed tag list`);
      }
      for (const t of (list ?? []) as unknown[]) {
        if (typeof t === 'string' && !seen.has(t)) {
          seen.add(t);
          tags.push(t);
        }
      }
      const next = nextLink(headerValue(res.headers, 'link'), url);
      if (!next || next.origin !== url.origin) return tags;
      const prefix = `/v2/${path}/`;
      if (!next.pathname.startsWith(prefix)) return tags;
      const nextSuffix = next.pathname.slice(prefix.length) + next.search;
      if (nextSuffix === suffix) return tags;
      suffix = nextSuffix;
    }
    return tags;
  }

  /**
   * Checks that the configured credentials are accepted (for `login`): pings, then GETs `/v2/` with
   * authentication — a token exchange for Bearer registries, the header itself for Basic ones.
   */
  async verifyCredentials(): Promise<void> {
    const base = await this.ping();
    if (!this.#session.requiresAuth) return;
    const operation = `log in to ${this.options.domain}`;
    const url = new URL('/v2/', base);
    const res = await this.#session.send({ method: 'GET', url, signal: this.options.signal, operation });
    if (res.status !== 200) {
      throw await errorFromResponse(res, { ...this.#ctx('GET', url, operation, ''), authenticated: true });
    }
    await discard(res.body);
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.#transport.close();
  }
}
