import { type ErrorCode, OcipullError, type OcipullErrorOptions } from '../../errors.js';
import { parseRateLimit, type RateLimit } from './rate-limit.js';
import { redactUrl } from './redact.js';

/** One entry of the spec error body `{"errors":[{"code","message","detail"}]}`. */
export interface Diagnostic {
  code: string;
  message?: string | undefined;
  detail?: unknown;
}

/** Registry error codes after which a retry may succeed (ggcr `transport.Error.Temporary`). */
const temporaryCodes = new Set(['UNKNOWN', 'UNAVAILABLE', 'TOOMANYREQUESTS']);
const temporaryStatus = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Parses a spec error body; anything else (HTML from a proxy, empty HEAD bodies) gives no diagnostics.
 * Unknown codes are kept as they are; callers treat them like `UNKNOWN` (distribution api.md).
 */
export function parseDiagnostics(body: Uint8Array | undefined): Diagnostic[] {
  if (!body || body.length === 0) return [];
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { errors?: unknown };
    if (!Array.isArray(parsed.errors)) return [];
    return parsed.errors
      .filter(
        (e): e is Record<string, unknown> =>
          typeof e === 'object' && e !== null && typeof e.code === 'string',
      )
      .map((e) => ({
        code: String(e.code).toUpperCase(),
        message: typeof e.message === 'string' ? e.message : undefined,
        detail: e.detail,
      }));
  } catch {
    return [];
  }
}

function codeFor(status: number, diagnostics: Diagnostic[]): ErrorCode {
  const codes = new Set(diagnostics.map((d) => d.code));
  if (status === 429 || codes.has('TOOMANYREQUESTS')) return 'E_RATE_LIMITED';
  if (codes.has('DENIED') || status === 403) return 'E_DENIED';
  if (status === 401 || codes.has('UNAUTHORIZED')) return 'E_AUTH';
  if (codes.has('MANIFEST_UNKNOWN')) return 'E_MANIFEST_UNKNOWN';
  if (codes.has('NAME_UNKNOWN')) return 'E_NAME_UNKNOWN';
  if (codes.has('BLOB_UNKNOWN')) return 'E_BLOB_UNKNOWN';
  if (status === 404) return 'E_NOT_FOUND';
  if (codes.has('UNSUPPORTED')) return 'E_UNSUPPORTED';
  if (codes.has('MANIFEST_INVALID')) return 'E_MANIFEST_INVALID';
  return 'E_REGISTRY';
}

/** What a registry answered, in the words a person reads: `404 MANIFEST_UNKNOWN (manifest unknown)`. */
function describeAnswer(status: number, diagnostics: Diagnostic[]): string {
  const first = diagnostics[0];
  if (!first) return `${status}`;
  return `${status} ${first.code}${first.message ? ` (${first.message})` : ''}`;
}

/** Everything needed to build a `RegistryError` from a response. */
export interface RegistryErrorInit {
  /** What we were doing, with its subject: "fetch manifest docker.io/library/alpine:3.20". */
  operation: string;
  method: string;
  url: string | URL;
  status: number;
  headers?: Record<string, string | string[] | undefined> | undefined;
  body?: Uint8Array | undefined;
}

/**
 * A registry answered with an error status. Keeps the registry's own codes (ggcr `transport.Error`), the redacted
 * URL, the rate-limit figures of the response, and whether a retry could help.
 */
export class RegistryError extends OcipullError {
  override name = 'RegistryError';
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly diagnostics: Diagnostic[];
  readonly rateLimit: RateLimit;
  /** True for 408, 429, 5xx, or when every diagnostic code is a temporary one. */
  readonly temporary: boolean;

  constructor(
    init: RegistryErrorInit,
    options: OcipullErrorOptions & { code?: ErrorCode; message?: string } = {},
  ) {
    const diagnostics = parseDiagnostics(init.body);
    const message =
      options.message ?? `${init.operation}: registry answered ${describeAnswer(init.status, diagnostics)}`;
    super(options.code ?? codeFor(init.status, diagnostics), message, options);
    this.method = init.method;
    this.url = redactUrl(init.url);
    this.status = init.status;
    this.diagnostics = diagnostics;
    this.rateLimit = parseRateLimit(init.headers ?? {});
    this.temporary =
      temporaryStatus.has(init.status) ||
      (diagnostics.length > 0 && diagnostics.every((d) => temporaryCodes.has(d.code)));
  }

  /** True when this response carries a registry error code, e.g. `MANIFEST_UNKNOWN`. */
  hasCode(code: string): boolean {
    return this.diagnostics.some((d) => d.code === code);
  }
}
