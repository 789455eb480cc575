/**
 * Manifest writes (distribution-spec "Pushing Manifests", COPY-MIRRORS-LOCK.md §1.1): a HEAD by digest to skip what
 * is there, a PUT whose `Content-Type` is the manifest's media type and whose `Docker-Content-Digest` answer is
 * checked, and the referrers fallback tag (`sha256-<hex>`) for a manifest with a `subject` when the registry does
 * not answer `OCI-Subject`.
 */
import { IntegrityError, OcipullError } from '../../errors.js';
import {
  type Descriptor,
  type Digest,
  digestHex,
  MANIFEST_ACCEPT,
  OCI_IMAGE_INDEX,
  type ParsedManifest,
  sha256Digest,
} from '../../oci/types/index.js';
import { BodyLimits, readCapped } from '../transport/index.js';
import type { RegistryClient } from './client.js';
import { pushRefused, pushScopes } from './push-errors.js';
import { discard, headerValue } from './response.js';

/** A manifest to write: its exact bytes, its digest and media type (sniffed from the structure when absent). */
export interface ManifestToPut {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
  parsed: ParsedManifest;
}

/**
 * True when `path` already has a manifest with this digest (HEAD with every Accept type). A 403 counts as absent,
 * as ggcr's `manifestExists` does for JFrog: the PUT that follows gives the real answer.
 */
export async function manifestExists(client: RegistryClient, path: string, digest: Digest): Promise<boolean> {
  const operation = `check manifest ${client.options.domain}/${path}@${digest}`;
  const { res, url, authenticated } = await client.request({
    method: 'HEAD',
    path,
    suffix: `manifests/${digest}`,
    operation,
    headers: { accept: MANIFEST_ACCEPT.join(', ') },
    scopes: pushScopes(path),
  });
  await discard(res.body);
  if (res.status === 200) return true;
  if (res.status === 404 || res.status === 403) return false;
  throw await client.failure(res, { method: 'HEAD', url, operation, path, subject: digest, authenticated });
}

/**
 * PUTs `manifest` under `reference` (a tag, or its digest) and checks the digest the registry computed. Returns
 * the `OCI-Subject` header, which says the registry keeps the referrers index itself.
 */
export async function putManifest(
  client: RegistryClient,
  path: string,
  reference: string,
  manifest: Pick<ManifestToPut, 'bytes' | 'digest' | 'mediaType'>,
): Promise<{ subjectHeader: string | undefined }> {
  const at = `${client.options.domain}/${path}${reference.includes(':') ? '@' : ':'}${reference}`;
  const operation = `push manifest ${at}`;
  const { res, url, authenticated } = await client.request({
    method: 'PUT',
    path,
    suffix: `manifests/${reference}`,
    operation,
    headers: { 'content-type': manifest.mediaType, 'content-length': String(manifest.bytes.length) },
    body: manifest.bytes,
    scopes: pushScopes(path),
    retry: true,
  });
  if (res.status === 401 || res.status === 403) {
    throw await pushRefused(client, res, { method: 'PUT', url, operation, path, authenticated });
  }
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) {
    const err = await client.failure(res, {
      method: 'PUT',
      url,
      operation,
      path,
      subject: reference,
      authenticated,
    });
    if (res.status === 400 || err.code === 'E_MANIFEST_INVALID' || err.code === 'E_UNSUPPORTED') {
      throw new OcipullError(
        'E_MANIFEST_INVALID',
        `${operation}: the registry refused manifest ${manifest.digest} (${manifest.mediaType}): ${err.message.replace(`${operation}: `, '')}`,
        {
          hint: 'the registry may not accept this media type or a manifest whose blobs or children are missing',
          cause: err,
        },
      );
    }
    throw err;
  }
  await discard(res.body);
  const echoed = headerValue(res.headers, 'docker-content-digest');
  if (echoed && echoed !== manifest.digest) {
    throw new IntegrityError(
      `${operation}: the registry stored it as ${echoed}, not ${manifest.digest}`,
      { digest: manifest.digest, size: manifest.bytes.length },
      { digest: echoed, size: manifest.bytes.length },
    );
  }
  return { subjectHeader: headerValue(res.headers, 'oci-subject') };
}

/** The subject a manifest refers to (signatures, SBOMs, attestations), if any. */
export function subjectOf(parsed: ParsedManifest): Descriptor | undefined {
  return parsed.kind === 'index' ? parsed.index.subject : parsed.manifest.subject;
}

/**
 * Adds `manifest` to the referrers fallback tag of its subject (`sha256-<hex>`, distribution-spec "Referrers Tag
 * Schema"): read it (404: start empty; not an OCI index: fail), add the descriptor if it is missing, write it back.
 */
export async function addToReferrersTag(
  client: RegistryClient,
  path: string,
  subject: Descriptor,
  manifest: ManifestToPut,
): Promise<void> {
  const tag = `sha256-${digestHex(subject.digest as Digest)}`;
  const operation = `update referrers tag ${client.options.domain}/${path}:${tag}`;
  const { res, url, authenticated } = await client.request({
    method: 'GET',
    path,
    suffix: `manifests/${tag}`,
    operation,
    headers: { accept: OCI_IMAGE_INDEX },
    scopes: pushScopes(path),
  });
  let manifests: Descriptor[] = [];
  let doc: Record<string, unknown> = {};
  if (res.status === 200) {
    const bytes = await readCapped(res.body, BodyLimits.manifest, {
      code: 'E_MANIFEST_TOO_LARGE',
      message: operation,
    });
    try {
      doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      doc = {};
    }
    if (doc.mediaType !== OCI_IMAGE_INDEX || !Array.isArray(doc.manifests)) {
      throw new OcipullError(
        'E_MANIFEST_INVALID',
        `${operation}: the tag holds something other than an OCI index`,
        {
          hint: `the referrers of ${subject.digest} were not recorded; remove or fix tag ${tag}`,
        },
      );
    }
    manifests = doc.manifests as Descriptor[];
  } else if (res.status === 404) {
    await discard(res.body);
  } else {
    throw await client.failure(res, { method: 'GET', url, operation, path, subject: tag, authenticated });
  }
  if (manifests.some((d) => d.digest === manifest.digest)) return;
  const parsed = manifest.parsed;
  const annotations = parsed.kind === 'index' ? parsed.index.annotations : parsed.manifest.annotations;
  const artifactType =
    (parsed.kind === 'index' ? parsed.index.artifactType : parsed.manifest.artifactType) ??
    (parsed.kind === 'image' ? parsed.manifest.config.mediaType : undefined);
  const entry: Descriptor = {
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    size: manifest.bytes.length,
    ...(artifactType ? { artifactType } : {}),
    ...(annotations ? { annotations } : {}),
  };
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_INDEX,
      ...doc,
      manifests: [...manifests, entry],
    }),
  );
  await putManifest(client, path, tag, { bytes, digest: sha256Digest(bytes), mediaType: OCI_IMAGE_INDEX });
}
