import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OcipullError } from '../../../errors.js';

/**
 * The file a write should replace: the target of a symlinked config (dotfile managers link `config.json`),
 * as docker/cli `ConfigFile.Save` does with `EvalSymlinks`; the path itself when it does not exist yet.
 */
export async function resolveWriteTarget(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

/**
 * Writes a file holding secrets: the directory is created 0700, the data goes to a 0600 temp file in the same
 * directory and is renamed over the target, so readers never see half a file and no other user can read it.
 */
export async function writeSecretFileAtomic(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      // The creation mode is filtered by the umask; set it outright.
      await handle.chmod(0o600);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    await chmod(file, 0o600);
  } catch (err) {
    await unlink(temp).catch(() => {});
    const code = (err as NodeJS.ErrnoException).code;
    throw new OcipullError('E_IO', `write ${file}: ${code ?? 'cannot write the file'}`, { cause: err });
  }
}
