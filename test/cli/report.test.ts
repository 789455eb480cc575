import { describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli/report.js';
import { ExitCode, OcipullError } from '../../src/errors.js';

function capture() {
  let stderr = '';
  return {
    io: { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, env: {} },
    stderr: () => stderr,
  };
}

describe('reportError', () => {
  it('prints an expected failure as one line plus a hint and maps its exit code', () => {
    const c = capture();
    const code = reportError(
      c.io,
      new OcipullError('E_RATE_LIMITED', 'pull docker.io/library/alpine:3.20: registry answered 429', {
        hint: 'pass credentials',
      }),
      false,
    );
    expect(code).toBe(ExitCode.rateLimited);
    expect(c.stderr()).toBe(
      'ocipull: pull docker.io/library/alpine:3.20: registry answered 429\nhint: pass credentials\n',
    );
  });

  it('calls an unexpected exception a bug, exits 1, and hides the stack without --debug', () => {
    const c = capture();
    expect(reportError(c.io, new TypeError('x is undefined'), false)).toBe(1);
    expect(c.stderr()).toMatch(/^ocipull: internal error: x is undefined\nThis is a bug in ocipull/);
    expect(c.stderr()).not.toContain('    at ');
  });

  it('shows the stack and cause chain with --debug', () => {
    const c = capture();
    reportError(
      c.io,
      new OcipullError('E_NETWORK', 'ping x: failed', { cause: new Error('ECONNREFUSED') }),
      true,
    );
    expect(c.stderr()).toContain('    at ');
    expect(c.stderr()).toContain('caused by: Error: ECONNREFUSED');
  });
});
