import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { type PullResult, pullResultOf } from '../../api/results.js';
import { STDOUT_FILE } from '../../archive/index.js';
import {
  ArchiveDestination,
  copyImage,
  defaultName,
  LayoutDestination,
  RegistrySource,
} from '../../copy/index.js';
import { OcipullError } from '../../errors.js';
import { checkLocked, lockedFor } from '../../lock/index.js';
import { isValidRefName } from '../../oci/layout/index.js';
import {
  formatBytes,
  formatDuration,
  jsonProgress,
  noProgress,
  type ProgressSink,
  plainProgress,
  ttyProgress,
} from '../../progress/index.js';
import { canonicalOf, parseReference } from '../../reference/index.js';
import { describeRateLimit } from '../../registry/transport/index.js';
import type { CommandContext } from '../context.js';
import { copyOptions } from '../copy-options.js';
import { openRepositoryFor, platformFrom } from '../open-client.js';
import type { MirrorFlags, RegistryFlags } from '../registry-options.js';
import { sourceLines, viaOf } from '../source-lines.js';

/** Flags of `ocipull pull`. */
export interface PullFlags extends RegistryFlags, MirrorFlags {
  platform?: string;
  allPlatforms?: boolean;
  name?: string;
  force?: boolean;
  preserveDigests?: boolean;
  jobs?: number;
  verify?: boolean;
  progress?: 'auto' | 'tty' | 'plain' | 'json' | 'none';
  format?: 'oci' | 'oci-archive' | 'docker-archive';
  json?: boolean;
  /** Pull what the lockfile pins REF to (`--lockfile FILE`, default ./ocipull.lock). */
  locked?: boolean;
  lockfile?: string;
}

/** The progress renderer for `--progress` (auto: bars on a TTY, plain lines otherwise; `--quiet`: none). */
export function progressSink(flags: PullFlags, ctx: CommandContext): ProgressSink {
  const mode = ctx.quiet ? 'none' : (flags.progress ?? 'auto');
  const out = ctx.io.stderr as { write(s: string): unknown; columns?: number };
  switch (mode) {
    case 'none':
      return noProgress();
    case 'json':
      return jsonProgress(out);
    case 'plain':
      return plainProgress(out);
    case 'tty':
      return ttyProgress(out, ctx.err);
    default:
      return ctx.io.stderr.isTTY ? ttyProgress(out, ctx.err) : plainProgress(out);
  }
}

export { type PullResult, pullResultOf } from '../../api/results.js';

