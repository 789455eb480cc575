/**
 * Content digests. Two levels of trust: `isWellFormedDigest` accepts anything the image-spec grammar allows (so
 * unknown algorithms still parse, as the spec asks), while `Digest`/`parseDigest` admit only what ocipull can
 * verify and use as a file name under `blobs/sha256/` (PROTOCOL.md §2).
 */
import { createHash } from 'node:crypto';
import { OcipullError } from '../../errors.js';

/** A sha256 digest; the template type keeps a tag or an unchecked string from going where a digest belongs. */
export type Digest = `sha256:${string}`;

/** The digest of the empty JSON blob `{}` (size 2) that artifacts use as their config. */
export const EMPTY_JSON_DIGEST: Digest =
  'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

const sha256Pattern = /^sha256:[a-f0-9]{64}$/;
/** `algorithm ":" encoded` from image-spec `descriptor.md`. */
const grammarPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** Registered algorithms must also match their own encoding; uppercase hex is invalid for all of them. */
const registeredEncodings: Readonly<Record<string, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
  blake3: /^[a-f0-9]{64}$/,
};

/** True when `value` is a sha256 digest with 64 lowercase hex characters, the only form we verify and store. */
export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && sha256Pattern.test(value);
}

/**
 * True when `value` follows the digest grammar (any algorithm), used to validate descriptors without rejecting
 * algorithms we cannot verify; registered algorithms must also use their own encoding.
 */
export function isWellFormedDigest(value: unknown): value is string {
  if (typeof value !== 'string' || !grammarPattern.test(value)) return false;
  const colon = value.indexOf(':');
  const encoding = registeredEncodings[value.slice(0, colon)];
  return encoding === undefined || encoding.test(value.slice(colon + 1));
}

/**
 * Checks a digest that came from the network before it is trusted or used as a file name, and returns it typed.
 * Throws `E_MANIFEST_INVALID` quoting the input and the rule it broke.
 */
export function parseDigest(value: string): Digest {
  if (isDigest(value)) return value;
  throw new OcipullError('E_MANIFEST_INVALID', `invalid digest ${quote(value)}: ${digestProblem(value)}`);
}

/** The hex part of a digest, which is also its file name under `blobs/sha256/`. */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

/** The sha256 digest of `bytes`, for small in-memory documents such as manifests and configs. */
export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function digestProblem(value: string): string {
  // Digests become file names (blobs/<alg>/<hex>): name the traversal explicitly, it is the dangerous case.
  if (/[/\\]|\.\.|\0/.test(value)) return 'contains path characters and could escape the blob directory';
  const colon = value.indexOf(':');
  if (colon < 0) return 'expected "sha256:" followed by 64 lowercase hex characters';
  const algorithm = value.slice(0, colon);
  const encoded = value.slice(colon + 1);
  if (algorithm !== 'sha256') {
    return isWellFormedDigest(value)
      ? `algorithm ${quote(algorithm)} cannot be verified; only sha256 is supported`
      : 'does not follow the digest grammar algorithm:encoded';
  }
  if (/^[a-fA-F0-9]{64}$/.test(encoded)) return 'hex must be lowercase';
  if (/^[a-f0-9]*$/.test(encoded)) return `sha256 needs 64 hex characters, got ${encoded.length}`;
  return 'sha256 needs 64 lowercase hex characters';
}

/** JSON-quotes input for an error message, cut (past a whole sha512 digest) since it comes from the network. */
function quote(value: string): string {
  return JSON.stringify(value.length > 160 ? `${value.slice(0, 160)}…` : value);
}
