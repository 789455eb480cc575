/**
 * One zod schema per result: what the CLI prints with `--json` and what the library resolves to, for every
 * operation. The builders in `results.ts` pass their objects through these (strict: no field may be added or
 * missing), and the types are inferred from them, so the CLI, the library and the documented shape cannot drift.
 */
import { z } from 'zod';

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);
const count = z.number().int().nonnegative();

/** Docker Hub's quota as a response reported it; `set: false` is "not limited", not "0 left". */
export const RateLimitSchema = z.strictObject({
  set: z.boolean(),
  limit: z.number().optional(),
  remaining: z.number().optional(),
  windowSeconds: z.number().optional(),
  source: z.string().optional(),
});

/**
 * Where a registry read was served from: the repository (a mirror, or the registry itself) that gave the manifest,
 * the endpoints tried before it with their errors, and later fetches that failed on one endpoint and went to the
 * next (a blob missing or corrupt in a cache, a mirror that went away).
 */
export const SourceSchema = z.strictObject({
  repository: z.string(),
  mirror: z.boolean(),
  attempts: z.array(z.strictObject({ repository: z.string(), error: z.string() })),
  fallbacks: z.array(
    z.strictObject({ digest: z.string(), from: z.string(), error: z.string(), to: z.string() }),
  ),
});

/** `ocipull pull --json`, `pull()`. */
export const PullResultSchema = z.strictObject({
  reference: z.string(),
  dest: z.string(),
  name: z.string(),
  digest,
  manifestDigest: digest,
  layoutDigest: digest,
  mediaType: z.string(),
  platforms: z.array(z.string()),
  layers: count,
  blobs: z.strictObject({ downloaded: count, reused: count }),
  bytes: z.strictObject({ downloaded: count, reused: count }),
  seconds: z.number().nonnegative(),
  rateLimit: RateLimitSchema,
  format: z.enum(['oci', 'oci-archive', 'docker-archive']),
  source: SourceSchema,
});

/** `ocipull copy --json` and `push --json`, `copy()` and `push()`. */
export const CopyResultSchema = z.strictObject({
  source: z.string(),
  destination: z.string(),
  name: z.string(),
  digest,
  manifestDigest: digest,
  writtenDigest: digest,
  mediaType: z.string(),
  platforms: z.array(z.string()),
  layers: count,
  blobs: z.strictObject({ copied: count, existing: count, mounted: count }),
  bytes: z.strictObject({ copied: count, existing: count }),
  seconds: z.number().nonnegative(),
  rateLimit: RateLimitSchema.optional(),
  /** A registry source's `SourceSchema` (`source` is the name of the source as given). */
  servedBy: SourceSchema.optional(),
});

/** `ocipull digest --json`, `resolveDigest()`. */
export const DigestResultSchema = z.strictObject({
  reference: z.string(),
  digest,
  mediaType: z.string().nullable(),
  platform: z.string().nullable(),
  fullRef: z.string(),
  source: SourceSchema,
});

/** `ocipull tags --json`, `listTags()`. */
export const TagsResultSchema = z.strictObject({ repository: z.string(), tags: z.array(z.string()) });

/** `ocipull ratelimit --json`, `rateLimit()`. */
export const RateLimitResultSchema = z.strictObject({
  reference: z.string(),
  registry: z.string(),
  limited: z.boolean(),
  limit: z.number().nullable(),
  remaining: z.number().nullable(),
  windowSeconds: z.number().nullable(),
  windowHours: z.number().nullable(),
  source: z.string().nullable(),
});

/** `ocipull unpack --json`, `unpack()`. */
export const UnpackResultSchema = z.strictObject({
  source: z.string(),
  dest: z.string(),
  manifest: digest,
  layers: count,
  entries: count,
  warnings: z.array(z.string()),
});
