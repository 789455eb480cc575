/**
 * The base images of a Dockerfile: every `FROM` image, with global `ARG` defaults substituted, `--platform=`
 * dropped, and build-stage names and `scratch` left out (Dockerfile reference, "FROM" and "Understand how ARG and
 * FROM interact"). What cannot be resolved (an `ARG` without a default) is skipped with a warning.
 */
import type { ReadRefs } from './read-list.js';
import { substitute } from './variables.js';

/** Joins continuation lines (a trailing backslash) and drops comment lines. */
function instructions(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!current && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current && trimmed.startsWith('#')) return; // comments inside a continued instruction
    const continued = /\\\s*$/.test(raw);
    const part = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (current) current.text += ` ${part.trim()}`;
    else current = { line: i + 1, text: part.trim() };
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

/** Reads the `FROM` images of a Dockerfile's text; `file` is for warnings. */
export function readDockerfile(text: string, file: string): ReadRefs {
  const result: ReadRefs = { refs: [], warnings: [] };
  const globals = new Map<string, string>();
  const declared = new Set<string>();
  const stages = new Set<string>();
  let seenFrom = false;
  for (const { line, text: inst } of instructions(text)) {
    const [keyword = '', ...rest] = inst.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && !seenFrom) {
      for (const arg of rest) {
        const eq = arg.indexOf('=');
        const name = eq < 0 ? arg : arg.slice(0, eq);
        declared.add(name);
        if (eq >= 0) globals.set(name, arg.slice(eq + 1).replace(/^(["'])(.*)\1$/, '$2'));
      }
      continue;
    }
    if (upper !== 'FROM') continue;
    seenFrom = true;
    const words = rest.filter((w) => !w.startsWith('--'));
    const [image, as, stage] = words;
    if (as?.toUpperCase() === 'AS' && stage) stages.add(stage.toLowerCase());
    if (!image) continue;
    const where = `${file}:${line}`;
    const sub = substitute(image, globals);
    if ('unresolved' in sub) {
      result.warnings.push(
        `${where}: skipped FROM ${image}: ARG ${sub.unresolved} ${declared.has(sub.unresolved) ? 'has no default' : 'is not declared before the first FROM'}`,
      );
      continue;
    }
    const name = sub.value;
    if (name.toLowerCase() === 'scratch' || stages.has(name.toLowerCase())) continue;
    result.refs.push({ input: name, where });
  }
  return result;
}
