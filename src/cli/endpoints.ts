/**
 * The CLI's side of opening copy ends: the ends themselves are opened by `api/endpoints.ts` (shared with the
 * library); here each side's registry flags become its client opener.
 */
import {
  type DestinationContext,
  openDestination as openDestinationWith,
  openSource as openSourceWith,
} from '../api/endpoints.js';
import type { Endpoint, ImageDestination, ImageSource } from '../copy/index.js';
import type { CommandContext } from './context.js';
import { openClient } from './open-client.js';
import type { RegistryFlags } from './registry-options.js';

export { type DestinationContext, isLayoutDir, parseLocalSource } from '../api/endpoints.js';

/** Opens the reading end with one side's registry flags. */
export function openSource(e: Endpoint, flags: RegistryFlags, ctx: CommandContext): Promise<ImageSource> {
  return openSourceWith(e, (domain, path) => openClient(domain, path, flags, ctx), ctx.signal);
}

/** Opens the writing end with one side's registry flags. */
export function openDestination(
  e: Endpoint,
  flags: RegistryFlags,
  ctx: CommandContext,
  d: Omit<DestinationContext, 'retries' | 'signal' | 'stdout'>,
  stdout?: NodeJS.WritableStream,
): Promise<ImageDestination> {
  return openDestinationWith(e, (domain, path) => openClient(domain, path, flags, ctx), {
    ...d,
    retries: flags.retries,
    signal: ctx.signal,
    stdout,
  });
}
