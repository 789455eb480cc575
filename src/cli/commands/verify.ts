import { ExitCode, exitCodeFor } from '../../errors.js';
import { runVerify, runVerifyLayout, type Verdict } from '../../lock/index.js';
import { ClientPool } from '../client-pool.js';
import type { CommandContext } from '../context.js';
import { blockedCheck } from '../open-client.js';
import type { RegistryFlags } from '../registry-options.js';

/** Flags of `ocipull verify`. */
export interface VerifyFlags extends RegistryFlags {
  file?: string;
  layout?: string;
  json?: boolean;
}

function formatVerdict(v: Verdict): string {
  switch (v.status) {
    case 'unchanged':
      return `unchanged  ${v.reference} ${v.old}\n`;
    case 'gone':
      return `gone       ${v.reference}: the tag no longer resolves (locked ${v.old}; pull --locked still pulls it by digest)\n`;
    case 'error':
      return `error      ${v.reference}: ${v.error!.message}\n`;
    default: {
      const head =
        v.status === 'moved'
          ? `moved      ${v.reference} ${v.old} → ${v.new}`
          : `index moved, your platforms unchanged: ${v.reference} ${v.old} → ${v.new}`;
      const lines = [head];
      for (const p of v.platforms)
        lines.push(`  ${p.platform}${p.wanted ? ' (wanted)' : ''}: ${p.old ?? '-'} → ${p.new ?? '-'}`);
      return `${lines.join('\n')}\n`;
    }
  }
}

/** `verify --layout DIR`: offline, the layout holds the locked digests for the wanted platforms. */
async function verifyLayout(dir: string, flags: VerifyFlags, ctx: CommandContext): Promise<number> {
  const result = await runVerifyLayout(flags.file, dir);
  if (flags.json) {
    ctx.io.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const results = result.images;
    for (const r of results) {
      const detail = r.missing.map((m) => `${m.platform ?? 'image'} ${m.digest}`).join(', ');
      ctx.io.stdout.write(
        r.status === 'present'
          ? `present    ${r.reference}\n`
          : `${r.status.padEnd(10)} ${r.reference}: not in ${dir}: ${detail}${r.found ? `; the layout holds ${r.found.join(', ')}` : ''}\n`,
      );
    }
    const present = results.filter((r) => r.status === 'present').length;
    ctx.io.stdout.write(`${present} of ${results.length} images present in ${dir}\n`);
  }
  return result.drift ? ExitCode.drift : ExitCode.ok;
}

/**
 * `ocipull verify [--file F] [--layout DIR]`: re-resolves every locked reference (a HEAD each; a GET only for a
 * digest that moved) and reports `unchanged`, `moved` or `index moved, your platforms unchanged`. Exit 0 when
 * nothing wanted moved, 10 on drift, the error's own code when an entry could not be checked. The work is
 * `runVerify`/`runVerifyLayout` (shared with the library's `verify`); this prints it.
 */
export async function verifyCommand(_args: [], flags: VerifyFlags, ctx: CommandContext): Promise<number> {
  if (flags.layout) return verifyLayout(flags.layout, flags, ctx);
  const pool = new ClientPool(flags, ctx, blockedCheck(ctx, 'verify'));
  let ran: Awaited<ReturnType<typeof runVerify>>;
  try {
    ran = await runVerify(flags.file, pool.get);
  } finally {
    await pool.close();
  }
  const { result, firstError } = ran;
  if (flags.json) {
    ctx.io.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const verdicts = result.images;
    for (const v of verdicts) ctx.io.stdout.write(formatVerdict(v));
    const count = (s: Verdict['status']) => verdicts.filter((v) => v.status === s).length;
    ctx.io.stdout.write(
      `${count('unchanged')} unchanged, ${count('moved')} moved, ${count('index-moved')} index moved (platforms unchanged), ${count('gone')} gone, ${count('error')} errors; ${result.pulls} manifest GETs\n`,
    );
  }
  if (firstError !== undefined) return exitCodeFor(firstError);
  return result.drift ? ExitCode.drift : ExitCode.ok;
}
