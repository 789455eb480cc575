import { describe, expect, it } from 'vitest';
import { type CredentialQuery, resolveCredential } from '../../../../src/registry/auth/credentials/index.js';
import { authEntry, b64, makeSandbox, rejection, type Sandbox } from './sandbox.js';

function query(box: Sandbox, extra: Partial<CredentialQuery> = {}): CredentialQuery {
  return { domain: 'ghcr.io', env: box.env, homedir: box.home, ...extra };
}

const basic = (username: string, password: string) => ({ kind: 'basic', username, password });

describe('search order', () => {
  it('finds nothing in an empty home', async () => {
    const box = await makeSandbox();
    await expect(resolveCredential(query(box))).resolves.toBeNull();
  });

  it('walks runtime auth.json, XDG auth.json, docker config, .dockercfg; the first found wins', async () => {
    const box = await makeSandbox();
    box.env.XDG_RUNTIME_DIR = `${box.root}/xdg-run`;
    box.env.XDG_CONFIG_HOME = `${box.root}/xdg-config`;
    const files = [
      ['xdg-run/containers/auth.json', 'runtime'],
      ['xdg-config/containers/auth.json', 'xdgconfig'],
      ['home/.docker/config.json', 'docker'],
    ] as const;
    await box.write('home/.dockercfg', { 'ghcr.io': authEntry('legacy', 'pw') });
    for (const [file, user] of files) await box.write(file, { auths: { 'ghcr.io': authEntry(user, 'pw') } });

    const expected = [
      ['runtime', `auth.json ${box.root}/xdg-run/containers/auth.json`],
      ['xdgconfig', `auth.json ${box.root}/xdg-config/containers/auth.json`],
      ['docker', `docker config ${box.home}/.docker/config.json`],
      ['legacy', `legacy .dockercfg ${box.home}/.dockercfg`],
    ];
    for (const [i, [user, source]] of expected.entries()) {
      await expect(resolveCredential(query(box))).resolves.toEqual({
        credential: basic(user!, 'pw'),
        source,
      });
      // Take the winner away (an entry for another registry) and the next source answers.
      const file = files[i]?.[0];
      if (file !== undefined) await box.write(file, { auths: { 'quay.io': authEntry('other', 'pw') } });
    }
  });

  it('falls back to <runDir>/containers/$UID/auth.json when XDG_RUNTIME_DIR is unset', async () => {
    const box = await makeSandbox();
    await box.write('run/containers/1234/auth.json', { auths: { 'ghcr.io': authEntry('runuser', 'pw') } });
    await box.write('home/.config/containers/auth.json', { auths: { 'ghcr.io': authEntry('config', 'pw') } });
    const runDir = `${box.root}/run`;
    await expect(resolveCredential(query(box, { uid: 1234, runDir }))).resolves.toEqual({
      credential: basic('runuser', 'pw'),
      source: `auth.json ${runDir}/containers/1234/auth.json`,
    });
    // Without a uid the runtime file is skipped; ~/.config is the XDG_CONFIG_HOME default.
    await expect(resolveCredential(query(box, { runDir }))).resolves.toMatchObject({
      credential: { username: 'config' },
    });
    // Off Linux there is no runtime-dir file.
    await expect(
      resolveCredential(query(box, { uid: 1234, runDir, platform: 'darwin' })),
    ).resolves.toMatchObject({
      credential: { username: 'config' },
    });
  });

  it('auth.json beats config.json', async () => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', { auths: { 'ghcr.io': authEntry('docker', 'pw') } });
    await box.write('home/.config/containers/auth.json', { auths: { 'ghcr.io': authEntry('podman', 'pw') } });
    await expect(resolveCredential(query(box))).resolves.toMatchObject({
      credential: { username: 'podman' },
    });
  });

  it('reads $DOCKER_CONFIG/config.json instead of ~/.docker/config.json', async () => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', { auths: { 'ghcr.io': authEntry('home', 'pw') } });
    await box.write('dc/config.json', { auths: { 'ghcr.io': authEntry('dockerconfig', 'pw') } });
    box.env.DOCKER_CONFIG = `${box.root}/dc`;
    await expect(resolveCredential(query(box))).resolves.toEqual({
      credential: basic('dockerconfig', 'pw'),
      source: `docker config ${box.root}/dc/config.json`,
    });
  });

  it('skips an entry for another registry and a marker entry', async () => {
    const box = await makeSandbox();
    await box.write('home/.config/containers/auth.json', {
      auths: { 'ghcr.io': {}, 'quay.io': authEntry('q', 'p') },
    });
    await box.write('home/.docker/config.json', { auths: { 'ghcr.io': authEntry('docker', 'pw') } });
    await expect(resolveCredential(query(box))).resolves.toMatchObject({
      credential: { username: 'docker' },
    });
  });
});

