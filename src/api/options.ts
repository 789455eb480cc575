/** The options every library call takes, and the one place their defaults are filled in (STYLE.md §7). */
import { setMaxListeners } from 'node:events';
import { OcipullError } from '../errors.js';
import { blockedRepositoryError, type RegistriesConfig } from '../mirrors/index.js';
import { hostPlatform, type PlatformSpec, parsePlatform } from '../oci/types/index.js';
import type { ProgressEvent } from '../progress/events.js';
import type { Reference } from '../reference/index.js';
import type { RegistryClient, RepositoryReader } from '../registry/client/index.js';
import {
  type ClientOpener,
  type ClientSettings,
  type CredentialsOption,
  type EndpointKind,
  endpointSettings,
  isOwnEndpoint,
  openRegistryClient,
} from './client.js';
import { type MirrorOptions, readMirrorConfig } from './mirror-config.js';
import { openRepository } from './repository.js';
import { version } from './version.js';

/** Options common to every call that talks to a registry. */
export interface CommonOptions {
  /** Aborting rejects the call with an `E_INTERRUPTED` error; partial blob files are kept for the next run. */
  signal?: AbortSignal | undefined;
  /** Progress events, in order (`resolved` first, `index-updated` last); a handler that throws is ignored. */
  onProgress?: ((event: ProgressEvent) => void) | undefined;
  /** Non-fatal notes (a progress handler that threw, skipped device nodes…); dropped when absent. */
  onWarning?: ((message: string) => void) | undefined;
  /** One line per request, retry and credential source (never secrets): the CLI's `--debug`. */
  onDebug?: ((line: string) => void) | undefined;
  /** Static credentials, or a function asked per registry; see {@link CredentialsOption}. */
  credentials?: CredentialsOption | undefined;
  /** Read credentials only from this auth.json/config.json (`--authfile`). */
  authfile?: string | undefined;
  /** The environment: proxies, `DOCKER_CONFIG`, `REGISTRY_AUTH_FILE`, `HOME`… Default `process.env`. */
  env?: Record<string, string | undefined> | undefined;
  /** Retries for network errors, 408, 429 and 5xx, and resumes of broken downloads (default 3). */
  retries?: number | undefined;
  /** Use plain HTTP for a non-loopback registry (loopback registries try http, then https, anyway). */
  plainHttp?: boolean | undefined;
  /** Verify TLS certificates (default true). */
  tlsVerify?: boolean | undefined;
  /** Also trust the CA certificates (`*.crt`, `*.pem`) in this directory. */
  certDir?: string | undefined;
  /** The `User-Agent` header; default `ocipull/VERSION`. */
  userAgent?: string | undefined;
  /**
   * Mirrors for reads (pull, inspect, digest, copy's source, unpack), as the CLI's flags: by default the machine's
   * registries.conf (`CONTAINERS_REGISTRIES_CONF`, `~/.config/containers`, `/etc/containers`) and
   * `OCIPULL_MIRRORS` (an invalid machine file is reported through `onWarning` and ignored); `false` reads no
   * configuration at all (no mirrors, rewriting or `blocked`; `{ noMirrors: true }` keeps the last two). Writes
   * never go to mirrors.
   */
  mirrors?: false | MirrorOptions | undefined;
}

/** What an operation runs with: a signal it owns, a safe progress emitter, and a client opener. */
export interface Runtime {
  signal: AbortSignal;
  env: Record<string, string | undefined>;
  emit(event: ProgressEvent): void;
  warn(message: string): void;
  /** A client with the common options' TLS and credentials. */
  open: ClientOpener;
  /** A client with per-side overrides (copy's `src*`/`dest*` options). */
  openWith(overrides: Partial<CommonOptions>): ClientOpener;
  /** The repository to read `ref` from, through its mirrors (`mirrors` option), with per-side overrides. */
  openRepo(ref: Reference, overrides?: Partial<CommonOptions>): Promise<RepositoryReader>;
  /** A client for a repository contacted directly (lock, verify): refused with `E_BLOCKED` when registries.conf blocks it. */
  openDirect: ClientOpener;
}

/** The platform to choose from an index: the option, else the host's (always linux). */
export function platformOf(value: string | undefined): PlatformSpec {
  return value ? parsePlatform(value) : hostPlatform();
}

