import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** ocipull's version, read once from package.json (two levels up from both `src/cli` and `dist/cli`). */
export function ocipullVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    cached = pkg.version;
  }
  return cached;
}
