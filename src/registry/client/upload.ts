/**
 * Blob uploads (distribution-spec "Pushing blobs"; COPY-MIRRORS-LOCK.md §1.1): HEAD first, a cross-repository
 * mount when the source is another repository of the same registry, else POST then one streaming monolithic
 * `PUT ?digest=` with Content-Length, and a chunked PATCH upload on request (`chunkSize`) or when the monolithic PUT
 * is refused in a way that says so (413, a reset on a large body). A chunked upload that breaks resumes from the
 * server's `Range`; an upload given up on is cancelled with DELETE, errors ignored.
 */
import { type Readable, Transform } from 'node:stream';
import { OcipullError } from '../../errors.js';
import type { Descriptor } from '../../oci/types/index.js';
import { isAbortError, type RetryPolicy, retryDelay, sleep, toNetworkError } from '../transport/index.js';
import type { RegistryClient } from './client.js';
import { pushScopes } from './push-errors.js';
import { discard } from './response.js';
import { uploadChunked } from './upload-chunked.js';
import {
  abortError,
  ChunkedNeeded,
  cancel,
  finishPut,
  isNetworkFailure,
  MountRefused,
  startUpload,
} from './upload-session.js';

/** Opens the blob's bytes from `offset` to its end (verified by the opener); each call is a fresh stream. */
export type BlobOpener = (offset: number) => Promise<Readable>;

/** What happened to one blob at the destination. */
export type UploadOutcome = 'exists' | 'mounted' | 'uploaded';

/** How to upload. */
export interface UploadOptions {
  /** A repository of the same registry that holds the blob: try a cross-repository mount from it first. */
  mountFrom?: string | undefined;
  /** Upload in PATCH chunks of this many bytes instead of one monolithic PUT. */
  chunkSize?: number | undefined;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
  /** Bytes sent (for progress); after a restart, counts again from where the upload resumed. */
  onBytes?: ((n: number) => void) | undefined;
  onRetry?: ((info: { attempt: number; offset: number; reason: string }) => void) | undefined;
}

/** The largest `OCI-Chunk-Min-Length` honoured: chunks are held in memory (regclient caps it too). */
const MAX_CHUNK = 64 * 1024 * 1024;
/** Chunk size when a monolithic PUT was refused and no size was asked for. */
const FALLBACK_CHUNK = 8 * 1024 * 1024;

/** True when the blob is in the repository (HEAD: 200 yes, 404 no, anything else an error). */
export async function blobExists(
  client: RegistryClient,
  path: string,
  desc: Pick<Descriptor, 'digest' | 'size'>,
): Promise<boolean> {
  const operation = `check blob ${desc.digest} in ${client.options.domain}/${path}`;
  const { res, url, authenticated } = await client.request({
    method: 'HEAD',
    path,
    suffix: `blobs/${desc.digest}`,
    operation,
    scopes: pushScopes(path),
  });
  await discard(res.body);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await client.failure(res, {
    method: 'HEAD',
    url,
    operation,
    path,
    subject: desc.digest,
    authenticated,
  });
}

/**
 * Puts one blob into `path` unless it is there: HEAD, then a mount from `mountFrom` (201 done, 202 continue in
 * the session it opened, any refusal: a plain upload), then a monolithic streaming PUT or chunks. A failed attempt
 * is cancelled and, if the failure was transient, started over from a fresh source stream.
 */
export async function uploadBlob(
  client: RegistryClient,
  path: string,
  desc: Pick<Descriptor, 'digest' | 'size'>,
  open: BlobOpener,
  opts: UploadOptions,
): Promise<UploadOutcome> {
  const operation = `push blob ${desc.digest} to ${client.options.domain}/${path}`;
  if (await blobExists(client, path, desc)) return 'exists';
  let chunk = opts.chunkSize;
  let mountFrom = opts.mountFrom;
  for (let attempt = 0; ; attempt++) {
    let session: Awaited<ReturnType<typeof startUpload>>;
    try {
      session = await startUpload(client, path, desc, mountFrom);
    } catch (err) {
      if (!(err instanceof MountRefused)) throw err;
      mountFrom = undefined;
      session = await startUpload(client, path, desc, undefined);
    }
    mountFrom = undefined; // a 202 on a mount: the blob is uploaded in the session it opened; never mount twice
    if (session.mounted) return 'mounted';
    const { location } = session;
    let source: Readable | undefined;
    let sourceError: unknown;
    // When the copy gives up (another blob failed, Ctrl-C), stop this upload too: the request body is destroyed,
    // the request fails, and the session is cancelled below instead of running to its end. (Destroying the source
    // instead would wait for its generator, which may be stuck on a stalled source response.)
    let body: Transform | undefined;
    const onAbort = () => body?.destroy(abortError());
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (chunk !== undefined) {
        const size = Math.min(Math.max(chunk, session.minChunk ?? 0), MAX_CHUNK);
        await uploadChunked(client, path, desc, open, location, size, opts);
      } else {
        source = await open(0);
        // The body undici sends is a counting pass-through, not the source itself: undici destroys its body with
        // its own error when the registry breaks the connection (an EPIPE after an early 413), and that must not
        // pass for a source failure. A 'data' listener on the source would also start it flowing before undici
        // reads it, losing the first chunks.
        let sent = 0;
        body = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            sent += chunk.length;
            opts.onBytes?.(chunk.length);
            done(null, chunk);
          },
        });
        source.once('error', (err) => {
          sourceError = err;
          body?.destroy(err);
        });
        source.pipe(body);
        try {
          await finishPut(client, path, location, desc, body, operation);
        } catch (err) {
          body.destroy();
          if (sourceError !== undefined) throw sourceError;
          // A reset while a large body was going up (a proxy's body limit): send it in chunks instead.
          if (
            !(err instanceof ChunkedNeeded) &&
            isNetworkFailure(err) &&
            sent > 0 &&
            desc.size > FALLBACK_CHUNK
          ) {
            throw new ChunkedNeeded('reset');
          }
          throw err;
        }
      }
      opts.signal?.removeEventListener('abort', onAbort);
      return 'uploaded';
    } catch (err) {
      opts.signal?.removeEventListener('abort', onAbort);
      source?.destroy();
      await cancel(client, path, location);
      if (opts.signal?.aborted || isAbortError(err)) throw toNetworkError(err, operation);
      if (err instanceof ChunkedNeeded && chunk === undefined) {
        chunk = FALLBACK_CHUNK;
        opts.onRetry?.({
          attempt: attempt + 1,
          offset: 0,
          reason: `monolithic upload refused (${err.message}); sending chunks`,
        });
        continue;
      }
      if (!isNetworkFailure(err) || attempt >= opts.retry.retries) {
        throw err instanceof OcipullError ? err : toNetworkError(err, operation);
      }
      opts.onRetry?.({ attempt: attempt + 1, offset: 0, reason: (err as Error).message });
      await sleep(retryDelay(opts.retry, attempt + 1), opts.signal).catch((e) => {
        throw toNetworkError(e, operation);
      });
    }
  }
}
