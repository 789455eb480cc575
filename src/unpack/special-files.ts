/**
 * FIFOs and device nodes. Node has no `mkfifo(3)` or `mknod(2)` binding, so the coreutils commands of the same
 * names create them (no shell; the path is absolute and passed after `--`). Rarely more than a handful per image.
 */
import { execFile } from 'node:child_process';

/** How creating a special file went: done, the command is missing, or the kernel said no (EPERM). */
export type SpecialResult = 'created' | 'no-tool' | 'not-permitted';

/** Largest major and minor numbers of a Linux `dev_t` (12 and 20 bits). */
export const MAX_DEVICE_MAJOR = 0xfff;
export const MAX_DEVICE_MINOR = 0xfffff;

/** Creates a FIFO at `path` (which must not exist), mode 0600 until the caller applies the entry's mode. */
export function makeFifo(path: string): Promise<SpecialResult> {
  return run('mkfifo', ['-m', '600', '--', path]);
}

/** Creates a character (`c`) or block (`b`) device at `path` (which must not exist), mode 0600. */
export function makeDevice(
  path: string,
  kind: 'c' | 'b',
  major: number,
  minor: number,
): Promise<SpecialResult> {
  return run('mknod', ['-m', '600', '--', path, kind, String(major), String(minor)]);
}

function run(command: string, args: string[]): Promise<SpecialResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve('created');
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve('no-tool');
      if (/operation not permitted/i.test(stderr)) return resolve('not-permitted');
      reject(new Error(`${command} failed: ${stderr.trim() || err.message}`, { cause: err }));
    });
  });
}
