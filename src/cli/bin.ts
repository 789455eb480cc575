import { setFlagsFromString } from 'node:v8';
import { processIo } from './io.js';
import { run } from './main.js';

/**
 * The process entry: wires SIGINT/SIGTERM to one AbortController (so downloads stop, temp files go, and the
 * exit code is 130) and runs the CLI with the real streams.
 */
export async function main(argv: string[]): Promise<number> {
  // undici parses HTTP with llhttp compiled to WebAssembly. Optimizing that module with TurboFan costs ~35 MB of
  // peak RSS and ~0.1 s of CPU per run; the baseline compiler (Liftoff) is plenty for header parsing, since bodies
  // pass through untouched. Must be set before undici compiles the module on the first request.
  setFlagsFromString('--liftoff-only');
  // The CLI ships as an esbuild bundle; map --debug stack traces back to src/.
  if (argv.includes('--debug')) process.setSourceMapsEnabled(true);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C means "now"
    controller.abort(new Error(`received ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(argv, processIo(controller.signal));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
