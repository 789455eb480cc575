/**
 * `ocipull ref [--json] REF...` without commander: the command is a pure function of its arguments, and building
 * the whole program (commander and every command's options, ~20 ms) was most of what it cost over Node's start-up.
 * `boot.ts` takes this path only for the plain form (its `isPlainRef`); anything else (`--help`, `--`, a global flag,
 * no reference) goes through the program as before, so the two cannot disagree on what they accept.
 */
import { refCommand } from './commands/ref.js';
import type { CliIo } from './io.js';

/** Runs the plain form with the process's streams, as the program would. */
export function runPlainRef(argv: readonly string[], io: CliIo): Promise<number> {
  const rest = argv.slice(1);
  const inputs = rest.filter((a) => a !== '--json');
  return refCommand([inputs], { json: rest.includes('--json') }, { io, debug: false });
}
