/** Pinning a reference to a digest, as distribution/reference `WithDigest` does. */

import { InvalidReferenceError } from '../errors.js';
import { digestProblem } from './digest.js';
import { repositoryOf } from './format.js';
import type { Reference } from './reference.js';

/**
 * Returns a reference with the same domain, path and tag and the given digest, for example to pin a tag to the
 * digest a registry resolved it to. Throws `InvalidReferenceError` when the digest is not a valid sha256, sha384 or
 * sha512 digest.
 */
export function withDigest(ref: Reference, digest: `${string}:${string}`): Reference {
  const problem = digestProblem(digest);
  if (problem !== null) throw new InvalidReferenceError(`${repositoryOf(ref)}@${digest}`, problem);
  return Object.freeze({ domain: ref.domain, path: ref.path, tag: ref.tag, digest });
}
