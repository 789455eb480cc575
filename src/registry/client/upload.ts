/**
 * Blob uploads (distribution-spec "Pushing blobs"; COPY-MIRRORS-LOCK.md §1.1): HEAD first, a cross-repository
 * mount when the source is another repository of the same registry, else POST then one streaming monolithic
 * `PUT ?digest=` with Content-Length, and a chunked PATCH upload on request (`chunkSize`) or when the monolithic PUT
 * is refused in a way that says so (413, a reset on a large body). A chunked upload that breaks resumes from the
 * server's `Range`; an upload given up on is cancelled with DELETE, errors ignored.
 */
import type { Readable } from 'node:stream';
import { OcipullError } from '../../errors.js';
import type { Descriptor } from '../../oci/types/index.js';
import {
  BodyLimits,
  isAbortError,
  isTransientNetworkError,
  type RetryPolicy,
  retryDelay,
  sleep,
  type TransportResponse,
  toNetworkError,
} from '../transport/index.js';
import type { RegistryClient } from './client.js';
import { pushRefused, pushScopes } from './push-errors.js';

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

function header(res: TransportResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function drain(res: TransportResponse): Promise<void> {
  await res.body.dump({ limit: BodyLimits.error }).catch(() => undefined);
}

/** A monolithic PUT refused in a way that says "send it in chunks". */
class ChunkedNeeded extends Error {}

/** The upload session URL a response names: the newest `Location`, resolved against the request URL. */
function locationOf(res: TransportResponse, requestUrl: URL, operation: string): URL {
  const loc = header(res, 'location');
  if (!loc) {
    throw new OcipullError(
      'E_REGISTRY',
      `${operation}: registry answered ${res.status} without a Location header for the upload`,
      { hint: 'the registry does not follow the distribution spec for uploads; report it to its operators' },
    );
  }
  try {
    return new URL(loc, requestUrl);
  } catch {
    throw new OcipullError('E_REGISTRY', `${operation}: registry sent an invalid upload Location`);
  }
}

/** `url` with `digest=` appended, keeping the query the registry put there (its `_state`, for one). */
function withDigest(url: URL, digest: string): URL {
  const out = new URL(url);
  out.searchParams.append('digest', digest);
  return out;
}

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
  await drain(res);
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

/** Sends DELETE for an abandoned upload session, ignoring every failure (the spec says SHOULD; Quay never allows it). */
async function cancel(client: RegistryClient, path: string, location: URL): Promise<void> {
  try {
    const { res } = await client.request({
      method: 'DELETE',
      path,
      url: location,
      operation: 'cancel upload',
      scopes: pushScopes(path),
      retry: false,
    });
    await drain(res);
  } catch {
    // Ignored: the registry purges stale uploads itself (distribution: after 168 h).
  }
}

/** Starts an upload session (POST) and returns its Location; with `mount`, may finish at once (201). */
async function startUpload(
  client: RegistryClient,
  path: string,
  desc: Pick<Descriptor, 'digest' | 'size'>,
  mountFrom: string | undefined,
): Promise<{ mounted: true } | { mounted: false; location: URL; minChunk?: number | undefined }> {
  const operation = `push blob ${desc.digest} to ${client.options.domain}/${path}`;
  const query = mountFrom
    ? `?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(mountFrom)}`
    : '';
  const { res, url, authenticated } = await client.request({
    method: 'POST',
    path,
    suffix: `blobs/uploads/${query}`,
    operation,
    headers: { 'content-length': '0' },
    scopes: pushScopes(path, mountFrom),
    retry: true,
  });
  if (mountFrom && res.status === 201) {
    await drain(res);
    return { mounted: true };
  }
  if (res.status === 202) {
    await drain(res);
    const min = Number(header(res, 'oci-chunk-min-length'));
    return {
      mounted: false,
      location: locationOf(res, url, operation),
      minChunk: Number.isFinite(min) && min > 0 ? min : undefined,
    };
  }
  if (mountFrom) {
    // Any refusal of a mount (Harbor's 401 for a missing project, Docker Hub's 400) means: upload normally.
    await drain(res);
    throw new MountRefused(res.status);
  }
  if (res.status === 401 || res.status === 403) {
    throw await pushRefused(client, res, { url, operation, path, authenticated });
  }
  throw await client.failure(res, { method: 'POST', url, operation, path, authenticated });
}

class MountRefused extends Error {
  constructor(readonly status: number) {
    super(`mount refused with ${status}`);
  }
}

/** The closing or monolithic PUT: 201 (some registries send 204) ends the upload. */
async function finishPut(
  client: RegistryClient,
  path: string,
  location: URL,
  desc: Pick<Descriptor, 'digest' | 'size'>,
  body: Readable | undefined,
  operation: string,
): Promise<void> {
  const url = withDigest(location, desc.digest);
  const { res, authenticated } = await client.request({
    method: 'PUT',
    path,
    url,
    operation,
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(body ? desc.size : 0),
    },
    body: body ?? '',
    scopes: pushScopes(path),
    retry: false,
  });
  if (res.status === 201 || res.status === 204) {
    await drain(res);
    return;
  }
  if (res.status === 413 && body) {
    await drain(res);
    throw new ChunkedNeeded('413');
  }
  if (res.status === 401 || res.status === 403) {
    throw await pushRefused(client, res, { url, operation, path, authenticated });
  }
  throw await client.failure(res, {
    method: 'PUT',
    url,
    operation,
    path,
    subject: desc.digest,
    authenticated,
  });
}

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
  await drain(res);
  if (res.status !== 204 && res.status !== 202 && res.status !== 200) {
    throw new OcipullError('E_REGISTRY', `check upload status: registry answered ${res.status}`);
  }
  const range = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '');
  return {
    offset: range ? Number(range[1]) + 1 : 0,
    location: header(res, 'location') ? locationOf(res, url, 'check upload status') : location,
  };
}

