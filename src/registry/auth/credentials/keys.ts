/**
 * Key forms used by Docker and containers config files. Sources: docker/cli `registry.ConvertToHostname` and
 * `registry.IndexServer`; containers/image `pkg/docker/config/config.go` (`normalizeAuthFileKey`, `authKeysForKey`).
 */

/** The key Docker uses for Docker Hub, in `auths`, `credHelpers` and on a helper's stdin. */
export const dockerHubKey = 'https://index.docker.io/v1/';

const dockerHubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** True for any of the host names Docker Hub goes by. */
export function isDockerHub(domain: string): boolean {
  return dockerHubHosts.has(domain.toLowerCase());
}

/** The key Docker writes for a registry: `https://index.docker.io/v1/` for Docker Hub, else `host[:port]`. */
export function dockerConfigKey(domain: string): string {
  return isDockerHub(domain) ? dockerHubKey : domain;
}

/** Lower-cases a host and maps every Docker Hub alias to `index.docker.io`, as cimg's `normalizeRegistry` does. */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return dockerHubHosts.has(lower) ? 'index.docker.io' : lower;
}

/**
 * The registry host a config key names. A key with a scheme (`https://host/v1/`, written by old `docker login`)
 * loses its scheme and path; in the legacy `.dockercfg` every key does. Bare `host/ns` keys keep their path, so
 * namespaced keys only ever match exactly.
 */
export function normalizeAuthKey(key: string, legacy: boolean): string {
  let stripped = key.replace(/^https?:\/\//i, '');
  if (legacy || stripped !== key) stripped = stripped.split('/')[0] ?? '';
  return normalizeHost(stripped);
}

/**
 * Exact auth.json keys to try, most specific first: `host/ns/repo`, `host/ns`, `host`. Docker Hub uses the
 * `docker.io` spelling that podman writes; the `https://index.docker.io/v1/` key is found by normalization.
 */
export function namespacedKeys(domain: string, path: string | undefined): string[] {
  const base = isDockerHub(domain) ? 'docker.io' : domain;
  const keys: string[] = [];
  const parts = (path ?? '').split('/').filter((part) => part !== '');
  for (let n = parts.length; n > 0; n--) keys.push(`${base}/${parts.slice(0, n).join('/')}`);
  keys.push(base);
  return keys;
}

/** Keys under which a per-registry setting (`credHelpers`, `DOCKER_AUTH_CONFIG`) may be stored exactly. */
export function hostKeys(domain: string): string[] {
  const keys = [dockerConfigKey(domain), domain];
  if (isDockerHub(domain)) keys.push(...dockerHubHosts);
  return [...new Set(keys)];
}

/**
 * Looks a registry up in a map keyed by config keys: exact host keys first, then any key that normalizes to the
 * same host. Returns every match in that order so a caller can skip empty marker entries.
 */
export function findHostEntries<T>(
  map: Record<string, T>,
  domain: string,
  legacy = false,
): Array<[string, T]> {
  const found: Array<[string, T]> = [];
  const seen = new Set<string>();
  for (const key of hostKeys(domain)) {
    if (Object.hasOwn(map, key)) {
      found.push([key, map[key] as T]);
      seen.add(key);
    }
  }
  const host = normalizeHost(domain);
  for (const [key, value] of Object.entries(map)) {
    if (!seen.has(key) && normalizeAuthKey(key, legacy) === host) found.push([key, value]);
  }
  return found;
}
