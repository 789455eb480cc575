/** Reading and writing `ocipull.lock` on disk: parsed and checked on the way in, written atomically on the way out. */
import { readFile } from 'node:fs/promises';
import { OcipullError } from '../errors.js';
import { writeFileAtomic } from '../oci/layout/index.js';
import { emptyLockfile, formatLockfile, LOCKFILE_VERSION, type Lockfile } from './lockfile.js';
import { LockfileSchema } from './schema.js';

/** Parses a lockfile's text; `path` is for messages. Throws `E_LOCKFILE` (exit 2) for anything malformed. */
export function parseLockfile(text: string, path: string): Lockfile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new OcipullError('E_LOCKFILE', `read ${path}: not valid JSON (${(err as Error).message})`, {
      hint: 'fix or delete the file, then run ocipull lock again',
    });
  }
  const version = (json as { lockfileVersion?: unknown } | null)?.lockfileVersion;
  if (version !== LOCKFILE_VERSION) {
    throw new OcipullError(
      'E_LOCKFILE',
      `read ${path}: lockfileVersion ${JSON.stringify(version)} is not supported (this ocipull reads ${LOCKFILE_VERSION})`,
      { hint: typeof version === 'number' && version > LOCKFILE_VERSION ? 'upgrade ocipull' : undefined },
    );
  }
  const parsed = LockfileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OcipullError(
      'E_LOCKFILE',
      `read ${path}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid lockfile'}`,
    );
  }
  return parsed.data as unknown as Lockfile;
}

/** Reads the lockfile at `path`; a missing file is an empty lockfile when `missingOk`, else `E_LOCKFILE`. */
export async function readLockfile(path: string, opts: { missingOk?: boolean } = {}): Promise<Lockfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (opts.missingOk) return emptyLockfile();
      throw new OcipullError('E_LOCKFILE', `read ${path}: no such lockfile`, {
        hint: 'create it with: ocipull lock REF... (or pass --file / --lockfile)',
      });
    }
    throw new OcipullError('E_IO', `read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseLockfile(text, path);
}

/** Writes the lockfile atomically (temp file and rename); returns whether the bytes changed. */
export async function writeLockfile(path: string, lock: Lockfile): Promise<boolean> {
  const text = formatLockfile(lock);
  const before = await readFile(path, 'utf8').catch(() => undefined);
  if (before === text) return false;
  await writeFileAtomic(path, text);
  return true;
}
