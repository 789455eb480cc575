/** A stream the CLI writes text to: `process.stdout`, `process.stderr`, or a test's capture buffer. */
export interface Output {
  write(chunk: string | Uint8Array): unknown;
  /** True on a terminal; decides colour and progress bars. */
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/**
 * Everything the CLI touches of its process, passed in so tests can run commands in-process with their own
 * streams and environment (regclient's `cobraTest` does the same with swapped output streams).
 */
export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  /** Standard input, for `--password-stdin` and prompts. */
  stdin?: NodeJS.ReadableStream | undefined;
  /**
   * Called as a command's handler starts (not for `--help`, `--version` or a usage error): src/cli/boot.ts then
   * keeps the run's code cache, which holds what that command compiled.
   */
  onCommand?: (() => void) | undefined;
  /**
   * Aborted on SIGINT/SIGTERM by src/cli/boot.ts, or with a `BrokenPipe` reason when stdout or stderr was closed;
   * commands pass it to every request and stream.
   */
  signal?: AbortSignal | undefined;
}

/** The real process's streams and environment. */
export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    // A getter: Node sets up process.stdin (a tty or net stream, ~2 ms) on first use, and few commands read it.
    get stdin() {
      return process.stdin;
    },
    signal,
  };
}

/** The exit code after a reader closed stdout or stderr: 128 + SIGPIPE (13), as a shell reports for `yes | head`. */
export const brokenPipeExitCode = 141;

/** The abort reason when the reader of stdout or stderr went away (`ocipull … | head`): not a failure to report. */
export class BrokenPipe extends Error {
  override name = 'BrokenPipe' as const;
  readonly code = 'EPIPE';
  constructor() {
    super('the reader of the output went away (broken pipe)');
  }
}

/**
 * True when an abort reason says the output pipe was closed. By name and code, not `instanceof`: the reason is made
 * in dist/cli/boot.cjs and read in dist/cli/cli.cjs, two bundles with a `BrokenPipe` class each.
 */
export function isBrokenPipe(reason: unknown): reason is BrokenPipe {
  return (
    reason instanceof Error && reason.name === 'BrokenPipe' && (reason as { code?: unknown }).code === 'EPIPE'
  );
}
