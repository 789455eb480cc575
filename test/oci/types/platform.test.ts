import { describe, expect, it } from 'vitest';
import {
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
} from '../../../src/oci/types/index.js';
import { spec, thrown } from './helpers.js';

describe('normalizePlatform', () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['Linux/AMD64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/x86_64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/arm64/v8.0', 'linux/arm64'],
    ['linux/aarch64/V8', 'linux/arm64'],
    ['linux/arm64/v8.2', 'linux/arm64/v8.2'],
    ['linux/i386', 'linux/386'],
    ['linux/386', 'linux/386'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/6', 'linux/arm/v6'],
    ['linux/arm/5', 'linux/arm/v5'],
    ['linux/arm/8', 'linux/arm/v8'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['macos/arm64', 'darwin/arm64'],
    ['MacOS/x86_64', 'darwin/amd64'],
    ['windows/amd64', 'windows/amd64'],
    ['linux/s390x', 'linux/s390x'],
    ['linux/ppc64le', 'linux/ppc64le'],
    ['linux/riscv64', 'linux/riscv64'],
  ])('%s → %s', (input, expected) => {
    expect(formatPlatform(normalizePlatform(spec(input)))).toBe(expected);
  });

  it('leaves variant out rather than empty', () => {
    expect(normalizePlatform({ os: 'linux', architecture: 'amd64', variant: 'v1' })).toEqual({
      os: 'linux',
      architecture: 'amd64',
    });
  });
});

describe('parsePlatform', () => {
  it.each([
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64' }],
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v6' }],
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['Linux/x86_64', { os: 'linux', architecture: 'amd64' }],
    ['windows/amd64', { os: 'windows', architecture: 'amd64' }],
  ])('%s', (input, expected) => {
    expect(parsePlatform(input)).toEqual(expected);
  });

  it.each([
    '',
    'linux',
    'amd65',
    'linux/',
    '/amd64',
    'linux/arm/v7/extra',
    'linux amd64',
    'linux/amd64/',
    'linux/*',
  ])('rejects %j with E_INVALID_PLATFORM', (input) => {
    const err = thrown(() => parsePlatform(input));
    expect(err.code).toBe('E_INVALID_PLATFORM');
    expect(err.message).toBe(`invalid platform ${JSON.stringify(input)}`);
    expect(err.hint).toContain('os/arch[/variant]');
  });
});

describe('formatPlatform', () => {
  it.each([
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'amd64', variant: '' }, 'linux/amd64'],
  ])('%j → %s', (platform, expected) => {
    expect(formatPlatform(platform)).toBe(expected);
  });
});

describe('hostPlatform', () => {
  it.each([
    ['linux', 'x64', 'linux/amd64'],
    ['darwin', 'arm64', 'linux/arm64'],
    ['darwin', 'x64', 'linux/amd64'],
    ['win32', 'x64', 'linux/amd64'],
    ['win32', 'ia32', 'linux/386'],
    ['linux', 'arm', 'linux/arm/v7'],
    ['linux', 'arm64', 'linux/arm64'],
    ['linux', 's390x', 'linux/s390x'],
    ['linux', 'riscv64', 'linux/riscv64'],
    ['linux', 'ppc64', 'linux/ppc64le'],
  ] as const)('%s/%s → %s', (nodePlatform, nodeArch, expected) => {
    expect(formatPlatform(hostPlatform(nodePlatform, nodeArch))).toBe(expected);
  });

  it('defaults to this process and always says linux', () => {
    expect(hostPlatform().os).toBe('linux');
  });
});
