/**
 * Opening a `RegistryClient` with credentials looked up lazily (only when the registry first asks), shared by the
 * CLI (`cli/open-client.ts`, which adds `--password-stdin`) and the library. Nothing here touches `process` beyond
 * what the caller passes in.
 */
import { homedir } from 'node:os';
import {
  type CredentialFlags,
  type CredentialResult,
  type Env,
  resolveCredential,
} from '../registry/auth/index.js';
import { RegistryClient, retryPolicy } from '../registry/client/index.js';

/** A user name and password (or token) for a registry. */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * Credentials for the one registry a call talks to (in `copy`/`push`, the destination; a call that would send them to
 * a second registry fails with `E_USAGE`), or a function asked once per registry (`docker.io`, `ghcr.io`,
 * `localhost:5000`). A function that returns `undefined` leaves that registry to the usual sources:
 * `DOCKER_AUTH_CONFIG`, `$REGISTRY_AUTH_FILE`, containers `auth.json`, Docker `config.json` and its helpers.
 * Neither form is used for a mirror, or for a host a registries.conf rewrite leads to (see `endpointSettings`).
 */
export type CredentialsOption =
  | Credentials
  | ((registry: string) => Credentials | undefined | Promise<Credentials | undefined>);

/** How to reach registries: the registry flags of the CLI plus the library's credentials option. */
export interface ClientSettings {
  userAgent: string;
  env: Env;
  /** Where `~/.docker/config.json` is looked for; default `env.HOME`, else the OS's home directory. */
  homedir?: string | undefined;
  /** The CLI's `--creds`, `--username` with the password read, and `--authfile`. */
  flags?: CredentialFlags | undefined;
  credentials?: CredentialsOption | undefined;
  tlsVerify?: boolean | undefined;
  plainHttp?: boolean | undefined;
  /** A registries.conf `insecure` endpoint: unverified https, then http. */
  insecure?: boolean | undefined;
  certDir?: string | undefined;
  retries?: number | undefined;
  /** Milliseconds to wait for a connection (default undici's 10 s). */
  connectTimeoutMs?: number | undefined;
  /** Milliseconds to wait for response headers (default 60 s). */
  headersTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  debugLog?: ((line: string) => void) | undefined;
}

/** A function that opens the client for one repository; copy ends and lock resolvers take one. */
export type ClientOpener = (domain: string, path: string | undefined) => Promise<RegistryClient>;

async function fromOption(
  option: CredentialsOption | undefined,
  domain: string,
): Promise<CredentialResult | null> {
  if (option === undefined) return null;
  const c = typeof option === 'function' ? await option(domain) : option;
  if (c === undefined || c === null) return null;
  return {
    credential: { kind: 'basic', username: c.username, password: c.password },
    source: 'credentials option',
  };
}

/** Opens a client for `domain`, with credentials looked up lazily for repository `path`. */
export function openRegistryClient(
  domain: string,
  path: string | undefined,
  s: ClientSettings,
): Promise<RegistryClient> {
  const resolve = async (): Promise<CredentialResult | null> =>
    (await fromOption(s.credentials, domain)) ??
    resolveCredential({
      domain,
      path,
      flags: s.flags,
      env: s.env,
      homedir: s.homedir ?? (s.env.HOME || homedir()),
      uid: process.getuid?.(),
      platform: process.platform,
    });
  return RegistryClient.create({
    domain,
    userAgent: s.userAgent,
    tlsVerify: s.tlsVerify !== false,
    plainHttp: s.plainHttp === true,
    insecure: s.insecure === true,
    certDir: s.certDir,
    retry: retryPolicy(s.retries),
    connectTimeoutMs: s.connectTimeoutMs,
    ...(s.headersTimeoutMs !== undefined ? { headersTimeoutMs: s.headersTimeoutMs } : {}),
    resolveCredential: resolve,
    env: s.env,
    signal: s.signal,
    debugLog: s.debugLog,
  });
}

/** How long a mirror may take to accept a connection: a dead mirror must cost seconds, not minutes. */
export const MIRROR_CONNECT_TIMEOUT_MS = 5_000;

/** How long a mirror may take to answer a request before the next endpoint is tried. */
export const MIRROR_HEADERS_TIMEOUT_MS = 20_000;

/** One endpoint of a read through registries.conf: a mirror or the primary location, maybe on another host. */
export interface EndpointKind {
  mirror: boolean;
  /** registries.conf `insecure` for this endpoint. */
  insecure: boolean;
  /** The endpoint is on the host the reference names (no location rewrite to another registry). */
  sameHost: boolean;
}

/** The reference's own registry: not a mirror, not a host a registries.conf rewrite leads to. */
export function isOwnEndpoint(e: EndpointKind): boolean {
  return !e.mirror && e.sameHost;
}

/**
 * The settings for one endpoint of a read. Only the reference's own registry (the primary, not rewritten to another
 * host) gets what was given for it: `--creds`, `--username`/`--password-stdin`, static `credentials`,
 * `--tls-verify`, `--plain-http`, `--cert-dir`, as containers/image drops explicit credentials for an endpoint on
 * another domain. Any other endpoint (a mirror, a primary rewritten elsewhere) gets credentials only from the auth
 * files, looked up by its own host, and TLS from its own `insecure` (unverified https, then http). Mirrors also get one
 * retry and short timeouts, since the next endpoint is the fallback.
 */
export function endpointSettings(s: ClientSettings, e: EndpointKind): ClientSettings {
  let out: ClientSettings = s;
  if (!isOwnEndpoint(e)) {
    out = {
      ...s,
      flags: s.flags?.authfile !== undefined ? { authfile: s.flags.authfile } : undefined,
      credentials: undefined,
      tlsVerify: true,
      plainHttp: false,
      certDir: undefined,
    };
  }
  if (e.insecure) out = { ...out, tlsVerify: false, insecure: true };
  if (e.mirror) {
    out = {
      ...out,
      retries: Math.min(s.retries ?? 3, 1),
      connectTimeoutMs: MIRROR_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: MIRROR_HEADERS_TIMEOUT_MS,
    };
  }
  return out;
}
