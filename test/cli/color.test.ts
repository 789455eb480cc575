import { describe, expect, it } from 'vitest';
import { colorLevel } from '../../src/cli/color.js';

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
