/**
 * Layer entry names: cleaning (PROTOCOL.md §9 "path safety") and whiteout markers (image-spec `layer.md`).
 * Pure code. A name that would climb out of the rootfs is refused rather than clamped: such a layer is hostile or
 * broken, and moby's `breakoutError` refuses it too.
 */
import { posix } from 'node:path';
import { OcipullError } from '../errors.js';

/** The prefix of a whiteout marker; `.wh.NAME` deletes NAME from lower layers. */
export const WHITEOUT_PREFIX = '.wh.';
/** The marker that makes its directory opaque: every lower-layer child is hidden. */
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** AUFS metadata names (`.wh..wh.plnk`, `.wh..wh.aufs`) start with this; they are skipped. */
const AUFS_META_PREFIX = '.wh..wh.';

/**
 * Cleans a tar name (or hardlink target) into a path relative to the rootfs: leading `/` stripped, `.` and `..`
 * resolved lexically, no trailing `/`. The rootfs itself is `''`. Throws `E_MANIFEST_INVALID` for names that
 * escape with `..` or contain NUL.
 */
export function cleanEntryName(raw: string, what = 'entry'): string {
  if (raw.includes('\0')) throw invalidName(what, raw, 'contains a NUL byte');
  const cleaned = posix.normalize(raw.replace(/^\/+/, '') || '.').replace(/\/+$/, '');
  if (cleaned === '..' || cleaned.startsWith('../')) {
    throw invalidName(what, raw, 'climbs out of the rootfs with ".."');
  }
  return cleaned === '.' || cleaned === '' ? '' : cleaned;
}

/** Splits a cleaned, non-empty relative path into its parent (`''` for the rootfs) and last component. */
export function splitPath(rel: string): { dir: string; base: string } {
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? { dir: '', base: rel } : { dir: rel.slice(0, slash), base: rel.slice(slash + 1) };
}

/** What a whiteout marker asks for. */
export type Whiteout = { kind: 'opaque' } | { kind: 'remove'; name: string } | { kind: 'aufs-meta' };

/**
 * Classifies the last component of an entry name: `undefined` for an ordinary entry, otherwise the whiteout it
 * is. `.wh.` alone, `.wh..` and `.wh...` are refused: their target would be the directory itself or its parent
 * (containerd `validateWhiteout`).
 */
export function parseWhiteout(base: string, raw: string): Whiteout | undefined {
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  if (base === OPAQUE_WHITEOUT) return { kind: 'opaque' };
  if (base.startsWith(AUFS_META_PREFIX)) return { kind: 'aufs-meta' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') {
    throw invalidName('whiteout', raw, `names ${name === '' ? 'nothing' : JSON.stringify(name)}`);
  }
  return { kind: 'remove', name };
}

function invalidName(what: string, raw: string, reason: string): OcipullError {
  const shown = JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}…` : raw);
  return new OcipullError('E_MANIFEST_INVALID', `refusing layer ${what} ${shown}: ${reason}`);
}
