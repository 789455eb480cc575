import { OcipullError } from '../errors.js';
import type { ParsedManifest } from '../oci/types/index.js';
import { canonicalOf, type Reference } from '../reference/index.js';
import {
  addToReferrersTag,
  manifestExists,
  putManifest,
  type RegistryClient,
  subjectOf,
  uploadBlob,
} from '../registry/client/index.js';
import type { RetryPolicy } from '../registry/transport/index.js';
import type {
  BlobResult,
  BlobTransfer,
  CommitRequest,
  ImageDestination,
  ImageSource,
  WrittenManifest,
} from './types.js';

/** How to write to a registry. */
export interface RegistryDestinationOptions {
  retry: RetryPolicy;
  /** Upload blobs in PATCH chunks of this size instead of one monolithic PUT. */
  chunkSize?: number | undefined;
  onRetry?: ((digest: string, info: { attempt: number; offset: number; reason: string }) => void) | undefined;
}

/**
 * Writes an image to a registry repository byte for byte: blobs HEADed, mounted from another repository of the same
 * registry, or uploaded (`registry/client/upload.ts`); manifests by digest, children first, skipped when present;
 * the tag last. A manifest with a `subject` is added to the referrers fallback tag unless the registry answered
 * `OCI-Subject`.
 */
export class RegistryDestination implements ImageDestination {
  readonly name: string;
  readonly convertsToOci = false;
  readonly #client: RegistryClient;
  readonly #ref: Reference;
  readonly #opts: RegistryDestinationOptions;

  /** `client` talks to `ref.domain` with the destination's credentials; the destination closes it. */
  constructor(client: RegistryClient, ref: Reference, opts: RegistryDestinationOptions) {
    this.#client = client;
    this.#ref = ref;
    this.#opts = opts;
    this.name = canonicalOf(ref);
  }

  async prepare(): Promise<void> {}

  async putBlob(t: BlobTransfer, source: ImageSource): Promise<BlobResult> {
    const from = source.repository;
    // Mount only within one registry (Docker Hub fails on a `from` of another registry: ggcr #1404).
    const mountFrom =
      from && from.domain === this.#ref.domain && from.path !== this.#ref.path ? from.path : undefined;
    let startedOnce = false;
    const outcome = await uploadBlob(
      this.#client,
      this.#ref.path,
      t.job,
      async (offset) => {
        if (!startedOnce) t.started(offset);
        startedOnce = true;
        return t.open(offset);
      },
      {
        mountFrom,
        chunkSize: this.#opts.chunkSize,
        retry: this.#opts.retry,
        signal: t.signal,
        onBytes: (n) => t.progress(n),
        onRetry: (info) => this.#opts.onRetry?.(t.job.digest, info),
      },
    );
    return outcome === 'uploaded' ? 'copied' : outcome;
  }

  async #put(m: WrittenManifest & { parsed: ParsedManifest }, reference: string): Promise<void> {
    const { subjectHeader } = await putManifest(this.#client, this.#ref.path, reference, m);
    const subject = subjectOf(m.parsed);
    if (subject && !subjectHeader) {
      await addToReferrersTag(this.#client, this.#ref.path, subject, { ...m });
    }
  }

  async putManifest(m: WrittenManifest & { parsed: ParsedManifest }): Promise<void> {
    if (await manifestExists(this.#client, this.#ref.path, m.digest)) return;
    await this.#put(m, m.digest);
  }

  async commit(c: CommitRequest): Promise<{ name: string; named: 'tag' | 'index' }> {
    const { written } = c;
    const { tag, digest } = this.#ref;
    if (digest && digest !== written.digest) {
      throw new OcipullError(
        'E_USAGE',
        `copy to ${this.name}: the image copied has digest ${written.digest}, not the one the destination names`,
        { hint: 'name the destination by tag, or by the digest of what is copied' },
      );
    }
    if (tag) {
      await this.#put(written, tag);
      return { name: tag, named: 'tag' };
    }
    if (!(await manifestExists(this.#client, this.#ref.path, written.digest)))
      await this.#put(written, written.digest);
    return { name: written.digest, named: 'tag' };
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
