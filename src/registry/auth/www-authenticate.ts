/** One challenge of a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"`. */
export interface Challenge {
  /** Lower-cased auth scheme: `bearer`, `basic`. */
  scheme: string;
  /** Parameters with lower-cased names; values unquoted. */
  params: Record<string, string>;
}

const tokenChar = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Parses a `WWW-Authenticate` header (RFC 9110 §11.6.1) robustly: several challenges in one header (`Basic …,
 * Bearer …`) or in several headers, quoted and unquoted parameter values (gcr.io sends `service=gcr.io`
 * unquoted), escaped quotes, and a realm with no `service` (Artifact Registry). Never throws.
 */
export function parseWwwAuthenticate(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const headers = Array.isArray(header) ? header : [header];
  return headers.flatMap(parseOne);
}

function parseOne(h: string): Challenge[] {
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  let i = 0;
  const readToken = () => {
    const start = i;
    while (i < h.length && tokenChar.test(h[i]!)) i++;
    return h.slice(start, i);
  };
  const skip = (chars: string) => {
    while (i < h.length && chars.includes(h[i]!)) i++;
  };
  while (i < h.length) {
    skip(' \t,');
    const token = readToken();
    if (token === '') {
      i++; // stray character: skip it
      continue;
    }
    const afterToken = i;
    skip(' \t');
    if (h[i] === '=' && current) {
      i++;
      skip(' \t');
      let value = '';
      if (h[i] === '"') {
        i++;
        while (i < h.length && h[i] !== '"') {
          if (h[i] === '\\' && i + 1 < h.length) i++;
          value += h[i];
          i++;
        }
        i++; // closing quote
      } else {
        const start = i;
        while (i < h.length && h[i] !== ',' && h[i] !== ' ' && h[i] !== '\t') i++;
        value = h.slice(start, i);
      }
      current.params[token.toLowerCase()] = value;
    } else if (h[i] === '=') {
      // A parameter before any scheme: malformed, ignore it.
      i++;
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      out.push(current);
      i = afterToken;
    }
  }
  return out;
}
