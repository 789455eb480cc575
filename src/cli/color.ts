import type { ChalkInstance } from 'chalk';
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

/**
 * What chalk does at level 0, without loading it: every style, chained or not, joins its arguments with spaces
 * and adds nothing. Loading chalk probes the terminal (node:tty and more, ~2 ms), which output that is not
 * coloured (a pipe, a file, `--no-color`) does not need. `test/cli/color.test.ts` compares it with chalk's.
 */
const plain: ChalkInstance = new Proxy(() => undefined, {
  // Not `then` (a thenable would never settle as an `await`ed value) and no symbols: only style names chain.
  get: (_target, key) =>
    key === 'level' ? 0 : key === 'then' || typeof key === 'symbol' ? undefined : plain,
  // chalk's own coercion: one argument as a string, several joined with spaces.
  apply: (_target, _this, args: unknown[]) => (args.length === 1 ? `${args[0]}` : args.join(' ')),
}) as unknown as ChalkInstance;

/** A chalk instance for one stream; only `cli` and `progress` may style text. */
export async function chalkFor(
  stream: Output,
  env: Record<string, string | undefined>,
  flag: boolean,
): Promise<ChalkInstance> {
  const level = colorLevel(stream, env, flag);
  if (level === 0) return plain;
  const { Chalk } = await import('chalk');
  return new Chalk({ level });
}
