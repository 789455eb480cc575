import { OcipullError } from '../../errors.js';
import {
  BodyLimits,
  describeRateLimit,
  formatWindow,
  RegistryError,
  readPrefix,
  type TransportResponse,
} from '../transport/index.js';

/** Context for turning an error response into a message a person understands. */
export interface ErrorContext {
  operation: string;
  method: string;
  url: URL;
  domain: string;
  /** `domain/path`, for "not found in repository …" and hints. */
  repository: string;
  /** What was asked for: a tag, a digest. */
  subject?: string | undefined;
  /** Whether we sent credentials (changes what a 401 means). */
  authenticated: boolean;
}

/**
 * Reads (a bounded prefix of) an error response and builds the `RegistryError` with a message and hint for the
 * common cases: unknown tag or repository, no access (on Docker Hub a 401 for a repository means "private or does
 * not exist"), refused credentials, rate limits with their figures, and registries that are down.
 */
export async function errorFromResponse(res: TransportResponse, ctx: ErrorContext): Promise<RegistryError> {
  const body =
    ctx.method === 'HEAD' ? undefined : await readPrefix(res.body, BodyLimits.error).catch(() => undefined);
  if (ctx.method === 'HEAD') await res.body.dump({ limit: BodyLimits.error }).catch(() => undefined);
  const init = {
    operation: ctx.operation,
    method: ctx.method,
    url: ctx.url,
    status: res.status,
    headers: res.headers,
    body,
  };
  const probe = new RegistryError(init);
  const isHub = ctx.domain === 'docker.io';
  switch (probe.code) {
    case 'E_RATE_LIMITED': {
      const rl = probe.rateLimit;
      const figures = rl.set ? ` (${describeRateLimit(rl)})` : '';
      const reset = rl.windowSeconds ? `; the quota refills within ${formatWindow(rl.windowSeconds)}` : '';
      return new RegistryError(init, {
        message: `${ctx.operation}: rate limited by ${ctx.domain}: registry answered 429 TOOMANYREQUESTS${figures}`,
        hint: `pass credentials (--creds or ocipull login ${ctx.domain}) to get a larger quota${reset}; \`ocipull ratelimit\` shows the figures`,
      });
    }
    case 'E_AUTH':
      return new RegistryError(init, {
        message: ctx.authenticated
          ? `${ctx.operation}: access to ${ctx.repository} was refused with the credentials given (401)`
          : `${ctx.operation}: ${isHub ? `repository ${ctx.repository} does not exist or is private` : `authentication required for ${ctx.repository}`} (401)`,
        hint: ctx.authenticated
          ? `check the credentials, or run: ocipull login ${ctx.domain}`
          : `check the name; if it is private, pass --creds USER:PASS or run: ocipull login ${ctx.domain}`,
      });
    case 'E_DENIED':
      return new RegistryError(init, {
        message: `${ctx.operation}: access to ${ctx.repository} denied (403${probe.diagnostics[0] ? ` ${probe.diagnostics[0].code}` : ''})`,
        hint: `check that your account may pull ${ctx.repository}`,
      });
    case 'E_MANIFEST_UNKNOWN':
    case 'E_NOT_FOUND':
    case 'E_NAME_UNKNOWN':
      return new RegistryError(init, {
        code: probe.code === 'E_NOT_FOUND' ? 'E_MANIFEST_UNKNOWN' : probe.code,
        message: `${ctx.operation}: ${ctx.subject ? `${ctx.subject} not found in repository ${ctx.repository}` : `repository ${ctx.repository} not found`} (404${probe.diagnostics[0] ? ` ${probe.diagnostics[0].code}` : ''})`,
        hint: `check the spelling; list the tags with: ocipull tags ${ctx.repository}`,
      });
    case 'E_BLOB_UNKNOWN':
      return probe;
    default:
      if (res.status >= 500) {
        return new RegistryError(init, {
          message: `${ctx.operation}: registry ${ctx.domain} is unavailable: answered ${res.status}${probe.diagnostics[0] ? ` ${probe.diagnostics[0].code}` : ''} after retries`,
          hint: 'try again later, or raise --retries',
        });
      }
      return probe;
  }
}

/** A manifest body larger than the 4 MiB cap. */
export function manifestTooLarge(operation: string, size: number | string): OcipullError {
  return new OcipullError(
    'E_MANIFEST_TOO_LARGE',
    `${operation}: manifest is ${size} bytes, over the 4 MiB limit`,
    {
      hint: 'registries and clients cap manifests at 4 MiB; this is not an image ocipull can read',
    },
  );
}
