import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { OcipullError } from '../errors.js';
import { BlobWriter, blobPath, hasBlob, verifyBlob } from '../oci/layout/index.js';
import type { Digest } from '../oci/types/index.js';
import type { BlobKind, ProgressEvent } from '../progress/index.js';
import type { RegistryClient } from '../registry/client/index.js';
import {
  isAbortError,
  isTransientNetworkError,
  type RetryPolicy,
  retryDelay,
  sleep,
  toNetworkError,
} from '../registry/transport/index.js';

/** One blob to fetch into the layout. */
export interface BlobJob {
  digest: Digest;
  size: number;
  kind: BlobKind;
}

/** What happened to one blob. */
export interface BlobOutcome {
  digest: Digest;
  size: number;
  /** Bytes fetched over the network in this run (less than size when a partial download was resumed). */
  downloaded: number;
  reused: boolean;
}

/** Everything `fetchBlob` needs besides the job. */
export interface DownloadContext {
  client: RegistryClient;
  root: string;
  path: string;
  retry: RetryPolicy;
  verify: boolean;
  /** Partial files present when the pull started (`listPartials`). */
  partials: readonly string[];
  signal?: AbortSignal | undefined;
  emit: (e: ProgressEvent) => void;
}

/** True for a failure mid-body that resuming with `Range` can cure (reset, timeout, short body). */
function resumable(err: unknown): boolean {
  if (err instanceof OcipullError)
    return (
      err.code === 'E_NETWORK' || (err.code === 'E_REGISTRY' && 'temporary' in err && err.temporary === true)
    );
  return (
    isTransientNetworkError(err) || (err as { code?: string }).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
  );
}

/**
 * Fetches one blob into the layout unless it is already there (size checked; rehashed with `--verify`).
 * The body streams through a `BlobWriter` — hashed as written, never held in memory. A connection that breaks
 * mid-body resumes with `Range` from the bytes on disk; a server that ignores `Range` is handled by starting over.
 */
export async function fetchBlob(job: BlobJob, ctx: DownloadContext): Promise<BlobOutcome> {
  if (await hasBlob(ctx.root, job)) {
    if (!ctx.verify || (await verifyBlob(ctx.root, job))) {
      ctx.emit({ type: 'blob-exists', digest: job.digest, size: job.size, kind: job.kind });
      return { digest: job.digest, size: job.size, downloaded: 0, reused: true };
    }
    await rm(blobPath(ctx.root, job.digest), { force: true });
  }
  const writer = await BlobWriter.open(ctx.root, job, ctx.partials);
  let downloaded = 0;
  let failures = 0;
  try {
    for (;;) {
      const offset = writer.offset;
      ctx.emit({ type: 'blob-start', digest: job.digest, size: job.size, offset, kind: job.kind });
      try {
        if (offset < job.size) {
          const blob = await ctx.client.getBlob(ctx.path, job, offset);
          if (blob.start !== offset) await writer.reset();
          await pipeline(
            blob.body,
            writer.sink((n) => {
              downloaded += n;
              ctx.emit({ type: 'blob-progress', digest: job.digest, bytes: n, size: job.size });
            }),
            { signal: ctx.signal },
          );
        }
        if (writer.offset < job.size) {
          throw new OcipullError(
            'E_NETWORK',
            `fetch blob ${job.digest}: body ended after ${writer.offset} of ${job.size} bytes`,
          );
        }
        ctx.emit({ type: 'blob-verifying', digest: job.digest, size: job.size });
        await writer.commit();
        ctx.emit({ type: 'blob-done', digest: job.digest, size: job.size, downloaded, kind: job.kind });
        return { digest: job.digest, size: job.size, downloaded, reused: false };
      } catch (err) {
        if (ctx.signal?.aborted || isAbortError(err)) throw toNetworkError(err, `fetch blob ${job.digest}`);
        if (!resumable(err) || failures >= ctx.retry.retries) {
          throw err instanceof OcipullError
            ? err
            : toNetworkError(err, `fetch blob ${job.digest} from ${ctx.client.options.domain}/${ctx.path}`);
        }
        failures++;
        const delayMs = retryDelay(ctx.retry, failures);
        ctx.emit({
          type: 'blob-retry',
          digest: job.digest,
          attempt: failures,
          offset: writer.offset,
          reason: err instanceof Error ? err.message : String(err),
        });
        await sleep(delayMs, ctx.signal).catch((e) => {
          throw toNetworkError(e, `fetch blob ${job.digest}`);
        });
      }
    }
  } catch (err) {
    // Keep the partial file on interruption or network failure, so the next run resumes it; drop it when its
    // bytes are known bad (too many, or the wrong digest).
    await writer
      .abandon({ discard: err instanceof OcipullError && err.code === 'E_INTEGRITY' })
      .catch(() => undefined);
    throw err;
  }
}
