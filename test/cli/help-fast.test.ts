/**
 * `--help`, `CMD --help`, `-h` and `help CMD` with stdout not a terminal print the text captured at build time
 * (dist/cli/help.json, written by scripts/build.mjs; served by src/cli/boot.ts without building the commander
 * program). The built CLI must print exactly what the program prints in-process for each, for every command the
 * program has; anything that is not a plain request for help still goes to the program.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandNames } from '../../src/cli/main.js';
import { BIN } from '../pull/process-helpers.js';
import { runCli } from './capture.js';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: '/nonexistent' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const canned = JSON.parse(
  readFileSync(new URL('../../dist/cli/help.json', import.meta.url), 'utf8'),
) as Record<string, string>;

describe('the help fast path', () => {
  it('has a text for the program and for each of its commands', () => {
    expect(Object.keys(canned).sort()).toEqual(['', ...commandNames()].sort());
  });

  it.each([['--help'], ['-h'], ['help']])('ocipull %s prints what the program prints', async (flag) => {
    const program = await runCli([flag]);
    expect(program.code).toBe(0);
    expect(program.stdout).toContain('Usage: ocipull [options] [command]');
    expect(cli([flag])).toEqual({ code: 0, stdout: program.stdout, stderr: '' });
  });

  it.each(commandNames())('ocipull %s --help, -h and help %s print what the program prints', async (name) => {
    const program = await runCli([name, '--help']);
    expect(program.code).toBe(0);
    expect(program.stdout).toContain(`Usage: ocipull ${name} `);
    const expected = { code: 0, stdout: program.stdout, stderr: '' };
    expect(cli([name, '--help'])).toEqual(expected);
    expect(cli([name, '-h'])).toEqual(expected);
    expect(cli(['help', name])).toEqual(expected);
  });

  it('leaves anything else to the program: an unknown command, a global flag, more arguments', () => {
    const unknown = cli(['bogus', '--help']);
    expect(unknown.stdout).not.toContain('Usage: ocipull bogus');
    expect(cli(['help', 'bogus']).code).not.toBe(0);
    expect(cli(['--no-color', '--help'])).toEqual({ code: 0, stdout: canned[''], stderr: '' });
    const withRef = cli(['pull', '--help', 'debian']);
    expect(withRef.code).toBe(0);
    expect(withRef.stdout).toContain('Usage: ocipull pull');
  });
});
