import { parseRepository, repositoryOf } from '../../reference/index.js';
import type { CommandContext } from '../context.js';
import { openClient } from '../open-client.js';
import type { RegistryFlags } from '../registry-options.js';

/** `ocipull tags REPO`: every tag of a repository, one per line (or `{"repository","tags"}` with `--json`). */
export async function tagsCommand(
  [input]: [string],
  flags: RegistryFlags & { json?: boolean },
  ctx: CommandContext,
): Promise<number> {
  const repo = parseRepository(input);
  const client = await openClient(repo.domain, repo.path, flags, ctx);
  try {
    const tags = await client.listTags(repo.path);
    ctx.io.stdout.write(
      flags.json
        ? `${JSON.stringify({ repository: repositoryOf(repo), tags })}\n`
        : tags.map((t) => `${t}\n`).join(''),
    );
    return 0;
  } finally {
    await client.close();
  }
}
