import { OcipullError, withContext } from '../errors.js';
import {
  configPlatform,
  type Descriptor,
  formatPlatform,
  type ImageConfig,
  ImageConfigSchema,
  type ImageIndex,
  type ImageManifest,
  isImageManifestMediaType,
  OCI_EMPTY,
  type PlatformSpec,
  requirePlatform,
  selectManifest,
  walkToImage,
} from '../oci/types/index.js';
import { canonicalOf, type Reference } from '../reference/index.js';
import type { ManifestResult, RepositoryReader } from '../registry/client/index.js';

/** The manifest a reference names, as served. For an index, `select` picks the platform's image. */
export interface ResolvedTop {
  ref: Reference;
  /** The tag or digest the request used (the digest wins when both are given). */
  lookup: string;
  top: ManifestResult;
}

/** The image chosen for a platform, with its manifest and (when it is a runnable image) its config. */
export interface ResolvedImage {
  /** The index entry that was chosen, when the reference named an index. */
  descriptor?: Descriptor | undefined;
  manifestResult: ManifestResult;
  manifest: ImageManifest;
}

/** Fetches the manifest a reference names (by digest when it has one: a tag+digest reference is pinned). */
export async function resolveTop(repo: RepositoryReader, ref: Reference): Promise<ResolvedTop> {
  const lookup = ref.digest ?? ref.tag ?? 'latest';
  const top = await repo.getManifest(lookup);
  return { ref, lookup, top };
}

/**
 * Chooses the image for `platform` from an index (never an attestation entry) and fetches it by digest; an image
 * manifest is returned as is. Nested indexes are followed one level at a time.
 */
export async function resolveImage(
  repo: RepositoryReader,
  resolved: ResolvedTop,
  platform: PlatformSpec,
  explicit = false,
): Promise<ResolvedImage> {
  const subject = canonicalOf(resolved.ref);
  const top = resolved.top;
  if (explicit && top.parsed.kind === 'image' && hasImageConfig(top.parsed.manifest)) {
    // An explicit --platform must match a single-platform image too.
    const bytes = await repo.getBlobBytes(top.parsed.manifest.config);
    try {
      requirePlatform(configPlatform(bytes), platform);
    } catch (err) {
      throw withContext(err, `choose ${formatPlatform(platform)} from ${subject}`);
    }
  }
  const walked = await walkToImage(top, platform, (d) => repo.getManifest(d.digest, d.size), subject);
  return { descriptor: walked.descriptor, manifestResult: walked.manifest, manifest: walked.image };
}

/** Chooses `platform` from an index; a miss names the reference and lists what the index offers. */
export function selectFromIndex(ref: Reference, index: ImageIndex, platform: PlatformSpec): Descriptor {
  try {
    return selectManifest(index, platform);
  } catch (err) {
    throw withContext(err, `choose ${formatPlatform(platform)} from ${canonicalOf(ref)}`);
  }
}

/** True when the manifest's config is an image config we can read (not an artifact's empty or custom config). */
export function hasImageConfig(manifest: ImageManifest): boolean {
  const t = manifest.config.mediaType;
  return (
    t !== OCI_EMPTY &&
    (t === 'application/vnd.oci.image.config.v1+json' ||
      t === 'application/vnd.docker.container.image.v1+json')
  );
}

/** Fetches and validates an image's config blob; returns its exact bytes too, for `--config --raw`. */
export async function fetchConfig(
  repo: RepositoryReader,
  manifest: ImageManifest,
): Promise<{ bytes: Buffer; config: ImageConfig }> {
  const bytes = await repo.getBlobBytes(manifest.config);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new OcipullError('E_MANIFEST_INVALID', `read config ${manifest.config.digest}: not valid JSON`);
  }
  const parsed = ImageConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new OcipullError(
      'E_MANIFEST_INVALID',
      `read config ${manifest.config.digest}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return { bytes, config: parsed.data };
}

/** True when a media type names an image manifest (as opposed to an index). */
export function isImage(mediaType: string): boolean {
  return isImageManifestMediaType(mediaType);
}
