// Replaced with package.json's version by scripts/build.mjs (esbuild `define`): the library reads no file at run
// time, so a bundle of it (a GitHub Action's one file) still knows its version.
declare const __OCIPULL_VERSION__: string | undefined;

/** The version of this build of the ocipull library (`0.0.0-dev` when run from the sources). */
export const version: string = typeof __OCIPULL_VERSION__ === 'string' ? __OCIPULL_VERSION__ : '0.0.0-dev';
