/**
 * `unpackImage`: an image of an OCI layout into a rootfs directory, layers applied in order onto the directory
 * (containerd, moby, umoci), never flattened newest-first (ggcr `mutate.Extract`'s bugs, PROTOCOL.md §9).
 */
import { IntegrityError, OcipullError } from '../errors.js';
import { verifyBlob } from '../oci/layout/index.js';
import { type Digest, parseDigest } from '../oci/types/index.js';
import { applyLayer } from './apply-layer.js';
import { discardDest, prepareDest } from './dest.js';
import { resolveImage } from './image.js';
import { openLayer } from './layer-source.js';
import { addSkips, noSkips, skipWarnings } from './layer-state.js';
import { resolveUnpackOptions, type UnpackOptions } from './options.js';

/** What `unpackImage` did. */
export interface UnpackResult {
  /** The digest of the image manifest that was unpacked. */
  manifest: Digest;
  layers: number;
  /** Tar entries applied, over all layers. */
  entries: number;
  /** The warnings also passed to `onWarning`. */
  warnings: string[];
}

/**
 * Unpacks an image of the layout at `options.layout` into `options.dest`. Each layer's blob is verified against
 * its digest as it is read, and its uncompressed tar against the config's `rootfs.diff_ids`. On failure, a
 * destination that was absent or empty is cleaned up again.
 */
export async function unpackImage(options: UnpackOptions): Promise<UnpackResult> {
  const opts = resolveUnpackOptions(options);
  const image = await resolveImage(opts.layout, opts.name, opts.platform);
  const dest = await prepareDest(opts.dest, opts.force);
  const layers = image.manifest.layers;
  const skipped = noSkips();
  let entries = 0;
  try {
    for (const [i, desc] of layers.entries()) {
      if (opts.signal?.aborted) throw new OcipullError('E_INTERRUPTED', 'unpack interrupted');
      const label = `layer ${i + 1}/${layers.length} (${desc.digest})`;
      opts.onLayer(i + 1, layers.length, desc.digest);
      const stream = await openLayer(opts.layout, desc, label, opts.signal);
      try {
        const result = await applyLayer(dest.root, stream, {
          rootless: opts.rootless,
          signal: opts.signal,
          diffId: image.config.rootfs.diff_ids[i]!,
          label,
        });
        entries += result.entries;
        addSkips(skipped, result.skipped);
      } catch (err) {
        stream.destroy();
        throw await blameBlob(err, opts.layout, desc.digest, desc.size, label);
      }
    }
  } catch (err) {
    const cleaned = await discardDest(dest, opts.rootless);
    if (!cleaned && err instanceof OcipullError) {
      throw withHint(err, `${dest.root} holds a partly unpacked rootfs; delete it before trying again`);
    }
    throw err;
  }
  const warnings = skipWarnings(skipped, opts.rootless);
  for (const warning of warnings) opts.onWarning(warning);
  return { manifest: image.manifestDigest, layers: layers.length, entries, warnings };
}

/** The same error with `extra` appended to its hint (errors are immutable; subclasses keep their data). */
function withHint(err: OcipullError, extra: string): OcipullError {
  const hint = err.hint === undefined ? extra : `${err.hint}; ${extra}`;
  if (err instanceof IntegrityError) {
    return new IntegrityError(err.message, err.expected, err.actual, { hint, cause: err.cause });
  }
  return new OcipullError(err.code, err.message, { hint, cause: err.cause });
}

/**
 * A blob that fails to decompress or parse may simply be damaged: re-hash it, and report an integrity error
 * rather than "malformed tar" when it does not match its digest (the streaming check never got to its end).
 */
async function blameBlob(
  err: unknown,
  layout: string,
  digest: string,
  size: number,
  label: string,
): Promise<unknown> {
  if (!(err instanceof OcipullError) || err.code !== 'E_MANIFEST_INVALID') return err;
  const ok = await verifyBlob(layout, { digest: parseDigest(digest), size }).catch(() => false);
  if (ok) return err;
  return new OcipullError('E_INTEGRITY', `${label}: blob does not match its digest (${err.message})`, {
    cause: err,
    hint: 'the layout is damaged; pull the image again',
  });
}
