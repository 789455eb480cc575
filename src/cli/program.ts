import { Command, CommanderError } from 'commander';
import type { GlobalOptions } from './context.js';
import type { CliIo } from './io.js';
import { addInspectCommands } from './program-inspect.js';
import { addLockCommands } from './program-lock.js';
import { addMirrorsCommand } from './program-mirrors.js';
import { addTransferCommands } from './program-transfer.js';
import { examples, type Handler } from './program-util.js';
import { ocipullVersion } from './version.js';

/** Holds the exit code of whichever action ran, since commander's actions return nothing to `parseAsync`. */
export interface ProgramState {
  exitCode: number;
}

/**
 * Builds the commander program. Handlers, and the context with its colours, are imported lazily so `ocipull --help`
 * loads neither the HTTP stack nor chalk (changesets' `src/cli.ts` does the same).
 */
export function buildProgram(io: CliIo, state: ProgramState): Command {
  const program = new Command('ocipull');

  function bind<A extends unknown[], O>(load: () => Promise<Handler<A, O>>) {
    return async (...raw: unknown[]) => {
      // commander passes (...positionals, options, command).
      const command = raw[raw.length - 1] as Command;
      const options = raw[raw.length - 2] as O;
      const args = raw.slice(0, -2) as A;
      // The context (and chalk with it) is loaded only when a command runs: `--help` and usage errors need neither.
      const { createContext } = await import('./context.js');
      const ctx = await createContext(io, command.optsWithGlobals<GlobalOptions>());
      const handler = await load();
      io.onCommand?.();
      state.exitCode = await handler(args, options, ctx);
    };
  }

  program
    .description('Daemonless container-image tool: pull, copy, push, tag, inspect, unpack and pin images.')
    .version(ocipullVersion(), '-V, --version', 'print the version and exit')
    .option('--debug', 'print debugging detail (stack traces, requests, credential sources; never secrets)')
    .option('-q, --quiet', 'print only errors on stderr')
    .option('--no-color', 'never colour output (NO_COLOR and FORCE_COLOR are honoured too)')
    .helpOption('-h, --help', 'show help for a command')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`ocipull: ${s.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      examples([
        'ocipull debian                       # pull docker.io/library/debian:latest into ./debian',
        'ocipull inspect alpine:3.20',
        'ocipull digest --full-ref ghcr.io/org/app:1.2',
        'ocipull ratelimit',
        'ocipull ref --json ghcr.io/org/app:1.2',
      ]),
    );

  addTransferCommands(program, bind);
  addInspectCommands(program, bind);
  addLockCommands(program, bind);
  addMirrorsCommand(program, bind);

  return program;
}

/** True for commander's own "exit now" signals: help or version printed (exit 0), or a usage error (exit 2). */
export function isCommanderExit(err: unknown): err is CommanderError {
  return err instanceof CommanderError;
}
