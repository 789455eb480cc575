import { setMaxListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';

/**
 * The one AbortController of the process, aborted on SIGINT/SIGTERM (so downloads stop, temp files go, and the
 * exit code is 130) or when a reader closes stdout or stderr.
 */
const controller = new AbortController();
// Every request, stream and semaphore of a run listens on this signal, so its listener count grows with --jobs;
// Node's default of 10 would print MaxListenersExceededWarning from --jobs 11 on (undici adds one per request).
setMaxListeners(0, controller.signal);

function onSignal(signal: NodeJS.Signals): void {
  if (controller.signal.aborted) process.exit(130); // a second Ctrl-C means "now"
  controller.abort(new Error(`received ${signal}`));
}

// Installed while this small module is evaluated, before the rest of the CLI is loaded with import() below:
// until a handler exists, SIGTERM kills the process (exit 143) instead of giving the documented 130. That is why
// this file imports nothing from src/ statically (esbuild would load those chunks first).
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

/** Every command but `pull`, the default (src/cli/program-*.ts): an argv whose first word is none of these pulls. */
const notPull = new Set(
  'copy digest help inspect lock login logout mirrors push ratelimit ref sync tag tags unpack verify'.split(
    ' ',
  ),
);

/** True when argv runs `pull`, explicitly or as the default command (global options are all flags). */
function isPull(argv: string[]): boolean {
  const first = argv.find((a) => !a.startsWith('-'));
  return first !== undefined && !notPull.has(first);
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

/** Runs the CLI with the real streams and returns the exit code (the bin shim sets `process.exitCode`). */
export async function main(argv: string[]): Promise<number> {
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
  if (isPull(argv)) setFlagsFromString('--no-opt');
  // The CLI ships as an esbuild bundle; map --debug stack traces back to src/.
  if (argv.includes('--debug')) process.setSourceMapsEnabled(true);
  const [{ run }, { BrokenPipe, brokenPipeExitCode, isBrokenPipe, processIo }] = await Promise.all([
    isPlainRef(argv) ? import('./ref-fast.js').then((m) => ({ run: m.runPlainRef })) : import('./main.js'),
    import('./io.js'),
  ]);
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
    return await run(argv, processIo(controller.signal));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
