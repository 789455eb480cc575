/** `$NAME`, `${NAME}` and `${NAME:-default}` in Dockerfile `FROM` lines and compose `image:` values. */

/** Substitutes known variables; returns null and the first unknown name when one cannot be resolved. */
export function substitute(
  text: string,
  vars: ReadonlyMap<string, string>,
): { value: string } | { unresolved: string } {
  let unresolved: string | undefined;
  const value = text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (
      _m,
      braced: string | undefined,
      op: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      const name = (braced ?? bare)!;
      const set = vars.get(name);
      const empty = set === undefined || (op?.startsWith(':') === true && set === '');
      if (op?.endsWith('-')) return empty ? (word ?? '') : set!;
      if (op?.endsWith('+')) return empty ? '' : (word ?? '');
      if (set === undefined) unresolved ??= name;
      return set ?? '';
    },
  );
  return unresolved === undefined ? { value } : { unresolved };
}
