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

/** `127.0.0.1:5000`, `[::1]:5000`: the address a socket error names, if any. */
function peerOf(err: unknown): string | undefined {
  let current: unknown = err;
  for (let i = 0; i < 4 && current instanceof Error; i++) {
    const { address, port } = current as { address?: unknown; port?: unknown };
    if (typeof address === 'string') {
      const host = address.includes(':') ? `[${address}]` : address;
      return typeof port === 'number' ? `${host}:${port}` : host;
    }
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

/** Codes of a connection that broke after it was made: the registry was reached, the transfer was cut. */
const brokenCodes = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * Disk failures that can reach us through a stream pipeline, in the words of strerror(3). They are not network
 * faults and must not read "registry unreachable" (a full disk did, issue 11 #16). The layout module has the
 * fuller table; transport may not import it (STYLE.md §1), so the few that matter here are repeated.
 */
const diskWords: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EIO: 'input/output error',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
};

const loopbackHosts = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/**
 * True for a connection refused by a loopback address: nothing is listening on this machine, and waiting will
 * not start it, so it is not retried (a retried refusal cost 3.9 s, issue 11 #20). Refusals by other hosts are
 * retried: a load balancer or a registry restarting behind one can refuse for a moment.
 */
export function isRefusedOnLoopback(err: unknown, url: URL): boolean {
  return codeOf(err) === 'ECONNREFUSED' && loopbackHosts.test(url.hostname);
}

/**
 * Turns a low-level failure into a one-line `OcipullError`: TLS problems name the options that fix them, a
 * refused or unresolvable connection is "registry unreachable", a connection cut mid-transfer says so, and a disk
 * failure is an I/O error in words.
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
  if (code && diskWords[code]) {
    return new OcipullError('E_IO', `${operation}: ${diskWords[code]}`, {
      cause: err,
      hint: code === 'ENOSPC' ? 'free some disk space and run the same command again; it resumes' : undefined,
    });
  }
  if (code && brokenCodes.has(code)) {
    return new OcipullError('E_NETWORK', `${operation}: the connection broke mid-transfer: ${detail}`, {
      cause: err,
      hint: 'the registry or a proxy closed the connection; run the same command again (it resumes), or raise --retries',
    });
  }
  if (code === 'ECONNREFUSED') {
    const at = peerOf(err);
    return new OcipullError(
      'E_NETWORK',
      `${operation}: registry unreachable: connection refused${at ? ` by ${at}` : ''}`,
      { cause: err, hint: 'nothing is listening there: check that the registry runs, and its host and port' },
    );
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
