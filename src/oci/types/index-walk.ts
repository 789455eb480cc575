/**
 * The one walk from a manifest down to the image for a platform, shared by every reader (the copy engine, inspect,
 * docker-archive, unpack): an index's best entry for the platform (never an attestation) is fetched and followed
 * until an image manifest is reached, at most `MAX_INDEX_DEPTH` indexes deep. Fetching is the caller's: a registry,
 * a layout directory or an archive.
 */
import { OcipullError, withContext } from '../../errors.js';
import type { ParsedManifest } from './manifest.js';
import { formatPlatform, type PlatformSpec } from './platform.js';
import { selectManifest } from './platform-select.js';
import type { Descriptor, ImageManifest } from './schemas.js';

/** Indexes nest at most this deep (the top counts as the first). */
export const MAX_INDEX_DEPTH = 4;

/** The image a walk ended on, with the descriptor that selected it (none when the start was an image). */
export interface WalkResult<M> {
  manifest: M;
  /** `manifest`'s parsed image manifest. */
  image: ImageManifest;
  descriptor: Descriptor | undefined;
}

/**
 * Follows indexes from `start` to the image for `platform`. `subject` names what is walked in messages: a miss
 * says "choose linux/s390x from SUBJECT: no linux/s390x in index; available: …".
 */
export async function walkToImage<M extends { parsed: ParsedManifest }>(
  start: M,
  platform: PlatformSpec,
  fetch: (desc: Descriptor) => Promise<M>,
  subject: string,
): Promise<WalkResult<M>> {
  let current = start;
  let descriptor: Descriptor | undefined;
  for (let depth = 0; current.parsed.kind === 'index'; depth++) {
    if (depth >= MAX_INDEX_DEPTH) {
      throw new OcipullError(
        'E_UNSUPPORTED',
        `choose ${formatPlatform(platform)} from ${subject}: indexes nested more than ${MAX_INDEX_DEPTH} levels deep`,
      );
    }
    try {
      descriptor = selectManifest(current.parsed.index, platform);
    } catch (err) {
      throw withContext(err, `choose ${formatPlatform(platform)} from ${subject}`);
    }
    current = await fetch(descriptor);
  }
  return { manifest: current, image: current.parsed.manifest, descriptor };
}
