/** Docker Hub's pull quota as reported on manifest responses (GET and HEAD). */
export interface RateLimit {
  /** False when the registry sent no rate-limit headers: not limited, which is not the same as "0 left". */
  set: boolean;
  limit?: number | undefined;
  remaining?: number | undefined;
  /** The window in seconds (`w=` in `100;w=21600`). */
  windowSeconds?: number | undefined;
  /** `docker-ratelimit-source`: the IP or account the quota is counted against. */
  source?: string | undefined;
}

type HeaderValue = string | string[] | undefined;

function header(headers: Record<string, HeaderValue>, name: string): string | undefined {
  const v = headers[name] ?? headers[`x-${name}`];
  return Array.isArray(v) ? v[0] : v;
}

function parseQuota(value: string | undefined): { n?: number; w?: number } {
  if (!value) return {};
  // "100;w=21600" (Docker Hub); be lenient about spaces and a second policy after a comma.
  const first = value.split(',')[0]!.trim();
  const [count, ...params] = first.split(';').map((p) => p.trim());
  const n = /^\d+$/.test(count ?? '') ? Number(count) : undefined;
  let w: number | undefined;
  for (const p of params) {
    const m = /^w\s*=\s*(\d+)$/i.exec(p);
    if (m) w = Number(m[1]);
  }
  return { n, w };
}

/**
 * Parses `ratelimit-limit`, `ratelimit-remaining` and `docker-ratelimit-source`, also with an `x-` prefix.
 * `headers` must have lower-case keys, as undici gives them. Modelled on regclient's `GetRateLimit`.
 */
export function parseRateLimit(headers: Record<string, HeaderValue>): RateLimit {
  const limit = parseQuota(header(headers, 'ratelimit-limit'));
  const remaining = parseQuota(header(headers, 'ratelimit-remaining'));
  const source = header(headers, 'docker-ratelimit-source');
  const set = limit.n !== undefined || remaining.n !== undefined;
  if (!set) return { set: false, source };
  return { set, limit: limit.n, remaining: remaining.n, windowSeconds: limit.w ?? remaining.w, source };
}

/** "76 of 100 pulls left (6h window)" — the human form used in errors and output. */
export function describeRateLimit(rl: RateLimit): string {
  if (!rl.set) return 'not rate-limited';
  const window = rl.windowSeconds !== undefined ? ` (${formatWindow(rl.windowSeconds)} window)` : '';
  const left = rl.remaining !== undefined ? `${rl.remaining}` : '?';
  const of = rl.limit !== undefined ? ` of ${rl.limit}` : '';
  return `${left}${of} pulls left${window}`;
}

/** 21600 → "6h", 5400 → "1.5h", 90 → "90s". */
export function formatWindow(seconds: number): string {
  if (seconds >= 3600) return `${Number((seconds / 3600).toFixed(2))}h`;
  if (seconds >= 60) return `${Number((seconds / 60).toFixed(1))}m`;
  return `${seconds}s`;
}
