/**
 * Digest validation as go-digest's `Digest.Validate` does it with the standard hashes registered: the algorithm
 * must be sha256, sha384 or sha512 and the encoded part exactly that hash's size in lowercase hex.
 */

import { firstInvalidChar, isHexDigit, quote } from './quote.js';

/** Hex length of each supported algorithm (go-digest `algorithms` and `anchoredEncodedRegexps`). */
const HEX_LENGTH: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

/** The digest algorithms we accept, in the order messages list them. */
export const SUPPORTED_DIGEST_ALGORITHMS: readonly string[] = [...HEX_LENGTH.keys()];

/** Checks an `algorithm:hex` digest; returns null when valid, or a one-line reason. */
export function digestProblem(digest: string): string | null {
  if (digest === '') return "digest is empty (nothing follows '@')";
  const colon = digest.indexOf(':');
  if (colon < 0) {
    return `digest ${quote(digest)} must have the form "algorithm:hex", e.g. "sha256:" and 64 hex digits`;
  }
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (algorithm === '') return `digest ${quote(digest)} has no algorithm before ':'`;
  const length = HEX_LENGTH.get(algorithm);
  if (length === undefined) {
    return `unsupported digest algorithm ${quote(algorithm)}; supported are ${SUPPORTED_DIGEST_ALGORITHMS.join(', ')}`;
  }
  if (hex === '') return `${algorithm} digest has no hex after ':'`;
  const bad = firstInvalidChar(hex, isHexDigit);
  if (bad !== undefined) {
    return `invalid character ${JSON.stringify(bad)} in ${algorithm} digest; expected lowercase hex digits`;
  }
  if (hex.length !== length) {
    return `${algorithm} digest must have ${length} hex digits, got ${hex.length}`;
  }
  if (hex !== hex.toLowerCase()) return `${algorithm} digest hex must be lowercase`;
  return null;
}
