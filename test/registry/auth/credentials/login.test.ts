import { describe, expect, it } from 'vitest';
import {
  resolveCredential,
  writeLogin,
  writeLogout,
} from '../../../../src/registry/auth/credentials/index.js';
import { authEntry, makeSandbox, rejection } from './sandbox.js';

describe('writeLogin / writeLogout', () => {
  it('round-trips through ~/.docker/config.json, keeping other keys, with mode 0600 in a 0700 dir', async () => {
    const box = await makeSandbox();
    const { env, home } = box;
    const login = await writeLogin({
      domain: 'ghcr.io',
      username: 'me',
      password: 'pa:ss',
      env,
      homedir: home,
    });
    expect(login).toEqual({ path: `${home}/.docker/config.json` });
    expect(await box.mode('home/.docker')).toBe(0o700);
    expect(await box.mode('home/.docker/config.json')).toBe(0o600);
    await expect(resolveCredential({ domain: 'ghcr.io', env, homedir: home })).resolves.toMatchObject({
      credential: { kind: 'basic', username: 'me', password: 'pa:ss' },
    });

    // Other keys and other registries survive a login and a logout.
    const other = { auths: { 'quay.io': authEntry('q', 'p') }, proxies: { default: { httpProxy: 'x' } } };
    await box.write('home/.docker/config.json', { ...other, currentContext: 'ctx' });
    await writeLogin({ domain: 'docker.io', username: 'hub', password: 'pw', env, homedir: home });
    const afterLogin = JSON.parse(await box.read('home/.docker/config.json'));
    expect(afterLogin).toEqual({
      auths: { 'quay.io': authEntry('q', 'p'), 'https://index.docker.io/v1/': authEntry('hub', 'pw') },
      proxies: other.proxies,
      currentContext: 'ctx',
    });
    expect(await box.mode('home/.docker/config.json')).toBe(0o600);

    await expect(writeLogout({ domain: 'docker.io', env, homedir: home })).resolves.toEqual({
      path: `${home}/.docker/config.json`,
      removed: true,
    });
    expect(JSON.parse(await box.read('home/.docker/config.json'))).toEqual({
      ...other,
      currentContext: 'ctx',
    });
    await expect(writeLogout({ domain: 'docker.io', env, homedir: home })).resolves.toMatchObject({
      removed: false,
    });
    await expect(resolveCredential({ domain: 'docker.io', env, homedir: home })).resolves.toBeNull();
  });

  it('replaces and removes every spelling of the same registry key, but not namespaced keys', async () => {
    const box = await makeSandbox();
    const authfile = await box.write('auth.json', {
      auths: {
        'docker.io': authEntry('old', 'pw'),
        'https://index.docker.io/v1/': authEntry('old', 'pw'),
        'docker.io/acme': authEntry('acme', 'pw'),
      },
    });
    const opts = { domain: 'docker.io', authfile, env: box.env, homedir: box.home };
    await writeLogin({ ...opts, username: 'new', password: 'pw' });
    expect(JSON.parse(await box.read(authfile)).auths).toEqual({
      'docker.io/acme': authEntry('acme', 'pw'),
      'https://index.docker.io/v1/': authEntry('new', 'pw'),
    });
    const lookup = {
      domain: 'docker.io',
      path: 'library/debian',
      flags: { authfile },
      env: box.env,
      homedir: box.home,
    };
    await expect(resolveCredential(lookup)).resolves.toMatchObject({ credential: { username: 'new' } });
    await writeLogout(opts);
    expect(JSON.parse(await box.read(authfile)).auths).toEqual({ 'docker.io/acme': authEntry('acme', 'pw') });
  });

  it('writes to $DOCKER_CONFIG, or to REGISTRY_AUTH_FILE, where lookups read', async () => {
    const box = await makeSandbox();
    box.env.DOCKER_CONFIG = `${box.root}/dc`;
    const opts = { domain: 'localhost:5000', username: 'u', password: 'p', env: box.env, homedir: box.home };
    await expect(writeLogin(opts)).resolves.toEqual({ path: `${box.root}/dc/config.json` });
    box.env.REGISTRY_AUTH_FILE = `${box.root}/containers/auth.json`;
    await expect(writeLogin(opts)).resolves.toEqual({ path: `${box.root}/containers/auth.json` });
    await expect(resolveCredential(opts)).resolves.toMatchObject({
      source: `REGISTRY_AUTH_FILE ${box.root}/containers/auth.json`,
    });
  });

  it('fails clearly, and saves nothing, when the helper that owns the host is not installed', async () => {
    const box = await makeSandbox();
    const config = { credsStore: 'desktop', credHelpers: { 'ghcr.io': 'gh' } };
    const file = await box.write('home/.docker/config.json', config);
    const opts = { env: box.env, homedir: box.home };
    const ghcr = await rejection(
      writeLogin({ ...opts, domain: 'ghcr.io', username: 'u', password: 'hunter2' }),
    );
    expect(ghcr).toMatchObject({
      code: 'E_AUTH',
      message: expect.stringContaining('docker-credential-gh store'),
    });
    expect(ghcr.message).toContain('not installed');
    expect(`${ghcr.message} ${ghcr.hint}`).not.toContain('hunter2');
    const quay = await rejection(
      writeLogin({ ...opts, domain: 'quay.io', username: 'u', password: 'hunter2' }),
    );
    expect(quay.message).toContain('docker-credential-desktop store quay.io (credsStore');
    await expect(writeLogout({ ...opts, domain: 'quay.io' })).rejects.toMatchObject({ code: 'E_AUTH' });
    expect(JSON.parse(await box.read(file))).toEqual(config);
  });

  it('refuses to overwrite a malformed file, without showing it', async () => {
    const box = await makeSandbox();
    const file = await box.write('home/.docker/config.json', '{"auths": {"ghcr.io": {"auth": "hunter2"');
    const err = await rejection(
      writeLogin({
        domain: 'ghcr.io',
        username: 'u',
        password: 'topsecret',
        env: box.env,
        homedir: box.home,
      }),
    );
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain(file);
    expect(`${err.message} ${err.hint}`).not.toMatch(/hunter2|topsecret/);
    expect(await box.read(file)).toBe('{"auths": {"ghcr.io": {"auth": "hunter2"');
  });

  it('writes through a symlinked config', async () => {
    const box = await makeSandbox();
    const real = await box.write('dotfiles/docker.json', { auths: {} });
    const { symlink, lstat } = await import('node:fs/promises');
    await box.write('home/.docker/.keep', '');
    await symlink(real, `${box.home}/.docker/config.json`);
    await writeLogin({ domain: 'ghcr.io', username: 'u', password: 'p', env: box.env, homedir: box.home });
    expect((await lstat(`${box.home}/.docker/config.json`)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await box.read(real)).auths).toEqual({ 'ghcr.io': authEntry('u', 'p') });
  });

  it('logout of a missing file changes nothing', async () => {
    const box = await makeSandbox();
    await expect(writeLogout({ domain: 'ghcr.io', env: box.env, homedir: box.home })).resolves.toEqual({
      path: `${box.home}/.docker/config.json`,
      removed: false,
    });
    await expect(box.read('home/.docker/config.json')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['an empty username', '', 'hunter2'],
    ['a colon in the username', 'a:b', 'hunter2'],
    ['an empty password', 'u', ''],
  ])('refuses %s with E_USAGE', async (_name, username, password) => {
    const box = await makeSandbox();
    const err = await rejection(
      writeLogin({ domain: 'ghcr.io', username, password, env: box.env, homedir: box.home }),
    );
    expect(err.code).toBe('E_USAGE');
    expect(err.message).not.toContain('hunter2');
  });
});
