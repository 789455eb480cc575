/** How the human summaries of pull, copy and inspect say where an image was read from. */
import type { ServedBy } from '../registry/client/index.js';

/**
 * ` via mirror.internal:5000/library/debian` when another repository than the reference's own served the image: a
 * mirror, or a location registries.conf rewrote it to.
 */
export function viaOf(source: ServedBy | undefined, reference: string): string {
  if (!source) return '';
  const repo = source.repository;
  const own = reference === repo || reference.startsWith(`${repo}:`) || reference.startsWith(`${repo}@`);
  return own ? '' : ` via ${repo}`;
}

/** What failed on the way to the source, and later fetches that moved to another endpoint: one line each. */
export function sourceLines(source: ServedBy | undefined, width: number): string[] {
  if (!source) return [];
  const label = (s: string) => s.padEnd(width);
  return [
    ...source.attempts.map((a) => `${label('Tried first:')}${a.repository}: ${a.error}`),
    ...source.fallbacks.map((f) => `${label('Fallback:')}${f.digest} from ${f.to} (${f.from}: ${f.error})`),
  ];
}
