import { OcipullError } from '../../errors.js';

const tlsCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Network error codes after which a retry may succeed. */
const transientCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

function codeOf(err: unknown): string | undefined {
  let current: unknown = err;
  for (let i = 0; i < 4 && current instanceof Error; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/** True for a network failure that a retry may cure (reset, refused, timeout). */
export function isTransientNetworkError(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && transientCodes.has(code);
}

/** True when `err` is (or wraps) the abort of our own signal. */
export function isAbortError(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'AbortError' || codeOf(err) === 'UND_ERR_ABORTED' || codeOf(err) === 'ABORT_ERR')
  );
}

/**
 * Turns a low-level failure into a one-line `OcipullError`: TLS problems name the options that fix them,
 * everything else is "registry unreachable".
 */
export function toNetworkError(err: unknown, operation: string): OcipullError {
  if (err instanceof OcipullError) return err;
  const code = codeOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (isAbortError(err))
    return new OcipullError('E_INTERRUPTED', `${operation}: interrupted`, { cause: err });
  if (code && (tlsCodes.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    return new OcipullError('E_TLS', `${operation}: TLS verification failed: ${detail}`, {
      cause: err,
      hint: 'trust the registry CA with --cert-dir DIR, /etc/containers/certs.d/HOST/*.crt or NODE_EXTRA_CA_CERTS; --tls-verify=false skips verification',
    });
  }
  return new OcipullError(
    'E_NETWORK',
    `${operation}: registry unreachable: ${detail}${code && !detail.includes(code) ? ` (${code})` : ''}`,
    {
      cause: err,
      hint: 'check the registry address, your network and HTTPS_PROXY/NO_PROXY',
    },
  );
}
