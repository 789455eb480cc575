import { readFile, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { OcipullError } from '../errors.js';
import {
  BlobWriter,
  blobPath,
  checkLayoutDestination,
  errnoOf,
  hasBlob,
  initLayout,
  ioError,
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
  /** Rehash blobs that are already present (manifests included) instead of trusting their size. */
  verify: boolean;
  /** Write into a non-empty directory that is not an OCI layout (`pull --force`). */
  force?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** The blob's fault when the disk failed while storing it: a full disk says how much was kept, and where. */
async function storeError(err: unknown, root: string, writer: BlobWriter): Promise<unknown> {
  const code = errnoOf(err);
  if (code === undefined || err instanceof OcipullError) return err;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return ioError('write blob into', root, err);
  const kept = (await stat(writer.path).catch(() => undefined))?.size ?? 0;
  if (kept === 0) await rm(writer.path, { force: true });
  const where =
    kept > 0
      ? `${(kept / (1024 * 1024)).toFixed(1)} MiB partial kept for resume at ${writer.path}`
      : 'no partial kept';
  const what = code === 'ENOSPC' ? 'no space left on the device' : 'disk quota exceeded on the device';
  return new OcipullError('E_IO', `write blob ${writer.target.digest}: ${what} of ${root} (${where})`, {
    cause: err,
    hint: 'free some disk space and run the same command again; it resumes',
  });
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

  /**
   * Fails unless the directory can receive the layout (STYLE.md §5: check before the first byte is fetched): see
   * `checkLayoutDestination`. Creates nothing; `pull` calls it before it contacts the registry.
   */
  check(): Promise<void> {
    return checkLayoutDestination(this.#root, { force: this.#opts.force });
  }

  async prepare(): Promise<void> {
    await this.check();
    await initLayout(this.#root);
    this.#partials = await listPartials(this.#root);
  }

  async putBlob(t: BlobTransfer): Promise<BlobResult> {
    const { job } = t;
    if (await hasBlob(this.#root, job)) {
      if (!this.#opts.verify || (await verifyBlob(this.#root, job))) return 'exists';
      await rm(blobPath(this.#root, job.digest), { force: true });
    }
    // A partial file continued from an earlier run that then fails verification held wrong bytes (a disk or an
    // old bug damaged it): it is dropped and the blob fetched once more from byte 0, rather than failing.
    for (let attempt = 0; ; attempt++) {
      const writer = await BlobWriter.open(this.#root, job, attempt === 0 ? this.#partials : []);
      const resumed = writer.offset > 0;
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
        const bad = err instanceof OcipullError && err.code === 'E_INTEGRITY';
        await writer.abandon({ discard: bad }).catch(() => undefined);
        if (bad && resumed && attempt === 0 && !t.signal.aborted) continue;
        if (isAbortError(err)) throw toNetworkError(err, `fetch blob ${job.digest}`);
        throw await storeError(err, this.#root, writer);
      }
    }
  }

  async putManifest(m: WrittenManifest & { parsed: ParsedManifest }): Promise<void> {
    await writeBlobBytes(this.#root, m.digest, m.bytes, { verify: this.#opts.verify });
  }

  async commit(c: CommitRequest): Promise<{ name: string; named: 'tag' | 'index' }> {
    const { written } = c;
    await writeBlobBytes(this.#root, written.digest, written.bytes, { verify: this.#opts.verify });
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
