import type { CopyOptions } from '../copy/index.js';
import type { ProgressSink } from '../progress/index.js';
import { retryPolicy } from '../registry/client/index.js';
import type { CommandContext } from './context.js';
import { platformFrom } from './open-client.js';

/** The flags every command that runs the copy engine shares. */
export interface TransferFlags {
  platform?: string | undefined;
  preserveDigests?: boolean | undefined;
  jobs?: number | undefined;
  retries?: number | undefined;
}

/** The engine's options from the flags of pull, copy, push and unpack: one place for the defaults. */
export function copyOptions(
  flags: TransferFlags,
  ctx: CommandContext,
  sink: ProgressSink,
  allPlatforms: boolean,
): CopyOptions {
  return {
    platform: platformFrom(flags.platform),
    explicitPlatform: flags.platform !== undefined,
    allPlatforms,
    preserveDigests: flags.preserveDigests === true,
    jobs: flags.jobs ?? 4,
    retry: retryPolicy(flags.retries),
    signal: ctx.signal,
    onEvent: (e) => sink.event(e),
  };
}
