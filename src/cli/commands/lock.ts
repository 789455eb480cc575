import { type LockEntry, type LockOutcome, runLock } from '../../lock/index.js';
import { ClientPool } from '../client-pool.js';
import type { CommandContext } from '../context.js';
import { blockedCheck } from '../open-client.js';
import type { RegistryFlags } from '../registry-options.js';

/** Flags of `ocipull lock`. */
export interface LockFlags extends RegistryFlags {
  file?: string;
  from?: string[];
  platform?: string[];
  update?: boolean;
  json?: boolean;
}

function formatOutcome(o: LockOutcome, entry: LockEntry): string {
  const platforms = Object.keys(entry.platforms);
  const what = `${entry.mediaType.includes('index') || entry.mediaType.includes('list') ? 'index' : 'image'}; ${platforms.length ? platforms.join(', ') : 'no platform'}; want ${entry.want.join(', ') || '-'}`;
  switch (o.status) {
    case 'added':
      return `locked     ${o.reference} ${o.digest} (${what})\n`;
    case 'platforms':
      return `want       ${o.reference} ${o.digest} (${what})\n`;
    case 'kept':
    case 'unchanged':
      return `${o.status.padEnd(10)} ${o.reference} ${o.digest}\n`;
    case 'updated': {
      const d = o.diff!;
      const lines = [`updated    ${o.reference} ${d.old} → ${d.new}`];
      for (const p of d.platforms)
        lines.push(`  ${p.platform}${p.wanted ? ' (wanted)' : ''}: ${p.old ?? '-'} → ${p.new ?? '-'}`);
      if (d.status === 'index-moved') lines.push('  index moved, your platforms unchanged');
      return `${lines.join('\n')}\n`;
    }
  }
}

/**
 * `ocipull lock REF... [--from FILE] [--platform P]... [--update]`: resolves references to digests (HEAD first, one
 * manifest GET per new digest) and writes or merges `ocipull.lock`; `--update` re-resolves and prints old → new.
 * The work is `runLock` (shared with the library's `lock`); this prints it.
 */
export async function lockCommand(
  [refs]: [string[]],
  flags: LockFlags,
  ctx: CommandContext,
): Promise<number> {
  const pool = new ClientPool(flags, ctx, blockedCheck(ctx, 'lock'));
  let ran: Awaited<ReturnType<typeof runLock>>;
  try {
    ran = await runLock(
      refs,
      {
        file: flags.file,
        from: flags.from,
        platforms: flags.platform,
        update: flags.update,
        warn: (w) => ctx.info(`warning: ${w}`),
      },
      pool.get,
    );
  } finally {
    await pool.close();
  }
  const { result, lock } = ran;
  if (flags.json) {
    ctx.io.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    for (const o of result.images) ctx.io.stdout.write(formatOutcome(o, lock.images[o.reference]!));
    ctx.io.stdout.write(
      `${result.written ? 'Wrote' : 'Unchanged:'} ${result.file} (${Object.keys(lock.images).length} images; ${result.pulls} manifest GET${result.pulls === 1 ? '' : 's'} spent)\n`,
    );
  }
  return 0;
}
