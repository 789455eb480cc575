/**
 * Choosing an index entry for a platform with containerd's `Only()` preference order (containerd/platforms
 * `compare.go` `platformVector`, `Ordered`). Windows `os.version` and `os.features` are not matched: ocipull pulls
 * Linux images.
 */
import { OcipullError } from '../../errors.js';
import { formatPlatform, normalizePlatform, type PlatformSpec } from './platform.js';
import type { Descriptor, ImageIndex } from './schemas.js';

/**
 * The platforms `wanted` can run, best first, normalized: containerd's `Only()` vector. amd64/vN falls back to
 * lower v levels then 386; arm/vN to lower variants down to v5; arm64 to lower arm64 variants, then arm/v8…v5.
 */
export function platformPreferences(wanted: PlatformSpec): PlatformSpec[] {
  return preferenceVector(normalizePlatform(wanted)).map(normalizePlatform);
}

function preferenceVector(p: PlatformSpec): PlatformSpec[] {
  const { os } = p;
  const vector: PlatformSpec[] = [p];
  const level = (variant: string | undefined) => /^v?(\d+)$/.exec(variant ?? '')?.[1];
  switch (p.architecture) {
    case 'amd64': {
      const n = Number(level(p.variant) ?? 1);
      for (let v = n - 1; v >= 1; v--) vector.push({ os, architecture: 'amd64', variant: `v${v}` });
      vector.push({ os, architecture: '386' });
      break;
    }
    case 'arm': {
      const n = Number(level(p.variant) ?? 0);
      for (let v = n - 1; v >= 5; v--) vector.push({ os, architecture: 'arm', variant: `v${v}` });
      break;
    }
    case 'arm64': {
      const variant = p.variant ?? 'v8';
      const match = /^v(\d+)(?:\.(\d+))?$/.exec(variant);
      let major = Number(match?.[1] ?? 0);
      let minor = Number(match?.[2] ?? 0);
      const arm64 = (ma: number, mi: number): PlatformSpec => ({
        os,
        architecture: 'arm64',
        variant: mi === 0 ? `v${ma}` : `v${ma}.${mi}`,
      });
      if (major >= 8) {
        if (major === 9) {
          for (let m = minor - 1; m >= 0; m--) vector.push(arm64(9, m));
          // Armv9.x is a superset of Armv8.(x+5).
          minor += 5;
          major = 8;
          vector.push(arm64(8, minor));
        }
        for (let m = minor - 1; m >= 0; m--) vector.push(arm64(major, m));
      }
      const armVariant = variant.startsWith('v8.') || variant.startsWith('v9.') ? 'v8' : variant;
      vector.push(...preferenceVector({ os, architecture: 'arm', variant: armVariant }));
      break;
    }
  }
  return vector;
}

/** How good `candidate` is for `wanted`: 0 is an exact match, higher is a fallback, -1 means it can't run. */
function platformRank(preferences: readonly PlatformSpec[], candidate: PlatformSpec): number {
  const c = normalizePlatform(candidate);
  return preferences.findIndex(
    (p) => p.os === c.os && p.architecture === c.architecture && (p.variant ?? '') === (c.variant ?? ''),
  );
}

/** True when an image built for `candidate` can run where `wanted` was asked for, fallbacks included. */
export function platformMatches(wanted: PlatformSpec, candidate: PlatformSpec): boolean {
  return platformRank(platformPreferences(wanted), candidate) >= 0;
}

/**
 * True for BuildKit attestation entries (provenance, SBOM), which an index lists beside the images; they are never
 * an answer to "which image for this platform" (moby/buildkit `docs/attestations/attestation-storage.md`).
 */
export function isAttestation(descriptor: Pick<Descriptor, 'platform' | 'annotations'>): boolean {
  const { platform, annotations } = descriptor;
  if (platform?.os === 'unknown' && platform.architecture === 'unknown') return true;
  return annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';
}

/** The distinct platforms an index offers, formatted, without attestations; for error messages and `inspect`. */
export function listPlatforms(index: ImageIndex): string[] {
  const seen = new Set<string>();
  for (const entry of index.manifests) {
    if (entry.platform !== undefined && !isAttestation(entry)) seen.add(formatPlatform(entry.platform));
  }
  return [...seen];
}

/**
 * Resolves the index entry to pull for `wanted`: the best-ranked compatible entry, the first in index order among
 * equals (image-spec: "the first matching entry SHOULD be used"). Throws `E_PLATFORM_NOT_FOUND` listing what the
 * index offers.
 */
export function selectManifest(index: ImageIndex, wanted: PlatformSpec): Descriptor {
  const preferences = platformPreferences(wanted);
  let best: Descriptor | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const entry of index.manifests) {
    if (entry.platform === undefined || isAttestation(entry)) continue;
    const rank = platformRank(preferences, entry.platform);
    if (rank >= 0 && rank < bestRank) {
      best = entry;
      bestRank = rank;
    }
  }
  if (best !== undefined) return best;
  const available = listPlatforms(index);
  throw new OcipullError(
    'E_PLATFORM_NOT_FOUND',
    `no ${formatPlatform(wanted)} in index; available: ${available.length > 0 ? available.join(', ') : 'none'}`,
    {
      hint:
        available.length > 0
          ? 'pass --platform with one of those'
          : 'the index names no platforms; pull one of its manifests by digest',
    },
  );
}

/**
 * The platform an image config declares (`os`, `architecture`, `variant`), or null when the bytes are not a
 * config that says so. Used to check `--platform` against an image that is not an index.
 */
export function configPlatform(configBytes: Uint8Array): PlatformSpec | null {
  try {
    const c = JSON.parse(new TextDecoder().decode(configBytes)) as Record<string, unknown>;
    if (typeof c.os !== 'string' || typeof c.architecture !== 'string') return null;
    return normalizePlatform({
      os: c.os,
      architecture: c.architecture,
      variant: typeof c.variant === 'string' && c.variant !== '' ? c.variant : undefined,
    });
  } catch {
    return null;
  }
}

/**
 * Refuses an explicitly requested platform that a single-platform image does not have, as Docker and containerd
 * do; silently handing out an amd64 digest for `--platform linux/arm64` would mislead a CI job pinning digests.
 */
export function requirePlatform(actual: PlatformSpec | null, wanted: PlatformSpec): void {
  if (actual === null || platformMatches(wanted, actual)) return;
  throw new OcipullError(
    'E_PLATFORM_NOT_FOUND',
    `the image is ${formatPlatform(actual)} only, not ${formatPlatform(wanted)} (it is not a multi-platform index)`,
    { hint: 'drop --platform, or choose a tag that is built for that platform' },
  );
}
