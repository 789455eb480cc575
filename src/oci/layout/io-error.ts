import { OcipullError } from '../../errors.js';

/** What common errno codes mean, in the words `strerror(3)` uses, so messages never show a bare `ENOSPC`. */
const errnoWords: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'file exists',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  EIO: 'input/output error',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EXDEV: 'cross-device link',
  EBUSY: 'device or resource busy',
  EFBIG: 'file too large',
};

/** The errno code of a file-system failure (`ENOSPC`), if it has one. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for the errno codes above: a failure of the disk, not of the network. */
export function isFileSystemError(err: unknown): boolean {
  const code = errnoOf(err);
  return code !== undefined && code in errnoWords;
}

/** "no space left on device", "permission denied": the errno in words, or the error's message. */
export function describeIoError(err: unknown): string {
  const code = errnoOf(err);
  if (code && errnoWords[code]) return errnoWords[code];
  return err instanceof Error ? err.message : String(err);
}

/** An `E_IO` error reading "`what` `path`: `what happened`", with a hint for a full disk. */
export function ioError(what: string, path: string, err: unknown): OcipullError {
  if (err instanceof OcipullError) return err;
  const code = errnoOf(err);
  return new OcipullError('E_IO', `${what} ${path}: ${describeIoError(err)}`, {
    cause: err,
    hint:
      code === 'ENOSPC' || code === 'EDQUOT'
        ? 'free some disk space and run the same command again; it resumes'
        : undefined,
  });
}
