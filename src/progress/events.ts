/** What a pull or copy reports while it runs; renderers turn these into bars, lines or NDJSON. */
export type ProgressEvent =
  | {
      type: 'resolved';
      reference: string;
      digest: string;
      mediaType: string;
      platforms: string[];
      blobs: number;
      totalBytes: number;
      /**
       * Registry sources: the repository that served the manifest (a mirror or the registry itself) and the
       * endpoints tried before it, each with its error.
       */
      source?: { repository: string; mirror: boolean; attempts: { repository: string; error: string }[] };
    }
  | { type: 'blob-waiting'; digest: string; size: number; kind: BlobKind }
  | { type: 'blob-exists'; digest: string; size: number; kind: BlobKind }
  | { type: 'blob-mounted'; digest: string; size: number; kind: BlobKind }
  | { type: 'blob-start'; digest: string; size: number; offset: number; kind: BlobKind }
  | { type: 'blob-progress'; digest: string; bytes: number; size: number }
  | { type: 'blob-retry'; digest: string; attempt: number; offset: number; reason: string }
  | { type: 'blob-verifying'; digest: string; size: number }
  | { type: 'blob-done'; digest: string; size: number; downloaded: number; kind: BlobKind }
  | { type: 'manifests-written'; count: number }
  | { type: 'index-updated'; name: string; digest: string }
  | { type: 'tagged'; name: string; digest: string };

/** What a blob is, for display. */
export type BlobKind = 'config' | 'layer' | 'blob';

/** A consumer of progress events. */
export interface ProgressSink {
  event(e: ProgressEvent): void;
  /** Called once at the end (success or failure) to finish the display. */
  close(): void;
}
