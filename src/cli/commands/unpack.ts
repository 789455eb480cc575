import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { copyImage, defaultName, isPathLike, LayoutDestination, RegistrySource } from '../../copy/index.js';
import { OcipullError } from '../../errors.js';
import { checkLocked, lockedFor } from '../../lock/index.js';
import { canonicalOf, parseReference } from '../../reference/index.js';
import { type UnpackResult, unpackImage } from '../../unpack/index.js';
import type { CommandContext } from '../context.js';
import { copyOptions } from '../copy-options.js';
import { openClient, platformFrom } from '../open-client.js';
import type { RegistryFlags } from '../registry-options.js';
import { progressSink } from './pull.js';

/** Flags of `ocipull unpack`. */
export interface UnpackFlags extends RegistryFlags {
  platform?: string;
  rootless?: boolean;
  keep?: string;
  force?: boolean;
  progress?: 'auto' | 'tty' | 'plain' | 'json' | 'none';
  json?: boolean;
  /** Unpack what the lockfile pins SOURCE to (`--lockfile FILE`, default ./ocipull.lock). */
  locked?: boolean;
  lockfile?: string;
}

async function isLayout(dir: string): Promise<boolean> {
  return lstat(join(dir, 'oci-layout'))
    .then((st) => st.isFile())
    .catch(() => false);
}

/**
 * What SOURCE names: an OCI layout (`./debian`, or `./debian:NAME` for one entry) when such a directory exists,
 * otherwise an image reference to pull on the way. A path (`./x`, `../x`, `/x`, `~/x`) is never a reference, so
 * one that holds no layout is "not found", not a reference-parser complaint.
 */
export async function resolveSource(
  source: string,
): Promise<{ layout: string; name?: string } | { ref: string }> {
  if (await isLayout(source)) return { layout: resolve(source) };
  const colon = source.lastIndexOf(':');
  if (colon > 0 && !source.slice(colon + 1).includes('/') && (await isLayout(source.slice(0, colon)))) {
    return { layout: resolve(source.slice(0, colon)), name: source.slice(colon + 1) };
  }
  if (isPathLike(source)) {
    const path = colon > 0 && !source.slice(colon + 1).includes('/') ? source.slice(0, colon) : source;
    throw new OcipullError('E_NOT_FOUND', `unpack: no OCI layout at ${path}`, {
      hint: 'SOURCE is an OCI layout directory (one with an oci-layout file) or an image reference (debian:12)',
    });
  }
  return { ref: source };
}

/**
 * `ocipull unpack SOURCE DIR`: applies an image's layers, in order, onto DIR — whiteouts honoured, every layer
 * checked against its digest and the config's diff_ids, nothing written outside DIR.
 */
export async function unpackCommand(
  [source, dir]: [string, string],
  flags: UnpackFlags,
  ctx: CommandContext,
) {
  const platform = platformFrom(flags.platform);
  const resolved = await resolveSource(source);
  let layout: string;
  let name: string | undefined;
  let temporary: string | undefined;
  let label = source;
  let result: UnpackResult;
  try {
    if ('ref' in resolved) {
      const locked = await lockedFor(resolved.ref, flags);
      const ref = locked?.ref ?? parseReference(resolved.ref);
      label = canonicalOf(ref);
      if (flags.keep) {
        layout = resolve(flags.keep);
      } else {
        temporary = await mkdtemp(join(tmpdir(), 'ocipull-unpack-'));
        layout = temporary;
      }
      name = defaultName(ref);
      const source = new RegistrySource(await openClient(ref.domain, ref.path, flags, ctx), ref);
      const sink = progressSink(flags, ctx);
      try {
        const copied = await copyImage(
          source,
          new LayoutDestination(layout, {
            refName: name,
            imageName: label,
            verify: false,
            signal: ctx.signal,
          }),
          copyOptions({ ...flags, jobs: 4 }, ctx, sink, false),
        );
        if (locked) checkLocked(locked, copied.manifestDigest);
      } finally {
        sink.close();
        await source.close();
      }
    } else {
      if (flags.keep)
        throw new OcipullError('E_USAGE', 'unpack: --keep only applies when SOURCE is a registry reference');
      layout = resolved.layout;
      name = resolved.name;
    }
    result = await unpackImage({
      layout,
      name,
      platform,
      dest: resolve(dir),
      force: flags.force === true,
      rootless: flags.rootless === true,
      signal: ctx.signal,
      onWarning: (w) => ctx.info(`warning: ${w}`),
      onLayer: (i, total, digest) => {
        if (flags.progress !== 'none' && flags.progress !== 'json')
          ctx.info(`applying layer ${i}/${total} ${digest}`);
      },
    });
  } finally {
    // The temporary layout goes on every path, failed pulls included (issue 11 #5); a --keep layout stays, so a
    // failed pull into it resumes.
    if (temporary) await rm(temporary, { recursive: true, force: true });
  }
  const summary = {
    source: label,
    dest: dir,
    manifest: result.manifest,
    layers: result.layers,
    entries: result.entries,
    warnings: result.warnings,
  };
  ctx.io.stdout.write(
    flags.json
      ? `${JSON.stringify(summary)}\n`
      : `Unpacked ${label} into ${dir}: ${result.layers} layers, ${result.entries} entries${result.warnings.length ? ` (${result.warnings.length} warnings)` : ''}\n`,
  );
  return 0;
}
