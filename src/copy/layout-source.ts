import { OcipullError } from '../errors.js';
import { type BlobStore, REF_NAME, readStoredDocument, requireBlob } from '../oci/layout/index.js';
import { type Descriptor, type Digest, isDigest, parseManifest } from '../oci/types/index.js';
import type { BlobRef, ImageSource, SourceBlob, SourceManifest } from './types.js';

function asRef(desc: Descriptor, what: string, where: string): BlobRef {
  if (!isDigest(desc.digest)) {
    throw new OcipullError(
      'E_UNSUPPORTED',
      `read ${where}: ${what} ${desc.digest} uses a digest algorithm ocipull cannot read`,
    );
  }
  return { digest: desc.digest, size: desc.size };
}

/**
 * Reads an image from an OCI layout, a directory or an archive (`BlobStore`): the `index.json` entry named `name`
 * (`org.opencontainers.image.ref.name`), or the only entry when no name is given; manifests verified by digest.
 */
export class LayoutSource implements ImageSource {
  readonly name: string;
  readonly #store: BlobStore;
  readonly #refName: string | undefined;

  /** `label` names the source in messages, e.g. `oci:./debian:latest`. */
  constructor(store: BlobStore, refName: string | undefined, label: string) {
    this.#store = store;
    this.#refName = refName;
    this.name = label;
  }

  /** The index.json entry the source names. */
  async entry(): Promise<Descriptor> {
    const index = await this.#store.readIndex();
    const names = [
      ...new Set(index.manifests.map((d) => d.annotations?.[REF_NAME]).filter((n) => n !== undefined)),
    ];
    if (this.#refName !== undefined) {
      const found = index.manifests.find((d) => d.annotations?.[REF_NAME] === this.#refName);
      if (found) return found;
      throw new OcipullError(
        'E_NOT_FOUND',
        `read ${this.name}: no image named ${JSON.stringify(this.#refName)} in ${this.#store.label}; available: ${names.length > 0 ? names.sort().join(', ') : 'none'}`,
        {
          hint:
            names.length > 0
              ? 'name one of those after a colon, e.g. oci:DIR:NAME'
              : 'the layout names no images',
        },
      );
    }
    if (index.manifests.length === 1) return index.manifests[0]!;
    if (index.manifests.length === 0) {
      throw new OcipullError('E_NOT_FOUND', `read ${this.name}: ${this.#store.label} holds no image`);
    }
    throw new OcipullError(
      'E_USAGE',
      `read ${this.name}: ${this.#store.label} holds ${index.manifests.length} images; say which`,
      { hint: `name one after a colon (oci:DIR:NAME); names: ${names.sort().join(', ') || 'none'}` },
    );
  }

  top(): Promise<SourceManifest> {
    return this.entry().then((d) => this.manifest(d));
  }

  async manifest(desc: Descriptor): Promise<SourceManifest> {
    const ref = asRef(desc, 'manifest', this.name);
    const bytes = await readStoredDocument(this.#store, ref, 'manifest');
    let parsed: ReturnType<typeof parseManifest>;
    try {
      parsed = parseManifest(bytes, desc.mediaType);
    } catch (err) {
      if (!(err instanceof OcipullError)) throw err;
      throw new OcipullError(err.code, `read ${this.name}: manifest ${desc.digest}: ${err.message}`, {
        hint: err.hint,
        cause: err,
      });
    }
    return { bytes, digest: ref.digest as Digest, mediaType: parsed.mediaType, parsed };
  }

  async blob(desc: BlobRef, offset: number): Promise<SourceBlob> {
    await requireBlob(this.#store, desc, 'blob');
    return { body: await this.#store.openBlob(desc.digest, offset), start: offset };
  }

  blobBytes(desc: BlobRef): Promise<Buffer> {
    return readStoredDocument(this.#store, desc, 'config');
  }

  async close(): Promise<void> {}
}
