import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCommentsOnly } from '../../src/mirrors/comments.js';
import { loadFrom } from '../../src/mirrors/load.js';
import { tempDir } from '../fakes/scope.js';

/** Loads `text` as the main file (no drop-ins). */
async function load(text: string) {
  const dir = await tempDir();
  const file = join(dir, 'registries.conf');
  await writeFile(file, text);
  const config = await loadFrom({ mainFile: file, explicit: true, dropInDirs: [] });
  return { ...config, files: config.files.map((f) => f.replace(dir, 'DIR')) };
}

describe('a registries.conf of comments only (the stock file) is an empty document, without the TOML parser', () => {
  it('loads as what the parser gives for an empty document', async () => {
    const viaParser = await load('[aliases]\n');
    expect(viaParser.files).toEqual(['DIR/registries.conf']);
    expect(await load('# only comments\n\n  # indented\r\n')).toEqual(viaParser);
    expect(await load('')).toEqual(viaParser);
  });

  it('recognizes only blank lines and comments', async () => {
    expect(isCommentsOnly('# a\n#\n\n \t# b')).toBe(true);
    expect(isCommentsOnly('# a\nunqualified-search-registries = []\n')).toBe(false);
    expect(isCommentsOnly('# a\n[[registry]]\n')).toBe(false);
    // TOML refuses control characters in comments and a lone CR: those go to the parser, which says so.
    expect(isCommentsOnly('# bad \u0001 comment\n')).toBe(false);
    expect(isCommentsOnly('# a\r# b')).toBe(false);
    await expect(load('# bad \u0001 comment\n')).rejects.toThrow(/invalid TOML/);
  });

  it("Debian's stock /etc/containers/registries.conf (containers-common) is comments only", () => {
    let text: string;
    try {
      text = readFileSync('/etc/containers/registries.conf', 'utf8');
    } catch {
      console.warn('skipped: no /etc/containers/registries.conf on this machine');
      return;
    }
    // CI installs skopeo, whose containers-common ships this file; a machine with a configured file differs.
    if (process.env.CI) expect(isCommentsOnly(text)).toBe(true);
  });
});
