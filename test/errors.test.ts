import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ExitCode,
  errorCodes,
  exitCodeFor,
  IntegrityError,
  InvalidReferenceError,
  OcipullError,
} from '../src/errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('errors', () => {
  it('maps codes to the documented exit codes', () => {
    expect(exitCodeFor(new OcipullError('E_MANIFEST_UNKNOWN', 'x'))).toBe(3);
    expect(exitCodeFor(new OcipullError('E_RATE_LIMITED', 'x'))).toBe(5);
    expect(exitCodeFor(new InvalidReferenceError('A', 'bad'))).toBe(2);
    expect(exitCodeFor(new IntegrityError('x', { digest: 'sha256:a' }, { size: 3 }))).toBe(7);
    expect(exitCodeFor(new TypeError('bug'))).toBe(ExitCode.internal);
  });

  it('quotes the input of an invalid reference', () => {
    expect(new InvalidReferenceError('Foo Bar', 'contains a space').message).toBe(
      'invalid reference "Foo Bar": contains a space',
    );
  });

  it.each(errorCodes)('README documents %s with its exit code', (code) => {
    const exit = exitCodeFor(new OcipullError(code, 'x'));
    const row = readme.split('\n').find((line) => line.startsWith(`| ${exit} |`));
    expect(row, `README exit-code table has a row for ${exit}`).toBeDefined();
    expect(row).toContain(`\`${code}\``);
  });
});
