import { describe, expect, it } from 'vitest';
import { InvalidReferenceError } from '../../src/errors.js';
import {
  canonicalOf,
  familiarOf,
  parseReference,
  type Reference,
  repositoryOf,
  withDigest,
} from '../../src/reference/index.js';

const D = `sha256:${'a'.repeat(64)}` as const;
const D2 = `sha512:${'b'.repeat(128)}` as const;
const ref = (
  domain: string,
  path: string,
  tag: string | null,
  digest: `${string}:${string}` | null,
): Reference => ({
  domain,
  path,
  tag,
  digest,
});

describe('canonicalOf and familiarOf', () => {
  it.each([
    // [reference, canonical, familiar]
    [ref('docker.io', 'library/debian', 'latest', null), 'docker.io/library/debian:latest', 'debian'],
    [ref('docker.io', 'library/debian', null, null), 'docker.io/library/debian', 'debian'],
    [ref('docker.io', 'library/debian', '12', null), 'docker.io/library/debian:12', 'debian:12'],
    [
      ref('docker.io', 'library/debian', 'latest', D),
      `docker.io/library/debian:latest@${D}`,
      `debian:latest@${D}`,
    ],
    [ref('docker.io', 'library/debian', null, D), `docker.io/library/debian@${D}`, `debian@${D}`],
    [ref('docker.io', 'foo/bar', '1', null), 'docker.io/foo/bar:1', 'foo/bar:1'],
    [ref('docker.io', 'library/foo/bar', '1', null), 'docker.io/library/foo/bar:1', 'library/foo/bar:1'],
    [ref('docker.io', 'libraryx/foo', '1', null), 'docker.io/libraryx/foo:1', 'libraryx/foo:1'],
    [ref('docker.io', 'library', '1', null), 'docker.io/library:1', 'library:1'],
    [
      ref('docker.io:443', 'library/foo', '1', null),
      'docker.io:443/library/foo:1',
      'docker.io:443/library/foo:1',
    ],
    [
      ref('index.docker.io', 'library/foo', '1', null),
      'index.docker.io/library/foo:1',
      'index.docker.io/library/foo:1',
    ],
    [ref('ghcr.io', 'x/y', null, D), `ghcr.io/x/y@${D}`, `ghcr.io/x/y@${D}`],
    [ref('ghcr.io', 'library/y', 'latest', null), 'ghcr.io/library/y:latest', 'ghcr.io/library/y'],
    [ref('[::1]:5000', 'x', 'v1', D), `[::1]:5000/x:v1@${D}`, `[::1]:5000/x:v1@${D}`],
    [ref('localhost:5000', 'x', 'LATEST', null), 'localhost:5000/x:LATEST', 'localhost:5000/x:LATEST'],
    // A bare 64-hex familiar name would read as an image ID, so it keeps its tag.
    [
      ref('docker.io', `library/${'c'.repeat(64)}`, 'latest', null),
      `docker.io/library/${'c'.repeat(64)}:latest`,
      `${'c'.repeat(64)}:latest`,
    ],
  ])('%j', (reference, canonical, familiar) => {
    expect(canonicalOf(reference)).toBe(canonical);
    expect(familiarOf(reference)).toBe(familiar);
  });

  it('repositoryOf joins domain and path and ignores tag and digest', () => {
    expect(repositoryOf(ref('docker.io', 'library/debian', '12', D))).toBe('docker.io/library/debian');
    expect(repositoryOf({ domain: '[::1]:5000', path: 'a/b' })).toBe('[::1]:5000/a/b');
  });
});

describe('withDigest', () => {
  it('keeps domain, path and tag and sets the digest', () => {
    const pinned = withDigest(parseReference('ghcr.io/x/y:1.2'), D);
    expect(pinned).toEqual({ domain: 'ghcr.io', path: 'x/y', tag: '1.2', digest: D });
    expect(canonicalOf(pinned)).toBe(`ghcr.io/x/y:1.2@${D}`);
    expect(Object.isFrozen(pinned)).toBe(true);
  });

  it('replaces an existing digest and keeps a null tag null', () => {
    const pinned = withDigest(parseReference(`debian@${D}`), D2);
    expect(pinned).toEqual({ domain: 'docker.io', path: 'library/debian', tag: null, digest: D2 });
  });

  it('does not modify its argument', () => {
    const original = parseReference('debian:12');
    withDigest(original, D);
    expect(original.digest).toBeNull();
  });

  it.each([
    ['sha256:abc', /sha256 digest must have 64 hex digits, got 3/],
    [`md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
    [`sha256:${'A'.repeat(64)}`, /must be lowercase/],
  ])('rejects %s', (digest, reason) => {
    const base = parseReference('debian:12');
    expect(() => withDigest(base, digest as `${string}:${string}`)).toThrow(InvalidReferenceError);
    expect(() => withDigest(base, digest as `${string}:${string}`)).toThrow(
      new RegExp(`^invalid reference "docker\\.io/library/debian@[^"]+": .*${reason.source}`),
    );
  });
});
