/**
 * `applyLayer`: one uncompressed layer tar, streamed onto a rootfs directory. The bytes are hashed as they are
 * fed to the tar parser and the stream is read to its end, so the diff ID covers everything, also what follows
 * the end-of-archive marker (ggcr's "drain to EOF" fix). Nothing is buffered beyond one stream chunk.
 */
import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { type Extract, extract as tarExtract } from 'tar-stream';
import { IntegrityError, OcipullError } from '../errors.js';
import type { Digest } from '../oci/types/index.js';
import { toEntryHeader } from './entry-header.js';
import { errnoCode, io } from './fs-util.js';
import { LayerState, type SkipCounts, skipWarnings } from './layer-state.js';
import { isRoot } from './rootless.js';
import { writeEntry } from './write-entry.js';

/** Options of `applyLayer`. */
export interface ApplyLayerOptions {
  /** Skip ownership and device nodes; defaults to true unless the process runs as root. */
  rootless?: boolean;
  signal?: AbortSignal;
  /** The expected sha256 of the uncompressed tar (the config's `rootfs.diff_ids[i]`); a mismatch throws. */
  diffId?: string;
  /** How messages name the layer, e.g. `layer 2/3 (sha256:…)`. */
  label?: string;
}

/** What applying one layer did. */
export interface LayerResult {
  /** sha256 of the uncompressed tar, read to its end. */
  diffId: Digest;
  /** Bytes of uncompressed tar read. */
  size: number;
  /** Tar entries applied (whiteouts and skipped entries included). */
  entries: number;
  skipped: SkipCounts;
  /** One line per kind of skipped entry. */
  warnings: string[];
}

/**
 * Applies an uncompressed layer tar to the rootfs at `root` (an existing directory): whiteouts first remove
 * lower-layer paths, every entry stays inside `root`, directory times are settled when the layer ends. Throws
 * `E_MANIFEST_INVALID` for a malformed or hostile tar, `E_IO` for file-system failures, `E_INTEGRITY` when
 * `diffId` does not match, `E_INTERRUPTED` when `signal` aborts. A failure leaves the rootfs partly written.
 */
export async function applyLayer(
  root: string,
  layer: Readable,
  options: ApplyLayerOptions = {},
): Promise<LayerResult> {
  const label = options.label ?? 'layer';
  const rootAbs = await openRoot(root);
  const state = new LayerState(rootAbs, options.rootless ?? !isRoot());
  const hash = createHash('sha256');
  let size = 0;
  let entries = 0;
  const extract = tarExtract();
  const feeding = feed(layer, extract, label, (chunk) => {
    hash.update(chunk);
    size += chunk.length;
  });
  feeding.catch((err: unknown) => extract.destroy(err as Error));
  try {
    for await (const entry of extract) {
      if (options.signal?.aborted) throw interrupted(label);
      entries++;
      await writeEntry(state, toEntryHeader(entry.header), entry);
      for await (const _ of entry) {
        // Drain what the entry did not consume (tar-stream stalls on an unread entry).
      }
    }
    await feeding;
    await state.finish();
  } catch (err) {
    layer.destroy();
    extract.destroy();
    await feeding.catch(() => undefined);
    throw classify(err, label, options.signal);
  }

  const diffId: Digest = `sha256:${hash.digest('hex')}`;
  if (options.diffId !== undefined && diffId !== options.diffId) {
    throw new IntegrityError(
      `${label}: uncompressed content hashes to ${diffId}, but the config's rootfs.diff_ids says ${options.diffId}`,
      { digest: options.diffId },
      { digest: diffId, size },
      { hint: 'the image is corrupt or was tampered with; pull it again' },
    );
  }
  return { diffId, size, entries, skipped: state.skips, warnings: skipWarnings(state.skips, state.rootless) };
}

/** The absolute, symlink-free path of the rootfs directory, which must exist. */
async function openRoot(root: string): Promise<string> {
  const abs = await io('open rootfs', root, () => realpath(root));
  if (!(await io('open rootfs', root, () => stat(abs))).isDirectory()) {
    throw new OcipullError('E_IO', `unpack: rootfs ${JSON.stringify(root)} is not a directory`);
  }
  return abs;
}

/** Copies `source` into the tar parser with backpressure, reporting each chunk, then ends the parser. */
async function feed(
  source: Readable,
  sink: Extract,
  label: string,
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  try {
    for await (const chunk of source) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      onChunk(buffer);
      if (!sink.write(buffer)) await drained(sink);
    }
  } catch (err) {
    throw classifySource(err, label);
  }
  sink.end(undefined);
}

function drained(sink: Extract): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      sink.off('drain', onDrain);
      sink.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('tar parser closed'));
    sink.on('drain', onDrain);
    sink.on('close', onClose);
  });
}

/** Errors of the byte source: decompression failures name the layer; ours and aborts pass through. */
function classifySource(err: unknown, label: string): unknown {
  if (err instanceof OcipullError || (err as Error)?.name === 'AbortError') return err;
  const code = errnoCode(err);
  if (code?.startsWith('Z_')) {
    return new OcipullError(
      'E_MANIFEST_INVALID',
      `${label}: not valid gzip data (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  }
  return err;
}

/** Anything left unclassified at this point came from the tar parser: the layer is not a valid tar. */
function classify(err: unknown, label: string, signal: AbortSignal | undefined): unknown {
  if (err instanceof OcipullError) return err;
  if ((err as Error)?.name === 'AbortError' || signal?.aborted) return interrupted(label);
  if (errnoCode(err)?.startsWith('E')) {
    return new OcipullError('E_IO', `${label}: ${(err as Error).message}`, { cause: err });
  }
  return new OcipullError(
    'E_MANIFEST_INVALID',
    `${label} is not a valid tar archive: ${(err as Error).message}`,
    {
      cause: err,
    },
  );
}

function interrupted(label: string): OcipullError {
  return new OcipullError('E_INTERRUPTED', `unpack interrupted during ${label}`);
}
