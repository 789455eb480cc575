/**
 * Where a pull of a reference goes, in order: containers/image's `FindRegistry` + `PullSourcesFromReference`
 * (`pkg/sysregistriesv2`) and the per-endpoint `blocked` check of `newDockerClient` (`docker/docker_client.go`).
 * This is what `ocipull mirrors` prints and what a puller walks.
 */

import { OcipullError } from '../errors.js';
import { canonicalOf, type Reference, repositoryOf } from '../reference/index.js';
import { mirrorConfigError, q } from './config-error.js';
import { findRegistry } from './match.js';
import { rewriteReference } from './rewrite.js';
import type { MirrorEntry, RegistriesConfig, RegistryEntry } from './types.js';

/** One place to try. */
export interface Endpoint {
  /** The reference to request there, after location rewriting. */
  readonly reference: Reference;
  /** True for a mirror, false for the primary location (always last). */
  readonly mirror: boolean;
  /** Plain HTTP and unverified TLS allowed (the entry's or the mirror's own `insecure`). */
  readonly insecure: boolean;
  /** The `[[registry]]` prefix that produced it (null: no entry matched) and where that entry came from. */
  readonly rule: { readonly prefix: string; readonly origin: string } | null;
}

/** The answer for one reference. */
export interface Resolution {
  /** The logical reference, as given after normalization. */
  readonly reference: Reference;
  /** True when no endpoint is left: every candidate is blocked. A puller refuses with `blockedError`. */
  readonly blocked: boolean;
  /** Eligible endpoints: mirrors in configuration order, then the primary. */
  readonly endpoints: readonly Endpoint[];
  /** Candidates dropped because their own location is blocked, with the entry that blocks it. */
  readonly skipped: readonly (Omit<Endpoint, 'rule'> & {
    readonly blockedBy: { prefix: string; origin: string };
  })[];
}

/**
 * Resolves `ref` against `config`:
 * 1. the entry with the longest prefix matching the repository name (without tag or digest) is chosen;
 * 2. its mirrors come first, in order: with `mirror-by-digest-only` only for a digest reference; a mirror with
 *    `pull-from-mirror = "digest-only"` only for a digest reference, `"tag-only"` only for a tag reference;
 * 3. the primary location comes last; each is rewritten (`location` + the rest of the reference after the prefix);
 * 4. as containers/image does per endpoint, an endpoint whose rewritten repository falls under a blocked entry is
 *    dropped (so mirrors of a blocked registry still serve; the blocked primary does not).
 * Throws `E_MIRROR_CONFIG` when a rewrite gives an invalid reference.
 */
export function resolveEndpoints(ref: Reference, config: RegistriesConfig): Resolution {
  const registry = findRegistry(config.registries, repositoryOf(ref));
  const candidates = registry === null ? [self(ref)] : pullSources(ref, registry);
  const endpoints: Endpoint[] = [];
  const skipped: Resolution['skipped'][number][] = [];
  for (const candidate of candidates) {
    const blocker = findRegistry(config.registries, repositoryOf(candidate.reference));
    if (blocker?.blocked) {
      const { rule: _rule, ...rest } = candidate;
      skipped.push({ ...rest, blockedBy: { prefix: blocker.prefix, origin: blocker.origin } });
    } else endpoints.push(candidate);
  }
  return { reference: ref, blocked: endpoints.length === 0, endpoints, skipped };
}

const BLOCKED_HINT =
  'that registry is blocked on this machine (blocked = true); ask whoever manages registries.conf';

/** The error a puller raises for a blocked reference: `E_BLOCKED`. */
export function blockedError(resolution: Resolution, operation = 'pull'): OcipullError {
  const by = resolution.skipped.map(
    (s) => `[[registry]] prefix ${q(s.blockedBy.prefix)} in ${s.blockedBy.origin}`,
  );
  return new OcipullError(
    'E_BLOCKED',
    `${operation} ${canonicalOf(resolution.reference)}: blocked by ${[...new Set(by)].join(', ')}`,
    { hint: BLOCKED_HINT },
  );
}

/**
 * For commands that contact a repository itself, without mirrors or rewriting (`lock`, `verify`, `sync`'s
 * sources): `E_BLOCKED` when the entry matching that repository is blocked, else null.
 */
export function blockedRepositoryError(
  repo: Pick<Reference, 'domain' | 'path'>,
  config: RegistriesConfig,
  operation: string,
): OcipullError | null {
  const entry = findRegistry(config.registries, repositoryOf(repo));
  if (!entry?.blocked) return null;
  return new OcipullError(
    'E_BLOCKED',
    `${operation} ${repositoryOf(repo)}: blocked by [[registry]] prefix ${q(entry.prefix)} in ${entry.origin}`,
    { hint: BLOCKED_HINT },
  );
}

/** `PullSourcesFromReference`: eligible mirrors, then the primary, each rewritten. */
function pullSources(ref: Reference, registry: RegistryEntry): Endpoint[] {
  const digested = ref.digest !== null;
  const mirrors = registry.mirrors.filter((m) => mirrorEligible(m, registry, digested));
  const rule = { prefix: registry.prefix, origin: registry.origin };
  const rewrite = (location: string, origin: string) => {
    const result = rewriteReference(ref, registry.prefix, location);
    if ('problem' in result) {
      throw mirrorConfigError(
        `[[registry]] prefix ${q(registry.prefix)} in ${origin}`,
        `location ${q(location)}: ${result.problem}`,
        'a location is host[:port][/path] of a registry; docker.io needs library/ spelled out',
      );
    }
    return result.reference;
  };
  return [
    ...mirrors.map((m) => ({
      reference: rewrite(m.location, m.origin),
      mirror: true,
      insecure: m.insecure,
      rule,
    })),
    {
      reference: rewrite(registry.location, registry.origin),
      mirror: false,
      insecure: registry.insecure,
      rule,
    },
  ];
}

function mirrorEligible(mirror: MirrorEntry, registry: RegistryEntry, digested: boolean): boolean {
  if (registry.mirrorByDigestOnly) return digested;
  if (mirror.pullFromMirror === 'digest-only') return digested;
  if (mirror.pullFromMirror === 'tag-only') return !digested;
  return true;
}

/** A reference no entry matches: one endpoint, itself. */
function self(ref: Reference): Endpoint {
  return { reference: ref, mirror: false, insecure: false, rule: null };
}
