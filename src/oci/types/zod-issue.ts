/**
 * Turns zod issues into the one readable line ocipull prints, naming the failing path
 * (`layers[2].digest: invalid digest`). Internal: not part of the module's public surface.
 */
import type { z } from 'zod';

/** Error map for `safeParse`: says "missing" for absent fields instead of zod's "expected string, received undefined". */
export function missingFieldError(issue: { code?: string; input?: unknown }): string | undefined {
  return issue.code === 'invalid_type' && issue.input === undefined ? 'missing' : undefined;
}

/** `path: message` for the first issue, plus how many more there were. */
export function formatZodError(error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  if (first === undefined) return 'invalid document';
  const more =
    rest.length > 0 ? ` (and ${rest.length} more ${rest.length === 1 ? 'problem' : 'problems'})` : '';
  return `${formatPath(first.path)}: ${first.message}${more}`;
}

/** `layers[2].digest`; keys that are not identifiers are bracketed, so `platform["os.version"]` stays unambiguous. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(document)';
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
