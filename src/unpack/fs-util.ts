/**
 * File-system helpers of `unpack`: Node errors turned into `E_IO` errors that name the operation and the path
 * inside the rootfs, and `lstat` that answers "missing" with undefined.
 */
import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { OcipullError } from '../errors.js';

/** The errno code of a Node error (`ENOENT`, …), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `err` says the path (or one of its parents) does not exist. */
export function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** An `E_IO` error: "unpack: OPERATION PATH: CODE". */
export function ioError(operation: string, path: string, err: unknown): OcipullError {
  if (err instanceof OcipullError) return err;
  const detail = errnoCode(err) ?? (err as Error).message;
  return new OcipullError('E_IO', `unpack: ${operation} ${JSON.stringify(path)}: ${detail}`, { cause: err });
}

/** Runs a file-system call, wrapping its failure with `ioError`. */
export async function io<T>(operation: string, path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw ioError(operation, path, err);
  }
}

/** `lstat` of `abs`, or undefined when it (or a parent) does not exist; other failures are `E_IO` for `rel`. */
export async function lstatOrUndefined(abs: string, rel: string): Promise<Stats | undefined> {
  try {
    return await lstat(abs);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw ioError('lstat', rel, err);
  }
}
