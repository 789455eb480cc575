import { RATELIMIT_PROBE, rateLimitJson } from '../../api/results.js';
import { isOcipullError } from '../../errors.js';
import { canonicalOf, parseReference } from '../../reference/index.js';
import {
  describeRateLimit,
  formatWindow,
  type RateLimit,
  RegistryError,
} from '../../registry/transport/index.js';
import type { CommandContext } from '../context.js';
import { openClient } from '../open-client.js';
import type { RegistryFlags } from '../registry-options.js';

export { RATELIMIT_PROBE, rateLimitJson } from '../../api/results.js';

/**
 * `ocipull ratelimit [REF]`: Docker Hub's pull quota from a HEAD request, which costs nothing. Without REF it asks
 * about `ratelimitpreview/test`. A registry that sends no rate-limit headers is reported as not rate-limited; a
 * spent quota (429) is still reported with its figures.
 */
export async function ratelimitCommand(
  [input]: [string | undefined],
  flags: RegistryFlags & { json?: boolean },
  ctx: CommandContext,
): Promise<number> {
  const ref = parseReference(input ?? RATELIMIT_PROBE);
  const client = await openClient(ref.domain, ref.path, flags, ctx);
  let rl: RateLimit;
  try {
    rl = (await client.headManifest(ref.path, ref.digest ?? ref.tag ?? 'latest')).rateLimit;
  } catch (err) {
    // A 429 (quota spent) is an answer here, not a failure: its headers carry the figures.
    if (!(err instanceof RegistryError) || !err.rateLimit.set || !isOcipullError(err)) throw err;
    rl = err.rateLimit;
  } finally {
    await client.close();
  }
  const reference = canonicalOf(ref);
  if (flags.json) {
    ctx.io.stdout.write(`${JSON.stringify(rateLimitJson(reference, ref.domain, rl))}\n`);
    return 0;
  }
  const c = ctx.out;
  if (!rl.set) {
    ctx.io.stdout.write(`${ref.domain}: not rate-limited (no rate-limit headers on ${reference})\n`);
    return 0;
  }
  const lines = [
    `${c.bold('Registry:'.padEnd(11))}${ref.domain}`,
    `${c.bold('Limit:'.padEnd(11))}${rl.limit ?? '?'} pulls${rl.windowSeconds !== undefined ? ` per ${formatWindow(rl.windowSeconds)}` : ''}`,
    `${c.bold('Remaining:'.padEnd(11))}${rl.remaining ?? '?'}`,
    `${c.bold('Source:'.padEnd(11))}${rl.source ?? '-'}`,
  ];
  ctx.io.stdout.write(`${lines.join('\n')}\n`);
  ctx.info(describeRateLimit(rl));
  return 0;
}
