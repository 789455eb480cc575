import type { ChalkInstance } from 'chalk';
import { OcipullError } from '../../errors.js';
import {
  fetchConfig,
  type InspectReport,
  inspectImage,
  resolveImage,
  resolveTop,
} from '../../inspect/index.js';
import { formatBytes } from '../../progress/index.js';
import { parseReference } from '../../reference/index.js';
import { describeRateLimit } from '../../registry/transport/index.js';
import type { CommandContext } from '../context.js';
import { openRepositoryFor, platformFrom } from '../open-client.js';
import type { MirrorFlags, RegistryFlags } from '../registry-options.js';
import { viaOf } from '../source-lines.js';

/** Flags of `ocipull inspect`. */
export interface InspectFlags extends RegistryFlags, MirrorFlags {
  platform?: string;
  raw?: boolean;
  config?: boolean;
  json?: boolean;
}

function field(c: ChalkInstance, name: string, value: string): string {
  return `${c.bold(`${name}:`.padEnd(13))}${value}`;
}

/** The human form of an inspect report. */
export function formatInspect(r: InspectReport, c: ChalkInstance): string {
  const lines = [
    field(c, 'Reference', r.reference),
    ...(r.source.mirror
      ? [field(c, 'Via mirror', r.source.repository)]
      : viaOf(r.source, r.reference)
        ? [field(c, 'Via', r.source.repository)]
        : []),
    ...r.source.attempts.map((a) => field(c, 'Tried first', `${a.repository}: ${a.error}`)),
    field(c, 'Digest', r.digest),
    field(c, 'Media type', r.mediaType),
  ];
  if (r.index) {
    const platforms = r.index.manifests.filter((m) => !m.attestation).map((m) => m.platform ?? '(none)');
    const attestations = r.index.manifests.length - platforms.length;
    lines.push(
      field(
        c,
        'Platforms',
        `${platforms.join(', ')}${attestations ? ` (+${attestations} attestation${attestations > 1 ? 's' : ''})` : ''}`,
      ),
      field(c, 'Image', `${r.image.digest} (${r.image.platform ?? 'selected'})`),
    );
  }
  const i = r.image;
  lines.push(
    field(c, 'Platform', i.platform ?? '-'),
    field(c, 'Created', i.created ?? '-'),
    field(c, 'Layers', `${i.layerCount}, ${formatBytes(i.totalSize)} compressed`),
    ...i.layers.map((l) => `  ${l.digest}  ${formatBytes(l.size).padStart(10)}  ${c.dim(l.mediaType)}`),
    field(c, 'Entrypoint', i.entrypoint ? JSON.stringify(i.entrypoint) : '-'),
    field(c, 'Cmd', i.cmd ? JSON.stringify(i.cmd) : '-'),
    field(c, 'Working dir', i.workingDir ?? '-'),
    field(c, 'User', i.user ?? '-'),
    field(c, 'Ports', i.exposedPorts.length ? i.exposedPorts.join(', ') : '-'),
    field(c, 'Env', i.env.length ? '' : '-'),
    ...i.env.map((e) => `  ${e}`),
    field(c, 'Labels', Object.keys(i.labels).length ? '' : '-'),
    ...Object.entries(i.labels).map(([k, v]) => `  ${k}=${v}`),
  );
  if (r.rateLimit.set) lines.push(field(c, 'Rate limit', describeRateLimit(r.rateLimit)));
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}

/**
 * `ocipull inspect REF`: what an image is, without downloading its layers. `--raw` prints the manifest bytes
 * exactly as served (the platform's manifest when `--platform` is given); `--config` prints the image config.
 */
export async function inspectCommand(
  [input]: [string],
  flags: InspectFlags,
  ctx: CommandContext,
): Promise<number> {
  const ref = parseReference(input);
  const platform = platformFrom(flags.platform);
  const repo = await openRepositoryFor(ref, flags, ctx, 'inspect');
  try {
    if (flags.raw || flags.config) {
      const top = await resolveTop(repo, ref);
      if (flags.raw && !flags.config && !flags.platform) {
        ctx.io.stdout.write(top.top.bytes);
        return 0;
      }
      const image = await resolveImage(repo, top, platform, flags.platform !== undefined);
      if (!flags.config) {
        ctx.io.stdout.write(image.manifestResult.bytes);
        return 0;
      }
      const { bytes, config } = await fetchConfig(repo, image.manifest).catch((err) => {
        throw err instanceof OcipullError ? err : new OcipullError('E_MANIFEST_INVALID', String(err));
      });
      ctx.io.stdout.write(flags.raw ? bytes : `${JSON.stringify(config, null, 2)}\n`);
      return 0;
    }
    const report = await inspectImage(repo, ref, platform, flags.platform !== undefined);
    ctx.io.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatInspect(report, ctx.out));
    return 0;
  } finally {
    await repo.close();
  }
}
