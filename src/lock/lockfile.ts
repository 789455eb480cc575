/**
 * `ocipull.lock`: which bytes each tag of a project's image set meant (COPY-MIRRORS-LOCK.md §3.3). One JSON file,
 * committed, formatted for stable diffs: sorted keys, two-space indent, a trailing newline — the same bytes for the
 * same content on every run, so a re-lock that changed nothing leaves `git diff` empty.
 */
import type { Digest } from '../oci/types/index.js';

/** The format version this ocipull writes and reads. */
export const LOCKFILE_VERSION = 1;

/** The default lockfile, in the working directory. */
export const DEFAULT_LOCKFILE = 'ocipull.lock';

/** One platform's image in a locked index (or the one image of a single-platform reference). */
export interface LockedPlatform {
  /** The digest of that platform's image manifest. */
  digest: Digest;
  /** Its media type and size, as the index's descriptor gives them (free: no extra request). */
  mediaType: string;
  size: number;
}

/** One locked reference. */
export interface LockEntry {
  /** The reference as the user spelled it (`debian:12`); the key is its normalized form. */
  input: string;
  /** The top-level manifest the reference named: an index or a single image. */
  digest: Digest;
  mediaType: string;
  size: number;
  /** Every platform of the index (attestations excluded), by `os/arch[/variant]`; one entry for a single image. */
  platforms: Record<string, LockedPlatform>;
  /** Attestation manifests (SBOM, provenance), by the platform of the image they describe. */
  attestations: Record<string, Digest>;
  /** The platforms the project needs; `verify` and `pull --locked` check only these. */
  want: string[];
}

/** The whole lockfile. */
export interface Lockfile {
  lockfileVersion: typeof LOCKFILE_VERSION;
  /** By normalized reference, `docker.io/library/debian:12`. */
  images: Record<string, LockEntry>;
}

/** An empty lockfile. */
export function emptyLockfile(): Lockfile {
  return { lockfileVersion: LOCKFILE_VERSION, images: {} };
}

/** `value` with every object's keys sorted (arrays keep their order: `want` is the user's order). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** The lockfile's exact text: sorted keys, two-space indent, trailing newline. */
export function formatLockfile(lock: Lockfile): string {
  return `${JSON.stringify(sortKeys(lock), null, 2)}\n`;
}
