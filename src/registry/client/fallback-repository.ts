/**
 * One repository reached through several endpoints: registries.conf mirrors first, the primary location last
 * (COPY-MIRRORS-LOCK.md §2.7). The top manifest comes from the first endpoint that serves it (that endpoint is "the
 * source"); everything fetched by digest afterwards (child manifests, configs, layers) tries the source first and
 * then every other endpoint allowed to serve digests, since content addressing makes any of them as good: a 404, a
 * 5xx, a refused connection, a body that breaks or bytes that do not hash to the digest move that one item to the
 * next endpoint. An endpoint that fails twice in a row (connection, timeout, 5xx) is skipped for the rest of the run,
 * as regclient's backoff does. Each endpoint has its own client, so credentials are looked up per physical host and
 * the primary's are never sent to a mirror.
 */
import { IntegrityError, OcipullError } from '../../errors.js';
import type { Descriptor } from '../../oci/types/index.js';
import { isAbortError, RegistryError } from '../transport/index.js';
import type { BlobResponse, ManifestHead, ManifestResult, RegistryClient } from './client.js';
import type { Fallback, RepositoryReader, ServedBy } from './repository.js';

/** One place the repository can be read from. */
export interface RepositoryEndpoint {
  /** The registry and repository path to request there (after location rewriting). */
  readonly domain: string;
  readonly path: string;
  readonly mirror: boolean;
  /** May serve the reference as given (a tag, or a digest for a digest reference). */
  readonly forTop: boolean;
  /** May serve content by digest (blobs, child manifests) once the top is known. */
  readonly forDigest: boolean;
  /** Opens this endpoint's client (called at most once, when first needed). */
  open(): Promise<RegistryClient>;
}

/** Consecutive connection, timeout or 5xx failures after which an endpoint is skipped for the rest of the run. */
const DEAD_AFTER = 2;

interface State {
  readonly endpoint: RepositoryEndpoint;
  readonly label: string;
  client?: Promise<RegistryClient>;
  failures: number;
}

