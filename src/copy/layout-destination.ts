import { readFile, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { OcipullError } from '../errors.js';
import {
  BlobWriter,
  blobPath,
  hasBlob,
  initLayout,
  listPartials,
  REF_NAME,
  updateIndex,
  verifyBlob,
  withNamedEntry,
  writeBlobBytes,
} from '../oci/layout/index.js';
import type { Descriptor, ParsedManifest } from '../oci/types/index.js';
import { isAbortError, toNetworkError } from '../registry/transport/index.js';
import type {
  BlobRef,
  BlobResult,
  BlobTransfer,
  CommitRequest,
  ImageDestination,
  WrittenManifest,
} from './types.js';

/** How to write into a layout. */
export interface LayoutDestinationOptions {
  /** The `org.opencontainers.image.ref.name` of the entry. */
  refName: string;
  /** The full reference recorded as `io.containerd.image.name`, when the image came from a registry. */
  imageName?: string | undefined;
  /** Rehash blobs that are already present instead of trusting their size. */
  verify: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * Writes an image into an OCI image layout directory (created if missing; another image adds an entry): blobs are
 * streamed to `.<hex>.<pid>.partial` and renamed only when verified (`BlobWriter`), a partial file left by an
 * interrupted run is continued with `Range`, manifests follow, and `index.json` is updated last, atomically and
 * under a lock.
 */
export class LayoutDestination implements ImageDestination {
  readonly name: string;
  readonly convertsToOci = true;
  readonly #root: string;
  readonly #opts: LayoutDestinationOptions;
  #partials: readonly string[] = [];

  constructor(root: string, opts: LayoutDestinationOptions) {
    this.#root = root;
    this.#opts = opts;
    this.name = root;
  }

  async prepare(): Promise<void> {
    await initLayout(this.#root);
    this.#partials = await listPartials(this.#root);
  }

  async putBlob(t: BlobTransfer): Promise<BlobResult> {
    const { job } = t;
    if (await hasBlob(this.#root, job)) {
      if (!this.#opts.verify || (await verifyBlob(this.#root, job))) return 'exists';
      await rm(blobPath(this.#root, job.digest), { force: true });
    }
    const writer = await BlobWriter.open(this.#root, job, this.#partials);
    try {
      t.started(writer.offset);
      if (writer.offset < job.size) {
        // BlobWriter hashes what it stores (the bytes already on disk included), so the stream need not.
        await pipeline(await t.open(writer.offset, { verify: false }), writer.sink(t.progress), {
          signal: t.signal,
        });
      }
      if (writer.offset < job.size) {
        throw new OcipullError(
          'E_NETWORK',
          `fetch blob ${job.digest}: body ended after ${writer.offset} of ${job.size} bytes`,
        );
      }
      t.verifying();
      await writer.commit();
      return 'copied';
    } catch (err) {
      // Keep the partial file on interruption or network failure, so the next run resumes it; drop it when its
      // bytes are known bad (too many, or the wrong digest).
      await writer
        .abandon({ discard: err instanceof OcipullError && err.code === 'E_INTEGRITY' })
        .catch(() => undefined);
      if (isAbortError(err)) throw toNetworkError(err, `fetch blob ${job.digest}`);
      throw err;
    }
  }

  async putManifest(m: WrittenManifest & { parsed: ParsedManifest }): Promise<void> {
    await writeBlobBytes(this.#root, m.digest, m.bytes);
  }

  async commit(c: CommitRequest): Promise<{ name: string; named: 'tag' | 'index' }> {
    const { written } = c;
    await writeBlobBytes(this.#root, written.digest, written.bytes);
    const name = this.#opts.refName;
    const platform = c.descriptor?.platform;
    const entry: Descriptor = {
      mediaType: written.mediaType,
      digest: written.digest,
      size: written.bytes.length,
      ...(platform && !c.all ? { platform } : {}),
      annotations: {
        ...(this.#opts.imageName ? { 'io.containerd.image.name': this.#opts.imageName } : {}),
        ...(written.digest !== c.sourceDigest ? { 'io.ocipull.registry.digest': c.sourceDigest } : {}),
        [REF_NAME]: name,
      },
    };
    if (this.#opts.signal?.aborted)
      throw new OcipullError('E_INTERRUPTED', `write ${this.#root}: interrupted`);
    await updateIndex(this.#root, (index) => withNamedEntry(index, entry, name), this.#opts.signal);
    return { name, named: 'index' };
  }

  async readBlob(desc: BlobRef): Promise<Buffer | undefined> {
    if (desc.size > 4 * 1024 * 1024) return undefined;
    return readFile(blobPath(this.#root, desc.digest)).catch(() => undefined);
  }

  async close(): Promise<void> {}
}
