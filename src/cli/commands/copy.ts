import { copyEnds } from '../../api/copy.js';
import { parseLocalSource } from '../../api/endpoints.js';
import { type CopyResult, type Endpoint, parseEndpoint } from '../../copy/index.js';
import { OcipullError } from '../../errors.js';
import { checkLocked, lockedFor } from '../../lock/index.js';
import { formatBytes } from '../../progress/index.js';
import type { CommandContext } from '../context.js';
import { copyOptions } from '../copy-options.js';
import { openClient, openRepositoryFor } from '../open-client.js';
import type { MirrorFlags, RegistryFlags } from '../registry-options.js';
import { sourceLines, viaOf } from '../source-lines.js';
import { type PullFlags, progressSink } from './pull.js';

/** Flags of `ocipull copy` (and `push`, which has no `--src-*` ones: its source is local). */
export interface CopyFlags extends RegistryFlags, MirrorFlags {
  platform?: string;
  preserveDigests?: boolean;
  jobs?: number;
  chunkSize?: number;
  progress?: PullFlags['progress'];
  json?: boolean;
  srcCreds?: string;
  destCreds?: string;
  srcCertDir?: string;
  destCertDir?: string;
  srcTlsVerify?: boolean;
  destTlsVerify?: boolean;
  srcPlainHttp?: boolean;
  destPlainHttp?: boolean;
  /** Copy what the lockfile pins SRC to (`--lockfile FILE`, default ./ocipull.lock). */
  locked?: boolean;
  lockfile?: string;
}

/** The registry flags of one side: `--src-X`/`--dest-X` win over the shared `--X`; credentials never cross sides. */
export function sideFlags(flags: CopyFlags, side: 'src' | 'dest'): RegistryFlags {
  const pick = <T>(own: T | undefined, shared: T | undefined) => (own !== undefined ? own : shared);
  return {
    creds: pick(side === 'src' ? flags.srcCreds : flags.destCreds, side === 'dest' ? flags.creds : undefined),
    username: side === 'dest' ? flags.username : undefined,
    passwordStdin: side === 'dest' ? flags.passwordStdin : undefined,
    authfile: flags.authfile,
    certDir: pick(side === 'src' ? flags.srcCertDir : flags.destCertDir, flags.certDir),
    tlsVerify: pick(side === 'src' ? flags.srcTlsVerify : flags.destTlsVerify, flags.tlsVerify),
    plainHttp: pick(side === 'src' ? flags.srcPlainHttp : flags.destPlainHttp, flags.plainHttp),
    retries: flags.retries,
  };
}

/** The human summary of a copy. */
export function formatCopyResult(r: CopyResult): string {
  const lines = [
    `Copied ${r.source}${viaOf(r.servedBy, r.source)} to ${r.destination}`,
    ...sourceLines(r.servedBy, 11),
    `Digest:    ${r.writtenDigest}`,
    ...(r.writtenDigest !== r.manifestDigest
      ? [`Source:    ${r.manifestDigest} (media types converted to OCI)`]
      : []),
    `Platforms: ${r.platforms.length ? r.platforms.join(', ') : '-'}`,
    `Blobs:     ${r.blobs.copied} copied (${formatBytes(r.bytes.copied)}), ${r.blobs.existing} already there${r.blobs.mounted ? `, ${r.blobs.mounted} mounted` : ''}`,
    `Time:      ${r.seconds.toFixed(1)}s`,
  ];
  return `${lines.join('\n')}\n`;
}

async function runCopy(
  src: Endpoint,
  dst: Endpoint,
  flags: CopyFlags,
  ctx: CommandContext,
  expectRoot?: (digest: string) => void,
): Promise<number> {
  if (dst.kind === 'registry' && dst.ref.digest && flags.platform) {
    throw new OcipullError('E_USAGE', 'copy: a destination named by digest cannot take --platform');
  }
  const sink = progressSink(flags, ctx);
  try {
    const shown = await copyEnds(src, dst, {
      openSource: (ref) => openRepositoryFor(ref, { ...flags, ...sideFlags(flags, 'src') }, ctx, 'copy'),
      openDestination: (domain, path) => openClient(domain, path, sideFlags(flags, 'dest'), ctx),
      chunkSize: flags.chunkSize,
      retries: flags.retries,
      // Mirroring wants the whole index, attestations included (crane and regctl do the same); --platform
      // narrows it. A docker-archive holds one image: the host's platform unless --platform says otherwise.
      engine: {
        ...copyOptions(flags, ctx, sink, flags.platform === undefined && dst.kind !== 'docker-archive'),
        expectRoot,
      },
    });
    sink.close();
    if (flags.json) ctx.io.stdout.write(`${JSON.stringify(shown)}\n`);
    else if (ctx.quiet) ctx.io.stdout.write(`${shown.writtenDigest}\n`);
    else ctx.io.stdout.write(formatCopyResult(shown));
    return 0;
  } finally {
    sink.close();
  }
}

/** `ocipull copy SRC DST`: any source to any destination, registry to registry byte for byte. */
export async function copyCommand(
  [srcArg, dstArg]: [string, string],
  flags: CopyFlags,
  ctx: CommandContext,
): Promise<number> {
  const locked = await lockedFor(srcArg.replace(/^docker:\/\//, ''), flags, flags.platform === undefined);
  const src: Endpoint = locked ? { kind: 'registry', ref: locked.ref, input: srcArg } : parseEndpoint(srcArg);
  const dst = parseEndpoint(dstArg);
  if (dst.kind === 'oci-archive' || dst.kind === 'docker-archive') {
    if (dst.path === '-')
      throw new OcipullError(
        'E_USAGE',
        'copy: write archives to a file (pull --format … - writes to stdout)',
      );
  }
  // --locked: the top copied must be what the lockfile pins, checked before the destination is touched.
  return runCopy(src, dst, flags, ctx, locked ? (digest) => checkLocked(locked, digest) : undefined);
}

/** `ocipull push SOURCE REF`: a local layout or archive to a registry (`copy SOURCE REF`). */
export async function pushCommand(
  [srcArg, refArg]: [string, string],
  flags: CopyFlags,
  ctx: CommandContext,
): Promise<number> {
  const src = await parseLocalSource(srcArg);
  const dst = parseEndpoint(refArg);
  if (dst.kind !== 'registry') {
    throw new OcipullError('E_USAGE', `push: ${JSON.stringify(refArg)} is not a registry reference`, {
      hint: 'to write a layout or archive use: ocipull copy SOURCE oci:DIR',
    });
  }
  return runCopy(src, dst, flags, ctx);
}
