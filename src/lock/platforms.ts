/**
 * Platforms of a locked entry: read from an index (attestations apart, keyed by the platform they describe) and
 * chosen for a wanted platform with the same preference order a pull uses, so `verify` and `pull --locked` agree
 * with what `pull` would take.
 */
import { OcipullError } from '../errors.js';
import {
  type Descriptor,
  type Digest,
  formatPlatform,
  type ImageIndex,
  isAttestation,
  type PlatformSpec,
  parsePlatform,
  selectManifest,
} from '../oci/types/index.js';
import type { LockEntry, LockedPlatform } from './lockfile.js';

/** Every platform of an index (first entry wins among duplicates) and its attestations, by described platform. */
export function platformsOfIndex(index: ImageIndex): {
  platforms: Record<string, LockedPlatform>;
  attestations: Record<string, Digest>;
} {
  const platforms: Record<string, LockedPlatform> = {};
  const byDigest = new Map<string, string>();
  for (const d of index.manifests) {
    if (!d.platform || isAttestation(d)) continue;
    const key = formatPlatform(d.platform);
    if (!(key in platforms)) platforms[key] = locked(d);
    if (!byDigest.has(d.digest)) byDigest.set(d.digest, key);
  }
  const attestations: Record<string, Digest> = {};
  for (const d of index.manifests) {
    if (!isAttestation(d)) continue;
    // BuildKit names the image an attestation describes in this annotation (attestation-storage.md).
    const subject = d.annotations?.['vnd.docker.reference.digest'];
    const key = subject ? byDigest.get(subject) : undefined;
    if (key && !(key in attestations)) attestations[key] = d.digest as Digest;
  }
  return { platforms, attestations };
}

function locked(d: Descriptor): LockedPlatform {
  return { digest: d.digest as Digest, mediaType: d.mediaType, size: d.size };
}

/**
 * The locked platform `wanted` resolves to among `platforms` (containerd's preference order, as a pull chooses), or
 * undefined when none can run there.
 */
export function chooseLocked(
  platforms: Record<string, LockedPlatform>,
  wanted: PlatformSpec,
): { key: string; platform: LockedPlatform } | undefined {
  const keys = Object.keys(platforms);
  const manifests = keys.map((key) => ({ ...platforms[key]!, platform: parsePlatform(key) }));
  try {
    const chosen = selectManifest({ schemaVersion: 2, manifests } as ImageIndex, wanted);
    const key = keys[manifests.findIndex((m) => m.digest === chosen.digest)]!;
    return { key, platform: platforms[key]! };
  } catch (err) {
    if (err instanceof OcipullError && err.code === 'E_PLATFORM_NOT_FOUND') return undefined;
    throw err;
  }
}

/** The normalized spelling of a wanted platform, as stored in `want`. */
export function wantKey(spec: PlatformSpec): string {
  return formatPlatform(spec);
}

/** The digest the entry locks for a wanted platform string, or undefined. */
export function wantedDigest(entry: Pick<LockEntry, 'platforms'>, want: string): Digest | undefined {
  return chooseLocked(entry.platforms, parsePlatform(want))?.platform.digest;
}
