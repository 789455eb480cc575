/**
 * The names a `docker save` tar records for an image, derived from the reference it was pulled as. Docker writes
 * the familiar form in `manifest.json` RepoTags and `repositories` (`debian:latest`, `user/app:1`,
 * `ghcr.io/o/app:1`) and the full one in index.json's `io.containerd.image.name` (moby `image/tarexport/save.go`,
 * distribution/reference `normalize.go` `FamiliarName`). Kept here, not in `reference`, which `archive` may not
 * import; it only splits and normalizes a name that `reference` already parsed.
 */
import { InvalidReferenceError } from '../errors.js';

const DOCKER_HUB = 'docker.io';
const OFFICIAL_PREFIX = 'library/';
const componentPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;

/** A repository and tag in the two spellings Docker uses. */
export interface RepoTag {
  /** `debian`, `user/app` or `ghcr.io/o/app`: the key of `repositories`. */
  familiarRepository: string;
  /** The tag, or undefined for a reference by digest only (Docker then records no name). */
  tag: string | undefined;
  /** `docker.io/library/debian:latest`, for `io.containerd.image.name`; undefined without a tag. */
  fullName: string | undefined;
}

/**
 * Splits `[registry/]repo[:tag][@digest]` into Docker's spellings. A name without tag or digest means `:latest`,
 * as Docker's `TagNameOnly` does; a digest is dropped (a save tar records tags only). Throws
 * `E_INVALID_REFERENCE` for a name Docker would not load.
 */
export function parseRepoTag(input: string): RepoTag {
  const at = input.indexOf('@');
  const named = at >= 0 ? input.slice(0, at) : input;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  let tag = colon > slash ? named.slice(colon + 1) : undefined;
  const repository = colon > slash ? named.slice(0, colon) : named;
  if (tag === undefined && at < 0) tag = 'latest';
  if (tag !== undefined && !tagPattern.test(tag)) {
    throw new InvalidReferenceError(input, `tag ${JSON.stringify(tag)} is not a valid tag`);
  }

  const firstSlash = repository.indexOf('/');
  const first = firstSlash < 0 ? '' : repository.slice(0, firstSlash);
  const hasDomain = first.includes('.') || first.includes(':') || first === 'localhost';
  let domain = hasDomain ? first : DOCKER_HUB;
  if (domain === 'index.docker.io') domain = DOCKER_HUB;
  let path = hasDomain ? repository.slice(firstSlash + 1) : repository;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `${OFFICIAL_PREFIX}${path}`;
  if (path === '' || !path.split('/').every((c) => componentPattern.test(c))) {
    throw new InvalidReferenceError(input, 'repository must be lowercase path components');
  }

  let familiarRepository = `${domain}/${path}`;
  if (domain === DOCKER_HUB) {
    const rest = path.startsWith(OFFICIAL_PREFIX) ? path.slice(OFFICIAL_PREFIX.length) : path;
    familiarRepository = rest.includes('/') ? path : rest;
  }
  return {
    familiarRepository,
    tag,
    fullName: tag === undefined ? undefined : `${domain}/${path}:${tag}`,
  };
}
