/**
 * `ocipull ref [--json] REF...` runs without the commander program (src/cli/ref-fast.ts, chosen in boot.ts). The built
 * CLI must print exactly what the program path prints for the same arguments; a global flag before `ref` forces the
 * program path, and every other form (help, `--`, unknown flags, no reference) still goes through it.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from '../pull/process-helpers.js';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the ref fast path', () => {
  const cases = [
    ['debian'],
    ['--json', 'debian', 'ghcr.io/org/app:1.2', `localhost:5000/x@sha256:${'a'.repeat(64)}`],
    ['debian', 'Bad::ref', '[::1]:5000/team/app:v1'],
    ['--json', 'Bad::ref'],
    ['--json', 'a', 'Bad::ref', '--json'],
  ];
  for (const args of cases) {
    it(`prints what the program prints: ref ${args.join(' ')}`, () => {
      const fast = cli(['ref', ...args]);
      const program = cli(['--no-color', 'ref', ...args]);
      expect(fast).toEqual(program);
      expect(fast.stdout + fast.stderr).not.toBe('');
    });
  }

  it('leaves help, unknown flags and a missing reference to the program', () => {
    expect(cli(['ref', '--help']).stdout).toContain('Usage: ocipull ref');
    const unknown = cli(['ref', '--bogus', 'debian']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--bogus');
    const none = cli(['ref', '--json']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing required argument/);
  });
});
