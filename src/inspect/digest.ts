import { formatPlatform, type PlatformSpec } from '../oci/types/index.js';
import type { Reference } from '../reference/index.js';
import type { RepositoryReader, ServedBy } from '../registry/client/index.js';
import type { RateLimit } from '../registry/transport/index.js';
import { resolveImage, selectFromIndex } from './resolve.js';

/** What `ocipull digest` reports. */
export interface DigestReport {
  digest: string;
  mediaType: string | null;
  /** Set when `--platform` chose an image from an index. */
  platform: string | null;
  rateLimit: RateLimit;
  /** Where the answer came from (a mirror or the registry). */
  source: ServedBy | undefined;
}

/**
 * Resolves the digest a reference points to with a HEAD request (no Docker Hub pull is counted), falling back
 * to GET when the registry sends no `Docker-Content-Digest`. With a platform, an index is fetched (indexes do not
 * count as pulls either) and the platform's entry is reported.
 */
export async function resolveDigest(
  repo: RepositoryReader,
  ref: Reference,
  platform?: PlatformSpec,
): Promise<DigestReport> {
  const lookup = ref.digest ?? ref.tag ?? 'latest';
  if (!platform) {
    const head = await repo.headManifest(lookup);
    // By digest, a header naming another digest (a mirror that lies or is broken) is not taken: GET verifies.
    if (head.digest && (ref.digest === null || head.digest === ref.digest)) {
      return {
        digest: head.digest,
        mediaType: head.mediaType ?? null,
        platform: null,
        rateLimit: head.rateLimit,
        source: repo.servedBy(),
      };
    }
  }
  const top = await repo.getManifest(lookup);
  if (!platform || top.parsed.kind === 'image') {
    if (platform) await resolveImage(repo, { ref, lookup, top }, platform, true); // refuses a mismatch
    return {
      digest: top.digest,
      mediaType: top.mediaType,
      platform: null,
      rateLimit: top.rateLimit,
      source: repo.servedBy(),
    };
  }
  // Only the index is read: fetching the child manifest would count as a Docker Hub pull.
  const d = selectFromIndex(ref, top.parsed.index, platform);
  const p = d.platform!;
  return {
    digest: d.digest,
    mediaType: d.mediaType,
    platform: formatPlatform({ os: p.os, architecture: p.architecture, variant: p.variant }),
    rateLimit: top.rateLimit,
    source: repo.servedBy(),
  };
}
