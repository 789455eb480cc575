import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokenPipe, brokenPipeExitCode, isBrokenPipe, processIo } from './io.js';

/**
 * The process side of the CLI, as dist/cli/boot.cjs: what `bin/ocipull.js` runs for everything but `--version`.
 * It owns what belongs to the process (signals, the run's one AbortController, closed pipes, V8 flags) and picks
 * the cheapest way to answer:
 * - `--help` and `CMD --help` with stdout not a terminal: the text the program prints, captured at build time
 *   (dist/cli/help.json, see scripts/build.mjs) — commander and every command's options cost ~25 ms to build;
 * - `ref [--json] REF...`: `ref-fast.ts`, without commander (in this bundle, evaluated only when used);
 * - everything else: the whole CLI, dist/cli/cli.cjs (src/cli/main.ts's `run`), one CommonJS bundle loaded with a
 *   V8 code cache (`code-cache.ts`).
 * This bundle is compiled on every run without a cache, so it imports only what these paths need (io.ts, and
 * ref-fast.ts with the reference parser); the rest of the CLI lives in cli.cjs. What only the full CLI needs is
 * imported with `import()`, so `ref` and `--help` skip it. Modules in both bundles exist twice: nothing that
 * crosses from one to the other may be checked with `instanceof` (see io.ts's isBrokenPipe).
 */

/** The one AbortController of the process, aborted on SIGINT/SIGTERM or when a reader closes stdout or stderr. */
const controller = new AbortController();
// Every request, stream and semaphore of a run listens on this signal, so its listener count grows with --jobs;
// Node's default of 10 would print MaxListenersExceededWarning from --jobs 11 on (undici adds one per request).
setMaxListeners(0, controller.signal);

function onSignal(signal: NodeJS.Signals): void {
  if (controller.signal.aborted) process.exit(130); // a second Ctrl-C means "now"
  controller.abort(new Error(`received ${signal}`));
}

/**
 * Every command but `pull`, the default (src/cli/program-*.ts), and commander's `help`: an argv whose first word
 * is none of these pulls. test/cli/boot.test.ts checks the list against the program's.
 */
export const notPull: ReadonlySet<string> = new Set(
  'copy digest help inspect lock login logout mirrors push ratelimit ref sync tag tags unpack verify'.split(
    ' ',
  ),
);

/**
 * The command argv runs, which names its code cache and decides its V8 flags: the first word that is not a flag
 * (global options are all flags) when it names a command, else `pull` (`ocipull debian` pulls).
 */
export function commandOf(argv: readonly string[]): string {
  const first = argv.find((a) => !a.startsWith('-'));
  return first !== undefined && notPull.has(first) ? first : 'pull';
}

/**
 * True for `ocipull ref [--json] REF...` with nothing else: `ref-fast.ts` runs it without building the commander
 * program. `--help`, `--`, global flags or no reference take the program's path.
 */
function isPlainRef(argv: readonly string[]): boolean {
  if (argv[0] !== 'ref') return false;
  const rest = argv.slice(1);
  return rest.some((a) => a !== '--json') && rest.every((a) => a === '--json' || !a.startsWith('-'));
}

/**
 * The key of argv in dist/cli/help.json when it only asks for help: `''` for `--help`, `-h` or `help`, the
 * command's name for `CMD --help`, `CMD -h` or `help CMD`; undefined otherwise (then the program answers).
 */
export function helpKey(argv: readonly string[]): string | undefined {
  const isFlag = (a: string | undefined) => a === '--help' || a === '-h';
  if (argv.length === 1 && (isFlag(argv[0]) || argv[0] === 'help')) return '';
  if (argv.length !== 2) return undefined;
  const [a, b] = argv as [string, string];
  if (isFlag(b) && !a.startsWith('-')) return a;
  if (a === 'help' && !b.startsWith('-')) return b;
  return undefined;
}

/** The captured help for argv, when there is one and stdout is not a terminal (the program wraps to its width). */
function cannedHelp(argv: readonly string[]): string | undefined {
  if (process.stdout.isTTY) return undefined;
  const key = helpKey(argv);
  if (key === undefined) return undefined;
  try {
    const texts = JSON.parse(readFileSync(join(__dirname, 'help.json'), 'utf8')) as Record<string, string>;
    return Object.hasOwn(texts, key) ? texts[key] : undefined;
  } catch {
    return undefined; // no help.json (the build that writes it runs the program): ask the program
  }
}

