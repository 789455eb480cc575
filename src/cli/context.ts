import type { ChalkInstance } from 'chalk';
import { chalkFor } from './color.js';
import type { CliIo } from './io.js';

/** The global flags every command accepts. */
export interface GlobalOptions {
  debug?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** What a command gets: the process's streams, the global flags, and styling for each stream. */
export interface CommandContext {
  io: CliIo;
  debug: boolean;
  quiet: boolean;
  /** Styling for data on stdout. */
  out: ChalkInstance;
  /** Styling for diagnostics on stderr. */
  err: ChalkInstance;
  signal: AbortSignal;
  /** Writes one diagnostic line to stderr unless `--quiet`. */
  info(line: string): void;
  /** Writes one line to stderr only with `--debug`. */
  debugLog(line: string): void;
}

/** Builds the context from the parsed global options. */
export async function createContext(io: CliIo, globals: GlobalOptions): Promise<CommandContext> {
  const colorFlag = globals.color !== false;
  const debug = globals.debug === true;
  const quiet = globals.quiet === true;
  const [err, out] = await Promise.all([
    chalkFor(io.stderr, io.env, colorFlag),
    chalkFor(io.stdout, io.env, colorFlag),
  ]);
  return {
    io,
    debug,
    quiet,
    out,
    err,
    signal: io.signal ?? new AbortController().signal,
    info(line) {
      if (!quiet) io.stderr.write(`${line}\n`);
    },
    debugLog(line) {
      if (debug) io.stderr.write(`${err.dim(`debug: ${line}`)}\n`);
    },
  };
}
