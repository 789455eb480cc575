/** Removing a path (a whole tree for directories) without following symlinks, also as an unprivileged user. */
import { chmod, lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, isMissing } from './fs-util.js';

/**
 * Removes `abs` and everything below it. `rm` never follows a symlink (the link itself goes). As an unprivileged
 * user a read-only directory in the tree makes `rm` fail with EACCES; then the directories are made writable
 * (they are ours, being deleted anyway) and the removal is retried, as umoci's rootless `RemoveAll` does.
 */
export async function removeTree(abs: string, rootless: boolean): Promise<void> {
  try {
    await rm(abs, { recursive: true, force: true });
  } catch (err) {
    const code = errnoCode(err);
    if (!rootless || (code !== 'EACCES' && code !== 'EPERM')) throw err;
    await makeWritable(abs);
    await rm(abs, { recursive: true, force: true });
  }
}

async function makeWritable(abs: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await lstat(abs)).isDirectory();
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  if (!isDir) return;
  await chmod(abs, 0o700);
  for (const name of await readdir(abs)) await makeWritable(join(abs, name));
}
