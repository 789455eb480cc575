import { describe, expect, it } from 'vitest';
import { parseCredsFlag, resolveCredential } from '../../../../src/registry/auth/credentials/index.js';
import { authEntry, makeSandbox, rejection } from './sandbox.js';

describe('parseCredsFlag', () => {
  it.each([
    ['user:pass', 'user', 'pass'],
    ['user:pa:ss', 'user', 'pa:ss'],
    ['user::', 'user', ':'],
    ['_json_key:{"type":"service_account"}', '_json_key', '{"type":"service_account"}'],
    ['üser:pässwörd', 'üser', 'pässwörd'],
  ])('parses %j', (value, username, password) => {
    expect(parseCredsFlag(value)).toEqual({ username, password });
  });

  it.each([
    ['no colon', 'userhunter2'],
    ['empty user', ':hunter2'],
    ['empty password', 'user:'],
    ['empty string', ''],
  ])('rejects %s with E_USAGE and does not echo the value', (_name, value) => {
    let caught: unknown;
    try {
      parseCredsFlag(value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'E_USAGE' });
    if (value.includes('hunter2')) expect(String((caught as Error).message)).not.toContain('hunter2');
  });
});

describe('credential flags', () => {
  it('win over DOCKER_AUTH_CONFIG and every file', async () => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', { auths: { 'ghcr.io': authEntry('fileuser', 'filepass') } });
    const env = {
      ...box.env,
      DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { 'ghcr.io': authEntry('e', 'p') } }),
    };
    await expect(
      resolveCredential({
        domain: 'ghcr.io',
        flags: { creds: 'flaguser:flag:pass' },
        env,
        homedir: box.home,
      }),
    ).resolves.toEqual({
      credential: { kind: 'basic', username: 'flaguser', password: 'flag:pass' },
      source: '--creds',
    });
    await expect(
      resolveCredential({
        domain: 'ghcr.io',
        flags: { username: 'u', password: 'p' },
        env,
        homedir: box.home,
      }),
    ).resolves.toEqual({
      credential: { kind: 'basic', username: 'u', password: 'p' },
      source: '--username/--password',
    });
  });

  it.each([
    ['--creds with --username', { creds: 'a:b', username: 'a' }],
    ['--username alone', { username: 'a' }],
    ['--password alone', { password: 'hunter2' }],
    ['an empty --password', { username: 'a', password: '' }],
    ['a colon in --username', { username: 'a:b', password: 'hunter2' }],
  ])('refuse %s', async (_name, flags) => {
    const box = await makeSandbox();
    const err = await rejection(
      resolveCredential({ domain: 'ghcr.io', flags, env: box.env, homedir: box.home }),
    );
    expect(err.code).toBe('E_USAGE');
    expect(`${err.message} ${err.hint}`).not.toContain('hunter2');
  });

  it('an --authfile flag alone is not a credential', async () => {
    const box = await makeSandbox();
    const authfile = await box.write('auth.json', { auths: {} });
    await expect(
      resolveCredential({ domain: 'ghcr.io', flags: { authfile }, env: box.env, homedir: box.home }),
    ).resolves.toBeNull();
  });
});
