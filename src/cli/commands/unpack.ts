import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unpackResultOf } from '../../api/results.js';
import { resolveSource } from '../../api/unpack.js';
import { copyImage, defaultName, LayoutDestination, RegistrySource } from '../../copy/index.js';
import { OcipullError } from '../../errors.js';
import { checkLocked, lockedFor } from '../../lock/index.js';
import { canonicalOf, parseReference } from '../../reference/index.js';
import { type UnpackResult, unpackImage } from '../../unpack/index.js';
import type { CommandContext } from '../context.js';
import { copyOptions } from '../copy-options.js';
import { openRepositoryFor, platformFrom } from '../open-client.js';
import type { MirrorFlags, RegistryFlags } from '../registry-options.js';
import { progressSink } from './pull.js';

/** Flags of `ocipull unpack`. */
export interface UnpackFlags extends RegistryFlags, MirrorFlags {
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
      const source = new RegistrySource(await openRepositoryFor(ref, flags, ctx, 'unpack'), ref);
      const sink = progressSink(flags, ctx);
      try {
        await copyImage(
          source,
          new LayoutDestination(layout, {
            refName: name,
            imageName: label,
            verify: false,
            signal: ctx.signal,
          }),
          {
            ...copyOptions({ ...flags, jobs: 4 }, ctx, sink, false),
            expectRoot: locked ? (digest) => checkLocked(locked, digest) : undefined,
          },
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
  const summary = unpackResultOf(label, dir, result);
  ctx.io.stdout.write(
    flags.json
      ? `${JSON.stringify(summary)}\n`
      : `Unpacked ${label} into ${dir}: ${result.layers} layers, ${result.entries} entries${result.warnings.length ? ` (${result.warnings.length} warnings)` : ''}\n`,
  );
  return 0;
}
