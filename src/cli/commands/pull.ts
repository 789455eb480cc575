import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { STDOUT_FILE, writeArchiveFile, writeDockerArchive, writeOciArchive } from '../../archive/index.js';
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
import { canonicalOf, parseReference } from '../../reference/index.js';
import { retryPolicy } from '../../registry/client/index.js';
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
  format?: 'oci' | 'oci-archive' | 'docker-archive';
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
 * Where blobs go for an archive: a hidden layout beside the file (`.NAME.tar.layout`), so an interrupted pull
 * resumes there next time; a temporary directory when the archive goes to stdout.
 */
async function stagingLayout(file: string): Promise<{ dir: string; temporary: boolean }> {
  if (file === STDOUT_FILE) return { dir: await mkdtemp(join(tmpdir(), 'ocipull-stage-')), temporary: true };
  return { dir: join(dirname(resolve(file)), `.${basename(file)}.layout`), temporary: false };
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
  const format = flags.format ?? 'oci';
  const dest = destArg ?? defaultDest(ref.path, format);
  if (format === 'oci' && dest === STDOUT_FILE) {
    throw new OcipullError(
      'E_USAGE',
      'pull: an OCI layout is a directory; "-" (stdout) needs --format oci-archive or docker-archive',
    );
  }
  const staging = format === 'oci' ? { dir: resolve(dest), temporary: false } : await stagingLayout(dest);
  const client = await openClient(ref.domain, ref.path, flags, ctx);
  const sink = progressSink(flags, ctx);
  try {
    const result = await pullImage({
      client,
      ref,
      dest: staging.dir,
      platform,
      explicitPlatform: flags.platform !== undefined,
      allPlatforms: flags.allPlatforms === true,
      name: flags.name,
      preserveDigests: flags.preserveDigests === true,
      jobs: flags.jobs ?? 4,
      retry: retryPolicy(flags.retries),
      verify: flags.verify === true,
      signal: ctx.signal,
      onEvent: (e) => sink.event(e),
    });
    if (format !== 'oci') {
      await writeArchiveFile(
        dest,
        (out) =>
          format === 'oci-archive'
            ? writeOciArchive(staging.dir, out, { name: result.name, signal: ctx.signal })
            : writeDockerArchive(staging.dir, out, {
                name: result.name,
                repoTag: canonicalOf(ref),
                platform,
                signal: ctx.signal,
              }),
        { stdout: stdoutStream(ctx) },
      );
      // The archive holds everything now; the staging layout only mattered for resuming.
      await rm(staging.dir, { recursive: true, force: true });
    }
    sink.close();
    const shown = { ...result, dest, format };
    const summary = flags.json ? `${JSON.stringify(shown)}\n` : formatPullResult(shown);
    // With the archive on stdout, the summary must not mix into it.
    if (dest === STDOUT_FILE) {
      if (!ctx.quiet) ctx.io.stderr.write(summary);
    } else {
      ctx.io.stdout.write(summary);
    }
    return 0;
  } finally {
    sink.close();
    await client.close();
    if (staging.temporary) await rm(staging.dir, { recursive: true, force: true });
  }
}
