import { ExitCode, isOcipullError } from '../../errors.js';
import {
  canonicalOf,
  familiarOf,
  parseReference,
  type Reference,
  repositoryOf,
} from '../../reference/index.js';
import type { CommandContext } from '../context.js';
import { reportError } from '../report.js';

/** The `--json` shape of one normalized reference; absent values are `null`. */
export interface RefJson {
  input: string;
  domain: string;
  path: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  canonical: string;
  familiar: string;
}

/** Builds the `--json` object for one parsed reference. */
export function refJson(input: string, ref: Reference): RefJson {
  return {
    input,
    domain: ref.domain,
    path: ref.path,
    repository: repositoryOf(ref),
    tag: ref.tag,
    digest: ref.digest,
    canonical: canonicalOf(ref),
    familiar: familiarOf(ref),
  };
}

/**
 * `ocipull ref REF...`: prints each input normalized, in input order. An invalid input is reported on stderr
 * (or as `{"input","error"}` with `--json`), the others still print, and the exit code is 2.
 */
export async function refCommand(
  [inputs]: [string[]],
  options: { json?: boolean },
  ctx: Pick<CommandContext, 'io' | 'debug'>,
) {
  let exitCode: number = ExitCode.ok;
  for (const input of inputs) {
    try {
      const ref = parseReference(input);
      ctx.io.stdout.write(`${options.json ? JSON.stringify(refJson(input, ref)) : canonicalOf(ref)}\n`);
    } catch (err) {
      if (!isOcipullError(err)) throw err;
      if (options.json && inputs.length > 1) {
        ctx.io.stdout.write(`${JSON.stringify({ input, error: err.message })}\n`);
        exitCode = ExitCode.usage;
      } else {
        exitCode = reportError(ctx.io, err, ctx.debug);
      }
    }
  }
  return exitCode;
}
