/**
 * The `ocipull` package: pull, copy, push, inspect and unpack container images from Node, with no daemon and no
 * process side effects (nothing is written to stdout or stderr, no signal handlers, no `process.exit`). Every call
 * resolves to the same object the matching CLI command prints with `--json`, and fails with an `OcipullError`
 * whose `code` is stable (see the README's Library section for the semver promise).
 *
 * Not exported on purpose: the copy engine's ends, the registry client and the layout writer. They are still
 * changing; a subpath (`ocipull/layout`) comes once a second consumer needs one.
 */
export {
  type CommonOptions,
  type CopyOptions,
  CopyResultSchema,
  type Credentials,
  type CredentialsOption,
  copy,
  type DigestResult,
  DigestResultSchema,
  type EntryDiff,
  type EntryStatus,
  inspect,
  type LayoutStatus,
  type LayoutVerifyResult,
  type LockOptions,
  type LockOutcome,
  type LockResult,
  listTags,
  lock,
  type MirrorOptions,
  type PlatformChange,
  type PlatformOptions,
  type PullOptions,
  type PullResult,
  PullResultSchema,
  pull,
  push,
  type RateLimitResult,
  RateLimitResultSchema,
  rateLimit,
  resolveDigest,
  SourceSchema,
  type TagsResult,
  TagsResultSchema,
  tag,
  type UnpackOptions,
  type UnpackResult,
  UnpackResultSchema,
  unpack,
  type Verdict,
  type VerifyOptions,
  type VerifyResult,
  verify,
  version,
} from './api/index.js';
export type { CopyResult, TagResult } from './copy/index.js';
export {
  type ErrorCode,
  errorCodes,
  IntegrityError,
  InvalidReferenceError,
  isOcipullError,
  OcipullError,
  type OcipullErrorOptions,
} from './errors.js';
export type { IndexEntry, InspectReport } from './inspect/index.js';
export type { BlobKind, ProgressEvent } from './progress/events.js';
export { parseReference, type Reference } from './reference/index.js';
export { type Diagnostic, type RateLimit, RegistryError } from './registry/transport/index.js';
