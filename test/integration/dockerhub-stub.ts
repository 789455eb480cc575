/**
 * An in-process HTTPS stand-in for `registry-1.docker.io` that only knows the rate-limit probe: it challenges like
 * Docker Hub (`Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`) and, given a token the
 * caller accepts, answers `HEAD /v2/ratelimitpreview/test/manifests/latest` with Docker Hub's rate-limit headers.
 * Anything else (a GET of that manifest included: it would spend a pull on Docker Hub) gets a 404.
 * docker-registry never sends those headers, hence this stub (TESTING.md: test such things with your own server).
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request the stub received. */
export interface StubRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** Options of {@link startRateLimitStub}. */
export interface RateLimitStubOptions {
  /** Server certificate and key (must name `registry-1.docker.io`). */
  tls: { certPem: string; keyPem: string };
  realm: string;
  service: string;
  /** Headers sent with the manifest answer, e.g. `ratelimit-limit: 100;w=21600`. */
  rateLimitHeaders: Readonly<Record<string, string>>;
  /** What the probe manifest's HEAD reports. */
  manifest: { digest: string; mediaType: string; size: number };
  /** Whether a `Bearer …` token grants `scope`; the stub answers 401 otherwise. */
  accepts(token: string, scope: string): boolean;
}

/** A running stub. */
export interface RateLimitStub {
  port: number;
  requests: StubRequest[];
  stop(): Promise<void>;
}

const PROBE_PATH = '/v2/ratelimitpreview/test/manifests/latest';
const PROBE_SCOPE = 'repository:ratelimitpreview/test:pull';

/** Starts the stub on 127.0.0.1 (any free port). */
export async function startRateLimitStub(options: RateLimitStubOptions): Promise<RateLimitStub> {
  const requests: StubRequest[] = [];
  const challenge = (scope?: string) =>
    `Bearer realm="${options.realm}",service="${options.service}"${scope ? `,scope="${scope}"` : ''}`;
  const json = (errors: unknown) => JSON.stringify({ errors });

  const server: Server = createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
    const authorization = req.headers.authorization;
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization });
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const send = (status: number, headers: Record<string, string | number>, body = '') => {
      res.writeHead(status, { 'docker-distribution-api-version': 'registry/2.0', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };

    if (req.url === '/v2/' && req.method === 'GET') {
      if (bearer && options.accepts(bearer, ''))
        return send(200, { 'content-type': 'application/json' }, '{}');
      const body = json([{ code: 'UNAUTHORIZED', message: 'authentication required' }]);
      return send(401, { 'www-authenticate': challenge(), 'content-type': 'application/json' }, body);
    }
    if (req.url === PROBE_PATH && req.method === 'HEAD') {
      if (!bearer || !options.accepts(bearer, PROBE_SCOPE)) {
        const body = json([{ code: 'UNAUTHORIZED', message: 'authentication required' }]);
        return send(
          401,
          { 'www-authenticate': challenge(PROBE_SCOPE), 'content-type': 'application/json' },
          body,
        );
      }
      return send(200, {
        'content-type': options.manifest.mediaType,
        'content-length': options.manifest.size,
        'docker-content-digest': options.manifest.digest,
        etag: `"${options.manifest.digest}"`,
        ...options.rateLimitHeaders,
      });
    }
    send(
      404,
      { 'content-type': 'application/json' },
      json([{ code: 'NAME_UNKNOWN', message: 'not served by the stub' }]),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
