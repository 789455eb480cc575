/** The zod schema of `ocipull.lock`: checks shape, keeps unknown fields out of the way of future versions. */
import { z } from 'zod';
import { DigestStringSchema } from '../oci/types/index.js';

const PlatformEntrySchema = z.looseObject({
  digest: DigestStringSchema,
  mediaType: z.string(),
  size: z.number().int().nonnegative(),
});

const EntrySchema = z.looseObject({
  input: z.string(),
  digest: DigestStringSchema,
  mediaType: z.string(),
  size: z.number().int().nonnegative(),
  platforms: z.record(z.string(), PlatformEntrySchema),
  attestations: z.record(z.string(), DigestStringSchema).default({}),
  want: z.array(z.string()),
});

/** The file as a whole; `lockfileVersion` is checked before this runs, for a clearer message. */
export const LockfileSchema = z.looseObject({
  lockfileVersion: z.literal(1),
  images: z.record(z.string(), EntrySchema),
});
