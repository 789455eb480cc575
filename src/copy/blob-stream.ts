/**
 * A blob's bytes from a source as one stream that survives broken connections: a body that breaks (reset,
 * timeout, short body, a temporary 5xx) is re-requested with `Range` from the next byte while the consumer keeps
 * reading (regclient `Resp.Read`, undici's RetryHandler); a source that ignores `Range` is read from byte 0 and the
 * bytes already delivered are skipped. From offset 0 the stream is verified as it flows, and the last chunk is held
 * back until size and sha256 match, so a consumer (a registry upload) never receives a complete wrong blob.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { IntegrityError, OcipullError } from '../errors.js';
import {
  isAbortError,
  isTransientNetworkError,
  type RetryPolicy,
  retryDelay,
  sleep,
  toNetworkError,
} from '../registry/transport/index.js';
import type { BlobRef, ImageSource } from './types.js';

/** How to read. */
export interface BlobStreamOptions {
  /**
   * Verify size and sha256 as the bytes flow, holding the last chunk back until they match (default true; only
   * possible from offset 0). A destination that verifies what it stores itself (a layout's `BlobWriter`) passes
   * false, so every byte received reaches its disk at once and an interrupted download keeps all of it.
   */
  verify?: boolean | undefined;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
  onRetry?: ((info: { attempt: number; offset: number; reason: string }) => void) | undefined;
}

/** True for a failure mid-body that resuming with `Range` can cure (reset, timeout, short body). */
export function isResumable(err: unknown): boolean {
  if (err instanceof OcipullError)
    return (
      err.code === 'E_NETWORK' || (err.code === 'E_REGISTRY' && 'temporary' in err && err.temporary === true)
    );
  return (
    isTransientNetworkError(err) || (err as { code?: string }).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
  );
}

/**
 * Destroys a body we stop reading. undici's body emits an `AbortError` when destroyed unfinished; once the loop
 * reading it is gone nothing listens, and that would be an uncaught exception.
 */
function dispose(body: Readable | undefined): void {
  if (!body || body.destroyed) return;
  body.on('error', () => undefined);
  body.destroy();
}

async function* readBlob(
  source: ImageSource,
  blob: BlobRef,
  offset: number,
  opts: BlobStreamOptions,
): AsyncGenerator<Buffer> {
  const operation = `fetch blob ${blob.digest} from ${source.name}`;
  const hash = offset === 0 && opts.verify !== false ? createHash('sha256') : undefined;
  let pos = offset;
  let failures = 0;
  let held: Buffer | undefined;
  const interrupted = () => new OcipullError('E_INTERRUPTED', `${operation}: interrupted`);
  // When the copy gives up (Ctrl-C, another blob failed), a stalled source body must not hold it: destroy it.
  let body: Readable | undefined;
  const onAbort = () => dispose(body);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (pos < blob.size) {
      try {
        if (opts.signal?.aborted) throw interrupted();
        const got = await source.blob(blob, pos);
        body = got.body;
        if (opts.signal?.aborted) throw interrupted();
        let skip = pos - got.start;
        for await (const raw of body) {
          let chunk = raw as Buffer;
          if (skip > 0) {
            const drop = Math.min(skip, chunk.length);
            skip -= drop;
            chunk = chunk.subarray(drop);
            if (chunk.length === 0) continue;
          }
          if (pos + chunk.length > blob.size) {
            throw new IntegrityError(
              `${operation}: the source sent more than the ${blob.size} bytes the descriptor promises`,
              blob,
              { size: pos + chunk.length },
            );
          }
          hash?.update(chunk);
          pos += chunk.length;
          if (!hash) {
            yield chunk;
            continue;
          }
          if (held) yield held;
          held = chunk;
        }
        if (pos < blob.size) {
          throw new OcipullError('E_NETWORK', `${operation}: body ended after ${pos} of ${blob.size} bytes`);
        }
      } catch (err) {
        dispose(body);
        if (opts.signal?.aborted) throw interrupted();
        if (isAbortError(err)) throw toNetworkError(err, operation);
        if (!isResumable(err)) throw err instanceof OcipullError ? err : toNetworkError(err, operation);
        // Another endpoint takes over (a mirror died, the registry continues): that is not a retry of this one.
        const elsewhere = source.blobBroke?.(blob.digest) === true;
        if (!elsewhere) {
          if (failures >= opts.retry.retries)
            throw err instanceof OcipullError ? err : toNetworkError(err, operation);
          failures++;
        }
        opts.onRetry?.({
          attempt: failures,
          offset: pos,
          reason: err instanceof Error ? err.message : String(err),
        });
        if (!elsewhere) {
          await sleep(retryDelay(opts.retry, failures), opts.signal).catch((e) => {
            throw toNetworkError(e, operation);
          });
        }
      } finally {
        dispose(body);
        body = undefined;
      }
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (hash) {
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== blob.digest) {
      throw new IntegrityError(
        `blob ${blob.digest}: content hashes to ${actual} (from ${source.name}); nothing was stored under the expected digest`,
        blob,
        { digest: actual, size: pos },
      );
    }
  }
  if (held) yield held;
}

/** Opens the blob from `offset` as a resuming (and, from 0, verifying) stream. */
export function openBlobStream(
  source: ImageSource,
  blob: BlobRef,
  offset: number,
  opts: BlobStreamOptions,
): Readable {
  return Readable.from(readBlob(source, blob, offset, opts), {
    objectMode: false,
    highWaterMark: 256 * 1024,
  });
}
