/**
 * Chroot-style path resolution inside the rootfs, the job of umoci's and moby's `SecureJoin` and containerd's
 * `fs.RootPath` (PROTOCOL.md §9).
 *
 * Threat: a layer plants a symlink (`a -> /etc`, `up -> ../../..`) and then writes through it (`a/passwd`,
 * `up/evil`). Every existing component is `lstat`ed; a symlink is expanded as if the rootfs were `/`, so
 * absolute targets restart at the rootfs and `..` never climbs above it. The result is a path made only of real
 * directories (or components that don't exist yet), so creating below it cannot leave the rootfs. Callers pass
 * only the parent of an entry: its last component is created with no-follow semantics instead.
 *
 * This assumes nobody else changes the rootfs while we unpack it; it does not defend against a concurrent local
 * attacker swapping directories for symlinks between our `lstat` and our write.
 */
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { OcipullError } from '../errors.js';
import { ioError, isMissing } from './fs-util.js';

/** How many symlinks one resolution may expand; filepath-securejoin uses the same limit. */
const MAX_SYMLINKS = 255;

/**
 * Resolves `rel` (a cleaned path relative to `root`, `''` for the root) following symlinks inside `root`, and
 * returns the resolved path, again relative to `root` (`''` for the root itself).
 */
export async function resolveInRoot(root: string, rel: string): Promise<string> {
  const pending = rel === '' ? [] : rel.split('/');
  const resolved: string[] = [];
  let expanded = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    resolved.push(part);
    // Every component is checked, even below a missing one: a `..` from a symlink target can lead back.
    const path = join(root, ...resolved);
    let isLink: boolean;
    try {
      isLink = (await lstat(path)).isSymbolicLink();
    } catch (err) {
      if (!isMissing(err)) throw ioError('lstat', resolved.join('/'), err);
      continue;
    }
    if (!isLink) continue;
    if (++expanded > MAX_SYMLINKS) {
      throw new OcipullError(
        'E_MANIFEST_INVALID',
        `refusing layer path ${JSON.stringify(rel)}: more than ${MAX_SYMLINKS} symlinks to follow (a loop?)`,
      );
    }
    let target: string;
    try {
      target = await readlink(path);
    } catch (err) {
      throw ioError('readlink', resolved.join('/'), err);
    }
    resolved.pop();
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/'));
  }
  return resolved.join('/');
}
