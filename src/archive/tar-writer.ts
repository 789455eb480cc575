/**
 * A deterministic tar writer: entries sorted by name, mtime 0, uid/gid 0, empty owner names, mode 0644 for files
 * and 0755 for directories, so one layout always gives the same archive bytes (as `docker save` does with its
 * Chtimes to the epoch, moby `image/tarexport/save.go`). File entries stream from disk with backpressure: the pack
 * waits for `out` to drain, and the read stream waits for the pack.
 */

import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { type Header, type Pack, pack as tarPack } from 'tar-stream';
import { OcipullError } from '../errors.js';

/** One archive member: a directory, small bytes held in memory, or a file streamed from disk. */
export type TarEntry =
  | { kind: 'dir'; name: string }
  | { kind: 'bytes'; name: string; bytes: Uint8Array }
  | { kind: 'file'; name: string; path: string; size: number };

const EPOCH = new Date(0);

/** For `error` events whose error also reaches us another way (an entry callback, the pump). */
function ignore(): void {}

function headerOf(entry: TarEntry): Partial<Header> & Pick<Header, 'name'> {
  const base = { name: entry.name, mtime: EPOCH, uid: 0, gid: 0, uname: '', gname: '' };
  switch (entry.kind) {
    case 'dir':
      return { ...base, type: 'directory', mode: 0o755 };
    case 'bytes':
      return { ...base, type: 'file', mode: 0o644, size: entry.bytes.byteLength };
    case 'file':
      return { ...base, type: 'file', mode: 0o644, size: entry.size };
  }
}

/** Byte order of names, independent of locale, so the order is the same on every host. */
function byName(a: TarEntry, b: TarEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function addEntry(pack: Pack, entry: TarEntry): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    const header = headerOf(entry);
    if (entry.kind === 'dir') {
      pack.entry(header, done).on('error', ignore);
      return;
    }
    if (entry.kind === 'bytes') {
      const bytes = Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength);
      pack.entry(header, bytes, done).on('error', ignore);
      return;
    }
    const source = createReadStream(entry.path);
    // tar-stream calls back once the entry is complete, or with an error when it (or the pack) is destroyed; a
    // file of another length than the header says fails there with "Size mismatch".
    const sink = pack.entry(header, (err) => {
      source.destroy();
      done(
        err && !(err instanceof OcipullError)
          ? new OcipullError('E_IO', `read ${entry.path}: ${err.message}`, { cause: err })
          : err,
      );
    });
    sink.on('error', ignore);
    source.on('error', (err: NodeJS.ErrnoException) => {
      sink.destroy(
        new OcipullError('E_IO', `read ${entry.path}: ${err.code ?? err.message}`, { cause: err }),
      );
    });
    source.pipe(sink);
  });
}

/** Copies the pack to `out` without ending it, waiting for `drain` whenever `out` asks to. */
async function pump(pack: Pack, out: NodeJS.WritableStream, signal: AbortSignal | undefined): Promise<void> {
  for await (const chunk of pack) {
    if (!out.write(chunk as Buffer)) await once(out, 'drain', signal === undefined ? {} : { signal });
  }
}

/**
 * Writes `entries` as one tar to `out`, sorted by name, and resolves once the last byte was accepted by `out`;
 * `out` is not ended, so the caller can flush and close a file or keep stdout open. On abort or on any error the
 * pack is destroyed, the open blob stream closed, and the error thrown: `E_INTERRUPTED` for an abort, the
 * `OcipullError` raised on the way, or `E_IO` for a failed write to `out`. `operation` prefixes messages.
 */
export async function writeTar(
  out: NodeJS.WritableStream,
  entries: readonly TarEntry[],
  opts: { operation: string; signal?: AbortSignal | undefined },
): Promise<void> {
  const { operation, signal } = opts;
  const interrupted = () => new OcipullError('E_INTERRUPTED', `${operation}: interrupted`);
  if (signal?.aborted) throw interrupted();

  const pack = tarPack();
  // Errors come back through entry callbacks and the pump's iterator; an `error` event without a listener would
  // also be thrown as an uncaught exception.
  pack.on('error', ignore);
  let firstError: unknown;
  const fail = (err: unknown) => {
    firstError ??= err;
    pack.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  const onAbort = () => fail(interrupted());
  signal?.addEventListener('abort', onAbort, { once: true });
  out.on('error', fail);
  const pumping = pump(pack, out, signal);
  pumping.catch(fail);
  try {
    for (const entry of [...entries].sort(byName)) await addEntry(pack, entry);
    pack.finalize();
    await pumping;
  } catch (err) {
    fail(err);
    await pumping.catch(() => undefined);
    throw toArchiveError(signal?.aborted ? interrupted() : (firstError ?? err), operation);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    out.removeListener('error', fail);
  }
}

function toArchiveError(err: unknown, operation: string): OcipullError {
  if (err instanceof OcipullError) {
    if (err.message.startsWith(`${operation}: `)) return err;
    return new OcipullError(err.code, `${operation}: ${err.message}`, { hint: err.hint, cause: err });
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return new OcipullError(
    'E_IO',
    `${operation}: write failed: ${code ?? (err as Error)?.message ?? String(err)}`,
    {
      cause: err,
    },
  );
}
