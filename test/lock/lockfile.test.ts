import { describe, expect, it } from 'vitest';
import { emptyLockfile, formatLockfile, type Lockfile, parseLockfile } from '../../src/lock/index.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as const;

function sample(): Lockfile {
  return {
    lockfileVersion: 1,
    images: {
      'docker.io/library/debian:12': {
        want: ['linux/arm64', 'linux/amd64'],
        size: 10,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        input: 'debian:12',
        digest: D('a'),
        platforms: {
          'linux/arm64/v8': {
            size: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: D('c'),
          },
          'linux/amd64': { size: 1, mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D('b') },
        },
        attestations: { 'linux/amd64': D('d') },
      },
    },
  };
}

describe('ocipull.lock format', () => {
  it('sorts keys, indents by two spaces, ends with a newline and keeps the order of want', () => {
    const text = formatLockfile(sample());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "images": {');
    const entry = text.slice(text.indexOf('"docker.io'));
    const keys = [...entry.matchAll(/^ {6}"([a-zA-Z]+)":/gm)].map((m) => m[1]);
    expect(keys).toEqual(['attestations', 'digest', 'input', 'mediaType', 'platforms', 'size', 'want']);
    expect(text.indexOf('"linux/amd64": {')).toBeLessThan(text.indexOf('"linux/arm64/v8"'));
    expect(text).toContain('"want": [\n        "linux/arm64",\n        "linux/amd64"\n      ]');
  });

  it('is byte-stable: parse then format gives the same bytes', () => {
    const text = formatLockfile(sample());
    expect(formatLockfile(parseLockfile(text, 'x'))).toBe(text);
    expect(formatLockfile(emptyLockfile())).toBe('{\n  "images": {},\n  "lockfileVersion": 1\n}\n');
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['a newer version', '{"lockfileVersion":2,"images":{}}', /lockfileVersion 2 is not supported/],
    ['no version', '{"images":{}}', /lockfileVersion undefined/],
    [
      'a bad digest',
      JSON.stringify({
        ...sample(),
        images: { x: { ...sample().images['docker.io/library/debian:12'], digest: 'sha256:zz' } },
      }),
      /images\.x\.digest: invalid digest/,
    ],
  ])('refuses %s with E_LOCKFILE', (_what, text, message) => {
    expect(() => parseLockfile(text, 'ocipull.lock')).toThrow(message);
    try {
      parseLockfile(text, 'ocipull.lock');
    } catch (err) {
      expect((err as { code: string }).code).toBe('E_LOCKFILE');
    }
  });
});
