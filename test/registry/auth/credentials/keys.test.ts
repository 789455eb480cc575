import { describe, expect, it } from 'vitest';
import { dockerConfigKey } from '../../../../src/registry/auth/credentials/index.js';

describe('dockerConfigKey', () => {
  it.each([
    ['docker.io', 'https://index.docker.io/v1/'],
    ['index.docker.io', 'https://index.docker.io/v1/'],
    ['registry-1.docker.io', 'https://index.docker.io/v1/'],
    ['ghcr.io', 'ghcr.io'],
    ['localhost:5000', 'localhost:5000'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['[::1]:5000', '[::1]:5000'],
  ])('%s → %s', (domain, key) => {
    expect(dockerConfigKey(domain)).toBe(key);
  });
});
