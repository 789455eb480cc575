import { describe, expect, it } from 'vitest';
import * as reference from '../../src/reference/index.js';

describe('src/reference public surface', () => {
  it('exports exactly the documented values', () => {
    expect(Object.keys(reference).sort()).toEqual([
      'DOCKER_HUB_DOMAIN',
      'DOCKER_HUB_HOST',
      'canonicalOf',
      'connectHost',
      'familiarOf',
      'isLoopbackDomain',
      'parseReference',
      'parseRepository',
      'repositoryOf',
      'withDigest',
    ]);
  });
});
