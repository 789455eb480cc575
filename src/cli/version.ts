import { readFileSync } from 'node:fs';

/** Baked in by scripts/build.mjs; undefined when the sources run as they are (tests). */
declare const __OCIPULL_VERSION__: string | undefined;

let cached: string | undefined;

/** ocipull's version: the built CLI's, else read once from package.json (two levels up from `src/cli`). */
export function ocipullVersion(): string {
  if (cached === undefined) {
    cached =
      typeof __OCIPULL_VERSION__ === 'string'
        ? __OCIPULL_VERSION__
        : (
            JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
              version: string;
            }
          ).version;
  }
  return cached;
}
