/**
 * Opening the repository a read (pull, inspect, digest, copy's source, unpack of a reference) goes to: the
 * reference's own registry, or, when registries.conf or `--mirror` gives it mirrors or rewrites it, every endpoint
 * `ocipull mirrors` prints for it, in that order, behind one `FallbackRepository`. Shared by the CLI and the library.
 */
import { blockedError, type Endpoint, type RegistriesConfig, resolveEndpoints } from '../mirrors/index.js';
import { type Reference, repositoryOf } from '../reference/index.js';
import {
  type Fallback,
  FallbackRepository,
  type RegistryClient,
  type RepositoryEndpoint,
  type RepositoryReader,
  repositoryOn,
} from '../registry/client/index.js';

/** One endpoint to open a client for: a mirror or the primary, with its registries.conf `insecure`. */
export interface EndpointTarget {
  domain: string;
  path: string;
  mirror: boolean;
  insecure: boolean;
  /** On the host the reference names: the only endpoint that may get the credentials and TLS flags given for it. */
  sameHost: boolean;
}

/** Opens the client of one endpoint (each with its own credentials and TLS settings). */
export type EndpointOpener = (target: EndpointTarget) => Promise<RegistryClient>;

/** How to open a read. */
export interface RepositoryOptions {
  open: EndpointOpener;
  /** The mirror configuration; null or undefined: the reference's registry alone. */
  mirrors?: RegistriesConfig | null | undefined;
  /** Told of each fetch that failed on one endpoint and goes to the next (`--debug`). */
  onFallback?: ((f: Fallback) => void) | undefined;
  /** The command, for a blocked reference's message (`pull`, `inspect`, …; default `pull`). */
  operation?: string | undefined;
  /** Once aborted, a failure is not passed on to the next endpoint. */
  signal?: AbortSignal | undefined;
}

/** A placeholder digest: resolving it tells which endpoints may serve content by digest. */
const ANY_DIGEST = `sha256:${'0'.repeat(64)}` as const;

function keyOf(e: Endpoint): string {
  return `${repositoryOf(e.reference)}|${e.insecure}`;
}

/**
 * The repository to read `ref` from. Throws `E_BLOCKED` when registries.conf blocks every endpoint, and
 * `E_MIRROR_CONFIG` when a rewrite gives an invalid reference. Nothing is contacted here.
 */
export async function openRepository(ref: Reference, o: RepositoryOptions): Promise<RepositoryReader> {
  const plain = async () =>
    repositoryOn(
      await o.open({ domain: ref.domain, path: ref.path, mirror: false, insecure: false, sameHost: true }),
      ref.path,
    );
  if (!o.mirrors) return plain();
  const top = resolveEndpoints(ref, o.mirrors);
  if (top.blocked) throw blockedError(top, o.operation);
  const byDigest = ref.digest ? top : resolveEndpoints({ ...ref, tag: null, digest: ANY_DIGEST }, o.mirrors);
  const digestKeys = new Set(byDigest.endpoints.map(keyOf));
  const only = top.endpoints[0]!;
  if (
    top.endpoints.length === 1 &&
    !only.insecure &&
    repositoryOf(only.reference) === repositoryOf(ref) &&
    byDigest.endpoints.every((e) => keyOf(e) === keyOf(only))
  ) {
    return plain();
  }
  const endpoint = (e: Endpoint, forTop: boolean): RepositoryEndpoint => ({
    domain: e.reference.domain,
    path: e.reference.path,
    mirror: e.mirror,
    forTop,
    forDigest: digestKeys.has(keyOf(e)),
    open: () =>
      o.open({
        domain: e.reference.domain,
        path: e.reference.path,
        mirror: e.mirror,
        insecure: e.insecure,
        sameHost: e.reference.domain === ref.domain,
      }),
  });
  const list = top.endpoints.map((e) => endpoint(e, true));
  // Mirrors that serve digests only (a tag pull's `digest-only` mirrors) may still serve its blobs: before the
  // primary, in configuration order.
  const seen = new Set(top.endpoints.map(keyOf));
  const extra = byDigest.endpoints.filter((e) => !seen.has(keyOf(e))).map((e) => endpoint(e, false));
  list.splice(list.length - 1, 0, ...extra);
  return new FallbackRepository(repositoryOf(ref), list, { onFallback: o.onFallback, signal: o.signal });
}
