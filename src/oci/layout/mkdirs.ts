import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ioError } from './io-error.js';

/**
 * Creates `path` and its missing parents one `mkdir` at a time. Node's `mkdir({ recursive: true })` never returns
 * for a path under `/proc` (the kernel answers ENOENT for the parent it just "created", and Node tries again
 * forever), so a destination such as `/proc/nope/x` would hang instead of failing.
 */
export async function makeDirectories(path: string): Promise<void> {
  const missing: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    try {
      const st = await stat(p);
      if (!st.isDirectory()) throw Object.assign(new Error(`${p} is not a directory`), { code: 'ENOTDIR' });
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || dirname(p) === p) throw ioError('create', path, err);
      missing.push(p);
    }
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(dir)).isDirectory()) continue;
      throw ioError('create', dir, err);
    }
  }
}
