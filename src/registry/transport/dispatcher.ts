import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent, interceptors } from 'undici';

/** TLS, proxy and connection settings for one registry's dispatcher. */
export interface DispatcherOptions {
  /** Verify server certificates (default true). `--tls-verify=false` turns it off. */
  tlsVerify: boolean;
  /** Extra trusted CA certificates (PEM), added to the system roots, not replacing them. */
  extraCa: string[];
  /** Proxy settings, read by the caller from HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  proxy: { httpProxy?: string | undefined; httpsProxy?: string | undefined; noProxy?: string | undefined };
  /** How many redirects to follow (blob GETs redirect to CDNs). */
  maxRedirections: number;
  /** Milliseconds to wait for response headers, and between body chunks. */
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Milliseconds to wait for a connection (and TLS handshake); undici's default is 10 s. */
  connectTimeoutMs?: number | undefined;
}

/**
 * Builds the undici dispatcher: a keep-alive pool (through a proxy when one is configured), wrapped by undici's
 * redirect interceptor, which drops `Authorization`, `Cookie` and `Proxy-Authorization` whenever a redirect changes
 * the origin (undici lib/handler/redirect-handler.js) — what blob redirects to CDNs and pre-signed S3 URLs need.
 */
export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  // Passing `ca` replaces Node's trust store, so keep the system roots when adding our own.
  const ca = opts.extraCa.length > 0 ? [...rootCertificates, ...opts.extraCa] : undefined;
  const connect = {
    rejectUnauthorized: opts.tlsVerify,
    ...(ca ? { ca } : {}),
    ...(opts.connectTimeoutMs !== undefined ? { timeout: opts.connectTimeoutMs } : {}),
  };
  const base = {
    connect,
    headersTimeout: opts.headersTimeoutMs,
    bodyTimeout: opts.bodyTimeoutMs,
    keepAliveTimeout: 10_000,
    allowH2: false,
  };
  const { httpProxy, httpsProxy, noProxy } = opts.proxy;
  const agent: Dispatcher =
    httpProxy || httpsProxy
      ? new EnvHttpProxyAgent({
          ...base,
          // '' rather than undefined: undici falls back to process.env for nullish values, and the caller's env
          // (which may not be process.env) is the only source of proxy settings.
          httpProxy: httpProxy ?? '',
          httpsProxy: httpsProxy ?? '',
          noProxy: noProxy ?? '',
          requestTls: connect,
        })
      : new Agent(base);
  return agent.compose(interceptors.redirect({ maxRedirections: opts.maxRedirections }));
}
