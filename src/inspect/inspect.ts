import { formatPlatform, type ImageConfig, isAttestation, type PlatformSpec } from '../oci/types/index.js';
import { canonicalOf, type Reference } from '../reference/index.js';
import { directSource, type RepositoryReader, type ServedBy } from '../registry/client/index.js';
import type { RateLimit } from '../registry/transport/index.js';
import { fetchConfig, hasImageConfig, resolveImage, resolveTop } from './resolve.js';

/** One entry of an index, as shown by `inspect`. */
export interface IndexEntry {
  platform: string | null;
  digest: string;
  mediaType: string;
  size: number;
  attestation: boolean;
}

/** Everything `ocipull inspect` shows, in the shape `--json` prints. */
export interface InspectReport {
  reference: string;
  digest: string;
  mediaType: string;
  /** Present when the reference names an index: its entries. */
  index: { digest: string; mediaType: string; manifests: IndexEntry[] } | null;
  image: {
    digest: string;
    mediaType: string;
    platform: string | null;
    created: string | null;
    config: { digest: string; mediaType: string; size: number };
    layers: { digest: string; mediaType: string; size: number }[];
    layerCount: number;
    totalSize: number;
    entrypoint: string[] | null;
    cmd: string[] | null;
    env: string[];
    workingDir: string | null;
    user: string | null;
    exposedPorts: string[];
    labels: Record<string, string>;
  };
  rateLimit: RateLimit;
  /** Where the manifest came from: a mirror, or the registry itself, and what was tried before it. */
  source: ServedBy;
}

function platformOf(config: ImageConfig | undefined): string | null {
  if (!config?.os || !config.architecture) return null;
  return formatPlatform({
    os: config.os,
    architecture: config.architecture,
    variant: config.variant ?? undefined,
  });
}

/**
 * Reads what an image is without downloading its layers: the manifest (and index), the config, and the
 * rate-limit figures the registry sent.
 */
export async function inspectImage(
  repo: RepositoryReader,
  ref: Reference,
  platform: PlatformSpec,
  explicitPlatform = false,
): Promise<InspectReport> {
  const resolved = await resolveTop(repo, ref);
  const { top } = resolved;
  const image = await resolveImage(repo, resolved, platform, explicitPlatform);
  const { manifest } = image;
  const config = hasImageConfig(manifest) ? (await fetchConfig(repo, manifest)).config : undefined;
  const c = config?.config ?? undefined;
  const layers = manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size }));
  return {
    reference: canonicalOf(ref),
    digest: top.digest,
    mediaType: top.mediaType,
    index:
      top.parsed.kind === 'index'
        ? {
            digest: top.digest,
            mediaType: top.mediaType,
            manifests: top.parsed.index.manifests.map((d) => ({
              platform: d.platform
                ? formatPlatform({
                    os: d.platform.os,
                    architecture: d.platform.architecture,
                    variant: d.platform.variant,
                  })
                : null,
              digest: d.digest,
              mediaType: d.mediaType,
              size: d.size,
              attestation: isAttestation(d),
            })),
          }
        : null,
    image: {
      digest: image.manifestResult.digest,
      mediaType: image.manifestResult.mediaType,
      platform: platformOf(config),
      created: config?.created ?? null,
      config: {
        digest: manifest.config.digest,
        mediaType: manifest.config.mediaType,
        size: manifest.config.size,
      },
      layers,
      layerCount: layers.length,
      totalSize: layers.reduce((n, l) => n + l.size, 0),
      entrypoint: c?.Entrypoint ?? null,
      cmd: c?.Cmd ?? null,
      env: c?.Env ?? [],
      workingDir: c?.WorkingDir || null,
      user: c?.User || null,
      exposedPorts: Object.keys(c?.ExposedPorts ?? {}),
      labels: (c?.Labels ?? {}) as Record<string, string>,
    },
    rateLimit: image.manifestResult.rateLimit.set ? image.manifestResult.rateLimit : top.rateLimit,
    source: repo.servedBy() ?? directSource(repo.name),
  };
}
