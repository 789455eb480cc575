import { ExitCode } from '../errors.js';
import { type CliIo, processIo } from './io.js';
import { buildProgram, isCommanderExit, type ProgramState } from './program.js';
import { reportError } from './report.js';

/**
 * Runs ocipull with `argv` (the arguments after the program name) and returns the exit code.
 * Never throws and never calls `process.exit`, so tests can run it in-process.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
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
    if (io.signal?.aborted) {
      io.stderr.write('ocipull: interrupted\n');
      return ExitCode.interrupted;
    }
    return reportError(io, err, argv.includes('--debug'));
  }
}
