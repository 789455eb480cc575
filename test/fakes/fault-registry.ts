import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small in-process distribution-spec registry on 127.0.0.1 for fault tests (STYLE.md §6): it serves manifests,
 * blobs and tags from memory, can demand Bearer or Basic auth with its own `/token` endpoint, and lets a test
 * hook any request to inject a fault (status, truncation, corruption, reset, redirect). Modelled on ggcr's
 * `pkg/registry` and regclient's `reqresp`.
 *
 * The push side follows the distribution spec ("Pushing blobs", "Pushing manifests"; COPY-MIRRORS-LOCK.md §1):
 * HEAD blob; POST an upload (optionally `?mount=&from=`: 201 when mounted, else 202 with a session); PATCH chunks
 * whose `Content-Range` must start at the current size (416 otherwise, as distribution v3 does); GET the session's
 * status (204 with `Range`); the closing `PUT ?digest=` that verifies the digest (400 DIGEST_INVALID); DELETE a
 * session; and a manifest PUT that checks its blobs and children are present and answers `Docker-Content-Digest`.
 * Every session Location carries a `_state` that changes after every PATCH and must be sent back (distribution's
 * HMAC state), so a client that does not use the newest Location fails. Hooks still run before all of it.
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
  /** Only these users may push (when auth is on); undefined = any user who logged in (see `anonymousPush`). */
  pushers?: string[] | undefined;
}

/** An open blob upload session. */
export interface UploadSession {
  id: string;
  repo: string;
  /** The path its Location names (`/v2/<repo>/blobs/uploads/<id>` unless `uploadPath` moves it). */
  path: string;
  /** Bytes received so far. */
  data: Buffer;
  /** Changes after every PATCH; a request with another `_state` is refused (400 BLOB_UPLOAD_INVALID). */
  state: number;
  /** The last PATCH was under `chunkMinLength`: it must have been the last chunk. */
  short?: boolean | undefined;
}

/** One PATCH as received: the session, its `Content-Range` as sent, the body length and the answer. */
export interface RecordedPatch {
  session: string;
  contentRange: string | undefined;
  length: number;
  status: number;
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
  /** Let anonymous clients push when auth is on (default false: a token without credentials gets pull only). */
  anonymousPush?: boolean | undefined;
  /**
   * How upload Locations are written: `absolute` (distribution's default), `path` (`/v2/…`, its
   * `http.relativeurls`), `relative` (relative to the request URL, e.g. `<id>?_state=1`) or `none` (a broken
   * registry that sends no Location at all).
   */
  locations?: 'absolute' | 'path' | 'relative' | 'none' | undefined;
  /**
   * Extra query appended to every upload Location (`sig=a~b%20c`), like a pre-signed upload URL; a session request
   * whose raw query does not carry it exactly as sent is refused (400), since the spec says to use it as given.
   */
  locationQuery?: string | undefined;
  /** Where upload sessions live; default `/v2/<repo>/blobs/uploads/<id>`. */
  uploadPath?: ((repo: string, id: string) => string) | undefined;
  /** Sent as `OCI-Chunk-Min-Length` on the POST; a PATCH after one shorter than it gets 416. */
  chunkMinLength?: number | undefined;
  /** Cross-repository mounts: `true` (default) mounts what `from` holds; `false` always opens a session (202). */
  mount?: boolean | undefined;
  /** Status of an accepted PATCH: 202 (spec) or 201 (ECR's "early accept"). */
  patchStatus?: 201 | 202 | undefined;
  /** Answer `OCI-Subject` to a manifest PUT with a `subject` (the registry keeps the referrers itself). */
  referrers?: boolean | undefined;
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
  /** Open upload sessions by path. */
  readonly uploads = new Map<string, UploadSession>();
  readonly patches: RecordedPatch[] = [];
  /** Ids of sessions cancelled with DELETE. */
  readonly cancelled: string[] = [];
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
        // A client that gave up mid-body (a reset, an aborted upload) leaves nothing to answer.
        if (res.headersSent || req.destroyed) {
          res.destroy();
          return;
        }
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

