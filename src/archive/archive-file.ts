/**
 * Writing an archive to a file without ever leaving a half-written one under the final name: the bytes go to
 * `FILE.<pid>.<rand>.tmp` in the same directory, which is renamed over `FILE` only after the writer finished and the
 * file was flushed and closed (the temp-then-rename habit of STYLE.md §5 and ggcr `layout/write.go`).
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { OcipullError } from '../errors.js';

/** The file name that means "write to standard output". */
export const STDOUT_FILE = '-';

function ioError(what: string, path: string, err: unknown): OcipullError {
  if (err instanceof OcipullError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new OcipullError('E_IO', `${what} ${path}: ${code ?? (err as Error).message}`, { cause: err });
}

/**
 * Writes to `file` via `file.<pid>.<rand>.tmp` + rename, removing the temp file on failure/abort; `-` means stdout,
 * given as `opts.stdout` (only the CLI touches `process`), which is written to but not ended. Errors from `write`
 * pass through; a failure to create, flush or rename the file is `E_IO`.
 */
export async function writeArchiveFile(
  file: string,
  write: (out: NodeJS.WritableStream) => Promise<void>,
  opts: { stdout?: NodeJS.WritableStream | undefined } = {},
): Promise<void> {
  if (file === STDOUT_FILE) {
    if (opts.stdout === undefined) {
      throw new OcipullError('E_USAGE', 'write archive to stdout: no stdout stream was given');
    }
    await write(opts.stdout);
    return;
  }
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let handle: FileHandle;
  try {
    handle = await open(tmp, 'wx', 0o644);
  } catch (err) {
    throw ioError('create', tmp, err);
  }
  const stream = handle.createWriteStream();
  try {
    await write(stream);
    stream.end();
    await finished(stream);
    await rename(tmp, file).catch((err: unknown) => {
      throw ioError('rename to', file, err);
    });
  } catch (err) {
    stream.destroy();
    await finished(stream).catch(() => undefined);
    await rm(tmp, { force: true });
    throw ioError('write', file, err);
  }
}
