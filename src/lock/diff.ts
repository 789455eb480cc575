/**
 * What changed between a locked entry and the registry's answer now, in the words `verify` and `lock --update`
 * print: `unchanged`, `moved`, or `index-moved` (the tag names a new index, but every platform the project wants
 * is the same image), per platform old → new.
 */
import type { Digest } from '../oci/types/index.js';
import type { LockEntry } from './lockfile.js';
import { wantedDigest } from './platforms.js';

/** How an entry stands against the registry. */
export type EntryStatus = 'unchanged' | 'moved' | 'index-moved' | 'gone';

/** One platform's change. */
export interface PlatformChange {
  platform: string;
  old: Digest | null;
  new: Digest | null;
  /** A platform the project wants (listed in `want`). */
  wanted: boolean;
}

/** The change of one entry. */
export interface EntryDiff {
  status: EntryStatus;
  old: Digest;
  new: Digest | null;
  /** Every platform whose digest differs (wanted ones by the platform they resolve to), wanted first. */
  platforms: PlatformChange[];
}

/** True when the status means a platform the project wants is not what the lock says. */
export function isDrift(status: EntryStatus): boolean {
  return status === 'moved' || status === 'gone';
}

/** Compares a locked entry with a fresh resolution of the same reference (same `want`). */
export function diffEntry(old: LockEntry, now: LockEntry): EntryDiff {
  if (old.digest === now.digest)
    return { status: 'unchanged', old: old.digest, new: now.digest, platforms: [] };
  const changes: PlatformChange[] = [];
  let wantedMoved = false;
  for (const want of old.want) {
    const a = wantedDigest(old, want) ?? null;
    const b = wantedDigest(now, want) ?? null;
    if (a !== b) {
      wantedMoved = true;
      changes.push({ platform: want, old: a, new: b, wanted: true });
    }
  }
  const wantedKeys = new Set(old.want);
  for (const key of [...new Set([...Object.keys(old.platforms), ...Object.keys(now.platforms)])].sort()) {
    if (wantedKeys.has(key)) continue;
    const a = old.platforms[key]?.digest ?? null;
    const b = now.platforms[key]?.digest ?? null;
    if (a !== b) changes.push({ platform: key, old: a, new: b, wanted: false });
  }
  // A single image that moved is its one platform moving, even with nothing in `want` (an artifact).
  const moved = wantedMoved || old.want.length === 0;
  return { status: moved ? 'moved' : 'index-moved', old: old.digest, new: now.digest, platforms: changes };
}

/** The diff of an entry whose tag no longer resolves. */
export function goneEntry(old: LockEntry): EntryDiff {
  return { status: 'gone', old: old.digest, new: null, platforms: [] };
}
