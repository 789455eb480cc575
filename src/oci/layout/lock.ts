import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { OcipullError } from '../../errors.js';
import { describeIoError } from './io-error.js';

/**
 * In-process queue per lock file: callers in this process take turns before touching the file, so a lock file
 * holding our own pid can only be a leftover of an earlier process that had the same pid.
 */
const queues = new Map<string, Promise<void>>();

/** A lock file with no readable pid is treated as abandoned after this long (a crash mid-write of old versions). */
const UNREADABLE_LOCK_MS = 10_000;
/** A breaker file older than this belongs to a process that died while taking over a stale lock. */
const STALE_BREAKER_MS = 5_000;

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

function ioError(lockPath: string, err: unknown): OcipullError {
  return new OcipullError('E_IO', `lock ${lockPath}: ${describeIoError(err)}`, { cause: err });
}

/**
 * Creates the lock file with our pid already in it: the pid goes into a private temp file that is then hard-linked
 * to the lock name, so the lock never exists empty (link, like O_EXCL, fails when the name is taken).
 */
async function tryCreate(lockPath: string): Promise<boolean> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
    await link(tmp, lockPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw ioError(lockPath, err);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Whether the current lock file is abandoned: its owner is gone (or it is unreadable and old). */
async function isStale(lockPath: string, content: string): Promise<boolean> {
  const owner = Number.parseInt(content, 10);
  if (Number.isInteger(owner) && owner > 0) {
    // Our own pid: this process does not hold it (callers queue in-process first), so an earlier process with
    // the same pid (PID 1 in containers) was killed while holding it.
    if (owner === process.pid) return true;
    return !processAlive(owner);
  }
  const st = await stat(lockPath).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > UNREADABLE_LOCK_MS;
}

/**
 * Removes a stale lock without racing other waiters: only the holder of the `.break` file may remove it, and only
 * if the lock still holds the content that was judged stale — so a fresh lock taken meanwhile is never deleted.
 */
async function breakStaleLock(lockPath: string, staleContent: string): Promise<void> {
  const breaker = `${lockPath}.break`;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(breaker, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(lockPath, err);
    const st = await stat(breaker).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > STALE_BREAKER_MS) await rm(breaker, { force: true });
    return;
  }
  try {
    const now = await readFile(lockPath, 'utf8').catch(() => undefined);
    if (now === staleContent) await rm(lockPath, { force: true });
  } finally {
    await handle.close();
    await rm(breaker, { force: true });
  }
}

/**
 * Runs `fn` while holding an exclusive lock file that holds our pid. A lock whose owner has died is broken, so a
 * killed `ocipull` never blocks the next one. Used to serialize read-modify-write of `index.json` between
 * processes (and in-process callers) pulling into the same layout.
 */
export async function withLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  signal?: AbortSignal,
  timeoutMs = 60_000,
): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => mine);
  queues.set(lockPath, tail);
  await previous;
  try {
    await acquireFileLock(lockPath, signal, timeoutMs);
    try {
      return await fn();
    } finally {
      await rm(lockPath, { force: true });
    }
  } finally {
    release();
    if (queues.get(lockPath) === tail) queues.delete(lockPath);
  }
}

async function acquireFileLock(
  lockPath: string,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<void> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lockPath)) return;
    const content = await readFile(lockPath, 'utf8').catch(() => undefined);
    if (content === undefined) continue; // released between our attempt and the read: try again at once
    if (await isStale(lockPath, content)) {
      await breakStaleLock(lockPath, content);
      continue;
    }
    if (signal?.aborted) throw signal.reason;
    if (Date.now() - started > timeoutMs) {
      const owner = Number.parseInt(content, 10);
      throw new OcipullError(
        'E_IO',
        `lock ${lockPath}: still held by process ${Number.isInteger(owner) ? owner : '?'} after ${timeoutMs / 1000} s`,
        { hint: `if no ocipull is running, remove ${lockPath}` },
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(10 * 2 ** Math.min(attempt, 5), 200)));
  }
}
