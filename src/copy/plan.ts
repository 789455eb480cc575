import { OcipullError, withContext } from '../errors.js';
import {
  configPlatform,
  type Descriptor,
  type Digest,
  formatPlatform,
  type ImageManifest,
  MAX_INDEX_DEPTH,
  type PlatformSpec,
  requirePlatform,
  walkToImage,
} from '../oci/types/index.js';
import type { ImageSource, SourceManifest } from './types.js';

/** One manifest in the tree being pulled, with the descriptor that pointed at it (none for the top). */
export interface PlannedManifest {
  result: SourceManifest;
  descriptor?: Descriptor | undefined;
  /** Children (for an index), in index order. */
  children: PlannedManifest[];
}

/** What a copy will move: the manifest tree and every distinct blob. */
export interface CopyPlan {
  top: SourceManifest;
  /** The root of what is written: the top manifest, or the image chosen from an index. */
  root: PlannedManifest;
  blobs: { digest: Digest; size: number; kind: 'config' | 'layer' }[];
  platforms: string[];
}

function platformOf(d: Descriptor | undefined): string | null {
  return d?.platform
    ? formatPlatform({
        os: d.platform.os,
        architecture: d.platform.architecture,
        variant: d.platform.variant,
      })
    : null;
}

async function expand(source: ImageSource, node: PlannedManifest, depth: number): Promise<void> {
  if (node.result.parsed.kind !== 'index') return;
  if (depth >= MAX_INDEX_DEPTH)
    throw new OcipullError(
      'E_UNSUPPORTED',
      `copy ${source.name}: indexes nested more than ${MAX_INDEX_DEPTH} levels deep`,
    );
  for (const d of node.result.parsed.index.manifests) {
    const child: PlannedManifest = {
      result: await source.manifest(d),
      descriptor: d,
      children: [],
    };
    await expand(source, child, depth + 1);
    node.children.push(child);
  }
}

/**
 * Resolves what to pull: the image for `platform` from an index (never an attestation), or with `all` the whole
 * index with every child, attestations included; then lists every config and layer blob once.
 */
export async function planCopy(
  source: ImageSource,
  top: SourceManifest,
  opts: { platform: PlatformSpec; all: boolean; explicitPlatform?: boolean; subject: string },
): Promise<CopyPlan> {
  let root: PlannedManifest = { result: top, children: [] };
  const context = `choose ${formatPlatform(opts.platform)} from ${opts.subject}`;
  if (top.parsed.kind === 'image' && opts.explicitPlatform) {
    // An explicit --platform must match a single-platform image too (Docker and containerd refuse as well).
    const config = await source.blobBytes(top.parsed.manifest.config as { digest: Digest; size: number });
    try {
      requirePlatform(configPlatform(config), opts.platform);
    } catch (err) {
      throw withContext(err, context);
    }
  }
  if (top.parsed.kind === 'index') {
    if (opts.all) {
      await expand(source, root, 0);
    } else {
      const walked = await walkToImage(top, opts.platform, (d) => source.manifest(d), opts.subject);
      root = { result: walked.manifest, descriptor: walked.descriptor, children: [] };
    }
  }
  const blobs = new Map<string, CopyPlan['blobs'][number]>();
  const platforms: string[] = [];
  const visit = (node: PlannedManifest) => {
    if (node.result.parsed.kind === 'image') {
      const m: ImageManifest = node.result.parsed.manifest;
      const p = platformOf(node.descriptor);
      if (p && p !== 'unknown/unknown') platforms.push(p);
      const config = m.config.digest as Digest;
      if (!blobs.has(config)) blobs.set(config, { digest: config, size: m.config.size, kind: 'config' });
      for (const l of m.layers) {
        if (!blobs.has(l.digest))
          blobs.set(l.digest, { digest: l.digest as Digest, size: l.size, kind: 'layer' });
      }
    }
    node.children.forEach(visit);
  };
  visit(root);
  for (const b of blobs.values()) {
    if (!/^sha256:[a-f0-9]{64}$/.test(b.digest)) {
      throw new OcipullError(
        'E_UNSUPPORTED',
        `copy ${source.name}: blob digest ${b.digest} uses an algorithm ocipull cannot verify`,
      );
    }
  }
  return { top, root, blobs: [...blobs.values()], platforms };
}
