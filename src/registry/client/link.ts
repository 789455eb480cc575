/**
 * The `rel="next"` target of an RFC 8288 `Link` header, resolved against the request URL (distribution v3 sends
 * path-relative links such as `</v2/x/tags/list?last=a&n=2>; rel="next"`).
 */
export function nextLink(header: string | undefined, requestUrl: URL): URL | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (!m) continue;
    const rels = /(?:^|;)\s*rel\s*=\s*"?([^";]*)"?/i.exec(m[2] ?? '');
    if (rels?.[1]?.split(/\s+/).includes('next')) {
      try {
        return new URL(m[1]!, requestUrl);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
