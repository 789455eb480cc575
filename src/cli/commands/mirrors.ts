import { ExitCode, isOcipullError } from '../../errors.js';
import { type Endpoint, type Resolution, resolveEndpoints } from '../../mirrors/index.js';
import { canonicalOf, parseReference } from '../../reference/index.js';
import type { CommandContext } from '../context.js';
import { mirrorConfigOf } from '../open-client.js';
import type { MirrorFlags } from '../registry-options.js';
import { reportError } from '../report.js';

/** Options of `ocipull mirrors`. */
export interface MirrorsOptions extends MirrorFlags {
  json?: boolean;
}

/** The `--json` line of one reference; exactly these keys, in this order. */
export interface MirrorsJson {
  input: string;
  reference: string;
  blocked: boolean;
  endpoints: { reference: string; mirror: boolean; insecure: boolean }[];
}

/** Builds the `--json` object for one resolved reference. */
export function mirrorsJson(input: string, resolution: Resolution): MirrorsJson {
  return {
    input,
    reference: canonicalOf(resolution.reference),
    blocked: resolution.blocked,
    endpoints: resolution.endpoints.map((e) => ({
      reference: canonicalOf(e.reference),
      mirror: e.mirror,
      insecure: e.insecure,
    })),
  };
}

/**
 * `ocipull mirrors REF...`: a dry run printing, per reference and in input order, the endpoints a pull would try.
 * The configuration is loaded and every reference resolved before anything is printed, so an invalid configuration
 * exits 2 with its message and no output. An invalid reference is reported on stderr, the others still print, and
 * the exit code is 2.
 */
export async function mirrorsCommand([inputs]: [string[]], options: MirrorsOptions, ctx: CommandContext) {
  let results: { input: string; resolution: Resolution | null; error?: unknown }[];
  try {
    const config = await mirrorConfigOf(options, ctx);
    results = inputs.map((input) => {
      let ref: ReturnType<typeof parseReference>;
      try {
        ref = parseReference(input);
      } catch (error) {
        if (!isOcipullError(error)) throw error;
        return { input, resolution: null, error };
      }
      return { input, resolution: resolveEndpoints(ref, config) };
    });
  } catch (err) {
    return reportError(ctx.io, err, ctx.debug);
  }

  let exitCode: number = ExitCode.ok;
  for (const { input, resolution, error } of results) {
    if (resolution === null) {
      exitCode = reportError(ctx.io, error, ctx.debug);
      continue;
    }
    ctx.io.stdout.write(
      options.json ? `${JSON.stringify(mirrorsJson(input, resolution))}\n` : human(resolution),
    );
  }
  return exitCode;
}

/** The short human list: the reference, then its endpoints numbered in order. */
function human(resolution: Resolution): string {
  const lines = [canonicalOf(resolution.reference)];
  if (resolution.blocked) {
    const by = [
      ...new Set(resolution.skipped.map((s) => `prefix "${s.blockedBy.prefix}" in ${s.blockedBy.origin}`)),
    ];
    lines.push(`  blocked (${by.join('; ')}): a pull is refused`);
  }
  for (const [i, e] of resolution.endpoints.entries()) {
    lines.push(`  ${i + 1}. ${canonicalOf(e.reference)}  ${describe(e)}`);
  }
  if (!resolution.blocked) {
    for (const s of resolution.skipped) {
      lines.push(`  -  ${canonicalOf(s.reference)}  (skipped: blocked by prefix "${s.blockedBy.prefix}")`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function describe(e: Endpoint): string {
  const what = [e.mirror ? 'mirror' : 'primary', ...(e.insecure ? ['insecure'] : [])].join(', ');
  const rule = e.rule === null ? 'no [[registry]] matches' : `prefix "${e.rule.prefix}" in ${e.rule.origin}`;
  return `(${what}; ${rule})`;
}
