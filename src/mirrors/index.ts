/**
 * Mirrors and pull-through caches: containers-registries.conf(5) v2 with containers/image's exact semantics,
 * plus `--mirror`, `OCIPULL_MIRRORS` and Docker's `registry-mirrors`. It decides where a pull goes; it does no
 * network I/O. Parsing helpers stay internal so the rules and their messages live in one place.
 */

export {
  blockedError,
  blockedRepositoryError,
  type Endpoint,
  type Resolution,
  resolveEndpoints,
} from './endpoints.js';
export { loadMirrorConfig, type MirrorConfigOptions, shortNameNote } from './mirror-config.js';
export type { MirrorEntry, PullFromMirror, RegistriesConfig, RegistryEntry, ShortNameMode } from './types.js';
