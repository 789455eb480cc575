/**
 * Finding the `[[registry]]` for a reference: containers/image's `refMatchingPrefix`,
 * `refMatchingSubdomainPrefix` and `findRegistryWithParsedConfig`, quirks included.
 */

import { isWildcardPrefix } from './locations.js';
import type { RegistryEntry } from './types.js';

const BOUNDARY = new Set([':', '/', '@']);

/**
 * The length of `ref` that `prefix` matches, or -1. `ref` is a fully qualified repository or reference string.
 * A literal prefix must be followed by the end, `:`, `/` or `@` (so `example.com` also matches
 * `example.com:5000/x`: a known containers/image quirk, kept). A `*.example.com` prefix matches any depth of
 * subdomain, never `example.com` itself.
 */
export function refMatchingPrefix(ref: string, prefix: string): number {
  if (isWildcardPrefix(prefix)) return refMatchingSubdomainPrefix(ref, prefix);
  if (ref.length < prefix.length || !ref.startsWith(prefix)) return -1;
  if (ref.length === prefix.length) return prefix.length;
  return BOUNDARY.has(ref[prefix.length]!) ? prefix.length : -1;
}

/**
 * `refMatchingSubdomainPrefix`: the first occurrence of `.example.com` must lie in the host part and end at a
 * boundary. Only the first occurrence is looked at, as in containers/image.
 */
function refMatchingSubdomainPrefix(ref: string, prefix: string): number {
  const suffix = prefix.slice(1);
  let index = ref.indexOf(suffix);
  if (index === -1 || ref.slice(0, index).includes('/')) return -1;
  index += suffix.length;
  if (index === ref.length) return index;
  return BOUNDARY.has(ref[index]!) ? index : -1;
}

/**
 * The entry with the longest matching prefix for `repository` (a name without tag or digest, as containers/image
 * looks it up), or null. Lengths count the prefix as written (`*.example.com` is 13); among equal lengths the first
 * in sorted order wins, since only a longer prefix replaces the current choice.
 */
export function findRegistry(registries: readonly RegistryEntry[], repository: string): RegistryEntry | null {
  let found: RegistryEntry | null = null;
  for (const reg of registries) {
    if (refMatchingPrefix(repository, reg.prefix) !== -1 && reg.prefix.length > (found?.prefix.length ?? 0)) {
      found = reg;
    }
  }
  return found;
}

/** Sorts by prefix in byte order, as Go's `sort.Strings` does. */
export function sortByPrefix(entries: RegistryEntry[]): RegistryEntry[] {
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.prefix), Buffer.from(b.prefix)));
}
