import { type Digest, digestHex } from '../oci/types/index.js';
import type { Reference } from '../reference/index.js';

/** The default ref.name of a layout entry: the tag, or the digest's hex for a digest-only reference. */
export function defaultName(ref: Reference): string {
  if (ref.tag) return ref.tag;
  return ref.digest ? digestHex(ref.digest as Digest) : 'latest';
}
