/**
 * The error vocabulary of ocipull: one base class with a stable `code`, a few subclasses that carry extra data,
 * and the one table that maps codes to process exit codes.
 *
 * Callers (tests, the CLI's exit mapper) match on `err.code`, never on message text or `instanceof` of a
 * subclass, the way undici documents its own errors (docs/docs/api/Errors.md).
 */

/** Exit codes of the `ocipull` process. The README's table is generated from the same facts; keep both in step. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  rateLimited: 5,
  unavailable: 6,
  integrity: 7,
  io: 8,
  unsupported: 9,
  /** `ocipull verify`: something the project wants moved away from its lockfile (a check, not a failure). */
  drift: 10,
  /** A registries.conf `blocked = true` entry refuses the pull. */
  blocked: 11,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Every stable error code, with the exit code it maps to. */
const codeTable = {
  E_INTERNAL: ExitCode.internal,
  E_USAGE: ExitCode.usage,
  E_INVALID_REFERENCE: ExitCode.usage,
  E_INVALID_PLATFORM: ExitCode.usage,
  E_NOT_FOUND: ExitCode.notFound,
  E_MANIFEST_UNKNOWN: ExitCode.notFound,
  E_NAME_UNKNOWN: ExitCode.notFound,
  E_BLOB_UNKNOWN: ExitCode.notFound,
  E_PLATFORM_NOT_FOUND: ExitCode.notFound,
  E_AUTH: ExitCode.auth,
  E_DENIED: ExitCode.auth,
  E_RATE_LIMITED: ExitCode.rateLimited,
  E_NETWORK: ExitCode.unavailable,
  E_TLS: ExitCode.unavailable,
  E_REGISTRY: ExitCode.unavailable,
  E_INTEGRITY: ExitCode.integrity,
  E_IO: ExitCode.io,
  E_MANIFEST_INVALID: ExitCode.unsupported,
  E_MANIFEST_TOO_LARGE: ExitCode.unsupported,
  E_UNSUPPORTED: ExitCode.unsupported,
  E_LOCKFILE: ExitCode.usage,
  E_NOT_LOCKED: ExitCode.notFound,
  E_DRIFT: ExitCode.drift,
  E_MIRROR_CONFIG: ExitCode.usage,
  E_BLOCKED: ExitCode.blocked,
  E_INTERRUPTED: ExitCode.interrupted,
} as const satisfies Record<string, ExitCode>;

/** A stable, machine-readable error code such as `E_MANIFEST_UNKNOWN`. */
export type ErrorCode = keyof typeof codeTable;

/** All error codes, for documentation and tests. */
export const errorCodes = Object.keys(codeTable) as ErrorCode[];

/** Options shared by every ocipull error. */
export interface OcipullErrorOptions {
  /** One line telling the user what to do next. */
  hint?: string | undefined;
  cause?: unknown;
}

/**
 * An expected failure: bad input, a registry that says no, a fault on the network or disk.
 * Its message reads "operation subject: cause" and is shown to the user as is, without a stack trace.
 */
export class OcipullError extends Error {
  override name = 'OcipullError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: OcipullErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
}

/**
 * A reference string that does not follow the grammar. Named so as not to shadow the global `ReferenceError`.
 */
export class InvalidReferenceError extends OcipullError {
  override name = 'InvalidReferenceError';
  /** The input exactly as given. */
  readonly input: string;

  constructor(input: string, reason: string, options: OcipullErrorOptions = {}) {
    super('E_INVALID_REFERENCE', `invalid reference ${JSON.stringify(input)}: ${reason}`, options);
    this.input = input;
  }
}

/** Content whose size or digest differs from what its descriptor promised. */
export class IntegrityError extends OcipullError {
  override name = 'IntegrityError';
  readonly expected: { digest: string; size?: number | undefined };
  readonly actual: { digest?: string | undefined; size: number };

  constructor(
    message: string,
    expected: { digest: string; size?: number | undefined },
    actual: { digest?: string | undefined; size: number },
    options: OcipullErrorOptions = {},
  ) {
    super('E_INTEGRITY', message, options);
    this.expected = expected;
    this.actual = actual;
  }

  /** How many bytes had been read when the mismatch was found. */
  get bytesRead(): number {
    return this.actual.size;
  }
}

/**
 * The same failure with what was being done put in front of its message (`select platform of X: no linux/s390x
 * in index; …`), keeping code and hint. Other errors pass through unchanged.
 */
export function withContext(err: unknown, context: string): unknown {
  if (!(err instanceof OcipullError) || err.constructor !== OcipullError) return err;
  return new OcipullError(err.code, `${context}: ${err.message}`, { hint: err.hint, cause: err });
}

/** True when `err` is an ocipull error (expected failure) rather than a bug. */
export function isOcipullError(err: unknown): err is OcipullError {
  return err instanceof OcipullError;
}

/** The process exit code for an error: its code's entry in the table, or 1 (a bug) for anything unexpected. */
export function exitCodeFor(err: unknown): ExitCode {
  if (isOcipullError(err)) return codeTable[err.code];
  return ExitCode.internal;
}
