/**
 * An in-process registry token server in the manner of Docker Hub's auth.docker.io, for docker-registry's
 * `auth.token` mode. It grants the intersection of what was asked and what the ACL allows and never errors
 * for missing rights (like distribution's reference server); the registry then answers `insufficient_scope`.
 *
 * - `GET /token?service=…&scope=repository:NAME:pull[&scope=…][&offline_token=true]`, Basic credentials optional.
 * - `POST /token`, form `grant_type=password|refresh_token`, `service`, `scope` (space-separated), `client_id`.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { libtrustKeyId, newJti, type ResourceAccess, signJwt, type TokenClaims } from './jwt.js';
import { grantAccess } from './token-access.js';
import {
  DEFAULT_ACL,
  type RepoAcl,
  TEST_ACL,
  TEST_REFRESH_TOKENS,
  TEST_USERS,
  type TestUser,
} from './users.js';

/** Options of {@link startTokenServer}. */
export interface TokenServerOptions {
  /** Key that signs tokens and its certificate (the registry's `rootcertbundle`). */
  signing: { certPem: string; keyPem: string };
  /** Serve HTTPS with this certificate (e.g. `TestCa.server`); plain HTTP when absent. */
  tls?: { certPem: string; keyPem: string };
  /** Listen on this port of 127.0.0.1 (default: any free port). */
  port?: number;
  /** `iss` of issued tokens (default `ocipull-test-issuer`). */
  issuer?: string;
  /** Expected `service` and the tokens' `aud` (default `ocipull-test-registry`). */
  service?: string;
  /** Known users (default {@link TEST_USERS}). */
  users?: Readonly<Record<string, TestUser>>;
  /** Per-repository pull and push ACL (default {@link TEST_ACL}). */
  acl?: Readonly<Record<string, RepoAcl>>;
  /** ACL of repositories not in `acl` (default: anonymous pull). */
  defaultAcl?: RepoAcl;
  /** Refresh token → username (default {@link TEST_REFRESH_TOKENS}). */
  refreshTokens?: Readonly<Record<string, string>>;
  /** Token lifetime in seconds (default 300). Changeable later through `TokenServer.expiresIn`. */
  expiresIn?: number;
  /** Runs first for every request; return true when it answered the request itself (fault injection). */
  onRequest?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

/** One request the token server received. */
export interface TokenRequestRecord {
  method: string;
  url: string;
  authorization: string | undefined;
  /** The form body of a POST. */
  body?: string;
}

/** A running token server. */
export interface TokenServer {
  /** Base URL, e.g. `https://127.0.0.1:40123`. */
  url: string;
  /** The token endpoint, `${url}/token`, for `auth.token.realm`. */
  realm: string;
  port: number;
  issuer: string;
  service: string;
  /** The libtrust key ID put in every token header. */
  kid: string;
  /** Token lifetime in seconds for tokens issued from now on. */
  expiresIn: number;
  /** Every request received, in order. */
  requests: TokenRequestRecord[];
  /** Claims of every token issued, in order. */
  issued: TokenClaims[];
  /** Refresh token → username; includes tokens issued for `access_type=offline` / `offline_token=true`. */
  refreshTokens: Map<string, string>;
  /** Signs a token for `subject` with exactly `access`, bypassing the ACL (for tests that need odd tokens). */
  mint(subject: string, access: ResourceAccess[], expiresIn?: number): string;
  stop(): Promise<void>;
}

type Subject = { ok: true; username: string | undefined } | { ok: false };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts a token server on 127.0.0.1; see the module doc. */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const issuer = options.issuer ?? 'ocipull-test-issuer';
  const service = options.service ?? 'ocipull-test-registry';
  const users = options.users ?? TEST_USERS;
  const acl = options.acl ?? TEST_ACL;
  const defaultAcl = options.defaultAcl ?? DEFAULT_ACL;
  const kid = libtrustKeyId(options.signing.certPem);
  const requests: TokenRequestRecord[] = [];
  const issued: TokenClaims[] = [];
  const refreshTokens = new Map(Object.entries(options.refreshTokens ?? TEST_REFRESH_TOKENS));

  const state = { expiresIn: options.expiresIn ?? 300 };