/** True for an error that means "this endpoint is unwell", not "this item is missing or wrong here". */
function isOutage(err: unknown): boolean {
  if (err instanceof RegistryError) return err.temporary;
  return err instanceof OcipullError && err.code === 'E_NETWORK';
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Reads one repository from the first endpoint that has what is asked for. */
export class FallbackRepository implements RepositoryReader {
  readonly name: string;
  readonly #states: State[];
  readonly #onFallback: ((f: Fallback) => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  #source: State | undefined;
  #attempts: { repository: string; error: string }[] = [];
  readonly #fallbacks: Fallback[] = [];
  /** The endpoints whose bytes of a blob were sent to the caller, per digest (for `rejectBlob`). */
  readonly #served = new Map<string, Set<State>>();
  /** The endpoint whose body of a blob was handed out last, per digest (until it breaks). */
  readonly #lastServer = new Map<string, State>();
  /** The endpoint whose body of a blob broke last, per digest, until another request for it succeeds. */
  readonly #brokenBy = new Map<string, State>();
  /** How many times a blob moved to another endpoint after a break. */
  readonly #moves = new Map<string, number>();
  /** Endpoints whose bytes of a blob did not hash to it, per digest: never asked for it again. */
  readonly #rejected = new Map<string, Set<State>>();

  /** `name` is the logical repository (`docker.io/library/debian`); `endpoints` in order, the primary last. */
  constructor(
    name: string,
    endpoints: readonly RepositoryEndpoint[],
    opts: { onFallback?: ((f: Fallback) => void) | undefined; signal?: AbortSignal | undefined } = {},
  ) {
    if (endpoints.length === 0) throw new Error('FallbackRepository needs at least one endpoint');
    this.name = name;
    this.#states = endpoints.map((endpoint) => ({
      endpoint,
      label: `${endpoint.domain}/${endpoint.path}`,
      failures: 0,
    }));
    this.#onFallback = opts.onFallback;
    this.#signal = opts.signal;
  }

  servedBy(): ServedBy | undefined {
    const s = this.#source;
    return (
      s && {
        repository: s.label,
        mirror: s.endpoint.mirror,
        attempts: this.#attempts,
        fallbacks: this.#fallbacks,
      }
    );
  }

  headManifest(reference: string): Promise<ManifestHead> {
    return this.#run(reference, this.#candidates(reference), (c, path) => c.headManifest(path, reference));
  }

  getManifest(reference: string, expectedSize?: number): Promise<ManifestResult> {
    return this.#run(reference, this.#candidates(reference), (c, path) =>
      c.getManifest(path, reference, expectedSize),
    );
  }

  getBlob(desc: Pick<Descriptor, 'digest' | 'size'>, offset: number): Promise<BlobResponse> {
    // After a body broke (`blobBroke`), the endpoint that sent it goes last for this blob, so the bytes already
    // received continue elsewhere with Range, on the same running hash.
    const broken = this.#brokenBy.get(desc.digest);
    const candidates = this.#candidates(desc.digest);
    const ordered = broken
      ? [...candidates.filter((s) => s !== broken), ...candidates.filter((s) => s === broken)]
      : candidates;
    return this.#run(desc.digest, ordered, async (c, path, state) => {
      const res = await c.getBlob(path, desc, offset);
      if (broken) {
        this.#brokenBy.delete(desc.digest);
        if (state !== broken) {
          this.#fellBack({
            digest: desc.digest,
            from: broken.label,
            error: `blob ${desc.digest}: the transfer broke; continued at byte ${offset}`,
            to: state.label,
          });
        }
      }
      this.#lastServer.set(desc.digest, state);
      setOf(this.#served, desc.digest).add(state);
      return res;
    });
  }

  blobBroke(digest: string): boolean {
    const server = this.#lastServer.get(digest);
    if (!server) return false; // no new body since the last break: the request itself failed everywhere
    this.#lastServer.delete(digest);
    server.failures++;
    this.#brokenBy.set(digest, server);
    // Free moves are bounded: at most one per endpoint for a blob, then breaks count as retries again.
    const moves = (this.#moves.get(digest) ?? 0) + 1;
    this.#moves.set(digest, moves);
    if (moves > this.#states.length) return false;
    return this.#candidates(digest).some((s) => s !== server);
  }

  getBlobBytes(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Buffer> {
    return this.#run(desc.digest, this.#candidates(desc.digest), (c, path) => c.getBlobBytes(path, desc));
  }

  rejectBlob(digest: string): boolean {
    const served = this.#served.get(digest) ?? new Set<State>();
    this.#served.delete(digest);
    this.#lastServer.delete(digest);
    this.#brokenBy.delete(digest);
    const rejected = setOf(this.#rejected, digest);
    for (const s of served) rejected.add(s);
    let next = this.#candidates(digest)[0];
    // Bytes from two endpoints (a resume) hashed wrong: the primary alone is the authority; try it once more.
    const primary = this.#states.at(-1)!;
    if (!next && served.size > 1 && served.has(primary)) {
      rejected.delete(primary);
      next = primary;
    }
    if (!next) return false;
    for (const s of served) {
      this.#fellBack({
        digest,
        from: s.label,
        error: `blob ${digest}: its bytes do not match the digest`,
        to: next.label,
      });
    }
    return true;
  }

  #fellBack(f: Fallback): void {
    this.#fallbacks.push(f);
    this.#onFallback?.(f);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#states.map(async (s) => (s.client ? (await s.client.catch(() => null))?.close() : undefined)),
    );
  }

  /**
   * The endpoints to try for `reference`, in order. A tag, or the first request of all: those allowed to serve the
   * reference as given. By digest, once the source is known: the source, then the others allowed to serve digests.
   * Dead endpoints and those that sent wrong bytes for this digest are left out.
   */
  #candidates(reference: string): State[] {
    const byDigest = reference.includes(':');
    const rejected = this.#rejected.get(reference);
    const usable = (s: State) => s.failures < DEAD_AFTER && !rejected?.has(s);
    if (!byDigest || !this.#source) {
      const top = this.#states.filter((s) => s.endpoint.forTop);
      const ordered = this.#source ? [this.#source, ...top.filter((s) => s !== this.#source)] : top;
      const alive = ordered.filter(usable);
      // Every endpoint dead: still ask the primary rather than fail without a request.
      return alive.length > 0 ? alive : ordered.slice(-1);
    }
    const others = this.#states.filter((s) => s !== this.#source && s.endpoint.forDigest);
    const all = [this.#source, ...others].filter((s) => !rejected?.has(s));
    const alive = all.filter(usable);
    // Every endpoint dead: ask the last one left rather than fail without a request.
    return alive.length > 0 ? alive : all.slice(-1);
  }

  async #client(s: State): Promise<RegistryClient> {
    s.client ??= s.endpoint.open();
    return s.client;
  }

  async #run<T>(
    subject: string,
    candidates: State[],
    fetch: (client: RegistryClient, path: string, state: State) => Promise<T>,
  ): Promise<T> {
    if (candidates.length === 0) {
      throw new IntegrityError(
        `fetch ${subject} from ${this.name}: no endpoint left to serve it`,
        { digest: subject },
        { size: 0 },
        { hint: 'every mirror and the registry sent bytes that do not match the digest' },
      );
    }
    const isTop = this.#source === undefined;
    const failed: { state: State; error: unknown }[] = [];
    const described = (list: typeof failed) =>
      list.map((f) => ({ repository: f.state.label, error: describe(f.error) }));
    for (const state of candidates) {
      const last = failed.at(-1);
      // Interrupted: a failure that follows is the interruption's, not a reason to ask the next endpoint.
      if (last && this.#signal?.aborted) throw last.error;
      if (last) {
        const f = { digest: subject, from: last.state.label, error: describe(last.error), to: state.label };
        // Before the source is known, failures are `attempts` (the summary and --json list them); after, fallbacks.
        if (!isTop) this.#fellBack(f);
      }
      try {
        const result = await fetch(await this.#client(state), state.endpoint.path, state);
        state.failures = 0;
        if (isTop && !this.#source) {
          this.#source = state;
          this.#attempts = described(failed);
        }
        return result;
      } catch (err) {
        if (err instanceof OcipullError && err.code === 'E_INTERRUPTED') throw err;
        if (isAbortError(err)) throw err;
        if (isOutage(err)) state.failures++;
        failed.push({ state, error: err });
      }
    }
    // Everything failed: the registry's own answer is the one to report (and to exit with), when it was asked.
    const primary = this.#states.at(-1)!;
    const reported = failed.find((f) => f.state === primary) ?? failed.at(-1)!;
    throw withAttempts(reported.error, described(failed.filter((f) => f !== reported)));
  }
}

/** The set under `key`, created when missing. */
function setOf<T>(map: Map<string, Set<T>>, key: string): Set<T> {
  const found = map.get(key);
  if (found) return found;
  const created = new Set<T>();
  map.set(key, created);
  return created;
}

/** An endpoint's error, with the other endpoints tried named in the hint. */
function withAttempts(err: unknown, before: { repository: string; error: string }[]): unknown {
  if (before.length === 0 || !(err instanceof OcipullError)) return err;
  const tried = before.map((a) => `${a.repository} (${a.error})`).join('; ');
  const hint = `${err.hint ? `${err.hint}; ` : ''}also tried: ${tried}`;
  Object.defineProperty(err, 'hint', { value: hint });
  return err;
}
