import type { Descriptor } from '../oci/types/index.js';
import { canonicalOf, type Reference } from '../reference/index.js';
import type { RepositoryReader, ServedBy } from '../registry/client/index.js';
import type { BlobRef, ImageSource, SourceBlob, SourceManifest } from './types.js';

/**
 * Reads an image from a registry repository: the reference's tag or digest, children and blobs by digest. The
 * repository may be one registry's or reached through mirrors (`FallbackRepository`); this does not care.
 */
export class RegistrySource implements ImageSource {
  readonly name: string;
  readonly repository: { domain: string; path: string };
  readonly #repo: RepositoryReader;
  readonly #ref: Reference;

  /** `repo` holds `ref`'s repository; the source closes it. */
  constructor(repo: RepositoryReader, ref: Reference) {
    this.#repo = repo;
    this.#ref = ref;
    this.name = canonicalOf(ref);
    this.repository = { domain: ref.domain, path: ref.path };
  }

  top(): Promise<SourceManifest> {
    return this.#repo.getManifest(this.#ref.digest ?? this.#ref.tag ?? 'latest');
  }

  manifest(desc: Descriptor): Promise<SourceManifest> {
    return this.#repo.getManifest(desc.digest, desc.size);
  }

  async blob(desc: BlobRef, offset: number): Promise<SourceBlob> {
    const { body, start } = await this.#repo.getBlob(desc, offset);
    return { body, start };
  }

  blobBytes(desc: BlobRef): Promise<Buffer> {
    return this.#repo.getBlobBytes(desc);
  }

  servedBy(): ServedBy | undefined {
    return this.#repo.servedBy();
  }

  rejectBlob(digest: string): boolean {
    return this.#repo.rejectBlob(digest);
  }

  blobBroke(digest: string): boolean {
    return this.#repo.blobBroke(digest);
  }

  close(): Promise<void> {
    return this.#repo.close();
  }
}