function interrupted(operation: string, reason: unknown): OcipullError {
  return new OcipullError('E_INTERRUPTED', `${operation}: interrupted`, { cause: reason });
}

/**
 * Runs one library call: links the caller's signal to one of our own (so the listeners our requests add stay on
 * our signal), wraps `onProgress` so a throwing handler cannot break a download (reported once through
 * `onWarning`), and turns any failure after an abort into `E_INTERRUPTED`.
 */
export async function runOperation<T>(
  operation: string,
  options: CommonOptions,
  body: (rt: Runtime) => Promise<T>,
): Promise<T> {
  const outer = options.signal;
  if (outer?.aborted) throw interrupted(operation, outer.reason);
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  const warn = (message: string) => {
    try {
      options.onWarning?.(message);
    } catch {
      // A warning handler that throws has nowhere left to report to.
    }
  };
  let reported = false;
  const emit = (event: ProgressEvent) => {
    if (!options.onProgress) return;
    try {
      options.onProgress(event);
    } catch (err) {
      if (!reported) warn(`onProgress threw (further errors ignored): ${String(err)}`);
      reported = true;
    }
  };
  const env = options.env ?? process.env;
  // Static credentials belong to one registry: the first one they are used for in this call. Another registry is
  // refused rather than sent them (lock/verify across registries, say); a function is asked per registry instead.
  const boundTo = new Map<object, string>();
  const openWith =
    (o: Partial<CommonOptions>, endpoint?: EndpointKind): ClientOpener =>
    async (domain, path): Promise<RegistryClient> => {
      const m = { ...options, ...o };
      if (m.credentials && typeof m.credentials === 'object') {
        const first = boundTo.get(m.credentials) ?? domain;
        boundTo.set(m.credentials, first);
        if (first !== domain) {
          throw new OcipullError(
            'E_USAGE',
            `${operation}: static credentials are for one registry, but this call reaches ${first} and ${domain}`,
            { hint: 'pass credentials as a function (registry) => credentials | undefined' },
          );
        }
      }
      const settings = settingsOf(m);
      return openRegistryClient(domain, path, endpoint ? endpointSettings(settings, endpoint) : settings);
    };
  const settingsOf = (m: CommonOptions): ClientSettings => ({
    userAgent: m.userAgent ?? `ocipull/${version}`,
    env,
    credentials: m.credentials,
    flags: { authfile: m.authfile },
    tlsVerify: m.tlsVerify,
    plainHttp: m.plainHttp,
    certDir: m.certDir,
    retries: m.retries,
    signal: controller.signal,
    debugLog: m.onDebug,
  });
  let mirrorConfig: Promise<RegistriesConfig | null> | undefined;
  const configOf = () => {
    const m = options.mirrors;
    mirrorConfig ??= m === false ? Promise.resolve(null) : readMirrorConfig(m ?? {}, env, warn);
    return mirrorConfig;
  };
  const verb = operation.split(' ')[0]!;
  const openDirect: ClientOpener = async (domain, path) => {
    const config = await configOf();
    const refused = config && blockedRepositoryError({ domain, path: path ?? '' }, config, verb);
    if (refused) throw refused;
    return openWith({})(domain, path);
  };
  const openRepo = async (ref: Reference, o: Partial<CommonOptions> = {}): Promise<RepositoryReader> => {
    return openRepository(ref, {
      mirrors: await configOf(),
      operation: verb,
      signal: controller.signal,
      // Only the reference's own registry gets the call's credentials and TLS options (static or a function): a
      // mirror, or a primary rewritten to another host, gets the auth files' credentials for its own host.
      open: (t) =>
        isOwnEndpoint(t)
          ? openWith(o, t)(t.domain, t.path)
          : openRegistryClient(t.domain, t.path, endpointSettings(settingsOf({ ...options, ...o }), t)),
      onFallback: (f) => warn(`${f.from}: ${f.error}; trying ${f.to}`),
    });
  };
  try {
    return await body({
      signal: controller.signal,
      env,
      emit,
      warn,
      open: openWith({}),
      openWith,
      openRepo,
      openDirect,
    });
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    throw err instanceof OcipullError && err.code === 'E_INTERRUPTED' ? err : interrupted(operation, err);
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
}