/** The human summary printed on stdout after a pull. */
export function formatPullResult(r: PullResult): string {
  const lines = [
    `Pulled ${r.reference}${viaOf(r.source, r.reference)} into ${r.dest} as "${r.name}"`,
    ...sourceLines(r.source, 15),
    `Digest:        ${r.digest}`,
  ];
  if (r.manifestDigest !== r.digest) lines.push(`Manifest:      ${r.manifestDigest}`);
  if (r.layoutDigest !== r.manifestDigest)
    lines.push(`Layout digest: ${r.layoutDigest} (media types converted to OCI)`);
  lines.push(
    `Platform:      ${r.platforms.length ? r.platforms.join(', ') : '-'}`,
    `Layers:        ${r.layers}`,
    `Downloaded:    ${r.blobs.downloaded} blobs, ${formatBytes(r.bytes.downloaded)}; reused ${r.blobs.reused} blobs, ${formatBytes(r.bytes.reused)}`,
    `Time:          ${r.seconds < 60 ? `${r.seconds.toFixed(1)}s` : formatDuration(r.seconds)}`,
  );
  if (r.rateLimit.set) lines.push(`Rate limit:    ${describeRateLimit(r.rateLimit)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The default destination: `./<last component of the repository>` (`ocipull debian` → `./debian`), with `.tar`
 * for the archive formats.
 */
export function defaultDest(path: string, format: PullFlags['format'] = 'oci'): string {
  return `./${path.split('/').pop()}${format === 'oci' ? '' : '.tar'}`;
}

/** A Writable over the CLI's stdout, for `-` as the archive file (the real process stdout keeps backpressure). */
function stdoutStream(ctx: CommandContext): NodeJS.WritableStream {
  const out = ctx.io.stdout as Partial<NodeJS.WritableStream> & CommandContext['io']['stdout'];
  if (typeof out.on === 'function' && typeof out.once === 'function') return out as NodeJS.WritableStream;
  return new Writable({
    write(chunk, _enc, cb) {
      out.write(chunk as Buffer);
      cb();
    },
  });
}

/**
 * `ocipull pull REF [DEST]` (and `ocipull REF [DEST]`): pulls an image into an OCI image layout, verified,
 * concurrent and resumable.
 */
export async function pullCommand(
  [input, destArg]: [string, string | undefined],
  flags: PullFlags,
  ctx: CommandContext,
): Promise<number> {
  const locked = await lockedFor(input, flags);
  const ref = locked?.ref ?? parseReference(input);
  if (flags.allPlatforms && flags.platform) {
    throw new OcipullError('E_USAGE', 'pull: --platform and --all-platforms exclude each other');
  }
  const platform = platformFrom(flags.platform);
  const format = flags.format ?? 'oci';
  const destPath = destArg ?? defaultDest(ref.path, format);
  if (format === 'oci' && destPath === STDOUT_FILE) {
    throw new OcipullError(
      'E_USAGE',
      'pull: an OCI layout is a directory; "-" (stdout) needs --format oci-archive or docker-archive',
    );
  }
  if (format === 'docker-archive' && flags.allPlatforms) {
    throw new OcipullError(
      'E_USAGE',
      'pull: a docker-archive holds one image; --all-platforms writes several',
      {
        hint: 'use --format oci-archive (or an OCI layout directory) for every platform, or --platform for one',
      },
    );
  }
  if (flags.name !== undefined && !isValidRefName(flags.name)) {
    throw new OcipullError('E_USAGE', `pull: --name ${JSON.stringify(flags.name)} is not a valid ref.name`, {
      hint: 'components of letters and digits joined by - . _ : @ + or --, separated by / (e.g. v1.2, team/app:dev)',
    });
  }
  const refName = flags.name ?? defaultName(ref);
  const dest =
    format === 'oci'
      ? new LayoutDestination(resolve(destPath), {
          refName,
          imageName: canonicalOf(ref),
          verify: flags.verify === true,
          force: flags.force === true,
          signal: ctx.signal,
        })
      : new ArchiveDestination(destPath, {
          format,
          refName,
          imageName: canonicalOf(ref),
          platform,
          verify: flags.verify === true,
          stdout: stdoutStream(ctx),
          signal: ctx.signal,
        });
  // Before the registry is contacted: a destination we would refuse later must cost no download (issue 11 #19).
  await dest.check();
  const source = new RegistrySource(await openRepositoryFor(ref, flags, ctx), ref);
  const sink = progressSink(flags, ctx);
  try {
    const copied = await copyImage(source, dest, {
      ...copyOptions(flags, ctx, sink, flags.allPlatforms === true),
      // Checked before the layout is touched: a lockfile mismatch writes nothing.
      expectRoot: locked ? (digest) => checkLocked(locked, digest) : undefined,
    });
    sink.close();
    const shown = pullResultOf(copied, destPath, format);
    // `--quiet`: one line, the digest, so `d=$(ocipull pull -q debian)` works (`docker pull -q` prints one line).
    const summary = flags.json
      ? `${JSON.stringify(shown)}\n`
      : ctx.quiet
        ? `${shown.digest}\n`
        : formatPullResult(shown);
    // With the archive on stdout, the summary must not mix into it.
    if (destPath === STDOUT_FILE) {
      if (!ctx.quiet) ctx.io.stderr.write(summary);
    } else {
      ctx.io.stdout.write(summary);
    }
    return 0;
  } finally {
    sink.close();
    await source.close();
    await dest.close();
  }
}
