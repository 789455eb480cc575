import { Chalk, type ChalkInstance } from 'chalk';
import { describe, expect, it } from 'vitest';
import { chalkFor, colorLevel } from '../../src/cli/color.js';

describe('colorLevel', () => {
  it.each([
    { tty: true, env: {}, flag: true, level: 1 },
    { tty: false, env: {}, flag: true, level: 0 },
    { tty: true, env: { NO_COLOR: '1' }, flag: true, level: 0 },
    { tty: true, env: { NO_COLOR: '' }, flag: true, level: 1 },
    { tty: true, env: {}, flag: false, level: 0 },
    { tty: false, env: { FORCE_COLOR: '1' }, flag: true, level: 1 },
    { tty: false, env: { FORCE_COLOR: '3' }, flag: true, level: 3 },
    { tty: true, env: { FORCE_COLOR: '0' }, flag: true, level: 0 },
    { tty: false, env: { FORCE_COLOR: '1' }, flag: false, level: 0 },
    { tty: true, env: { NO_COLOR: 'x', FORCE_COLOR: '1' }, flag: true, level: 0 },
  ])('tty=$tty env=$env flag=$flag → $level', ({ tty, env, flag, level }) => {
    expect(colorLevel({ write: () => true, isTTY: tty }, env, flag)).toBe(level);
  });
});

describe('chalkFor', () => {
  const pipe = { write: () => true, isTTY: false };
  const styles: [string, (c: ChalkInstance) => string][] = [
    ['red', (c) => c.red('x')],
    ['bold.red', (c) => c.bold.red('x')],
    ['dim, two arguments', (c) => c.dim('a', 'b')],
    ['green.bold, a number', (c) => c.green.bold(42)],
    ['yellow, no argument', (c) => c.yellow()],
    ['cyan.underline, empty', (c) => c.cyan.underline('')],
    ['gray, undefined', (c) => c.gray(undefined)],
  ];

  it.each(styles)(
    'uncoloured output styles %s as chalk at level 0 does, without chalk',
    async (_n, style) => {
      const plain = await chalkFor(pipe, {}, true);
      // chalk's instances are functions with chalk's prototype (`instanceof Chalk` is false even for chalk's own).
      expect(Object.getPrototypeOf(plain)).not.toBe(Object.getPrototypeOf(new Chalk({ level: 0 })));
      expect(plain.level).toBe(0);
      expect(style(plain)).toBe(style(new Chalk({ level: 0 })));
    },
  );

  it('is chalk itself when the stream is coloured', async () => {
    const c = await chalkFor(pipe, { FORCE_COLOR: '1' }, true);
    expect(c.level).toBe(1);
    expect(c.red('x')).toBe(new Chalk({ level: 1 }).red('x'));
    expect(c.red('x')).not.toBe('x');
  });
});
