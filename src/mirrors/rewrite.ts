/**
 * Location rewriting: containers/image's `Endpoint.rewriteReference`.
 */

import { isOcipullError } from '../errors.js';
import { canonicalOf, parseReference, type Reference } from '../reference/index.js';
import { refMatchingPrefix } from './match.js';

/**
 * The reference actually requested from an endpoint: `location` followed by whatever of `ref` comes after the
 * matched `prefix` (`docker.io` → `harbor.example.com/dockerhub-proxy` turns `docker.io/library/debian:12` into
 * `harbor.example.com/dockerhub-proxy/library/debian:12`). An empty location (a wildcard entry) means no rewrite.
 * The result must parse as a canonical reference, as containers/image's `reference.ParseNamed` demands; otherwise
 * the problem is returned.
 */
export function rewriteReference(
  ref: Reference,
  prefix: string,
  location: string,
): { reference: Reference } | { problem: string } {
  const refString = canonicalOf(ref);
  const matched = refMatchingPrefix(refString, prefix);
  if (matched === -1)
    return { problem: `invalid prefix ${JSON.stringify(prefix)} for reference ${JSON.stringify(refString)}` };
  if (location === '') return { reference: ref };
  const rewritten = location + refString.slice(matched);
  try {
    const parsed = parseReference(rewritten);
    if (canonicalOf(parsed) !== rewritten) {
      return {
        problem: `rewriting ${refString} gives ${JSON.stringify(rewritten)}, which is not a canonical reference (it reads as ${canonicalOf(parsed)})`,
      };
    }
    return { reference: parsed };
  } catch (err) {
    if (!isOcipullError(err)) throw err;
    return { problem: `rewriting ${refString} gives ${err.message}` };
  }
}
