import { open, readFile, rm } from 'node:fs/promises';
import { OcipullError } from '../../errors.js';

/** True when a process with this pid exists (signal 0 checks without touching it). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL, holding our pid). A lock whose owner has
 * died is taken over, so a killed `ocipull` never blocks the next one. Used to serialize read-modify-write of
 * `index.json` between processes pulling into the same layout.
 */
export async function withLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  signal?: AbortSignal,
  timeoutMs = 60_000,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o644);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new OcipullError('E_IO', `lock ${lockPath}: ${(err as Error).message}`, { cause: err });
      }
      const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (signal?.aborted) throw signal.reason;
      if (Date.now() - started > timeoutMs) {
        throw new OcipullError(
          'E_IO',
          `lock ${lockPath}: still held by process ${owner || '?'} after ${timeoutMs / 1000} s`,
          {
            hint: `if no ocipull is running, remove ${lockPath}`,
          },
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(10 * 2 ** Math.min(attempt, 5), 200)));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
