import { setMaxListeners } from 'node:events';
import { readFile } from 'node:fs/promises';
import { OcipullError } from '../errors.js';
import {
  blobPath,
  initLayout,
  listPartials,
  REF_NAME,
  updateIndex,
  withNamedEntry,
  writeBlobBytes,
} from '../oci/layout/index.js';
import {
  type Descriptor,
  type Digest,
  digestHex,
  formatPlatform,
  type PlatformSpec,
} from '../oci/types/index.js';
import type { ProgressEvent } from '../progress/index.js';
import { canonicalOf, type Reference } from '../reference/index.js';
import type { RegistryClient } from '../registry/client/index.js';
import type { RateLimit, RetryPolicy } from '../registry/transport/index.js';
import { convertImageManifest, convertIndex, type WrittenManifest } from './convert.js';
import { type BlobOutcome, fetchBlob } from './download.js';
import { Limiter } from './limiter.js';
import { type PlannedManifest, planPull } from './plan.js';

/** Everything a pull needs; the CLI fills in the defaults. */
export interface PullOptions {
  client: RegistryClient;
  ref: Reference;
  /** The OCI layout directory (created if missing; an existing layout gets another entry). */
  dest: string;
  platform: PlatformSpec;
  /** True when the user named the platform: a single-platform image must then match it. */
  explicitPlatform?: boolean | undefined;
  allPlatforms: boolean;
  /** The `org.opencontainers.image.ref.name` to write; default the tag, or the digest's hex. */
  name?: string | undefined;
  /** Write manifests byte for byte as served (Docker media types stay; digests equal the registry's). */
  preserveDigests: boolean;
  jobs: number;
  retry: RetryPolicy;
  /** Rehash blobs that are already present. */
  verify: boolean;
  signal?: AbortSignal | undefined;
  onEvent?: ((e: ProgressEvent) => void) | undefined;
}

/** What a pull did; the `--json` summary. */
export interface PullResult {
  reference: string;
  dest: string;
  name: string;
  /** The registry's digest of what the reference names (an index when the tag names one). */
  digest: string;
  /** The registry's digest of the manifest written as the entry: the chosen platform's image, or `digest`. */
  manifestDigest: string;
  /** The digest of the entry written to index.json, when it differs (Docker types converted to OCI). */
  layoutDigest: string;
  mediaType: string;
  platforms: string[];
  layers: number;
  blobs: { downloaded: number; reused: number };
  bytes: { downloaded: number; reused: number };
  seconds: number;
  rateLimit: RateLimit;
}

/** The default ref.name: the tag, or the digest's hex for a digest-only reference. */
export function defaultName(ref: Reference): string {
  if (ref.tag) return ref.tag;
  return ref.digest ? digestHex(ref.digest as Digest) : 'latest';
}

async function writeTree(root: string, node: PlannedManifest, preserve: boolean): Promise<WrittenManifest> {
  const { bytes, mediaType } = node.result;
  let written: WrittenManifest;
  if (node.result.parsed.kind === 'index') {
    const children = new Map<string, WrittenManifest>();
    for (const child of node.children)
      children.set(child.result.digest, await writeTree(root, child, preserve));
    written = preserve
      ? { bytes, digest: node.result.digest, mediaType }
      : convertIndex(bytes, mediaType, children);
  } else {
    written = preserve
      ? { bytes, digest: node.result.digest, mediaType }
      : convertImageManifest(bytes, mediaType);
  }
  await writeBlobBytes(root, written.digest, written.bytes);
  return written;
}

async function platformFromConfig(dest: string, node: PlannedManifest): Promise<string | null> {
  if (node.result.parsed.kind !== 'image') return null;
  try {
    const cfg = JSON.parse(
      await readFile(blobPath(dest, node.result.parsed.manifest.config.digest as Digest), 'utf8'),
    );
    return cfg.os && cfg.architecture
      ? formatPlatform({ os: cfg.os, architecture: cfg.architecture, variant: cfg.variant || undefined })
      : null;
  } catch {
    return null;
  }
}

/**
 * Pulls an image into an OCI image layout in a crash-safe order (STYLE.md §5): config and layer blobs first,
 * concurrently and verified; then the manifests; then `index.json`, last and atomically, so an interrupted pull
 * never leaves an index pointing at a missing blob.
 */
export async function pullImage(opts: PullOptions): Promise<PullResult> {
  const started = Date.now();
  const emit = opts.onEvent ?? (() => undefined);
  const { client, ref } = opts;
  const top = await client.getManifest(ref.path, ref.digest ?? ref.tag ?? 'latest');
  const plan = await planPull(client, ref.path, top, {
    platform: opts.platform,
    all: opts.allPlatforms,
    explicitPlatform: opts.explicitPlatform,
    subject: canonicalOf(ref),
  });
  // Only now, with the manifests resolved, touch the disk: a bad reference or refused access creates nothing.
  await initLayout(opts.dest);
  emit({
    type: 'resolved',
    reference: canonicalOf(ref),
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
  // Every download and queued job listens on this one signal.
  setMaxListeners(0, signal);
  const ctx = {
    partials: await listPartials(opts.dest),
    client,
    root: opts.dest,
    path: ref.path,
    retry: opts.retry,
    verify: opts.verify,
    signal,
    emit,
  };
  const settled = await Promise.allSettled(
    plan.blobs.map((b) =>
      limiter.run(async () => {
        try {
          return await fetchBlob(b, ctx);
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
  if (firstError) throw firstError.reason;
  const outcomes = settled.map((s) => (s as PromiseFulfilledResult<BlobOutcome>).value);

  const written = await writeTree(opts.dest, plan.root, opts.preserveDigests);
  emit({ type: 'manifests-written', count: 1 + plan.root.children.length });

  const name = opts.name ?? defaultName(ref);
  const registryDigest = plan.root.descriptor?.digest ?? top.digest;
  const platform = plan.root.descriptor?.platform;
  const entry: Descriptor = {
    mediaType: written.mediaType,
    digest: written.digest,
    size: written.bytes.length,
    ...(platform && !opts.allPlatforms ? { platform } : {}),
    annotations: {
      'io.containerd.image.name': canonicalOf(ref),
      ...(written.digest !== registryDigest ? { 'io.ocipull.registry.digest': registryDigest } : {}),
      [REF_NAME]: name,
    },
  };
  if (opts.signal?.aborted) throw new OcipullError('E_INTERRUPTED', `pull ${canonicalOf(ref)}: interrupted`);
  await updateIndex(opts.dest, (index) => withNamedEntry(index, entry, name), opts.signal);
  emit({ type: 'index-updated', name, digest: written.digest });

  const platforms =
    plan.platforms.length > 0
      ? plan.platforms
      : [await platformFromConfig(opts.dest, plan.root)].filter((p): p is string => p !== null);
  const layers = plan.blobs.filter((b) => b.kind === 'layer').length;
  return {
    reference: canonicalOf(ref),
    dest: opts.dest,
    name,
    digest: top.digest,
    manifestDigest: registryDigest,
    layoutDigest: written.digest,
    mediaType: written.mediaType,
    platforms,
    layers,
    blobs: {
      downloaded: outcomes.filter((o) => !o.reused).length,
      reused: outcomes.filter((o) => o.reused).length,
    },
    bytes: {
      downloaded: outcomes.reduce((n, o) => n + o.downloaded, 0),
      reused: outcomes.filter((o) => o.reused).reduce((n, o) => n + o.size, 0),
    },
    seconds: (Date.now() - started) / 1000,
    rateLimit: plan.root.result.rateLimit.set ? plan.root.result.rateLimit : top.rateLimit,
  };
}
