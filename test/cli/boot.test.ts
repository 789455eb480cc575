/**
 * The routing of src/cli/boot.ts (the process entry, dist/cli/boot.cjs): which argv is a plain request for help
 * (served from dist/cli/help.json), and which command an argv runs (it names the code cache and decides the V8
 * flags). End to end, test/cli/help-fast.test.ts and code-cache.test.ts run the built CLI.
 */
import { describe, expect, it } from 'vitest';
import { commandOf, helpKey, notPull } from '../../src/cli/boot.js';
import { commandNames } from '../../src/cli/main.js';

describe('helpKey', () => {
  it.each([
    [['--help'], ''],
    [['-h'], ''],
    [['help'], ''],
    [['pull', '--help'], 'pull'],
    [['digest', '-h'], 'digest'],
    [['help', 'sync'], 'sync'],
    // Not commands: help.json has no such keys, so the program answers.
    [['debian', '--help'], 'debian'],
    [['help', '--help'], 'help'],
  ])('%j asks for help text %j', (argv, key) => {
    expect(helpKey(argv)).toBe(key);
  });

  it.each([
    [[]],
    [['--no-color', '--help']],
    [['--help', 'pull']],
    [['-q', '-h']],
    [['pull', '--help', 'debian']],
    [['help', 'pull', 'x']],
    [['pull', '--json']],
    [['--version']],
  ])('%j is left to the program', (argv) => {
    expect(helpKey(argv)).toBeUndefined();
  });
});

describe('commandOf', () => {
  it('names every command but pull, and commander’s help, as the program has them', () => {
    expect([...notPull].sort()).toEqual([...commandNames().filter((n) => n !== 'pull'), 'help'].sort());
  });

  it.each([
    [['digest', 'alpine'], 'digest'],
    [['--debug', '-q', 'inspect', 'alpine'], 'inspect'],
    [['debian'], 'pull'],
    [['pull', 'debian', './out'], 'pull'],
    [['../../etc/x'], 'pull'],
    [['--quiet'], 'pull'],
    [['copy', 'a', 'b'], 'copy'],
  ])('%j runs %s', (argv, command) => {
    expect(commandOf(argv)).toBe(command);
  });
});
