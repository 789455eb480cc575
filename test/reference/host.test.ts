import { describe, expect, it } from 'vitest';
import {
  connectHost,
  DOCKER_HUB_DOMAIN,
  DOCKER_HUB_HOST,
  isLoopbackDomain,
} from '../../src/reference/index.js';

describe('connectHost', () => {
  it.each([
    ['docker.io', 'registry-1.docker.io'],
    ['ghcr.io', 'ghcr.io'],
    ['localhost:5000', 'localhost:5000'],
    ['[::1]:5000', '[::1]:5000'],
    ['[2001:db8::1]', '[2001:db8::1]'],
    ['docker.io:443', 'docker.io:443'],
    ['registry-1.docker.io', 'registry-1.docker.io'],
  ])('%s -> %s', (domain, host) => {
    expect(connectHost(domain)).toBe(host);
  });

  it('exports the Docker Hub names', () => {
    expect(DOCKER_HUB_DOMAIN).toBe('docker.io');
    expect(DOCKER_HUB_HOST).toBe('registry-1.docker.io');
  });
});

describe('isLoopbackDomain', () => {
  it.each([
    'localhost',
    'localhost:5000',
    'LOCALHOST:5000',
    '127.0.0.1',
    '127.0.0.1:5000',
    '127.1.2.3:80',
    '127.255.255.255',
    '[::1]',
    '[::1]:5000',
    '[0:0:0:0:0:0:0:1]:5000',
    '[0000::0001]',
    '[::0:1]',
  ])('%s is loopback', (domain) => {
    expect(isLoopbackDomain(domain)).toBe(true);
  });

  it.each([
    'docker.io',
    'localhost.example.com',
    'mylocalhost',
    '128.0.0.1',
    '10.0.0.1:5000',
    '127.0.0.256',
    '127.0.0',
    '127.0.0.1.5',
    '127.example.com',
    '[::2]',
    '[::]',
    '[1::1]',
    '[::1:1]',
    '[::1::1]',
    '[0:0:0:0:0:0:0:0:1]',
    '[0:0:0:0:0:0:0:1:1]',
    '[::ffff:127.0.0.1]',
    '[::1',
    '',
  ])('%j is not loopback', (domain) => {
    expect(isLoopbackDomain(domain)).toBe(false);
  });
});
