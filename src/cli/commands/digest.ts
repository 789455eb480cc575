import { digestResultOf } from '../../api/results.js';
import { resolveDigest } from '../../inspect/index.js';
import { parsePlatform } from '../../oci/types/index.js';
import { parseReference, repositoryOf } from '../../reference/index.js';
import type { CommandContext } from '../context.js';
import { openRepositoryFor } from '../open-client.js';
import type { MirrorFlags, RegistryFlags } from '../registry-options.js';

/** Flags of `ocipull digest`. */
export interface DigestFlags extends RegistryFlags, MirrorFlags {
  platform?: string;
  fullRef?: boolean;
  json?: boolean;
}

/**
 * `ocipull digest REF`: the digest a tag points to, from a HEAD request (no Docker Hub pull is spent).
 * `--full-ref` prints `domain/path@sha256:…` for pinning.
 */
export async function digestCommand(
  [input]: [string],
  flags: DigestFlags,
  ctx: CommandContext,
): Promise<number> {
  const ref = parseReference(input);
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const repo = await openRepositoryFor(ref, flags, ctx, 'digest');
  try {
    const r = await resolveDigest(repo, ref, platform);
    const result = digestResultOf(input, repositoryOf(ref), r);
    if (flags.json) ctx.io.stdout.write(`${JSON.stringify(result)}\n`);
    else ctx.io.stdout.write(`${flags.fullRef ? result.fullRef : r.digest}\n`);
    return 0;
  } finally {
    await repo.close();
  }
}