/**
 * A chunked upload: PATCH chunks with `Content-Range: start-end` (inclusive, no `bytes ` prefix), always to the
 * newest Location; 202 and 201 (ECR's early accept) both continue. After a 416 or a network failure the offset is
 * asked of the server and the source re-opened there.
 */
async function uploadChunked(
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
          if (opts.signal?.aborted || !isTransientNetworkError(err) || failures >= opts.retry.retries)
            throw err;
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
        await drain(res);
        if (header(res, 'location')) location = locationOf(res, url, operation);
        offset += bytes.length;
        opts.onBytes?.(bytes.length);
        continue;
      }
      if (res.status === 416 && failures < opts.retry.retries) {
        await drain(res);
        failures++;
        opts.onRetry?.({ attempt: failures, offset, reason: 'registry answered 416 to a chunk' });
        ({ offset, location } = await uploadedSoFar(client, path, location));
        reader.stream.destroy();
        reader = new ChunkReader(await open(offset));
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw await pushRefused(client, res, { url, operation, path, authenticated: true });
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
    reader.stream.destroy();
  }
  await finishPut(client, path, location, desc, undefined, operation);
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
    try {
      if (chunk !== undefined) {
        const size = Math.min(Math.max(chunk, session.minChunk ?? 0), MAX_CHUNK);
        await uploadChunked(client, path, desc, open, location, size, opts);
      } else {
        source = await open(0);
        source.on('error', (err) => {
          sourceError = err;
        });
        let sent = 0;
        source.on('data', (c: Buffer) => {
          sent += c.length;
          opts.onBytes?.(c.length);
        });
        try {
          await finishPut(client, path, location, desc, source, operation);
        } catch (err) {
          if (sourceError !== undefined) throw sourceError;
          // A reset while a large body was going up (a proxy's body limit): send it in chunks instead.
          if (
            !(err instanceof ChunkedNeeded) &&
            isTransientNetworkError(err) &&
            sent > 0 &&
            desc.size > FALLBACK_CHUNK
          ) {
            throw new ChunkedNeeded('reset');
          }
          throw err;
        }
      }
      return 'uploaded';
    } catch (err) {
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
      const transient =
        isTransientNetworkError(err) || (err instanceof OcipullError && err.code === 'E_NETWORK');
      if (!transient || attempt >= opts.retry.retries) {
        throw err instanceof OcipullError ? err : toNetworkError(err, operation);
      }
      opts.onRetry?.({ attempt: attempt + 1, offset: 0, reason: (err as Error).message });
      await sleep(retryDelay(opts.retry, attempt + 1), opts.signal).catch((e) => {
        throw toNetworkError(e, operation);
      });
    }
  }
}
