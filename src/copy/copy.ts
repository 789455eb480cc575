import { setMaxListeners } from 'node:events';
import { IntegrityError, OcipullError } from '../errors.js';
import { type Descriptor, type Digest, formatPlatform, type PlatformSpec } from '../oci/types/index.js';
import type { ProgressEvent } from '../progress/index.js';
import type { ServedBy } from '../registry/client/index.js';
import type { RateLimit, RetryPolicy } from '../registry/transport/index.js';
import { openBlobStream } from './blob-stream.js';
import { convertImageManifest, convertIndex } from './convert.js';
import { Limiter } from './limiter.js';
import { type PlannedManifest, planCopy } from './plan.js';
import type { BlobJob, BlobResult, ImageDestination, ImageSource, WrittenManifest } from './types.js';

/** How to copy; the CLI and `pull` fill in the defaults. */
export interface CopyOptions {
  platform: PlatformSpec;
  /** True when the user named the platform: a single-platform image must then match it. */
  explicitPlatform?: boolean | undefined;
  /** Copy the whole index with every child (attestations included) instead of one platform's image. */
  allPlatforms: boolean;
  /** Keep every manifest byte for byte even where the destination would convert media types (a layout). */
  preserveDigests: boolean;
  jobs: number;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
  onEvent?: ((e: ProgressEvent) => void) | undefined;
  /**
   * Called with the source digest of the manifest that will be copied as the top (the chosen platform's image, or
   * the top itself), before the destination is touched: it throws to refuse (`--locked` checks the lockfile here).
   */
  expectRoot?: ((digest: Digest) => void) | undefined;
}

/** What a copy did; the base of the `--json` summaries of pull, copy and push. */
export interface CopyResult {
  source: string;
  destination: string;
  /** The name the destination gave the image: a tag, an `index.json` ref.name. */
  name: string;
  /** The source's digest of what it names (an index when the tag names one). */
  digest: Digest;
  /** The source's digest of the manifest copied as the top: the chosen platform's image, or `digest`. */
  manifestDigest: Digest;
  /** The digest of that manifest as written (differs when media types were converted for a layout). */
  writtenDigest: Digest;
  mediaType: string;
  platforms: string[];
  layers: number;
  blobs: { copied: number; existing: number; mounted: number };
  bytes: { copied: number; existing: number };
  seconds: number;
  rateLimit?: RateLimit | undefined;
  /** Registry sources: where the image was read from (a mirror or the registry) and what failed on the way. */
  servedBy?: ServedBy | undefined;
}

type Written = WrittenManifest & { parsed: PlannedManifest['result']['parsed'] };

/** Writes the tree bottom-up: every child (by digest) before its index; returns the top as written, unstored. */
async function writeTree(
  dest: ImageDestination,
  node: PlannedManifest,
  convert: boolean,
  isRoot: boolean,
): Promise<Written> {
  const { bytes, mediaType, digest, parsed } = node.result;
  let written: WrittenManifest;
  if (parsed.kind === 'index') {
    const children = new Map<string, WrittenManifest>();
    for (const child of node.children)
      children.set(child.result.digest, await writeTree(dest, child, convert, false));
    written = convert ? convertIndex(bytes, mediaType, children) : { bytes, digest, mediaType };
  } else {
    written = convert ? convertImageManifest(bytes, mediaType) : { bytes, digest, mediaType };
  }
  const out = { ...written, parsed };
  if (!isRoot) await dest.putManifest(out);
  return out;
}

function platformOfConfig(bytes: Buffer | undefined): string | null {
  if (!bytes) return null;
  try {
    const cfg = JSON.parse(bytes.toString('utf8')) as {
      os?: string;
      architecture?: string;
      variant?: string;
    };
    return cfg.os && cfg.architecture
      ? formatPlatform({ os: cfg.os, architecture: cfg.architecture, variant: cfg.variant || undefined })
      : null;
  } catch {
    return null;
  }
}

/**
 * Copies an image from `source` to `dest` in a crash-safe order (STYLE.md §5; distribution-spec "Push"): every
 * config and layer blob first, concurrently, each verified as it streams; then the manifests, children before their
 * index; then the name (a tag, `index.json`), last. A failed blob stops the others and no manifest is written, so a
 * destination never holds a manifest whose blobs are not all in place.
 */
