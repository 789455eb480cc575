/**
 * `oci-archive`: an OCI image layout in a tar (what skopeo's and buildah's `oci-archive:` transport reads). The
 * archive holds `oci-layout`, an `index.json` with the chosen entries, and every blob those entries reach: child
 * manifests of indexes, configs and layers. Unreferenced blobs and partial downloads stay behind.
 */
import { OcipullError } from '../errors.js';
import { readIndex } from '../oci/layout/index.js';
import {
  type Descriptor,
  type Digest,
  type ImageIndex,
  isImageManifestMediaType,
  isIndexMediaType,
} from '../oci/types/index.js';
import { type BlobFile, readManifest, readNamedEntries, statBlob } from './layout-reader.js';
import { type TarEntry, writeTar } from './tar-writer.js';

/** The `oci-layout` file every layout and archive starts with (image-spec image-layout.md). */
export const OCI_LAYOUT_CONTENT = '{"imageLayoutVersion":"1.0.0"}';

/** Indexes nest at most this deep, the limit `pull` applies too. */
const MAX_DEPTH = 4;

/**
 * Every blob reachable from `roots`, by digest: manifests and indexes are read and followed; configs and layers
 * are only stat'ed. Index entries of unknown media types are kept as plain blobs (the spec says they must not
 * cause errors). `subject` is a back-reference to another image and is not followed.
 */
export async function collectBlobs(
  layout: string,
  roots: readonly Descriptor[],
  operation: string,
): Promise<Map<Digest, BlobFile>> {
  const blobs = new Map<Digest, BlobFile>();
  const visit = async (desc: Descriptor, what: string, depth: number): Promise<void> => {
    if (blobs.has(desc.digest as Digest)) return;
    if (!isIndexMediaType(desc.mediaType) && !isImageManifestMediaType(desc.mediaType)) {
      const file = await statBlob(layout, desc, what, operation);
      blobs.set(file.digest, file);
      return;
    }
    if (depth >= MAX_DEPTH) {
      throw new OcipullError(
        'E_UNSUPPORTED',
        `${operation}: indexes nested more than ${MAX_DEPTH} levels deep`,
      );
    }
    const { file, parsed } = await readManifest(layout, desc, what, operation);
    blobs.set(file.digest, file);
    if (parsed.kind === 'index') {
      for (const [i, child] of parsed.index.manifests.entries()) {
        await visit(child, `manifest ${i + 1} of index ${desc.digest}`, depth + 1);
      }
      return;
    }
    const { config, layers } = parsed.manifest;
    const configFile = await statBlob(layout, config, `config of ${desc.digest}`, operation);
    blobs.set(configFile.digest, configFile);
    for (const [i, layer] of layers.entries()) {
      const layerFile = await statBlob(layout, layer, `layer ${i + 1} of ${desc.digest}`, operation);
      blobs.set(layerFile.digest, layerFile);
    }
  };
  for (const [i, root] of roots.entries()) await visit(root, `index.json entry ${i + 1}`, 0);
  return blobs;
}

/** The tar entries of an OCI layout holding `index` and `blobs`: directories, blobs, `index.json`, `oci-layout`. */
export function layoutEntries(index: ImageIndex, blobs: Iterable<BlobFile>): TarEntry[] {
  const entries: TarEntry[] = [
    { kind: 'dir', name: 'blobs/' },
    { kind: 'dir', name: 'blobs/sha256/' },
    { kind: 'bytes', name: 'index.json', bytes: Buffer.from(JSON.stringify(index)) },
    { kind: 'bytes', name: 'oci-layout', bytes: Buffer.from(OCI_LAYOUT_CONTENT) },
  ];
  for (const blob of blobs) {
    entries.push({
      kind: 'file',
      name: `blobs/sha256/${blob.digest.slice('sha256:'.length)}`,
      path: blob.path,
      size: blob.size,
    });
  }
  return entries;
}

/**
 * Streams an OCI layout (only the entry named `name` and the blobs it references, or the whole layout when name is
 * undefined) as an oci-archive tar. Every blob is checked before the first byte is written: a missing one is
 * `E_IO` naming it, an unknown name `E_NOT_FOUND` listing the names there are. `out` is not ended.
 */
export async function writeOciArchive(
  layout: string,
  out: NodeJS.WritableStream,
  opts: { name?: string | undefined; signal?: AbortSignal | undefined },
): Promise<void> {
  const operation = `write oci-archive of ${layout}${opts.name === undefined ? '' : `:${opts.name}`}`;
  let index: ImageIndex;
  if (opts.name === undefined) {
    index = await readIndex(layout);
  } else {
    const named = await readNamedEntries(layout, opts.name, operation);
    index = { ...named.index, manifests: named.entries };
  }
  if (opts.signal?.aborted) throw new OcipullError('E_INTERRUPTED', `${operation}: interrupted`);
  const blobs = await collectBlobs(layout, index.manifests, operation);
  await writeTar(out, layoutEntries(index, blobs.values()), { operation, signal: opts.signal });
}
