/** A registries.conf with nothing in it but comments: most machines have the stock file. */

/** True when every line is blank or a `#` comment: a TOML document with no keys. */
export function isCommentsOnly(text: string): boolean {
  for (const line of text.split('\n')) {
    const body = line.endsWith('\r') ? line.slice(0, -1) : line;
    const trimmed = body.trimStart();
    if (trimmed === '') {
      if (body !== '' && /[^ \t]/.test(body)) return false;
      continue;
    }
    if (!trimmed.startsWith('#') || /[^ \t]/.test(body.slice(0, body.length - trimmed.length))) return false;
    // A comment may hold any character but the control ones TOML forbids (tab is allowed).
    for (let i = 1; i < trimmed.length; i++) {
      const c = trimmed.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
    }
  }
  return true;
}