  /** The manifest stored under `ref` (a tag or digest) in `repo`, if any. */
  manifest(repo: string, ref: string): StoredManifest | undefined {
    return this.repos.get(repo)?.manifests.get(ref);
  }

  /** The session an upload URL names (absolute, or a path with or without its query). */
  session(location: string): UploadSession | undefined {
    return this.uploads.get(new URL(location, this.url).pathname);
  }

  /** The Location header for `session`, as `options.locations` asks, relative to `requestPath` when asked. */
  locationFor(session: UploadSession, requestPath: string): string | undefined {
    const extra = this.options.locationQuery ? `&${this.options.locationQuery}` : '';
    const target = `${session.path}?_state=${session.state}${extra}`;
    switch (this.options.locations ?? 'absolute') {
      case 'none':
        return undefined;
      case 'path':
        return target;
      case 'relative':
        return `${relativePath(requestPath, session.path)}?_state=${session.state}`;
      default:
        return `${this.url}${target}`;
    }
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
    const session = this.uploads.get(url.pathname);
    if (session) {
      if (!this.allowed(req, res, session.repo, 'push')) return;
      return this.handleSession(req, res, url, session);
    }
    const start = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(url.pathname);
    if (start && req.method === 'POST') {
      if (!this.allowed(req, res, start[1]!, 'push')) return;
      return this.startUpload(req, res, url, start[1]!);
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.+)$/.exec(url.pathname);
    if (!m) return this.error(res, 404, 'NAME_UNKNOWN', 'not found');
    const [, name, kind, ref] = m as unknown as [string, string, string, string];
    const writing = req.method === 'PUT' || req.method === 'DELETE' || req.method === 'POST';
    if (!this.allowed(req, res, name, writing ? 'push' : 'pull')) return;
    if (kind === 'manifests' && req.method === 'PUT') return this.putManifest(req, res, name, ref);
    if (writing) return this.error(res, 405, 'UNSUPPORTED', `${req.method} is not supported here`);
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

  /** Whether `user` (null: anonymous) may do `action` on `name` when auth is on. */
  private may(name: string, user: string | null, action: 'pull' | 'push'): boolean {
    const repo = this.repos.get(name);
    if (action === 'pull') {
      const allowed = repo?.users;
      return !allowed || (user !== null && allowed.includes(user));
    }
    if (user === null) return this.options.anonymousPush === true;
    return !repo?.pushers || repo.pushers.includes(user);
  }

  /** Answers 401 (and returns false) unless the request may do `action` on `name`. */
  private allowed(req: IncomingMessage, res: ServerResponse, name: string, action: 'pull' | 'push'): boolean {
    if (!this.options.auth) return true;
    const ok = this.authorized(req, name, action);
    if (ok === true) return true;
    const scope = `repository:${name}:${action === 'push' ? 'pull,push' : 'pull'}`;
    this.unauthorized(res, scope, ok === 'scope' ? 'insufficient_scope' : undefined);
    return false;
  }

  /** Returns true, false (no/bad credentials) or 'scope' (token lacks this repository or action). */
  private authorized(
    req: IncomingMessage,
    repoName: string | null,
    action: 'pull' | 'push' = 'pull',
  ): true | false | 'scope' {
    const a = this.options.auth!;
    const header = req.headers.authorization;
    if (a.kind === 'basic') {
      const user = this.userFromBasic(header);
      if (!user) return false;
      if (repoName === null) return true;
      return this.may(repoName, user, action) && this.may(repoName, user, 'pull') ? true : 'scope';
    }
    if (!header?.startsWith('Bearer ')) return false;
    const token = this.tokens.get(header.slice(7));
    if (!token) return false;
    if (repoName === null) return true;
    return token.scopes.includes(`repository:${repoName}:${action}`) ? true : 'scope';
  }

  private handleToken(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const user = this.userFromBasic(req.headers.authorization);
    if (user === false) {
      this.json(res, 401, { details: 'incorrect username or password' });
      return;
    }
    // Each scope is `repository:<name>:<actions>`; grant the actions this user may have, one entry per action.
    const granted = url.searchParams.getAll('scope').flatMap((scope) => {
      const m = /^repository:(.+):([a-z*,]+)$/.exec(scope);
      if (!m) return [];
      const name = m[1]!;
      const actions = m[2]!.split(',').filter((x): x is 'pull' | 'push' => x === 'pull' || x === 'push');
      return actions.filter((x) => this.may(name, user, x)).map((x) => `repository:${name}:${x}`);
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

  /** POST `/v2/<name>/blobs/uploads/`: a mount (`?mount=&from=`), a single-POST upload (`?digest=`), or a session. */
  private async startUpload(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    name: string,
  ): Promise<void> {
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    const body = await readBody(req);
    if (mount && from && this.options.mount !== false) {
      const blob = this.repos.get(from)?.blobs.get(mount);
      const user = this.options.auth ? this.requestUser(req) : null;
      if (blob && (!this.options.auth || this.may(from, user, 'pull'))) {
        this.repo(name).blobs.set(mount, blob);
        return this.blobCreated(res, name, mount);
      }
    }
    const digest = url.searchParams.get('digest');
    if (digest && body.length > 0) {
      if (sha256(body) !== digest)
        return this.error(res, 400, 'DIGEST_INVALID', 'provided digest did not match');
      this.repo(name).blobs.set(digest, body);
      return this.blobCreated(res, name, digest);
    }
    const id = randomBytes(8).toString('hex');
    const path = this.options.uploadPath?.(name, id) ?? `/v2/${name}/blobs/uploads/${id}`;
    const session: UploadSession = { id, repo: name, path, data: Buffer.alloc(0), state: 1 };
    this.uploads.set(path, session);
    if (this.options.chunkMinLength)
      res.setHeader('oci-chunk-min-length', String(this.options.chunkMinLength));
    this.sessionAnswer(res, 202, session, url.pathname);
  }

  /** Requests on an upload session: PATCH a chunk, PUT to close, GET its status, DELETE it. */
  private async handleSession(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    session: UploadSession,
  ): Promise<void> {
    if (req.method === 'DELETE') {
      this.uploads.delete(session.path);
      this.cancelled.push(session.id);
      res.statusCode = 204;
      res.end();
      return;
    }
    if (req.method === 'GET') return this.sessionAnswer(res, 204, session, url.pathname);
    const body = await readBody(req);
    if (this.options.locationQuery && !url.search.includes(this.options.locationQuery)) {
      return this.error(res, 400, 'BLOB_UPLOAD_INVALID', 'upload URL query was changed');
    }
    if (url.searchParams.get('_state') !== String(session.state)) {
      return this.error(res, 400, 'BLOB_UPLOAD_INVALID', 'blob upload invalid: stale or missing _state');
    }
    if (req.method === 'PATCH') {
      const range = req.headers['content-range'];
      const m = /^(\d+)-(\d+)$/.exec(range ?? '');
      const startAt = m ? Number(m[1]) : session.data.length;
      const bad =
        session.short === true || // the chunk before this one was under OCI-Chunk-Min-Length, so not the last
        (range !== undefined && !m) ||
        startAt !== session.data.length ||
        (m && Number(m[2]) - startAt + 1 !== body.length);
      const status = bad ? 416 : (this.options.patchStatus ?? 202);
      this.patches.push({ session: session.id, contentRange: range, length: body.length, status });
      if (bad) return this.sessionAnswer(res, 416, session, url.pathname);
      session.data = Buffer.concat([session.data, body]);
      session.state++;
      // A short chunk is accepted but remembered: only the last chunk may be under the minimum.
      session.short = this.options.chunkMinLength !== undefined && body.length < this.options.chunkMinLength;
      return this.sessionAnswer(res, status, session, url.pathname);
    }
    if (req.method === 'PUT') {
      const digest = url.searchParams.get('digest');
      const all = Buffer.concat([session.data, body]);
      if (!digest) return this.error(res, 400, 'DIGEST_INVALID', 'digest missing');
      if (sha256(all) !== digest)
        return this.error(res, 400, 'DIGEST_INVALID', 'provided digest did not match');
      this.uploads.delete(session.path);
      this.repo(session.repo).blobs.set(digest, all);
      return this.blobCreated(res, session.repo, digest);
    }
    this.error(res, 405, 'UNSUPPORTED', `${req.method} on an upload`);
  }

  /** 201 Created for a blob now in `name`. */
  private blobCreated(res: ServerResponse, name: string, digest: string): void {
    res.statusCode = 201;
    res.setHeader('location', `/v2/${name}/blobs/${digest}`);
    res.setHeader('docker-content-digest', digest);
    res.setHeader('content-length', '0');
    res.end();
  }

  /** An answer about a session: its Location (as configured), `Range: 0-<end>` and `Docker-Upload-UUID`. */
  sessionAnswer(res: ServerResponse, status: number, session: UploadSession, requestPath: string): void {
    const location = this.locationFor(session, requestPath);
    if (location) res.setHeader('location', location);
    // distribution writes `0-<size-1>`, and `0-0` for an empty session too.
    res.setHeader('range', `0-${Math.max(session.data.length - 1, 0)}`);
    res.setHeader('docker-upload-uuid', session.id);
    res.setHeader('content-length', '0');
    res.statusCode = status;
    res.end();
  }

  /** PUT `/v2/<name>/manifests/<ref>`: checks Content-Type, digest, blobs and children, then stores it. */
  private async putManifest(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    ref: string,
  ): Promise<void> {
    const body = await readBody(req);
    const digest = sha256(body);
    const contentType = req.headers['content-type'];
    if (ref.startsWith('sha256:') && ref !== digest) {
      return this.error(res, 400, 'DIGEST_INVALID', 'manifest digest did not match');
    }
    let doc: {
      mediaType?: string;
      config?: { digest: string };
      layers?: { digest: string }[];
      manifests?: { digest: string }[];
      subject?: { digest: string };
    };
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch {
      return this.error(res, 400, 'MANIFEST_INVALID', 'manifest invalid: not JSON');
    }
    if (!contentType || (doc.mediaType && doc.mediaType !== contentType)) {
      return this.error(res, 400, 'MANIFEST_INVALID', `manifest invalid: Content-Type ${contentType}`);
    }
    const repo = this.repo(name);
    const blobs = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])];
    const missingBlob = blobs.find((b) => !repo.blobs.has(b.digest));
    if (missingBlob)
      return this.error(res, 400, 'MANIFEST_BLOB_UNKNOWN', `blob unknown: ${missingBlob.digest}`);
    const missingChild = (doc.manifests ?? []).find((m) => !repo.manifests.has(m.digest));
    if (missingChild)
      return this.error(res, 400, 'MANIFEST_BLOB_UNKNOWN', `manifest unknown: ${missingChild.digest}`);
    const stored = { body, mediaType: contentType };
    repo.manifests.set(digest, stored);
    if (!ref.startsWith('sha256:')) repo.manifests.set(ref, stored);
    res.statusCode = 201;
    res.setHeader('location', `/v2/${name}/manifests/${digest}`);
    res.setHeader('docker-content-digest', digest);
    if (this.options.referrers && doc.subject) res.setHeader('oci-subject', doc.subject.digest);
    res.setHeader('content-length', '0');
    res.end();
  }

  /** The user a request authenticates as (Basic, or the user its Bearer token was issued to). */
  private requestUser(req: IncomingMessage): string | null {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) return this.tokens.get(header.slice(7))?.user ?? null;
    const user = this.userFromBasic(header);
    return user || null;
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

/** Reads a request body whole (test blobs are small). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** `to` relative to the directory of `from` (both absolute paths), as a browser would resolve it back. */
export function relativePath(from: string, to: string): string {
  const fromDir = from.split('/').slice(0, -1);
  const target = to.split('/');
  let common = 0;
  while (common < fromDir.length && common < target.length - 1 && fromDir[common] === target[common])
    common++;
  const ups = fromDir.length - common;
  return `${'../'.repeat(ups)}${target.slice(common).join('/')}` || './';
}
