/** The rootfs directory: created when absent, refused when not empty (unless forced), cleaned after a failure. */
import { mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OcipullError } from '../errors.js';
import { errnoCode, ioError } from './fs-util.js';
import { removeTree } from './remove.js';

/** A prepared rootfs directory. */
export interface Dest {
  /** Absolute, symlink-free path of the rootfs. */
  root: string;
  /** Whether we created the directory (it was absent), or found it empty; then a failure may clean it up. */
  state: 'created' | 'empty' | 'forced';
}

/** Creates `dest` if absent; otherwise it must be a directory, and empty unless `force`. */
export async function prepareDest(dest: string, force: boolean): Promise<Dest> {
  const abs = resolve(dest);
  let state: Dest['state'];
  try {
    if (!(await stat(abs)).isDirectory()) {
      throw new OcipullError('E_USAGE', `unpack destination ${abs} exists and is not a directory`);
    }
    const names = await readdir(abs);
    if (names.length > 0 && !force) {
      throw new OcipullError('E_USAGE', `unpack destination ${abs} is not empty`, {
        hint: 'choose a new or empty directory, or pass --force to unpack over its content',
      });
    }
    state = names.length > 0 ? 'forced' : 'empty';
  } catch (err) {
    if (err instanceof OcipullError) throw err;
    if (errnoCode(err) !== 'ENOENT') throw ioError('open destination', abs, err);
    try {
      await mkdir(abs, { recursive: true, mode: 0o755 });
    } catch (mkdirErr) {
      throw ioError('create destination', abs, mkdirErr);
    }
    state = 'created';
  }
  try {
    return { root: await realpath(abs), state };
  } catch (err) {
    throw ioError('open destination', abs, err);
  }
}

/**
 * After a failed unpack, removes what we wrote when the directory was ours (absent or empty before), so no
 * half-verified rootfs is left to be mistaken for a good one. A forced destination is left as it is.
 */
export async function discardDest(dest: Dest, rootless: boolean): Promise<boolean> {
  if (dest.state === 'forced') return false;
  try {
    if (dest.state === 'created') {
      await removeTree(dest.root, rootless);
    } else {
      for (const name of await readdir(dest.root)) await removeTree(join(dest.root, name), rootless);
    }
    return true;
  } catch {
    return false;
  }
}
