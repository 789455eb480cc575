/**
 * Turning a reference back into text: the full repository, the canonical string, and Docker's short "familiar"
 * form (distribution/reference `FamiliarName` / `FamiliarString`).
 */

import { DEFAULT_TAG, DOCKER_HUB_DOMAIN, OFFICIAL_REPO_PREFIX, type Reference } from './reference.js';

/** A bare 64-hex name reads as an image ID, so its familiar form must keep its tag. */
const IMAGE_ID = /^[a-f0-9]{64}$/;

/** The fully qualified repository, `domain/path`, e.g. `docker.io/library/debian`. */
export function repositoryOf(ref: Pick<Reference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

/** The canonical string `domain/path[:tag][@digest]`, e.g. `docker.io/library/debian:12`. */
export function canonicalOf(ref: Reference): string {
  return repositoryOf(ref) + suffixOf(ref);
}

/**
 * The short form Docker shows: the name as `FamiliarName` gives it (drops `docker.io/`, and `library/` when nothing
 * nested follows), so `docker.io/library/debian:12` reads `debian:12` but `docker.io/library/a/b:1` keeps `library/`.
 * Unlike Go's `FamiliarString` it also drops a `:latest` that parsing would add back (no digest), so `debian` reads
 * `debian`; the result always parses back to the same reference.
 */
export function familiarOf(ref: Reference): string {
  const name = familiarNameOf(ref);
  if (ref.tag === DEFAULT_TAG && ref.digest === null && !IMAGE_ID.test(name)) return name;
  return name + suffixOf(ref);
}

/** `familiarizeName` from normalize.go. */
function familiarNameOf(ref: Pick<Reference, 'domain' | 'path'>): string {
  if (ref.domain !== DOCKER_HUB_DOMAIN) return repositoryOf(ref);
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

function suffixOf(ref: Reference): string {
  return (ref.tag === null ? '' : `:${ref.tag}`) + (ref.digest === null ? '' : `@${ref.digest}`);
}
