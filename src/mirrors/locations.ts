/**
 * The small string rules of registries.conf values, as containers/image applies them (`parseLocation`, the
 * wildcard-prefix format check, `anchoredDomainRegexp`).
 */

/**
 * containers/image's `parseLocation`: trailing slashes are trimmed, and an `http://` or `https://` scheme is refused.
 * Returns the trimmed value, or a problem.
 */
export function parseLocation(input: string): { value: string } | { problem: string } {
  const value = input.replace(/\/+$/, '');
  if (value.startsWith('http://') || value.startsWith('https://')) {
    return { problem: `invalid location ${JSON.stringify(input)}: URI schemes are not supported` };
  }
  return { value };
}

/** True for a `*.example.com` prefix (only a leading `*.` makes a wildcard). */
export function isWildcardPrefix(prefix: string): boolean {
  return prefix.startsWith('*.');
}

/** A wildcard prefix may hold no port, namespace, tag or digest: `*.example.com` only. */
export function wildcardPrefixProblem(prefix: string): string | null {
  if (isWildcardPrefix(prefix) && /[/@:]/.test(prefix)) {
    return `wildcarded prefix should be in the format *.example.com; ${JSON.stringify(prefix)} is incorrectly formatted`;
  }
  return null;
}

// distribution/reference's DomainRegexp: host (DNS labels or a bracketed IPv6 literal) and an optional port.
const LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);

/** True for a `host[:port]` that `unqualified-search-registries` accepts (no namespace). */
export function isDomain(value: string): boolean {
  return DOMAIN.test(value);
}
