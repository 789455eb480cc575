/**
 * The result objects of each operation: exactly what the CLI prints with `--json` and what the library's functions
 * resolve to. The CLI commands build their `--json` output with these functions, so the two cannot drift.
 */

import type { z } from 'zod';
import type { CopyResult } from '../copy/index.js';
import type { DigestReport } from '../inspect/index.js';
import { directSource } from '../registry/client/index.js';
import type { RateLimit } from '../registry/transport/index.js';
import type { UnpackResult as UnpackedLayers } from '../unpack/index.js';
import {
  CopyResultSchema,
  DigestResultSchema,
  PullResultSchema,
  RateLimitResultSchema,
  type TagsResultSchema,
  UnpackResultSchema,
} from './result-schemas.js';

/** What a pull did (field names kept from before pull ran on the copy engine). */
export type PullResult = z.infer<typeof PullResultSchema>;

/** The pull summary of a copy from a registry into a layout or archive. */
export function pullResultOf(c: CopyResult, dest: string, format: PullResult['format'] = 'oci'): PullResult {
  return PullResultSchema.parse({
    reference: c.source,
    dest,
    name: c.name,
    digest: c.digest,
    manifestDigest: c.manifestDigest,
    layoutDigest: c.writtenDigest,
    mediaType: c.mediaType,
    platforms: c.platforms,
    layers: c.layers,
    blobs: { downloaded: c.blobs.copied, reused: c.blobs.existing + c.blobs.mounted },
    bytes: { downloaded: c.bytes.copied, reused: c.bytes.existing },
    seconds: c.seconds,
    rateLimit: c.rateLimit ?? { set: false },
    format,
    source: c.servedBy ?? directSource(c.source),
  });
}

/** What `ocipull digest --json` prints and `resolveDigest` returns. */
export type DigestResult = z.infer<typeof DigestResultSchema>;

/** The digest result of a resolved reference. */
export function digestResultOf(input: string, repository: string, r: DigestReport): DigestResult {
  return DigestResultSchema.parse({
    reference: input,
    digest: r.digest,
    mediaType: r.mediaType,
    platform: r.platform,
    fullRef: `${repository}@${r.digest}`,
    source: r.source ?? directSource(repository),
  });
}

/** What `ocipull tags --json` prints and `listTags` returns. */
export type TagsResult = z.infer<typeof TagsResultSchema>;

/** Docker Hub's probe image: HEAD on it shows the quota without spending it. */
export const RATELIMIT_PROBE = 'docker.io/ratelimitpreview/test:latest';

/** What `ocipull ratelimit --json` prints and `rateLimit` returns. */
export type RateLimitResult = z.infer<typeof RateLimitResultSchema>;

/** The rate-limit result of a HEAD's headers. */
export function rateLimitJson(reference: string, registry: string, rl: RateLimit): RateLimitResult {
  return RateLimitResultSchema.parse({
    reference,
    registry,
    limited: rl.set,
    limit: rl.limit ?? null,
    remaining: rl.remaining ?? null,
    windowSeconds: rl.windowSeconds ?? null,
    windowHours: rl.windowSeconds !== undefined ? rl.windowSeconds / 3600 : null,
    source: rl.source ?? null,
  });
}

/** What `ocipull unpack --json` prints and `unpack` returns. */
export type UnpackResult = z.infer<typeof UnpackResultSchema>;

/** The unpack summary. */
export function unpackResultOf(source: string, dest: string, r: UnpackedLayers): UnpackResult {
  return UnpackResultSchema.parse({
    source,
    dest,
    manifest: r.manifest,
    layers: r.layers,
    entries: r.entries,
    warnings: r.warnings,
  });
}

/** The copy summary: the engine's result with the destination as the user named it (`describeEndpoint`). */
export function copyResultOf(r: CopyResult, destination: string): CopyResult {
  return CopyResultSchema.parse({ ...r, destination }) as CopyResult;
}