/** What dist/cli/cli.cjs exports: src/cli/main.ts's `run`. */
interface Cli {
  run(argv: string[], io: ReturnType<typeof processIo>): Promise<number>;
}

/** Sets V8's flags for a run of `command`; they must be set before the CLI bundle is compiled (see code-cache.ts). */
async function setV8Flags(command: string): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  // undici parses HTTP with llhttp compiled to WebAssembly. Optimizing that module with TurboFan costs ~35 MB of
  // peak RSS and ~0.1 s of CPU per run; the baseline compiler (Liftoff) is plenty for header parsing, since bodies
  // pass through untouched. Must be set before undici compiles the module on the first request.
  setFlagsFromString('--liftoff-only');
  // V8 grows the young generation (two semi-spaces) by 2x after each scavenge that keeps enough alive, up to
  // 2 x 16 MiB; a pull's garbage is socket buffers and stream chunks, dead by the next scavenge, so the growth buys
  // nothing but peak RSS (about -20 MiB on the big pull, same wall). Set at run time, this flag takes effect;
  // --max-semi-space-size does not (it is read only when the heap is set up).
  setFlagsFromString('--semi-space-growth-factor=1');
  // A pull (`pull`, or the default command: `ocipull debian`) is one hot loop of socket reads, hashing and file
  // writes; TurboFan's optimized code for it costs ~15 MiB of peak RSS (92 -> 78 MiB on the 1 GiB pull) and, on two
  // cores, its background compiles compete with the transfer: without it the 40-layer and Debian-sized pulls ran
  // 10 % faster, the 1 GiB pull used ~0.3 s more CPU. Copies and pushes (uploads) ran 10-40 % slower without it,
  // one-shot commands the same: they keep it.
  if (command === 'pull') setFlagsFromString('--no-opt');
}

/** Runs the CLI with the real streams and returns the exit code (the bin shim sets `process.exitCode`). */
export async function start(argv: string[]): Promise<number> {
  // Installed before the CLI is loaded: until a handler exists, SIGTERM kills the process (exit 143) instead of
  // giving the documented 130.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `ocipull … | head`: the reader left. End quietly (no EPIPE stack trace, no "bug" message) with 141, what a
  // shell reports for a program stopped by SIGPIPE. The listeners stay: the error can arrive after run() returns.
  const onPipeError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (!controller.signal.aborted) controller.abort(new BrokenPipe());
    if (isBrokenPipe(controller.signal.reason)) process.exitCode = brokenPipeExitCode;
  };
  process.stdout.on('error', onPipeError);
  process.stderr.on('error', onPipeError);
  try {
    const help = cannedHelp(argv);
    if (help !== undefined) {
      // Written out (or refused by a closed pipe) before the exit code is decided, as the program does.
      await new Promise<void>((resolve) => process.stdout.write(help, () => resolve()));
      return isBrokenPipe(controller.signal.reason) ? brokenPipeExitCode : 0;
    }
    const io = processIo(controller.signal);
    if (isPlainRef(argv)) {
      const { runPlainRef } = await import('./ref-fast.js');
      return await runPlainRef(argv, io);
    }
    const command = commandOf(argv);
    // node:v8, node:vm and the code cache load only here: `ref` and `--help` need none of them.
    await setV8Flags(command);
    const file = join(__dirname, 'cli.cjs');
    let cli: Cli;
    if (argv.includes('--debug')) {
      // Stack traces mapped to src/: Node applies source maps only to code its own loader compiled, not to a
      // vm.Script, so --debug runs take require() and no code cache.
      process.setSourceMapsEnabled(true);
      cli = require(file) as Cli;
    } else {
      const { loadCached } = await import('./code-cache.js');
      const bundle = loadCached<Cli>(file, command);
      cli = bundle.exports;
      io.onCommand = bundle.keep;
    }
    // One turn of the event loop, so a SIGINT/SIGTERM that came while the bundle loaded (synchronously) has
    // aborted the run before it starts: run() then says "interrupted" (130) instead of starting the command.
    await new Promise((resolve) => setImmediate(resolve));
    return await cli.run(argv, io);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
