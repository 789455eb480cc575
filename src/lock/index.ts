/**
 * Public surface of `lock`: `ocipull.lock` (format, reading, writing), resolving references into entries with
 * the fewest Docker Hub pulls, diffs for `verify` and `lock --update`, the `--from` readers (lists, compose files,
 * Dockerfiles), `--locked` pinning, the offline layout check, and sync destinations.
 */
export {
  diffEntry,
  type EntryDiff,
  type EntryStatus,
  goneEntry,
  isDrift,
  type PlatformChange,
} from './diff.js';
export { parseLockfile, readLockfile, writeLockfile } from './file.js';
export { checkLayout, type LayoutStatus } from './layout-check.js';
export {
  checkLocked,
  findEntry,
  type LockedFlags,
  type LockedReference,
  lockedFor,
  lockedReference,
  resolveLocked,
} from './locked-ref.js';
export {
  DEFAULT_LOCKFILE,
  emptyLockfile,
  formatLockfile,
  LOCKFILE_VERSION,
  type LockEntry,
  type LockedPlatform,
  type Lockfile,
} from './lockfile.js';
export { chooseLocked, platformsOfIndex, wantedDigest } from './platforms.js';
export { readCompose } from './read-compose.js';
export { readDockerfile } from './read-dockerfile.js';
export { fileKind, type ReadRefs, readList, readRefsFrom } from './read-list.js';
export { type ClientFor, lookupOf, Resolver, type WantedPlatforms } from './resolve.js';
export {
  type LayoutVerifyResult,
  type LockOutcome,
  type LockRequest,
  type LockResult,
  runLock,
  runVerify,
  runVerifyLayout,
  type Verdict,
  type VerifyResult,
  wantedFrom,
} from './run-lock.js';
export { mirrorReference, parseSyncTarget, type SyncTarget } from './sync-target.js';
