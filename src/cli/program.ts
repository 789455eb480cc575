import { Command, CommanderError, Option } from 'commander';
import { type CommandContext, createContext, type GlobalOptions } from './context.js';
import type { CliIo } from './io.js';
import { ocipullVersion } from './version.js';

/** A command handler: gets its positional arguments, its own options and the context; returns an exit code. */
export type Handler<A extends unknown[], O> = (args: A, options: O, ctx: CommandContext) => Promise<number>;

/** Holds the exit code of whichever action ran, since commander's actions return nothing to `parseAsync`. */
export interface ProgramState {
  exitCode: number;
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/**
 * Builds the commander program. Handlers are imported lazily so `ocipull --help` does not load the HTTP stack
 * (changesets' `src/cli.ts` does the same).
 */
export function buildProgram(io: CliIo, state: ProgramState): Command {
  const program = new Command('ocipull');

  function bind<A extends unknown[], O>(load: () => Promise<Handler<A, O>>) {
    return async (...raw: unknown[]) => {
      // commander passes (...positionals, options, command).
      const command = raw[raw.length - 1] as Command;
      const options = raw[raw.length - 2] as O;
      const args = raw.slice(0, -2) as A;
      const ctx = createContext(io, command.optsWithGlobals<GlobalOptions>());
      const handler = await load();
      state.exitCode = await handler(args, options, ctx);
    };
  }

  program
    .description('Daemonless container-image puller and inspector.')
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
      examples(['ocipull ref debian', 'ocipull ref --json ghcr.io/org/app:1.2 localhost:5000/x@sha256:…']),
    );

  program
    .command('ref')
    .summary('normalize image references')
    .description(
      'Parse and normalize image references the way docker and distribution/reference do: add the default registry\n' +
        '(docker.io), the library/ namespace for one-part Docker Hub names, and the tag "latest" when neither tag nor\n' +
        'digest is given. Prints one normalized reference per input.',
    )
    .argument('<ref...>', 'image references, e.g. debian, ghcr.io/org/app:1.2, localhost:5000/x@sha256:…')
    .addOption(new Option('--json', 'print one JSON object per input, one per line'))
    .addHelpText(
      'after',
      examples([
        'ocipull ref debian                      # docker.io/library/debian:latest',
        'ocipull ref --json debian               # {"input":"debian","domain":"docker.io",…}',
        'ocipull ref "[::1]:5000/team/app:v1"    # IPv6 registry with a port',
      ]),
    )
    .action(bind(async () => (await import('./commands/ref.js')).refCommand));

  return program;
}

/** True for commander's own "exit now" signals: help or version printed (exit 0), or a usage error (exit 2). */
export function isCommanderExit(err: unknown): err is CommanderError {
  return err instanceof CommanderError;
}
