import { run } from '../../src/cli/main.js';

/** The result of running the CLI in-process. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ocipull ARGV` in-process with captured streams and the given environment (no colour unless asked). */
export async function runCli(
  argv: string[],
  options: { env?: Record<string, string | undefined>; tty?: boolean; stdin?: NodeJS.ReadableStream } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: {
      write: (s: string | Uint8Array) =>
        (stdout += typeof s === 'string' ? s : Buffer.from(s).toString('utf8')),
      isTTY: options.tty ?? false,
    },
    stderr: { write: (s: string | Uint8Array) => (stderr += String(s)), isTTY: options.tty ?? false },
    env: options.env ?? {},
    stdin: options.stdin,
  });
  return { code, stdout, stderr };
}
