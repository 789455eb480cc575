import { ExitCode } from '../errors.js';
import { brokenPipeExitCode, type CliIo, isBrokenPipe, processIo } from './io.js';
import { buildProgram, isCommanderExit, type ProgramState } from './program.js';
import { reportError } from './report.js';

/**
 * Runs ocipull with `argv` (the arguments after the program name) and returns the exit code.
 * Never throws and never calls `process.exit`, so tests can run it in-process.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const code = await runProgram(argv, io);
  // A closed stdout wins over whatever the command made of it: nothing more can be said to the reader.
  return isBrokenPipe(io.signal?.reason) ? brokenPipeExitCode : code;
}

async function runProgram(argv: string[], io: CliIo): Promise<number> {
  if (io.signal?.aborted) return interrupted(io); // SIGINT/SIGTERM while the CLI was still loading
  const state: ProgramState = { exitCode: ExitCode.ok };
  const program = buildProgram(io, state);
  if (argv.length === 0) {
    // `ocipull` alone: the default command (pull) would only complain about a missing argument.
    io.stderr.write(program.helpInformation());
    return ExitCode.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    if (isCommanderExit(err)) {
      // Help and version exit 0; everything else commander rejects is a usage error, already printed.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (io.signal?.aborted) return interrupted(io);
    return reportError(io, err, argv.includes('--debug'));
  }
}

function interrupted(io: CliIo): number {
  // After a broken pipe the command ends quietly; the exit code is set by run().
  if (!isBrokenPipe(io.signal?.reason)) io.stderr.write('ocipull: interrupted\n');
  return ExitCode.interrupted;
}

/** The program's command names (for scripts/build.mjs, which captures each one's `--help`). */
export function commandNames(): string[] {
  return buildProgram(
    { stdout: { write() {} }, stderr: { write() {} }, env: {} },
    { exitCode: ExitCode.ok },
  ).commands.map((c) => c.name());
}