  function mint(subject: string, access: ResourceAccess[], expiresIn = state.expiresIn): string {
    const now = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      iss: issuer,
      sub: subject,
      aud: service,
      exp: now + expiresIn,
      nbf: now,
      iat: now,
      jti: newJti(),
      access,
    };
    issued.push(claims);
    return signJwt(claims, options.signing.keyPem, kid);
  }

  function checkPassword(username: string, password: string): Subject {
    const user = users[username];
    return user && user.password === password ? { ok: true, username } : { ok: false };
  }

  function basicSubject(header: string | undefined): Subject {
    if (!header) return { ok: true, username: undefined };
    const match = /^Basic\s+(\S+)$/i.exec(header);
    if (!match) return { ok: false };
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false };
    return checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
  }

  function respondToken(
    res: ServerResponse,
    username: string | undefined,
    scopes: readonly string[],
    refreshToken: string | undefined,
  ) {
    const access = grantAccess({ users, acl, defaultAcl }, username, scopes);
    const expiresIn = state.expiresIn;
    const token = mint(username ?? '', access, expiresIn);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: new Date().toISOString(),
    };
    if (scopes.length > 0) body.scope = scopes.join(' ');
    if (refreshToken !== undefined) body.refresh_token = refreshToken;
    sendJson(res, 200, body);
  }

  function newRefreshToken(username: string): string {
    const token = `rt-${randomBytes(12).toString('hex')}`;
    refreshTokens.set(token, username);
    return token;
  }

  function unauthorized(res: ServerResponse) {
    sendJson(
      res,
      401,
      { details: 'incorrect username or password' },
      {
        'www-authenticate': 'Basic realm="ocipull test token server"',
      },
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const record: TokenRequestRecord = {
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
    };
    requests.push(record);
    if (req.method === 'POST') record.body = await readBody(req);
    if (options.onRequest && (await options.onRequest(req, res))) return;

    const url = new URL(req.url ?? '/', 'http://token.invalid');
    if (url.pathname !== '/token') return sendJson(res, 404, { details: 'not found' });

    if (req.method === 'GET') {
      const requestedService = url.searchParams.get('service');
      if (requestedService !== null && requestedService !== service) {
        return sendJson(res, 400, { details: `unknown service ${requestedService}` });
      }
      const subject = basicSubject(req.headers.authorization);
      if (!subject.ok) return unauthorized(res);
      const offline = url.searchParams.get('offline_token') === 'true' && subject.username !== undefined;
      const refresh = offline ? newRefreshToken(subject.username!) : undefined;
      return respondToken(res, subject.username, url.searchParams.getAll('scope'), refresh);
    }

    if (req.method === 'POST') {
      const form = new URLSearchParams(record.body);
      const requestedService = form.get('service');
      if (requestedService !== null && requestedService !== service) {
        return sendJson(res, 400, { error: 'invalid_request', error_description: 'unknown service' });
      }
      if (!form.get('client_id')) {
        return sendJson(res, 400, { error: 'invalid_request', error_description: 'client_id is required' });
      }
      const scopes = form.getAll('scope').flatMap((scope) => scope.split(' ').filter(Boolean));
      const grantType = form.get('grant_type');
      if (grantType === 'refresh_token') {
        const refreshToken = form.get('refresh_token') ?? '';
        const username = refreshTokens.get(refreshToken);
        if (username === undefined) {
          return sendJson(res, 401, { error: 'invalid_grant', error_description: 'unknown refresh token' });
        }
        return respondToken(res, username, scopes, refreshToken);
      }
      if (grantType === 'password') {
        const subject = checkPassword(form.get('username') ?? '', form.get('password') ?? '');
        if (!subject.ok || subject.username === undefined) {
          return sendJson(res, 401, {
            error: 'invalid_grant',
            error_description: 'incorrect username or password',
          });
        }
        const offline = form.get('access_type') === 'offline';
        return respondToken(
          res,
          subject.username,
          scopes,
          offline ? newRefreshToken(subject.username) : undefined,
        );
      }
      return sendJson(res, 400, { error: 'unsupported_grant_type' });
    }

    sendJson(res, 405, { details: 'method not allowed' }, { allow: 'GET, POST' });
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { details: String(err) });
      else res.destroy();
    });
  };
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener)
    : createHttpServer(listener);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: options.port ?? 0 }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  return {
    url,
    realm: `${url}/token`,
    port,
    issuer,
    service,
    kid,
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(value: number) {
      state.expiresIn = value;
    },
    requests,
    issued,
    refreshTokens,
    mint,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