describe('an auth file named by --authfile or REGISTRY_AUTH_FILE', () => {
  it('is the only file read', async () => {
    const box = await makeSandbox();
    await box.write('home/.config/containers/auth.json', { auths: { 'ghcr.io': authEntry('config', 'pw') } });
    await box.write('home/.docker/config.json', { auths: { 'ghcr.io': authEntry('docker', 'pw') } });
    const authfile = await box.write('mine.json', { auths: { 'quay.io': authEntry('mine', 'pw') } });
    await expect(resolveCredential(query(box, { flags: { authfile } }))).resolves.toBeNull();
    await expect(resolveCredential(query(box, { domain: 'quay.io', flags: { authfile } }))).resolves.toEqual({
      credential: basic('mine', 'pw'),
      source: `--authfile ${authfile}`,
    });
    box.env.REGISTRY_AUTH_FILE = authfile;
    await expect(resolveCredential(query(box))).resolves.toBeNull();
    await expect(resolveCredential(query(box, { domain: 'quay.io' }))).resolves.toMatchObject({
      source: `REGISTRY_AUTH_FILE ${authfile}`,
    });
  });

  it('--authfile wins over REGISTRY_AUTH_FILE', async () => {
    const box = await makeSandbox();
    const authfile = await box.write('flag.json', { auths: { 'ghcr.io': authEntry('flag', 'pw') } });
    box.env.REGISTRY_AUTH_FILE = await box.write('env.json', {
      auths: { 'ghcr.io': authEntry('env', 'pw') },
    });
    await expect(resolveCredential(query(box, { flags: { authfile } }))).resolves.toMatchObject({
      credential: { username: 'flag' },
    });
  });

  it('must exist', async () => {
    const box = await makeSandbox();
    const err = await rejection(
      resolveCredential(query(box, { flags: { authfile: `${box.root}/missing.json` } })),
    );
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(`${box.root}/missing.json`);
  });
});

describe('DOCKER_AUTH_CONFIG', () => {
  it('comes after flags and before every file', async () => {
    const box = await makeSandbox();
    await box.write('home/.config/containers/auth.json', { auths: { 'ghcr.io': authEntry('file', 'pw') } });
    box.env.DOCKER_AUTH_CONFIG = JSON.stringify({ auths: { 'ghcr.io': authEntry('envuser', 'env:pw') } });
    await expect(resolveCredential(query(box))).resolves.toEqual({
      credential: basic('envuser', 'env:pw'),
      source: 'DOCKER_AUTH_CONFIG',
    });
    // No entry for the registry: the files are searched.
    await expect(resolveCredential(query(box, { domain: 'quay.io' }))).resolves.toBeNull();
  });

  it('finds Docker Hub under the index key', async () => {
    const box = await makeSandbox();
    box.env.DOCKER_AUTH_CONFIG = JSON.stringify({
      auths: { 'https://index.docker.io/v1/': authEntry('hub', 'pw') },
    });
    await expect(resolveCredential(query(box, { domain: 'docker.io' }))).resolves.toMatchObject({
      credential: { username: 'hub' },
    });
  });

  it.each([
    ['not JSON', '{"auths": {"ghcr.io": {"auth": "hunter2"'],
    [
      'an entry without auth',
      JSON.stringify({ auths: { 'ghcr.io': { username: 'u', password: 'hunter2' } } }),
    ],
  ])('is an E_AUTH error when %s, without its contents', async (_name, value) => {
    const box = await makeSandbox();
    box.env.DOCKER_AUTH_CONFIG = value;
    const err = await rejection(resolveCredential(query(box)));
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain('DOCKER_AUTH_CONFIG');
    expect(`${err.message} ${err.hint}`).not.toContain('hunter2');
  });
});

describe('keys', () => {
  it.each([
    'https://index.docker.io/v1/',
    'docker.io',
    'index.docker.io',
    'registry-1.docker.io',
    'https://registry-1.docker.io/',
  ])('Docker Hub is found under %s', async (key) => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', { auths: { [key]: authEntry('hub', 'pw') } });
    for (const domain of ['docker.io', 'index.docker.io']) {
      await expect(resolveCredential(query(box, { domain, path: 'library/debian' }))).resolves.toMatchObject({
        credential: { username: 'hub' },
      });
    }
  });

  it('prefers the most specific namespaced auth.json key', async () => {
    const box = await makeSandbox();
    await box.write('home/.config/containers/auth.json', {
      auths: {
        'ghcr.io': authEntry('host', 'pw'),
        'ghcr.io/acme': authEntry('namespace', 'pw'),
        'ghcr.io/acme/app': authEntry('repo', 'pw'),
        'docker.io/library': authEntry('library', 'pw'),
        'docker.io': authEntry('hub', 'pw'),
      },
    });
    const user = async (domain: string, path?: string) =>
      (await resolveCredential(query(box, { domain, path })))?.credential.username;
    expect(await user('ghcr.io', 'acme/app')).toBe('repo');
    expect(await user('ghcr.io', 'acme/other')).toBe('namespace');
    expect(await user('ghcr.io', 'acmeco/app')).toBe('host');
    expect(await user('ghcr.io')).toBe('host');
    expect(await user('docker.io', 'library/debian')).toBe('library');
    expect(await user('docker.io', 'someone/app')).toBe('hub');
  });

  it('matches legacy keys with a scheme and path by host name', async () => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', {
      auths: {
        'https://registry.example.com/v1/': authEntry('legacy', 'pw'),
        'http://localhost:5000': authEntry('local', 'pw'),
        'quay.io/ns': authEntry('namespaced', 'pw'),
      },
    });
    const user = async (domain: string) =>
      (await resolveCredential(query(box, { domain })))?.credential.username;
    expect(await user('registry.example.com')).toBe('legacy');
    expect(await user('localhost:5000')).toBe('local');
    expect(await user('localhost')).toBeUndefined();
    // A namespaced key never matches the bare host.
    expect(await user('quay.io')).toBeUndefined();
  });

  it('reads ~/.dockercfg: a top-level map of API URLs', async () => {
    const box = await makeSandbox();
    await box.write('home/.dockercfg', {
      'https://index.docker.io/v1/': { ...authEntry('hub', 'pw'), email: 'me@example.com' },
      'https://quay.io/v1/': authEntry('quay', 'pw'),
    });
    await expect(resolveCredential(query(box, { domain: 'docker.io' }))).resolves.toEqual({
      credential: basic('hub', 'pw'),
      source: `legacy .dockercfg ${box.home}/.dockercfg`,
    });
    await expect(resolveCredential(query(box, { domain: 'quay.io' }))).resolves.toMatchObject({
      credential: { username: 'quay' },
    });
  });
});

