import { Chalk, type ChalkInstance } from 'chalk';
import type { Output } from './io.js';

/**
 * The colour level for one output stream: `--no-color` and a non-empty `NO_COLOR` (https://no-color.org) turn it
 * off, `FORCE_COLOR` turns it on (its number is the level, `0`/`false` means off), otherwise colour only on a TTY.
 */
export function colorLevel(
  stream: Output,
  env: Record<string, string | undefined>,
  flag: boolean,
): 0 | 1 | 2 | 3 {
  if (!flag) return 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const n = Number.parseInt(force, 10);
    return n === 2 || n === 3 ? n : 1;
  }
  return stream.isTTY ? 1 : 0;
}

/** A chalk instance for one stream; only `cli` and `progress` may style text. */
export function chalkFor(
  stream: Output,
  env: Record<string, string | undefined>,
  flag: boolean,
): ChalkInstance {
  return new Chalk({ level: colorLevel(stream, env, flag) });
}
