/**
 * The pieces of an upload session shared by the monolithic and the chunked upload: starting it (POST, with a
 * mount), reading its `Location`, the closing `PUT ?digest=`, and cancelling it (DELETE).
 */
import type { Readable } from 'node:stream';
import { OcipullError } from '../../errors.js';
import type { Descriptor } from '../../oci/types/index.js';
import { isTransientNetworkError, type TransportResponse } from '../transport/index.js';
import type { RegistryClient } from './client.js';
import { pushRefused, pushScopes } from './push-errors.js';
import { discard, headerValue } from './response.js';

/**
 * True for a broken connection (reset, EPIPE, timeout). The transport wraps those in an `E_NETWORK` OcipullError,
 * whose own `code` hides the socket code from `isTransientNetworkError`, so both forms are checked.
 */
export function isNetworkFailure(err: unknown): boolean {
  return isTransientNetworkError(err) || (err instanceof OcipullError && err.code === 'E_NETWORK');
}

/** The error a source stream is destroyed with when the copy gives up (another blob failed, Ctrl-C). */
export function abortError(): Error {
  return new DOMException('upload aborted', 'AbortError');
}

/** A monolithic PUT refused in a way that says "send it in chunks". */
export class ChunkedNeeded extends Error {}

/** The upload session URL a response names: the newest `Location`, resolved against the request URL. */
export function locationOf(res: TransportResponse, requestUrl: URL, operation: string): URL {
  const loc = headerValue(res.headers, 'location');
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

/**
 * `url` with `digest=` appended, keeping the query the registry put there (its `_state`, a pre-signed URL's
 * signature) byte for byte: `searchParams.append` would re-serialize all of it (`~` → `%7E`, `%20` → `+`).
 */
export function withDigest(url: URL, digest: string): URL {
  const out = new URL(url);
  const param = `digest=${encodeURIComponent(digest)}`;
  out.search = out.search ? `${out.search}&${param}` : `?${param}`;
  return out;
}

/** How long a DELETE of an abandoned session may take: it must not hold up an exit after Ctrl-C. */
export const CANCEL_TIMEOUT_MS = 3000;

/**
 * Sends DELETE for an abandoned upload session, ignoring every failure (the spec says SHOULD; Quay never allows it).
 * Sent through the auth session with its own short timeout rather than `client.request`, whose requests carry the
 * client's signal: after Ctrl-C that signal is already aborted and the DELETE would never leave.
 */
export async function cancel(client: RegistryClient, path: string, location: URL): Promise<void> {
  try {
    const res = await client.session.send(
      {
        method: 'DELETE',
        url: location,
        operation: 'cancel upload',
        retry: false,
        signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
      },
      pushScopes(path),
    );
    await discard(res.body);
  } catch {
    // Ignored: the registry purges stale uploads itself (distribution: after 168 h).
  }
}

/** Starts an upload session (POST) and returns its Location; with `mount`, may finish at once (201). */
export async function startUpload(
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
    await discard(res.body);
    return { mounted: true };
  }
  if (res.status === 202) {
    await discard(res.body);
    const min = Number(headerValue(res.headers, 'oci-chunk-min-length'));
    return {
      mounted: false,
      location: locationOf(res, url, operation),
      minChunk: Number.isFinite(min) && min > 0 ? min : undefined,
    };
  }
  if (mountFrom) {
    // Any refusal of a mount (Harbor's 401 for a missing project, Docker Hub's 400) means: upload normally.
    await discard(res.body);
    throw new MountRefused(res.status);
  }
  if (res.status === 401 || res.status === 403) {
    throw await pushRefused(client, res, { method: 'POST', url, operation, path, authenticated });
  }
  throw await client.failure(res, { method: 'POST', url, operation, path, authenticated });
}

export class MountRefused extends Error {
  constructor(readonly status: number) {
    super(`mount refused with ${status}`);
  }
}

/** The closing or monolithic PUT: 201 (some registries send 204) ends the upload. */
export async function finishPut(
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
    await discard(res.body);
    return;
  }
  if (res.status === 413 && body) {
    await discard(res.body);
    throw new ChunkedNeeded('413');
  }
  if (res.status === 401 || res.status === 403) {
    throw await pushRefused(client, res, { method: 'PUT', url, operation, path, authenticated });
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
