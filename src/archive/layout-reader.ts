/**
 * Reading what an archive needs from an OCI layout: the named `index.json` entries, manifests (read whole, capped
 * and re-hashed) and the files of blobs, which are only stat'ed here and streamed later. Blobs are refused when
 * missing, of the wrong size, or not regular files (ggcr `layout/blob.go`), before a byte of the archive is written.
 */
import { lstat, readFile } from 'node:fs/promises';
import { IntegrityError, OcipullError } from '../errors.js';
import { blobPath, REF_NAME, readIndex } from '../oci/layout/index.js';
import {
  type Descriptor,
  type Digest,
  type ImageIndex,
  isDigest,
  type ParsedManifest,
  parseManifest,
  sha256Digest,
} from '../oci/types/index.js';

/** Manifests and configs are read whole, up to the 4 MiB registries and containers/image accept (PROTOCOL.md §1). */
export const MAX_DOCUMENT_SIZE = 4 * 1024 * 1024;

/** A blob of the layout to stream into an archive. */
export interface BlobFile {
  digest: Digest;
  size: number;
  path: string;
}

/** The distinct `ref.name`s of an index, sorted, for "available: …" in errors. */
export function refNames(index: ImageIndex): string[] {
  const names = new Set<string>();
  for (const d of index.manifests) {
    const name = d.annotations?.[REF_NAME];
    if (name !== undefined) names.add(name);
  }
  return [...names].sort();
}

/** Reads `index.json` and returns the entries named `name`; throws `E_NOT_FOUND` listing the names there are. */
export async function readNamedEntries(
  layout: string,
  name: string,
  operation: string,
): Promise<{ index: ImageIndex; entries: Descriptor[] }> {
  const index = await readIndex(layout);
  const entries = index.manifests.filter((d) => d.annotations?.[REF_NAME] === name);
  if (entries.length > 0) return { index, entries };
  const available = refNames(index);
  throw new OcipullError(
    'E_NOT_FOUND',
    `${operation}: no image named ${JSON.stringify(name)} in ${layout}; available: ${available.length > 0 ? available.join(', ') : 'none'}`,
    {
      hint:
        available.length > 0
          ? 'pass one of those names'
          : 'the layout names no images; pull one into it with `ocipull pull REF DIR`',
    },
  );
}

/**
 * Checks that the blob of `desc` is in the layout as a regular file of the descriptor's size and returns where it
 * is. `what` names it in errors ("layer 2 of sha256:…"). Missing or not a file is `E_IO`, another size `E_INTEGRITY`.
 */
export async function statBlob(
  layout: string,
  desc: Pick<Descriptor, 'digest' | 'size'>,
  what: string,
  operation: string,
): Promise<BlobFile> {
  const { digest, size } = desc;
  if (!isDigest(digest)) {
    throw new OcipullError(
      'E_UNSUPPORTED',
      `${operation}: ${what} ${digest} uses a digest algorithm ocipull cannot store`,
    );
  }
  const path = blobPath(layout, digest);
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OcipullError(
      'E_IO',
      code === 'ENOENT'
        ? `${operation}: ${what} ${digest} is missing from the layout (${path})`
        : `${operation}: stat ${what} ${path}: ${code ?? (err as Error).message}`,
      { cause: err, hint: 'pull the image into the layout again to fetch the missing blob' },
    );
  }
  if (!st.isFile()) {
    throw new OcipullError('E_IO', `${operation}: ${what} ${path} is not a regular file`, {
      hint: 'a layout must hold blobs as plain files, not symlinks',
    });
  }
  if (st.size !== size) {
    throw new IntegrityError(
      `${operation}: ${what} ${digest} in the layout has ${st.size} bytes, its descriptor says ${size}`,
      { digest, size },
      { size: st.size },
      { hint: 'the layout is damaged; pull the image again' },
    );
  }
  return { digest, size, path };
}

/** Reads a small blob (manifest, config) whole after checking its size and cap, and verifies its digest. */
export async function readDocument(
  layout: string,
  desc: Pick<Descriptor, 'digest' | 'size'>,
  what: string,
  operation: string,
): Promise<{ file: BlobFile; bytes: Buffer }> {
  if (desc.size > MAX_DOCUMENT_SIZE) {
    throw new OcipullError(
      'E_MANIFEST_TOO_LARGE',
      `${operation}: ${what} ${desc.digest} is ${desc.size} bytes, more than the ${MAX_DOCUMENT_SIZE}-byte limit`,
    );
  }
  const file = await statBlob(layout, desc, what, operation);
  let bytes: Buffer;
  try {
    bytes = await readFile(file.path);
  } catch (err) {
    throw new OcipullError(
      'E_IO',
      `${operation}: read ${file.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
  const actual = sha256Digest(bytes);
  if (actual !== file.digest || bytes.length !== file.size) {
    throw new IntegrityError(
      `${operation}: ${what} ${file.digest} in the layout hashes to ${actual}`,
      { digest: file.digest, size: file.size },
      { digest: actual, size: bytes.length },
      { hint: 'the layout is damaged; pull the image again' },
    );
  }
  return { file, bytes };
}

/** Reads and parses the manifest or index a descriptor points at. */
export async function readManifest(
  layout: string,
  desc: Descriptor,
  what: string,
  operation: string,
): Promise<{ file: BlobFile; parsed: ParsedManifest }> {
  const { file, bytes } = await readDocument(layout, desc, what, operation);
  try {
    return { file, parsed: parseManifest(bytes, desc.mediaType) };
  } catch (err) {
    if (!(err instanceof OcipullError)) throw err;
    throw new OcipullError(err.code, `${operation}: ${what} ${desc.digest}: ${err.message}`, {
      hint: err.hint,
      cause: err,
    });
  }
}
