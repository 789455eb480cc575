import type { CredentialResult } from '../auth/index.js';
import type { RetryPolicy } from '../transport/index.js';

/** Everything that shapes how ocipull talks to one registry; `resolveClientOptions` fills in every default. */
export interface ClientOptions {
  /** Display domain from the reference: `docker.io`, `ghcr.io`, `localhost:5000`. */
  domain: string;
  userAgent: string;
  /** Verify TLS certificates (default true). */
  tlsVerify: boolean;
  /** Allow plain HTTP for a non-loopback registry (`--plain-http`). Loopback registries may always use it. */
  plainHttp: boolean;
  /**
   * A registries.conf `insecure = true` endpoint, as containers/image treats it: https without certificate
   * verification first, then plain http (set `tlsVerify: false` with it).
   */
  insecure?: boolean | undefined;
  /** Extra CA directory (`--cert-dir`). */
  certDir?: string | undefined;
  /** Per-host CA roots; default `/etc/containers/certs.d`, `/etc/docker/certs.d`. */
  certDirs?: string[] | undefined;
  retry: RetryPolicy;
  /** Looks credentials up lazily, when the registry first asks. */
  resolveCredential: () => Promise<CredentialResult | null>;
  env: Record<string, string | undefined>;
  signal?: AbortSignal | undefined;
  debugLog?: ((line: string) => void) | undefined;
  /** Milliseconds to wait for headers, and between body chunks. */
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Milliseconds to wait for a connection; undefined: undici's 10 s. Mirrors get a short one. */
  connectTimeoutMs?: number | undefined;
}

/** The retry policy with `retries` retries (default 3): backoff from 250 ms, never more than 30 s per wait. */
export function retryPolicy(retries = 3): RetryPolicy {
  return { retries, baseDelayMs: 250, maxDelayMs: 30_000 };
}

/** The defaults in one place (ggcr `remote/options.go` `makeOptions`). */
export function resolveClientOptions(
  partial: Partial<ClientOptions> & Pick<ClientOptions, 'domain' | 'userAgent'>,
): ClientOptions {
  return {
    tlsVerify: true,
    plainHttp: false,
    retry: retryPolicy(),
    resolveCredential: async () => null,
    env: {},
    headersTimeoutMs: 60_000,
    bodyTimeoutMs: 120_000,
    ...partial,
  };
}
