import { ExitCode, exitCodeFor, isOcipullError } from '../errors.js';
import type { CliIo } from './io.js';

/**
 * Prints a failure the way users should see it and returns the exit code.
 *
 * Expected failures (`OcipullError`) print `ocipull: <what failed>: <why>` and an optional `hint:` line, with no
 * stack trace unless `--debug`. Anything else is a bug: say so and exit 1, as changesets' `InternalError` path does.
 */
export function reportError(io: CliIo, err: unknown, debug: boolean): number {
  if (isOcipullError(err)) {
    io.stderr.write(`ocipull: ${err.message}\n`);
    if (err.hint) io.stderr.write(`hint: ${err.hint}\n`);
    if (debug) writeDebugDetail(io, err);
    return exitCodeFor(err);
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`ocipull: internal error: ${message}\n`);
  io.stderr.write(
    'This is a bug in ocipull. Please report it with the command you ran and the output of the same command with --debug.\n',
  );
  if (debug) writeDebugDetail(io, err);
  return ExitCode.internal;
}

function writeDebugDetail(io: CliIo, err: unknown): void {
  let current: unknown = err;
  let depth = 0;
  while (current !== undefined && depth < 5) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      io.stderr.write(
        `${depth === 0 ? '' : 'caused by: '}${current.stack ?? current.message}${code ? ` [${String(code)}]` : ''}\n`,
      );
      current = current.cause;
    } else {
      io.stderr.write(`caused by: ${String(current)}\n`);
      current = undefined;
    }
    depth++;
  }
}
