import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { copyImage, defaultName, LayoutDestination, RegistrySource } from '../../copy/index.js';
import { OcipullError } from '../../errors.js';
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
}

async function isLayout(dir: string): Promise<boolean> {
  return lstat(join(dir, 'oci-layout'))
    .then((st) => st.isFile())
    .catch(() => false);
}

/**
 * What SOURCE names: an OCI layout (`./debian`, or `./debian:NAME` for one entry) when such a directory exists,
 * otherwise an image reference to pull on the way.
 */
export async function resolveSource(
  source: string,
): Promise<{ layout: string; name?: string } | { ref: string }> {
  if (await isLayout(source)) return { layout: resolve(source) };
  const colon = source.lastIndexOf(':');
  if (colon > 0 && !source.slice(colon + 1).includes('/') && (await isLayout(source.slice(0, colon)))) {
    return { layout: resolve(source.slice(0, colon)), name: source.slice(colon + 1) };
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
  if ('ref' in resolved) {
    const ref = parseReference(resolved.ref);
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
      await copyImage(
        source,
        new LayoutDestination(layout, { refName: name, imageName: label, verify: false, signal: ctx.signal }),
        copyOptions({ ...flags, jobs: 4 }, ctx, sink, false),
      );
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
  let result: UnpackResult;
  try {
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
