import type { Descriptor } from '../oci/types/index.js';
import { canonicalOf, type Reference } from '../reference/index.js';
import type { RegistryClient } from '../registry/client/index.js';
import type { BlobRef, ImageSource, SourceBlob, SourceManifest } from './types.js';

/** Reads an image from a registry repository: the reference's tag or digest, children and blobs by digest. */
export class RegistrySource implements ImageSource {
  readonly name: string;
  readonly repository: { domain: string; path: string };
  readonly #client: RegistryClient;
  readonly #ref: Reference;

  /** `client` talks to `ref.domain`; the source closes it. */
  constructor(client: RegistryClient, ref: Reference) {
    this.#client = client;
    this.#ref = ref;
    this.name = canonicalOf(ref);
    this.repository = { domain: ref.domain, path: ref.path };
  }

  top(): Promise<SourceManifest> {
    return this.#client.getManifest(this.#ref.path, this.#ref.digest ?? this.#ref.tag ?? 'latest');
  }

  manifest(desc: Descriptor): Promise<SourceManifest> {
    return this.#client.getManifest(this.#ref.path, desc.digest, desc.size);
  }

  async blob(desc: BlobRef, offset: number): Promise<SourceBlob> {
    const { body, start } = await this.#client.getBlob(this.#ref.path, desc, offset);
    return { body, start };
  }

  blobBytes(desc: BlobRef): Promise<Buffer> {
    return this.#client.getBlobBytes(this.#ref.path, desc);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
