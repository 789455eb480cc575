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
  /** Aborted on SIGINT/SIGTERM by the bin shim; commands pass it to every request and stream. */
  signal?: AbortSignal | undefined;
}

/** The real process's streams and environment. */
export function processIo(signal?: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin, signal };
}
