/**
 * `parseManifest`: raw manifest bytes (kept by the caller for hashing, never re-serialized) to a typed index or
 * image manifest. Media-type detection follows containers/image `GuessMIMEType`; schema 1 is refused with a
 * dedicated error as ggcr does with `ErrSchema1` (STYLE.md §4, PROTOCOL.md §3).
 */
import { OcipullError } from '../../errors.js';
import {
  DOCKER_CONFIG,
  DOCKER_MANIFEST,
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  isImageManifestMediaType,
  isIndexMediaType,
  isSchema1MediaType,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
} from './media-types.js';
import { type ImageIndex, ImageIndexSchema, type ImageManifest, ImageManifestSchema } from './schemas.js';
import { formatZodError, missingFieldError } from './zod-issue.js';

/** A parsed manifest: an index to choose a platform from, or an image (or artifact) manifest to download. */
export type ParsedManifest =
  | { kind: 'index'; mediaType: string; index: ImageIndex }
  | { kind: 'image'; mediaType: string; manifest: ImageManifest };

/** Content types that say nothing about the document; some registries and static servers send them. */
const genericContentTypes: ReadonlySet<string> = new Set([
  'application/json',
  'application/octet-stream',
  'text/plain',
]);

/**
 * Parses manifest bytes, using `contentType` (the response header) only when the body has no `mediaType`; the body
 * wins a conflict because it is what the digest covers. Throws `E_MANIFEST_INVALID` for bad JSON or shape and
 * `E_UNSUPPORTED` for schema 1 or a document that is neither a manifest nor an index.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest {
  const body = parseJsonObject(bytes);
  const bodyType = typeof body.mediaType === 'string' && body.mediaType !== '' ? body.mediaType : undefined;
  const mediaType = bodyType ?? headerMediaType(contentType) ?? guessMediaType(body);

  if (isSchema1MediaType(mediaType) || body.schemaVersion === 1) {
    throw new OcipullError(
      'E_UNSUPPORTED',
      `manifest is Docker schema 1 (${isSchema1MediaType(mediaType) ? mediaType : 'schemaVersion 1'}), which is deprecated and removed from Docker 28.2 and containerd 2.1`,
      {
        hint: 're-push the image with a current client (docker, podman, crane) to get a schema 2 or OCI manifest',
      },
    );
  }

  const kind = kindOf(mediaType, body);
  rejectAmbiguous(kind, mediaType, body);
  if (kind === 'index') {
    const result = ImageIndexSchema.safeParse(body, { error: missingFieldError });
    if (!result.success) throw invalid(`image index (${mediaType})`, formatZodError(result.error));
    return { kind, mediaType, index: result.data };
  }
  const result = ImageManifestSchema.safeParse(body, { error: missingFieldError });
  if (!result.success) throw invalid(`image manifest (${mediaType})`, formatZodError(result.error));
  return { kind, mediaType, manifest: result.data };
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new OcipullError('E_MANIFEST_INVALID', `manifest is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OcipullError('E_MANIFEST_INVALID', `manifest is not a JSON object (got ${jsonKind(value)})`);
  }
  return value as Record<string, unknown>;
}

/** The media type of a Content-Type header without parameters, or undefined when it is absent or generic. */
function headerMediaType(contentType: string | undefined): string | undefined {
  const base = contentType?.split(';')[0]?.trim().toLowerCase();
  return base === undefined || base === '' || genericContentTypes.has(base) ? undefined : base;
}

/**
 * Guesses the type of a body without `mediaType` or a useful Content-Type, as containers/image `GuessMIMEType`
 * does: OCI manifests before image-spec 1.0.2 (umoci still writes them) have no `mediaType` field.
 */
function guessMediaType(body: Record<string, unknown>): string {
  if (body.schemaVersion === 1) {
    return body.signatures === undefined ? DOCKER_SCHEMA1_MANIFEST : DOCKER_SCHEMA1_SIGNED_MANIFEST;
  }
  if (isObject(body.config))
    return body.config.mediaType === DOCKER_CONFIG ? DOCKER_MANIFEST : OCI_IMAGE_MANIFEST;
  // An empty `manifests` (a fresh layout's index.json) is still an index; GuessMIMEType needs one entry.
  if (Array.isArray(body.manifests)) return OCI_IMAGE_INDEX;
  return OCI_IMAGE_MANIFEST;
}

/** Known types decide by name; unknown ones (artifacts, vendor types) by shape, so they can still be inspected. */
function kindOf(mediaType: string, body: Record<string, unknown>): ParsedManifest['kind'] {
  if (isIndexMediaType(mediaType)) return 'index';
  if (isImageManifestMediaType(mediaType)) return 'image';
  if (isObject(body.config)) return 'image';
  if (Array.isArray(body.manifests)) return 'index';
  throw new OcipullError(
    'E_UNSUPPORTED',
    `unsupported manifest media type ${JSON.stringify(mediaType)}: the document has neither "config" nor "manifests"`,
  );
}

/**
 * Refuses a document that is both an index and a manifest: the same bytes could then mean different images to
 * different clients (CVE-2021-41190; containers/image `validateUnambiguousManifestFormat` does the same).
 */
function rejectAmbiguous(
  kind: ParsedManifest['kind'],
  mediaType: string,
  body: Record<string, unknown>,
): void {
  const foreign = kind === 'index' ? ['config', 'layers'] : ['manifests'];
  const found = foreign.find((field) => field in body);
  if (found !== undefined) {
    throw invalid(
      `${kind === 'index' ? 'image index' : 'image manifest'} (${mediaType})`,
      `ambiguous document: has a "${found}" field, which belongs to ${kind === 'index' ? 'a manifest' : 'an index'}`,
    );
  }
}

function invalid(what: string, detail: string): OcipullError {
  return new OcipullError('E_MANIFEST_INVALID', `invalid ${what}: ${detail}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
