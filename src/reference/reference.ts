/**
 * The normalized reference value and the Docker Hub constants that normalization relies on.
 * Names and values follow distribution/reference (`normalize.go`, `reference.go`).
 */

/** A parsed, normalized image reference: `domain/path[:tag][@digest]`. */
export interface Reference {
  /** Display domain, e.g. `docker.io`, `localhost:5000`, `[::1]:5000`, `ghcr.io`; never the connect host. */
  readonly domain: string;
  /** Repository path inside the registry, e.g. `library/debian`. */
  readonly path: string;
  /** The tag, or null when the reference names only a digest. */
  readonly tag: string | null;
  /** The digest (`algorithm:hex`), or null. */
  readonly digest: `${string}:${string}` | null;
}

/** The domain users see for Docker Hub; `index.docker.io` is rewritten to it. */
export const DOCKER_HUB_DOMAIN = 'docker.io';

/** The host we actually connect to for Docker Hub (regclient's `DockerRegistryDNS`). */
export const DOCKER_HUB_HOST = 'registry-1.docker.io';

/** The legacy "Docker Index" domain, canonicalized to `docker.io` like distribution/reference does. */
export const LEGACY_DOCKER_HUB_DOMAIN = 'index.docker.io';

/** The namespace of Docker Hub's official images, added to one-component Hub paths. */
export const OFFICIAL_REPO_PREFIX = 'library/';

/** The tag added when a reference has neither tag nor digest (`TagNameOnly`). */
export const DEFAULT_TAG = 'latest';

/**
 * The longest repository path we accept, after normalization (`library/` counts) and without the domain, as
 * distribution/reference v0.6 `Parse` checks it: `len(repo.path) > RepositoryNameTotalLengthMax` (255). v0.5 counted
 * `domain/path`; commit aaca75e "Exclude domain from name length check" changed it. The domain has no length limit.
 */
export const PATH_MAX_LENGTH = 255;

/** The longest tag we accept (`[\w][\w.-]{0,127}`). */
export const TAG_MAX_LENGTH = 128;
