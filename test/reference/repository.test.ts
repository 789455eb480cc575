import { describe, expect, it } from 'vitest';
import { InvalidReferenceError } from '../../src/errors.js';
import { parseRepository, repositoryOf } from '../../src/reference/index.js';

describe('parseRepository', () => {
  it.each([
    ['debian', 'docker.io', 'library/debian'],
    ['library/debian', 'docker.io', 'library/debian'],
    ['index.docker.io/debian', 'docker.io', 'library/debian'],
    ['foo/bar', 'docker.io', 'foo/bar'],
    ['ghcr.io/org/app', 'ghcr.io', 'org/app'],
    ['localhost:5000/x', 'localhost:5000', 'x'],
    ['[::1]:5000/x/y', '[::1]:5000', 'x/y'],
    ['Foo/bar', 'Foo', 'bar'],
    ['localhost', 'docker.io', 'library/localhost'],
    // The 255-character limit is on the path; the domain is not counted (distribution/reference v0.6 Parse).
    [`example.com/${'a'.repeat(255)}`, 'example.com', 'a'.repeat(255)],
  ])('%s', (input, domain, path) => {
    const repo = parseRepository(input);
    expect(repo).toEqual({ domain, path });
    expect(repositoryOf(repo)).toBe(`${domain}/${path}`);
  });

  it.each([
    [
      'debian:12',
      /a repository name cannot include a tag \(":12"\)/,
      /pass just the repository, e\.g\. "docker\.io\/library\/debian"/,
    ],
    [
      `debian@sha256:${'a'.repeat(64)}`,
      /cannot include a digest \("@sha256:a+…"\)/,
      /pass just the repository/,
    ],
    [`debian:1@sha256:${'a'.repeat(64)}`, /cannot include a tag/, /pass just the repository/],
    ['debian:-bad', /cannot include a tag/, /pass just the repository/],
    ['127.0.0.1:5000', /cannot include a tag/, /"127\.0\.0\.1:5000\/NAME"/],
    [
      'debian:12345',
      /cannot include a tag/,
      /pass just the repository, e\.g\. "docker\.io\/library\/debian"/,
    ],
    ['localhost:5000', /cannot include a tag \(":5000"\)/, /add its path, e\.g\. "localhost:5000\/NAME"/],
    ['myregistry.example.com:5000', /cannot include a tag/, /"myregistry\.example\.com:5000\/NAME"/],
    ['', /reference is empty/, undefined],
    ['foo/Bar', /must be lowercase/, undefined],
    ['a..b', /separator "\.\."/, undefined],
    ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', /image ID/, /docker\.io\/<hex>/],
    [`example.com/${'a'.repeat(256)}`, /the limit is 255/, undefined],
  ])('rejects %j', (input, reason, hint) => {
    let caught: unknown;
    try {
      parseRepository(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidReferenceError);
    const err = caught as InvalidReferenceError;
    expect(err.message).toMatch(
      new RegExp(`^invalid reference ${JSON.stringify(input).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
    );
    expect(err.message).toMatch(reason);
    if (hint === undefined) expect(err.hint).toBeUndefined();
    else expect(err.hint).toMatch(hint);
  });
});
