import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCommentsOnly } from '../../src/mirrors/comments.js';
import { parseRegistriesConf } from '../../src/mirrors/parse-file.js';

describe('a registries.conf of comments only (the stock file) is an empty document, without the TOML parser', () => {
  it('gives what the parser gives for an empty document', () => {
    const viaParser = parseRegistriesConf('[aliases]\n', 'f.conf');
    expect(parseRegistriesConf('# only comments\n\n  # indented\r\n', 'f.conf')).toEqual(viaParser);
    expect(parseRegistriesConf('', 'f.conf')).toEqual(viaParser);
  });

  it('recognizes only blank lines and comments', () => {
    expect(isCommentsOnly('# a\n#\n\n \t# b')).toBe(true);
    expect(isCommentsOnly('# a\nunqualified-search-registries = []\n')).toBe(false);
    expect(isCommentsOnly('# a\n[[registry]]\n')).toBe(false);
    // TOML refuses control characters in comments and a lone CR: those go to the parser, which says so.
    expect(isCommentsOnly('# bad \u0001 comment\n')).toBe(false);
    expect(isCommentsOnly('# a\r# b')).toBe(false);
    expect(() => parseRegistriesConf('# bad \u0001 comment\n', 'f.conf')).toThrow(/invalid TOML/);
  });

  it("reads Debian's stock /etc/containers/registries.conf as empty, when the machine has it", () => {
    let text: string;
    try {
      text = readFileSync('/etc/containers/registries.conf', 'utf8');
    } catch {
      return; // no containers-common here: nothing to compare
    }
    if (!isCommentsOnly(text)) return; // a machine with a configured file: not the stock one
    expect(parseRegistriesConf(text, 'stock')).toEqual(parseRegistriesConf('[aliases]\n', 'stock'));
  });
});