describe('entries', () => {
  it('split auth at the first colon and trim trailing NULs', async () => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', {
      auths: {
        'ghcr.io': { auth: b64('user:pa:ss:word\0\0') },
        'quay.io': { auth: b64('user:') },
      },
    });
    await expect(resolveCredential(query(box))).resolves.toMatchObject({
      credential: basic('user', 'pa:ss:word'),
    });
    await expect(resolveCredential(query(box, { domain: 'quay.io' }))).resolves.toMatchObject({
      credential: basic('user', ''),
    });
  });

  it('use username and password fields when there is no auth', async () => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', { auths: { 'ghcr.io': { username: 'u', password: 'p' } } });
    await expect(resolveCredential(query(box))).resolves.toMatchObject({ credential: basic('u', 'p') });
  });

  it('turn an identitytoken into an identity-token credential', async () => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', {
      auths: {
        'ghcr.io': { auth: b64('me:'), identitytoken: 'refresh-123' },
        'quay.io': { identitytoken: 'refresh-456' },
      },
    });
    await expect(resolveCredential(query(box))).resolves.toMatchObject({
      credential: { kind: 'identity-token', username: 'me', identityToken: 'refresh-123' },
    });
    await expect(resolveCredential(query(box, { domain: 'quay.io' }))).resolves.toMatchObject({
      credential: { kind: 'identity-token', username: '<token>', identityToken: 'refresh-456' },
    });
  });

  it.each([
    ['not base64', '!!hunter2!!'],
    ['no colon', b64('hunter2')],
    ['an empty user', b64(':hunter2')],
  ])('with auth that is %s are an E_AUTH error naming the file, not the secret', async (_name, auth) => {
    const box = await makeSandbox();
    const file = await box.write('home/.docker/config.json', { auths: { 'ghcr.io': { auth } } });
    const err = await rejection(resolveCredential(query(box)));
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain(file);
    expect(err.message).toContain('ghcr.io');
    expect(`${err.message} ${err.hint}`).not.toContain('hunter2');
    expect(`${err.message} ${err.hint}`).not.toContain(auth);
  });
});

describe('broken files', () => {
  it('malformed JSON is a one-line E_AUTH error naming the file, without its contents', async () => {
    const box = await makeSandbox();
    const file = await box.write(
      'home/.docker/config.json',
      '{"auths": {"ghcr.io": {"auth": "c2VjcmV0:hunter2"}}',
    );
    const err = await rejection(resolveCredential(query(box)));
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain(file);
    expect(err.message).not.toContain('\n');
    expect(`${err.message} ${err.hint} ${String(err.cause)}`).not.toMatch(/hunter2|c2VjcmV0/);
  });

  it('a wrong shape is an E_AUTH error naming the field', async () => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', { auths: { 'ghcr.io': { auth: 12345 } } });
    const err = await rejection(resolveCredential(query(box)));
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain('auths.ghcr.io.auth');
    expect(err.message).not.toContain('12345');
  });

  it('an unreadable file is E_IO', async () => {
    const box = await makeSandbox();
    // A directory where the file should be reads as EISDIR.
    await box.write('home/.docker/config.json/x', '');
    const err = await rejection(resolveCredential(query(box)));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(`${box.home}/.docker/config.json`);
  });

  it('an empty file is an empty config', async () => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', '');
    await box.write('home/.dockercfg', { 'ghcr.io': authEntry('legacy', 'pw') });
    await expect(resolveCredential(query(box))).resolves.toMatchObject({
      credential: { username: 'legacy' },
    });
  });
});