export async function copyImage(
  source: ImageSource,
  dest: ImageDestination,
  opts: CopyOptions,
): Promise<CopyResult> {
  const started = Date.now();
  const emit = opts.onEvent ?? (() => undefined);
  // A destination that cannot take the image is refused before a request is sent.
  await dest.check?.();
  const top = await source.top();
  const plan = await planCopy(source, top, {
    platform: opts.platform,
    all: opts.allPlatforms,
    explicitPlatform: opts.explicitPlatform,
    subject: source.name,
  });
  opts.expectRoot?.((plan.root.descriptor?.digest as Digest | undefined) ?? top.digest);
  // Only now, with the manifests resolved, touch the destination: a bad reference or refused access creates nothing.
  await dest.prepare();
  const served = source.servedBy?.();
  emit({
    type: 'resolved',
    reference: source.name,
    ...(served
      ? { source: { repository: served.repository, mirror: served.mirror, attempts: [...served.attempts] } }
      : {}),
    digest: top.digest,
    mediaType: top.mediaType,
    platforms: plan.platforms,
    blobs: plan.blobs.length,
    totalBytes: plan.blobs.reduce((n, b) => n + b.size, 0),
  });
  for (const b of plan.blobs) emit({ type: 'blob-waiting', ...b });

  const limiter = new Limiter(opts.jobs);
  const failure = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, failure.signal]) : failure.signal;
  // Every transfer and queued job listens on this one signal.
  setMaxListeners(0, signal);
  const moveOnce = async (job: BlobJob): Promise<{ job: BlobJob; result: BlobResult; moved: number }> => {
    let moved = 0;
    const result = await dest.putBlob(
      {
        job,
        signal,
        open: (offset, o) =>
          openBlobStream(source, job, offset, {
            verify: o?.verify,
            retry: opts.retry,
            signal,
            onRetry: (r) => emit({ type: 'blob-retry', digest: job.digest, ...r }),
          }),
        started: (offset) =>
          emit({ type: 'blob-start', digest: job.digest, size: job.size, offset, kind: job.kind }),
        progress: (n) => {
          moved += n;
          emit({ type: 'blob-progress', digest: job.digest, bytes: n, size: job.size });
        },
        verifying: () => emit({ type: 'blob-verifying', digest: job.digest, size: job.size }),
      },
      source,
    );
    if (result === 'copied') {
      emit({ type: 'blob-done', digest: job.digest, size: job.size, downloaded: moved, kind: job.kind });
    } else if (result === 'mounted') {
      emit({ type: 'blob-mounted', digest: job.digest, size: job.size, kind: job.kind });
    } else {
      emit({ type: 'blob-exists', digest: job.digest, size: job.size, kind: job.kind });
    }
    return { job, result, moved };
  };
  // A blob whose bytes hash wrong (a corrupt mirror cache) is fetched once more from an endpoint that did not send
  // them, when the source has one; the destination dropped the bad bytes.
  const move = async (job: BlobJob): Promise<Awaited<ReturnType<typeof moveOnce>>> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await moveOnce(job);
      } catch (err) {
        const wrong = err instanceof IntegrityError && err.expected.digest === job.digest;
        if (!wrong || attempt >= 2 || signal.aborted || !source.rejectBlob?.(job.digest)) throw err;
        emit({
          type: 'blob-retry',
          digest: job.digest,
          attempt: attempt + 1,
          offset: 0,
          reason: err.message,
        });
      }
    }
  };
  // Largest first (longest-processing-time scheduling): a small config must not hold a slot while a big layer
  // waits for one, which would leave the last layer running alone at the end.
  const bySize = [...plan.blobs].sort((a, b) => b.size - a.size);
  const settled = await Promise.allSettled(
    bySize.map((b) =>
      limiter.run(async () => {
        try {
          return await move(b);
        } catch (err) {
          failure.abort(err); // one failed blob stops the others; their partial files stay resumable
          throw err;
        }
      }, signal),
    ),
  );
  const firstError = settled.find(
    (s): s is PromiseRejectedResult =>
      s.status === 'rejected' &&
      !(s.reason instanceof OcipullError && s.reason.code === 'E_INTERRUPTED' && !opts.signal?.aborted),
  );
  // Interrupted first: after Ctrl-C an upload may fail with a network error, which must not hide the interrupt.
  if (opts.signal?.aborted) throw new OcipullError('E_INTERRUPTED', `copy ${source.name}: interrupted`);
  if (firstError) throw firstError.reason;
  const outcomes = settled.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof move>>>).value);

  let platforms = plan.platforms;
  if (platforms.length === 0 && plan.root.result.parsed.kind === 'image') {
    const config = plan.root.result.parsed.manifest.config as { digest: Digest; size: number };
    const bytes = (await dest.readBlob?.(config)) ?? (await source.blobBytes(config).catch(() => undefined));
    platforms = [platformOfConfig(bytes)].filter((p): p is string => p !== null);
  }
  const convert = dest.convertsToOci && !opts.preserveDigests;
  const written = await writeTree(dest, plan.root, convert, true);
  const sourceDigest = (plan.root.descriptor?.digest as Digest | undefined) ?? top.digest;
  if (opts.signal?.aborted) throw new OcipullError('E_INTERRUPTED', `copy ${source.name}: interrupted`);
  emit({ type: 'manifests-written', count: 1 + plan.root.children.length });
  const { name, named } = await dest.commit({
    written,
    sourceDigest,
    descriptor: plan.root.descriptor as Descriptor | undefined,
    all: opts.allPlatforms,
  });
  emit(
    named === 'index'
      ? { type: 'index-updated', name, digest: written.digest }
      : { type: 'tagged', name, digest: written.digest },
  );

  const sum = (pick: (o: (typeof outcomes)[number]) => number) => outcomes.reduce((n, o) => n + pick(o), 0);
  return {
    source: source.name,
    destination: dest.name,
    name,
    digest: top.digest,
    manifestDigest: sourceDigest,
    writtenDigest: written.digest,
    mediaType: written.mediaType,
    platforms,
    layers: plan.blobs.filter((b) => b.kind === 'layer').length,
    blobs: {
      copied: outcomes.filter((o) => o.result === 'copied').length,
      existing: outcomes.filter((o) => o.result === 'exists').length,
      mounted: outcomes.filter((o) => o.result === 'mounted').length,
    },
    bytes: {
      copied: sum((o) => o.moved),
      existing: sum((o) => (o.result === 'copied' ? 0 : o.job.size)),
    },
    seconds: (Date.now() - started) / 1000,
    rateLimit: plan.root.result.rateLimit?.set ? plan.root.result.rateLimit : top.rateLimit,
    servedBy: source.servedBy?.(),
  };
}
