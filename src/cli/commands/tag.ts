import { checkTag } from '../../api/registry.js';
import { tagImage } from '../../copy/index.js';
import { parseReference } from '../../reference/index.js';
import type { CommandContext } from '../context.js';
import { openClient } from '../open-client.js';
import type { RegistryFlags } from '../registry-options.js';

/** `ocipull tag REF NEWTAG...`: the manifest REF names under more tags of the same repository; no blob moves. */
export async function tagCommand(
  [input, tags]: [string, string[]],
  flags: RegistryFlags & { json?: boolean },
  ctx: CommandContext,
): Promise<number> {
  const ref = parseReference(input.startsWith('docker://') ? input.slice(9) : input);
  const wanted = tags.map(checkTag);
  const client = await openClient(ref.domain, ref.path, flags, ctx);
  try {
    const result = await tagImage(client, ref, wanted);
    if (flags.json) ctx.io.stdout.write(`${JSON.stringify(result)}\n`);
    else if (!ctx.quiet) {
      const repo = `${ref.domain}/${ref.path}`;
      ctx.io.stdout.write(wanted.map((t) => `Tagged ${repo}:${t} = ${result.digest}\n`).join(''));
    }
    return 0;
  } finally {
    await client.close();
  }
}
