/**
 * The two ends of a copy (STYLE.md §1, regclient `scheme/scheme.go`): an `ImageSource` reads manifests and blobs,
 * an `ImageDestination` stores them. The engine (`copy.ts`) walks the manifest tree, chooses platforms, moves blobs
 * with bounded concurrency, retries and progress, and writes manifests after their blobs; the ends only know their
 * own storage: a registry, an OCI layout directory, an archive.
 */
import type { Readable } from 'node:stream';
import type { Descriptor, Digest, ParsedManifest } from '../oci/types/index.js';
import type { BlobKind } from '../progress/index.js';
import type { ServedBy } from '../registry/client/index.js';
import type { RateLimit } from '../registry/transport/index.js';

/** A manifest as the source holds it: exact bytes, their sha256, media type (sniffed when absent), parsed form. */
export interface SourceManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
  parsed: ParsedManifest;
  /** Docker Hub's quota as the response reported it (registries only). */
  rateLimit?: RateLimit | undefined;
}

/** A blob's identity. */
export interface BlobRef {
  digest: Digest;
  size: number;
}

/** A blob body as the source serves it, from `start` (0 when the source ignored the offset asked for). */
export interface SourceBlob {
  body: Readable;
  start: number;
}

/** Where images are read from. */
export interface ImageSource {
  /** For messages and results: `docker.io/library/debian:12`, `oci:./debian:latest`. */
  readonly name: string;
  /** The registry and repository the blobs live in, for cross-repository mounts (registry sources only). */
  readonly repository?: { domain: string; path: string } | undefined;
  /** The manifest the source names: a tag or digest, a layout entry. */
  top(): Promise<SourceManifest>;
  /** A manifest a descriptor points at (an index's child), verified against its digest and size. */
  manifest(desc: Descriptor): Promise<SourceManifest>;
  /** A blob's bytes from `offset`, streaming; the caller verifies them. */
  blob(desc: BlobRef, offset: number): Promise<SourceBlob>;
  /** A small blob (an image config) read whole, capped and verified. */
  blobBytes(desc: BlobRef): Promise<Buffer>;
  /** Registry sources: the endpoint (a mirror or the registry) that served the top manifest, once it has. */
  servedBy?(): ServedBy | undefined;
  /**
   * The bytes of a blob did not hash to its digest: true when the source can serve it from elsewhere (another
   * mirror, the registry), so the engine fetches it once more from byte 0.
   */
  rejectBlob?(digest: string): boolean;
  /**
   * A blob's body broke mid-transfer: true when the source continues it on another endpoint (a mirror that went
   * away, resumed on the registry), which then costs no retry.
   */
  blobBroke?(digest: string): boolean;
  close(): Promise<void>;
}

/** One blob to move. */
export interface BlobJob extends BlobRef {
  kind: BlobKind;
}

/** What the engine gives a destination for one blob. */
export interface BlobTransfer {
  job: BlobJob;
  /** Fires when the copy is interrupted or another blob failed: stop and keep what can be resumed. */
  signal: AbortSignal;
  /**
   * The blob from `offset` to its end; resumes the source by itself and, from offset 0, verifies the digest
   * (holding the last chunk back until it matches) unless `verify` is false.
   */
  open(offset: number, opts?: { verify?: boolean }): Readable | Promise<Readable>;
  /** The destination starts writing at `offset` (bytes it already had, for a resumed download). */
  started(offset: number): void;
  /** `n` more bytes were stored. */
  progress(n: number): void;
  /** All bytes are in; the destination is checking them. */
  verifying(): void;
}

/** What happened to one blob at the destination. */
export type BlobResult = 'exists' | 'mounted' | 'copied';

/** A manifest as it is written to the destination. */
export interface WrittenManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
}

/** What the destination needs to name the copied image. */
export interface CommitRequest {
  /** The top manifest as written. */
  written: WrittenManifest & { parsed: ParsedManifest };
  /** Its digest at the source (differs from `written.digest` when media types were converted). */
  sourceDigest: Digest;
  /** The descriptor that selected it from an index (when one platform was chosen). */
  descriptor?: Descriptor | undefined;
  /** The whole index was copied. */
  all: boolean;
}

/** Where images are written. */
export interface ImageDestination {
  /** For messages and results. */
  readonly name: string;
  /** Layouts get OCI media types by default (skopeo and umoci read nothing else); registries get bytes as served. */
  readonly convertsToOci: boolean;
  /**
   * Fails, creating nothing, when the destination cannot take the image (a directory that is not a layout, a path
   * that cannot be written). Called before the source is read at all.
   */
  check?(): Promise<void>;
  /** Called once the manifests are resolved, before the first blob (a layout is created only then). */
  prepare(): Promise<void>;
  putBlob(t: BlobTransfer, source: ImageSource): Promise<BlobResult>;
  /** Stores a manifest that is not the top one (an index's child), by digest; skips one that is there. */
  putManifest(m: WrittenManifest & { parsed: ParsedManifest }): Promise<void>;
  /** Stores the top manifest and names it: a tag, an `index.json` entry. Returns the name used. */
  commit(c: CommitRequest): Promise<{ name: string; named: 'tag' | 'index' }>;
  /** A small blob this destination already holds (a config just copied), or undefined. */
  readBlob?(desc: BlobRef): Promise<Buffer | undefined>;
  /** Ends the destination, successful or not: closes connections, removes temporary staging. */
  close(): Promise<void>;
}
