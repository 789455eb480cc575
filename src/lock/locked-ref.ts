/**
 * `pull --locked`, `copy --locked`, `unpack --locked`: the reference the lockfile pins REF to. The command then
 * runs as usual on `repo:tag@digest` (the digest wins, the tag still names the layout entry), so a tag that moved
 * or was deleted upstream changes nothing, and a digest-only mirror can serve it.
 */
import { OcipullError } from '../errors.js';
import {
  type Digest,
  formatPlatform,
  hostPlatform,
  type PlatformSpec,
  parsePlatform,
} from '../oci/types/index.js';
import { canonicalOf, parseReference, type Reference, withDigest } from '../reference/index.js';
import { readLockfile } from './file.js';
import { DEFAULT_LOCKFILE, type LockEntry, type Lockfile } from './lockfile.js';
import { chooseLocked } from './platforms.js';

/** What the lockfile says for a reference. */
export interface LockedReference {
  /** `domain/path:tag@digest`: the locked top-level digest. */
  ref: Reference;
  key: string;
  entry: LockEntry;
  /** The image manifest the chosen platform must come out as (undefined for the whole index, or an artifact). */
  expected?: { platform: string; digest: Digest } | undefined;
}

/** Finds REF's entry: by its normalized form, else by the spelling it was locked under. */
export function findEntry(lock: Lockfile, input: string): { key: string; entry: LockEntry } | undefined {
  const key = canonicalOf(parseReference(input));
  const entry = lock.images[key];
  if (entry) return { key, entry };
  const byInput = Object.entries(lock.images).find(([, e]) => e.input === input);
  return byInput ? { key: byInput[0], entry: byInput[1] } : undefined;
}

/** Pins `input` by the lockfile for `platform` ('all': the whole index). Throws `E_NOT_LOCKED` when it can't. */
export function lockedReference(
  lock: Lockfile,
  file: string,
  input: string,
  platform: PlatformSpec | 'all',
  explicit = true,
): LockedReference {
  const found = findEntry(lock, input);
  if (!found) {
    throw new OcipullError('E_NOT_LOCKED', `${input} is not locked in ${file}`, {
      hint: `add it with: ocipull lock ${input}${file === 'ocipull.lock' ? '' : ` --file ${file}`}`,
    });
  }
  const { key, entry } = found;
  const ref = parseReference(key);
  const pinned = withDigest(ref, entry.digest);
  if (platform === 'all' || Object.keys(entry.platforms).length === 0) return { ref: pinned, key, entry };
  const single = Object.entries(entry.platforms).find(([, p]) => p.digest === entry.digest);
  if (single && !explicit) {
    // A single-platform image is what it is, as for a pull without --platform.
    return { ref: pinned, key, entry, expected: { platform: single[0], digest: entry.digest } };
  }
  const chosen = chooseLocked(entry.platforms, platform);
  if (!chosen) {
    throw new OcipullError(
      'E_NOT_LOCKED',
      `${key}: no ${formatPlatform(platform)} in ${file}; locked: ${Object.keys(entry.platforms).join(', ')}`,
      {
        hint: `pass --platform with one of those, or lock it: ocipull lock --platform ${formatPlatform(platform)} ${entry.input}`,
      },
    );
  }
  return { ref: pinned, key, entry, expected: { platform: chosen.key, digest: chosen.platform.digest } };
}

/** Reads the lockfile and pins `input` (see {@link lockedReference}). */
export async function resolveLocked(
  file: string,
  input: string,
  platform: PlatformSpec | 'all',
  explicit = true,
): Promise<LockedReference> {
  return lockedReference(await readLockfile(file), file, input, platform, explicit);
}

/** Refuses a copy whose chosen image is not the one the lock names (a lockfile edited by hand, a platform mix-up). */
export function checkLocked(locked: LockedReference, manifestDigest: string): void {
  if (!locked.expected || locked.expected.digest === manifestDigest) return;
  throw new OcipullError(
    'E_DRIFT',
    `${locked.key}: ${locked.expected.platform} came out as ${manifestDigest}, but the lockfile says ${locked.expected.digest}`,
    { hint: 'run ocipull verify, then ocipull lock --update if the change is wanted' },
  );
}

/** The `--locked` / `--lockfile` flags of pull, copy and unpack. */
export interface LockedFlags {
  locked?: boolean | undefined;
  lockfile?: string | undefined;
  platform?: string | undefined;
  allPlatforms?: boolean | undefined;
}

/**
 * For `--locked`: REF pinned by the lockfile (`--lockfile`, default `./ocipull.lock`) for `--platform` (else the
 * host's; the whole index with `all`). Undefined without `--locked`.
 */
export async function lockedFor(
  input: string,
  flags: LockedFlags,
  all = flags.allPlatforms === true,
): Promise<LockedReference | undefined> {
  if (!flags.locked) return undefined;
  const platform = all ? 'all' : flags.platform ? parsePlatform(flags.platform) : hostPlatform();
  return resolveLocked(flags.lockfile ?? DEFAULT_LOCKFILE, input, platform, flags.platform !== undefined);
}
