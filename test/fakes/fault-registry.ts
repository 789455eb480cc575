import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small in-process distribution-spec registry on 127.0.0.1 for fault tests (STYLE.md §6): it serves manifests,
 * blobs and tags from memory, can demand Bearer or Basic auth with its own `/token` endpoint, and lets a test
 * hook any request to inject a fault (status, truncation, corruption, reset, redirect). Modelled on ggcr's
 * `pkg/registry` and regclient's `reqresp`.
 */

export interface StoredManifest {
  body: Buffer;
  mediaType: string;
}

export interface FakeRepo {
  /** By tag or digest; `addManifest` also indexes it under its digest. */
  manifests: Map<string, StoredManifest>;
  blobs: Map<string, Buffer>;
  /** Only these users may pull (when auth is on); undefined = anonymous pull allowed. */
  users?: string[] | undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

/** Return true when the hook answered the request itself. */
export type Hook = (
  req: IncomingMessage,
  res: ServerResponse,
  registry: FaultRegistry,
) => boolean | Promise<boolean>;

export interface FaultRegistryOptions {
  auth?:
    | {
        kind: 'bearer' | 'basic';
        users?: Record<string, string>;
        realm?: string;
        service?: string;
        expiresIn?: number;
      }
    | undefined;
  rateLimit?: { limit: number; remaining: number; window: number; source?: string } | undefined;
  /** Page size for tag lists with Link headers; undefined sends all tags at once. */
  tagPageSize?: number | undefined;
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class FaultRegistry {
  readonly server: Server;
  readonly repos = new Map<string, FakeRepo>();
  readonly requests: RecordedRequest[] = [];
  readonly tokenRequests: RecordedRequest[] = [];
  readonly tokens = new Map<string, { user: string | null; scopes: string[] }>();
  hooks: Hook[] = [];
  options: FaultRegistryOptions;

  private constructor(server: Server, options: FaultRegistryOptions) {
    this.server = server;
    this.options = options;
  }

  static async start(options: FaultRegistryOptions = {}): Promise<FaultRegistry> {
    const server = createServer();
    const registry = new FaultRegistry(server, options);
    server.on('request', (req, res) => {
      registry.handle(req, res).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return registry;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `127.0.0.1:PORT`, usable as a reference domain. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  repo(name: string): FakeRepo {
    let r = this.repos.get(name);
    if (!r) {
      r = { manifests: new Map(), blobs: new Map() };
      this.repos.set(name, r);
    }
    return r;
  }

  addBlob(repo: string, bytes: Buffer): { digest: string; size: number } {
    const digest = sha256(bytes);
    this.repo(repo).blobs.set(digest, bytes);
    return { digest, size: bytes.length };
  }

  addManifest(
    repo: string,
    tag: string | null,
    body: Buffer | string,
    mediaType: string,
  ): { digest: string; size: number } {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const digest = sha256(bytes);
    const r = this.repo(repo);
    r.manifests.set(digest, { body: bytes, mediaType });
    if (tag) r.manifests.set(tag, { body: bytes, mediaType });
    return { digest, size: bytes.length };
  }

  /** Adds a hook that runs before the normal handler; the most recently added runs first. */
  hook(h: Hook): void {
    this.hooks.unshift(h);
  }

  requestsTo(pathPart: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(pathPart));
  }

  /** Stops the server; safe to call more than once. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private challenge(scope?: string, error?: string): string {
    const a = this.options.auth!;
    if (a.kind === 'basic') return 'Basic realm="fault-registry"';
    const realm = a.realm ?? `${this.url}/token`;
    return `Bearer realm="${realm}",service="${a.service ?? 'fault-registry'}"${scope ? `,scope="${scope}"` : ''}${error ? `,error="${error}"` : ''}`;
  }

  private userFromBasic(header: string | undefined): string | null | false {
    if (!header?.startsWith('Basic ')) return null;
    const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString().split(':');
    return this.options.auth?.users?.[user!] === rest.join(':') ? user! : false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const record = { method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers };
    if (url.pathname === '/token') {
      this.tokenRequests.push(record);
      return this.handleToken(req, res, url);
    }
    this.requests.push(record);
    for (const h of this.hooks) if (await h(req, res, this)) return;
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      if (this.options.auth && !this.authorized(req, null)) return this.unauthorized(res);
      res.setHeader('docker-distribution-api-version', 'registry/2.0');
      return this.json(res, 200, {});
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.+)$/.exec(url.pathname);
    if (!m) return this.error(res, 404, 'NAME_UNKNOWN', 'not found');
    const [, name, kind, ref] = m as unknown as [string, string, string, string];
    const scope = `repository:${name}:pull`;
    if (this.options.auth) {
      const ok = this.authorized(req, name);
      if (ok !== true)
        return this.unauthorized(res, scope, ok === 'scope' ? 'insufficient_scope' : undefined);
    }
    const repo = this.repos.get(name);
    if (!repo) return this.error(res, 404, 'NAME_UNKNOWN', 'repository name not known to registry');
    if (this.options.rateLimit && kind === 'manifests') {
      const rl = this.options.rateLimit;
      res.setHeader('ratelimit-limit', `${rl.limit};w=${rl.window}`);
      res.setHeader('ratelimit-remaining', `${rl.remaining};w=${rl.window}`);
      if (rl.source) res.setHeader('docker-ratelimit-source', rl.source);
    }
    if (kind === 'tags') return this.handleTags(res, repo, name, url);
    if (kind === 'manifests') {
      const found = repo.manifests.get(ref);
      if (!found) return this.error(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
      res.statusCode = 200;
      res.setHeader('content-type', found.mediaType);
      res.setHeader('content-length', found.body.length);
      res.setHeader('docker-content-digest', sha256(found.body));
      res.end(req.method === 'HEAD' ? undefined : found.body);
      return;
    }
    const blob = repo.blobs.get(ref);
    if (!blob) return this.error(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
    return serveBytes(req, res, blob);
  }

  /** Returns true, false (no/bad credentials) or 'scope' (token lacks this repository). */
  private authorized(req: IncomingMessage, repoName: string | null): true | false | 'scope' {
    const a = this.options.auth!;
    const header = req.headers.authorization;
    if (a.kind === 'basic') {
      const user = this.userFromBasic(header);
      if (!user) return false;
      const allowed = repoName ? this.repos.get(repoName)?.users : undefined;
      return !allowed || allowed.includes(user) ? true : 'scope';
    }
    if (!header?.startsWith('Bearer ')) return false;
    const token = this.tokens.get(header.slice(7));
    if (!token) return false;
    if (repoName === null) return true;
    return token.scopes.includes(`repository:${repoName}:pull`) ? true : 'scope';
  }

  private handleToken(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const user = this.userFromBasic(req.headers.authorization);
    if (user === false) {
      this.json(res, 401, { details: 'incorrect username or password' });
      return;
    }
    const granted = url.searchParams.getAll('scope').filter((scope) => {
      const name = /^repository:(.+):pull$/.exec(scope)?.[1];
      if (!name) return false;
      const allowed = this.repos.get(name)?.users;
      return !allowed || (user !== null && allowed.includes(user));
    });
    const token = randomBytes(12).toString('hex');
    this.tokens.set(token, { user, scopes: granted });
    this.json(res, 200, {
      token,
      access_token: token,
      expires_in: this.options.auth?.expiresIn ?? 300,
      issued_at: new Date().toISOString(),
    });
  }

  private handleTags(res: ServerResponse, repo: FakeRepo, name: string, url: URL): void {
    const all = [...repo.manifests.keys()].filter((k) => !k.startsWith('sha256:')).sort();
    const size = this.options.tagPageSize;
    if (!size) {
      this.json(res, 200, { name, tags: all });
      return;
    }
    const last = url.searchParams.get('last');
    const start = last ? all.findIndex((t) => t > last) : 0;
    const page = start < 0 ? [] : all.slice(start, start + size);
    if (start >= 0 && start + size < all.length) {
      res.setHeader(
        'link',
        `</v2/${name}/tags/list?last=${encodeURIComponent(page[page.length - 1]!)}&n=${size}>; rel="next"`,
      );
    }
    this.json(res, 200, { name, tags: page });
  }

  unauthorized(res: ServerResponse, scope?: string, error?: string): void {
    res.setHeader('www-authenticate', this.challenge(scope, error));
    this.error(res, 401, 'UNAUTHORIZED', 'authentication required');
  }

  error(res: ServerResponse, status: number, code: string, message: string): void {
    this.json(res, status, { errors: [{ code, message, detail: null }] });
  }

  json(res: ServerResponse, status: number, body: unknown): void {
    const bytes = Buffer.from(JSON.stringify(body));
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', bytes.length);
    res.end(bytes);
  }
}

/** Serves bytes with `Range` support (206), as distribution's filesystem driver does. */
export function serveBytes(req: IncomingMessage, res: ServerResponse, bytes: Buffer): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  if (start > bytes.length) {
    res.statusCode = 416;
    res.end();
    return;
  }
  const part = bytes.subarray(start);
  res.statusCode = range ? 206 : 200;
  if (range) res.setHeader('content-range', `bytes ${start}-${bytes.length - 1}/${bytes.length}`);
  res.setHeader('content-type', 'application/octet-stream');
  res.setHeader('content-length', part.length);
  res.setHeader('docker-content-digest', sha256(bytes));
  res.end(req.method === 'HEAD' ? undefined : part);
}
