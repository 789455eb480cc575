/**
 * Chunked uploads (distribution-spec "Pushing a blob in chunks"): PATCH chunks to the newest Location, and after a
 * 416 or a broken connection, ask the server how much it has and continue from there.
 */
import type { Readable } from 'node:stream';
import { OcipullError } from '../../errors.js';
import type { Descriptor } from '../../oci/types/index.js';
import { retryDelay, sleep } from '../transport/index.js';
import type { RegistryClient } from './client.js';
import { pushRefused, pushScopes } from './push-errors.js';
import { discard, headerValue } from './response.js';
import type { BlobOpener, UploadOptions } from './upload.js';
import { abortError, finishPut, isNetworkFailure, locationOf } from './upload-session.js';

/** Reads exactly `size` bytes (or to the end) from an async iterator of chunks, keeping the remainder. */
class ChunkReader {
  #rest: Buffer = Buffer.alloc(0);
  readonly #it: AsyncIterator<Buffer>;
  constructor(readonly stream: Readable) {
    this.#it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }
  async read(size: number): Promise<Buffer> {
    const parts: Buffer[] = [this.#rest];
    let have = this.#rest.length;
    while (have < size) {
      const next = await this.#it.next();
      if (next.done) break;
      parts.push(next.value);
      have += next.value.length;
    }
    const all = Buffer.concat(parts, have);
    this.#rest = all.subarray(Math.min(size, all.length));
    return all.subarray(0, Math.min(size, all.length));
  }
}

/** Where the server has the upload: `Range: 0-N` means N+1 bytes (GET on the upload URL, spec "chunked upload"). */
async function uploadedSoFar(
  client: RegistryClient,
  path: string,
  location: URL,
): Promise<{ offset: number; location: URL }> {
  const { res, url } = await client.request({
    method: 'GET',
    path,
    url: location,
    operation: 'check upload status',
    scopes: pushScopes(path),
  });
  await discard(res.body);
  if (res.status !== 204 && res.status !== 202 && res.status !== 200) {
    throw new OcipullError('E_REGISTRY', `check upload status: registry answered ${res.status}`);
  }
  // `0-0` is ambiguous: distribution sends it for an empty session too (`blobUploadResponse`). After a broken
  // chunk "nothing arrived" is by far the likelier reading, and resuming at 1 would skip the first byte.
  const range = /^(?:bytes=)?0-(\d+)$/.exec(headerValue(res.headers, 'range') ?? '');
  const end = range ? Number(range[1]) : -1;
  return {
    offset: end > 0 ? end + 1 : 0,
    location: headerValue(res.headers, 'location') ? locationOf(res, url, 'check upload status') : location,
  };
}

/**
 * A chunked upload: PATCH chunks with `Content-Range: start-end` (inclusive, no `bytes ` prefix), always to the
 * newest Location; 202 and 201 (ECR's early accept) both continue. After a 416 or a network failure the offset is
 * asked of the server and the source re-opened there.
 */
export async function uploadChunked(
  client: RegistryClient,
  path: string,
  desc: Pick<Descriptor, 'digest' | 'size'>,
  open: BlobOpener,
  start: URL,
  chunk: number,
  opts: UploadOptions,
): Promise<void> {
  const operation = `push blob ${desc.digest} to ${client.options.domain}/${path}`;
  let location = start;
  let offset = 0;
  let failures = 0;
  let reader = new ChunkReader(await open(0));
  const onAbort = () => reader.stream.destroy(abortError());
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (offset < desc.size) {
      const bytes = await reader.read(Math.min(chunk, desc.size - offset));
      if (bytes.length === 0) throw new OcipullError('E_NETWORK', `${operation}: source ended early`);
      const sent = await client
        .request({
          method: 'PATCH',
          path,
          url: location,
          operation,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': String(bytes.length),
            'content-range': `${offset}-${offset + bytes.length - 1}`,
          },
          body: bytes,
          scopes: pushScopes(path),
          retry: false,
        })
        .catch((err: unknown) => {
          if (opts.signal?.aborted || !isNetworkFailure(err) || failures >= opts.retry.retries) throw err;
          return { failed: err as Error };
        });
      if ('failed' in sent) {
        // The connection broke mid-chunk: ask the server how much it has and continue from there.
        failures++;
        opts.onRetry?.({ attempt: failures, offset, reason: sent.failed.message });
        await sleep(retryDelay(opts.retry, failures), opts.signal);
        ({ offset, location } = await uploadedSoFar(client, path, location));
        reader.stream.destroy();
        reader = new ChunkReader(await open(offset));
        continue;
      }
      const { res, url } = sent;
      if (res.status === 202 || res.status === 201 || res.status === 204) {
        await discard(res.body);
        if (headerValue(res.headers, 'location')) location = locationOf(res, url, operation);
        offset += bytes.length;
        opts.onBytes?.(bytes.length);
        continue;
      }
      if (res.status === 416 && failures < opts.retry.retries) {
        await discard(res.body);
        failures++;
        opts.onRetry?.({ attempt: failures, offset, reason: 'registry answered 416 to a chunk' });
        ({ offset, location } = await uploadedSoFar(client, path, location));
        reader.stream.destroy();
        reader = new ChunkReader(await open(offset));
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw await pushRefused(client, res, { method: 'PATCH', url, operation, path, authenticated: false });
      }
      throw await client.failure(res, {
        method: 'PATCH',
        url,
        operation,
        path,
        subject: desc.digest,
        authenticated: true,
      });
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    reader.stream.destroy();
  }
  await finishPut(client, path, location, desc, undefined, operation);
}
