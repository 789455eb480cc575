/**
 * The `image:` values of a compose file, read line by line (no YAML parser: only `image:` keys matter, and a
 * line reader keeps the dependency list short). `${VAR:-default}` takes its default; a variable without one is
 * skipped with a warning, as compose would need the environment to resolve it.
 */
import type { ReadRefs } from './read-list.js';
import { substitute } from './variables.js';

/** Reads the images of a compose file's text; `file` is for warnings. */
export function readCompose(text: string, file: string): ReadRefs {
  const result: ReadRefs = { refs: [], warnings: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^\s*(?:-\s+)?image:\s*(.*)$/.exec(raw);
    if (!m) return;
    let value = m[1]!.trim();
    const quoted = /^(["'])(.*?)\1/.exec(value);
    value = quoted ? quoted[2]! : value.replace(/\s+#.*$/, '').trim();
    if (value === '') return;
    const where = `${file}:${i + 1}`;
    const sub = substitute(value, new Map());
    if ('unresolved' in sub) {
      result.warnings.push(`${where}: skipped image ${value}: \${${sub.unresolved}} has no default`);
      return;
    }
    result.refs.push({ input: sub.value, where });
  });
  return result;
}
