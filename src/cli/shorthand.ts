import { OcipullError } from '../errors.js';

/**
 * The rule that keeps `ocipull REF [DEST]` (pull as the default command) from swallowing typos: a bare first word
 * one edit away from a command name (two for names of six letters or more) is an unknown command, not an image,
 * and a DEST that is exactly a command name is refused. A word with `/`, `:`, `@` or `.` is a qualified
 * reference and is always pulled; `ocipull pull WORD [DEST]` pulls whatever it is given.
 */
export function checkShorthand(ref: string, dest: string | undefined, commands: string[]): void {
  const known = commands.filter((name) => name !== 'help');
  const suggestion = /[/:@.]/.test(ref) ? undefined : closest(ref, known);
  if (suggestion !== undefined) {
    throw new OcipullError(
      'E_USAGE',
      `unknown command ${JSON.stringify(ref)} (did you mean ${suggestion}?)`,
      {
        hint: `to pull an image named ${JSON.stringify(ref)}, say so: ocipull pull ${ref}${dest ? ` ${dest}` : ''}`,
      },
    );
  }
  if (dest !== undefined && known.includes(dest)) {
    throw new OcipullError(
      'E_USAGE',
      `${JSON.stringify(dest)} is a command, not a destination (did you mean ocipull ${dest} ${ref}?)`,
      { hint: `to pull into a directory of that name, write ./${dest}` },
    );
  }
}

/** The command name closest to `word` within the allowed distance, if any. */
function closest(word: string, commands: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of commands) {
    const distance = editDistance(word.toLowerCase(), name);
    const allowed = name.length >= 6 ? 2 : 1;
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits), as commander's suggestions use. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
