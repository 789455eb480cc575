import { describe, expect, it } from 'vitest';
import { parseRepoTag } from '../../src/archive/index.js';

describe('parseRepoTag', () => {
  it.each([
    ['docker.io/library/debian:latest', 'debian', 'latest', 'docker.io/library/debian:latest'],
    ['debian:12', 'debian', '12', 'docker.io/library/debian:12'],
    ['debian', 'debian', 'latest', 'docker.io/library/debian:latest'],
    ['index.docker.io/library/debian:12', 'debian', '12', 'docker.io/library/debian:12'],
    ['docker.io/user/app:1', 'user/app', '1', 'docker.io/user/app:1'],
    ['docker.io/library/a/b:1', 'library/a/b', '1', 'docker.io/library/a/b:1'],
    ['ghcr.io/o/app:1.0', 'ghcr.io/o/app', '1.0', 'ghcr.io/o/app:1.0'],
    ['localhost:5000/app', 'localhost:5000/app', 'latest', 'localhost:5000/app:latest'],
    ['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000/team/app', 'v1', '127.0.0.1:5000/team/app:v1'],
    [`debian:12@sha256:${'a'.repeat(64)}`, 'debian', '12', 'docker.io/library/debian:12'],
  ])('%s → %s:%s', (input, familiarRepository, tag, fullName) => {
    expect(parseRepoTag(input)).toEqual({ familiarRepository, tag, fullName });
  });

  it('records no tag for a reference by digest only', () => {
    expect(parseRepoTag(`debian@sha256:${'a'.repeat(64)}`)).toEqual({
      familiarRepository: 'debian',
      tag: undefined,
      fullName: undefined,
    });
  });

  it.each(['Debian:latest', 'debian:-bad', 'ghcr.io/:1', ''])('refuses %j', (input) => {
    expect(() => parseRepoTag(input)).toThrow(expect.objectContaining({ code: 'E_INVALID_REFERENCE' }));
  });
});
