/**
 * Makes a URL safe to print: drops user info and the query string, which on pre-signed CDN/S3 URLs carries the
 * signature (ggcr runs every URL in an error through `internal/redact` for the same reason).
 */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '<invalid url>';
  }
  u.username = '';
  u.password = '';
  const query = u.search ? '?…' : '';
  u.search = '';
  u.hash = '';
  return `${u.toString()}${query}`;
}

/** Removes secrets from a header map before it is logged: Authorization values and cookies. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const key = k.toLowerCase();
    if (key === 'authorization' || key === 'proxy-authorization')
      out[k] = `${v.split(' ')[0] ?? ''} <redacted>`;
    else if (key === 'cookie') out[k] = '<redacted>';
    else out[k] = v;
  }
  return out;
}
