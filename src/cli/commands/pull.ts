import { resolve } from 'node:path';
import { OcipullError } from '../../errors.js';
import {
  formatBytes,
  formatDuration,
  jsonProgress,
  noProgress,
  type ProgressSink,
  plainProgress,
  ttyProgress,
} from '../../progress/index.js';
import { type PullResult, pullImage } from '../../pull/index.js';
import { parseReference } from '../../reference/index.js';
import { describeRateLimit } from '../../registry/transport/index.js';
import type { CommandContext } from '../context.js';
import { openClient, platformFrom } from '../open-client.js';
import type { RegistryFlags } from '../registry-options.js';

/** Flags of `ocipull pull`. */
export interface PullFlags extends RegistryFlags {
  platform?: string;
  allPlatforms?: boolean;
  name?: string;
  preserveDigests?: boolean;
  jobs?: number;
  verify?: boolean;
  progress?: 'auto' | 'tty' | 'plain' | 'json' | 'none';
  json?: boolean;
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

/** The human summary printed on stdout after a pull. */
export function formatPullResult(r: PullResult): string {
  const lines = [`Pulled ${r.reference} into ${r.dest} as "${r.name}"`, `Digest:        ${r.digest}`];
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

/** The default destination: `./<last component of the repository>` (`ocipull debian` → `./debian`). */
export function defaultDest(path: string): string {
  return `./${path.split('/').pop()}`;
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
  const ref = parseReference(input);
  if (flags.allPlatforms && flags.platform) {
    throw new OcipullError('E_USAGE', 'pull: --platform and --all-platforms exclude each other');
  }
  const platform = platformFrom(flags.platform);
  const dest = destArg ?? defaultDest(ref.path);
  const client = await openClient(ref.domain, ref.path, flags, ctx);
  const sink = progressSink(flags, ctx);
  try {
    const result = await pullImage({
      client,
      ref,
      dest: resolve(dest),
      platform,
      explicitPlatform: flags.platform !== undefined,
      allPlatforms: flags.allPlatforms === true,
      name: flags.name,
      preserveDigests: flags.preserveDigests === true,
      jobs: flags.jobs ?? 4,
      retry: { retries: flags.retries ?? 3, baseDelayMs: 250, maxDelayMs: 30_000 },
      verify: flags.verify === true,
      signal: ctx.signal,
      onEvent: (e) => sink.event(e),
    });
    sink.close();
    const shown = { ...result, dest };
    ctx.io.stdout.write(flags.json ? `${JSON.stringify(shown)}\n` : formatPullResult(shown));
    return 0;
  } finally {
    sink.close();
    await client.close();
  }
}
