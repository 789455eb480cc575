/**
 * What reading an image needs from a registry, for one repository: manifests by tag or digest, blobs by digest.
 * Readers (the copy engine's registry source, `inspect`, `digest`) take this instead of a client and a path, so
 * one repository on one registry (`repositoryOn`) and a repository reached through mirrors, with fallback between
 * them (`FallbackRepository`), are the same to them.
 */
import type { Descriptor } from '../../oci/types/index.js';
import type { BlobResponse, ManifestHead, ManifestResult, RegistryClient } from './client.js';

/** Where the top manifest of a read was served from, and what was tried before it. */
export interface ServedBy {
  /** `domain/path` of the repository that served it. */
  readonly repository: string;
  /** True when that is a mirror (a registries.conf `[[registry.mirror]]`, `--mirror`, …). */
  readonly mirror: boolean;
  /** Endpoints tried first that failed, in order, with the error each gave. */
  readonly attempts: readonly { readonly repository: string; readonly error: string }[];
  /** Later fetches (blobs, child manifests) that failed on one endpoint and went to the next. */
  readonly fallbacks: readonly Fallback[];
}

/** A fetch that failed on one endpoint and was tried on the next. */
export interface Fallback {
  /** The manifest or blob digest. */
  readonly digest: string;
  /** `domain/path` that failed, and how. */
  readonly from: string;
  readonly error: string;
  /** `domain/path` tried next. */
  readonly to: string;
}

/** One repository to read from. */
export interface RepositoryReader {
  /** `domain/path` of the primary repository, for messages. */
  readonly name: string;
  headManifest(reference: string): Promise<ManifestHead>;
  /** A manifest by tag or digest; by digest, its bytes are verified (and its size, when given). */
  getManifest(reference: string, expectedSize?: number): Promise<ManifestResult>;
  /** A blob's body from `offset`; the caller verifies it. */
  getBlob(desc: Pick<Descriptor, 'digest' | 'size'>, offset: number): Promise<BlobResponse>;
  /** A small blob (a config) read whole, capped and verified. */
  getBlobBytes(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Buffer>;
  /** Where the top manifest came from; undefined while it is not known yet (before a read through mirrors). */
  servedBy(): ServedBy | undefined;
  /**
   * The bytes of blob `digest` did not hash to it: serve it from an endpoint that did not send them next time.
   * Returns false when no such endpoint is left (then the error stands).
   */
  rejectBlob(digest: string): boolean;
  /**
   * The body of blob `digest` broke mid-transfer (a reset, a short body, an endpoint that went away): true when the
   * next `getBlob` for it goes to another endpoint, so resuming there costs no retry.
   */
  blobBroke(digest: string): boolean;
  close(): Promise<void>;
}

/** A read served by `repository` itself: no mirror, nothing tried before it, no fallback. */
export function directSource(repository: string): ServedBy {
  return { repository, mirror: false, attempts: [], fallbacks: [] };
}

/** A repository on one registry, through its client; closing it closes the client. */
export function repositoryOn(client: RegistryClient, path: string): RepositoryReader {
  const name = `${client.options.domain}/${path}`;
  const served = directSource(name);
  return {
    name,
    headManifest: (reference) => client.headManifest(path, reference),
    getManifest: (reference, expectedSize) => client.getManifest(path, reference, expectedSize),
    getBlob: (desc, offset) => client.getBlob(path, desc, offset),
    getBlobBytes: (desc) => client.getBlobBytes(path, desc),
    servedBy: () => served,
    rejectBlob: () => false,
    blobBroke: () => false,
    close: () => client.close(),
  };
}
