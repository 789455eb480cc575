/**
 * Public surface of `api`: the library's functions (one per CLI command, same positional arguments, one options
 * object last) and their option and result types. `src/index.ts` is the package's entry point and re-exports these.
 * The opener, endpoint and runtime helpers are shared with `cli/` but not exported from the package.
 */

export type {
  EntryDiff,
  EntryStatus,
  LayoutStatus,
  LayoutVerifyResult,
  LockOutcome,
  LockResult,
  PlatformChange,
  Verdict,
  VerifyResult,
} from '../lock/index.js';
export type { Credentials, CredentialsOption } from './client.js';
export { type CopyOptions, copy, push } from './copy.js';
export { type LockOptions, lock, type VerifyOptions, verify } from './lock.js';
export type { MirrorOptions } from './mirror-config.js';
export type { CommonOptions } from './options.js';
export { type PullOptions, pull } from './pull.js';
export { inspect, listTags, type PlatformOptions, rateLimit, resolveDigest, tag } from './registry.js';
export {
  CopyResultSchema,
  DigestResultSchema,
  PullResultSchema,
  RateLimitResultSchema,
  SourceSchema,
  TagsResultSchema,
  UnpackResultSchema,
} from './result-schemas.js';
export type { DigestResult, PullResult, RateLimitResult, TagsResult, UnpackResult } from './results.js';
export { type UnpackOptions, unpack } from './unpack.js';
export { version } from './version.js';
