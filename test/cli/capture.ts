import { run } from '../../src/cli/main.js';

/** The result of running the CLI in-process. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout exactly as written, for binary output (an archive on `-`). */
  stdoutBytes: Buffer;
}

/** Runs `ocipull ARGV` in-process with captured streams and the given environment (no colour unless asked). */
export async function runCli(
  argv: string[],
  options: { env?: Record<string, string | undefined>; tty?: boolean; stdin?: NodeJS.ReadableStream } = {},
): Promise<CliResult> {
  const out: Buffer[] = [];
  let stderr = '';
  const code = await run(argv, {
    stdout: {
      write: (s: string | Uint8Array) => out.push(typeof s === 'string' ? Buffer.from(s) : Buffer.from(s)),
      isTTY: options.tty ?? false,
    },
    stderr: { write: (s: string | Uint8Array) => (stderr += String(s)), isTTY: options.tty ?? false },
    env: options.env ?? {},
    stdin: options.stdin,
  });
  const stdoutBytes = Buffer.concat(out);
  const result = { code, stdout: stdoutBytes.toString('utf8'), stderr } as CliResult;
  // Not enumerable, so tests can still compare `{ code, stdout, stderr }` with toEqual.
  Object.defineProperty(result, 'stdoutBytes', { value: stdoutBytes, enumerable: false });
  return result;
}
