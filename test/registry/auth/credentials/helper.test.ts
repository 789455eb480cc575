import { describe, expect, it } from 'vitest';
import { type CredentialQuery, resolveCredential } from '../../../../src/registry/auth/credentials/index.js';
import {
  authEntry,
  helperCalls,
  installFakeHelper,
  installScript,
  makeSandbox,
  rejection,
  type Sandbox,
} from './sandbox.js';

function query(box: Sandbox, extra: Partial<CredentialQuery> = {}): CredentialQuery {
  return { domain: 'ghcr.io', env: box.env, homedir: box.home, ...extra };
}

describe('credential helpers', () => {
  it('run docker-credential-<name> get with the server on stdin, found through env.PATH', async () => {
    const box = await makeSandbox();
    const log = await installFakeHelper(box, 'test', {
      'ghcr.io': { Username: 'helperuser', Secret: 'helper:secret' },
      'https://index.docker.io/v1/': { Username: 'hubuser', Secret: 'hubsecret' },
    });
    const file = await box.write('home/.docker/config.json', {
      auths: { 'ghcr.io': {} },
      credHelpers: { 'ghcr.io': 'test', 'https://index.docker.io/v1/': 'test' },
    });
    await expect(resolveCredential(query(box))).resolves.toEqual({
      credential: { kind: 'basic', username: 'helperuser', password: 'helper:secret' },
      source: `docker config ${file} (credHelpers: test)`,
    });
    await expect(resolveCredential(query(box, { domain: 'docker.io' }))).resolves.toMatchObject({
      credential: { username: 'hubuser', password: 'hubsecret' },
    });
    expect(await helperCalls(log)).toEqual(['ghcr.io', 'https://index.docker.io/v1/']);
  });

  it('"credentials not found" moves on to the next file', async () => {
    const box = await makeSandbox();
    const log = await installFakeHelper(box, 'test', {});
    await box.write('home/.config/containers/auth.json', { credHelpers: { 'localhost:5000': 'test' } });
    await box.write('home/.docker/config.json', { auths: { 'localhost:5000': authEntry('docker', 'pw') } });
    await expect(resolveCredential(query(box, { domain: 'localhost:5000' }))).resolves.toMatchObject({
      credential: { username: 'docker' },
      source: `docker config ${box.home}/.docker/config.json`,
    });
    expect(await helperCalls(log)).toEqual(['localhost:5000']);
  });

  it('a helper owns its host: inline auths in the same file are not used', async () => {
    const box = await makeSandbox();
    await installFakeHelper(box, 'test', {});
    await box.write('home/.docker/config.json', {
      auths: { 'ghcr.io': authEntry('inline', 'pw') },
      credHelpers: { 'ghcr.io': 'test' },
    });
    await expect(resolveCredential(query(box))).resolves.toBeNull();
  });

  it('credHelpers beats credsStore, which beats inline auths', async () => {
    const box = await makeSandbox();
    const specific = await installFakeHelper(box, 'specific', {
      'ghcr.io': { Username: 'specific', Secret: 's' },
    });
    const store = await installFakeHelper(box, 'store', {
      'ghcr.io': { Username: 'store', Secret: 's' },
      'quay.io': { Username: 'storequay', Secret: 's' },
    });
    box.env.FAKE_HELPER_LOG = undefined;
    const file = await box.write('home/.docker/config.json', {
      auths: { 'ghcr.io': authEntry('inline', 'pw'), 'quay.io': authEntry('inline', 'pw') },
      credsStore: 'store',
      credHelpers: { 'ghcr.io': 'specific' },
    });
    // Each script logs to $FAKE_HELPER_LOG; point it at the log of the helper we expect to run.
    box.env.FAKE_HELPER_LOG = specific;
    await expect(resolveCredential(query(box))).resolves.toEqual({
      credential: { kind: 'basic', username: 'specific', password: 's' },
      source: `docker config ${file} (credHelpers: specific)`,
    });
    box.env.FAKE_HELPER_LOG = store;
    await expect(resolveCredential(query(box, { domain: 'quay.io' }))).resolves.toEqual({
      credential: { kind: 'basic', username: 'storequay', password: 's' },
      source: `docker config ${file} (credsStore: store)`,
    });
    expect(await helperCalls(specific)).toEqual(['ghcr.io']);
    expect(await helperCalls(store)).toEqual(['quay.io']);
  });

  it('Username <token> means an identity token', async () => {
    const box = await makeSandbox();
    await installFakeHelper(box, 'test', { 'ghcr.io': { Username: '<token>', Secret: 'refresh-789' } });
    await box.write('home/.docker/config.json', { credsStore: 'test' });
    await expect(resolveCredential(query(box))).resolves.toMatchObject({
      credential: { kind: 'identity-token', identityToken: 'refresh-789' },
    });
  });

  it('a missing helper is an E_AUTH error naming it, with a hint', async () => {
    const box = await makeSandbox();
    const file = await box.write('home/.docker/config.json', { credsStore: 'nosuch' });
    const err = await rejection(resolveCredential(query(box)));
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain('docker-credential-nosuch');
    expect(err.hint).toContain('install docker-credential-nosuch');
    expect(err.hint).toContain(file);
  });

  it('a failing helper is an E_AUTH error naming it, never echoing credential JSON', async () => {
    const box = await makeSandbox();
    await installScript(box, 'broken', 'cat >/dev/null; echo "keychain is locked" >&2; exit 3');
    await installScript(box, 'leaky', `cat >/dev/null; echo '{"Username":"u","Secret":"hunter2"}'; exit 1`);
    await installScript(box, 'garbage', 'cat >/dev/null; echo "Secret=hunter2"; exit 0');
    await box.write('home/.docker/config.json', {
      credHelpers: { 'ghcr.io': 'broken', 'quay.io': 'leaky', 'gcr.io': 'garbage' },
    });
    const broken = await rejection(resolveCredential(query(box)));
    expect(broken).toMatchObject({ code: 'E_AUTH' });
    expect(broken.message).toContain('docker-credential-broken');
    expect(broken.message).toContain('status 3');
    expect(broken.message).toContain('keychain is locked');
    for (const domain of ['quay.io', 'gcr.io']) {
      const err = await rejection(resolveCredential(query(box, { domain })));
      expect(err.code).toBe('E_AUTH');
      expect(`${err.message} ${err.hint}`).not.toContain('hunter2');
    }
  });

  it('a helper that hangs is killed after the timeout', async () => {
    const box = await makeSandbox();
    await installScript(box, 'slow', 'exec sleep 20');
    await box.write('home/.docker/config.json', { credsStore: 'slow' });
    const started = Date.now();
    const err = await rejection(resolveCredential(query(box, { helperTimeoutMs: 300 })));
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toMatch(/docker-credential-slow.*no answer/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a helper name with a slash', async () => {
    const box = await makeSandbox();
    await box.write('home/.docker/config.json', { credsStore: '../../tmp/evil' });
    await expect(resolveCredential(query(box))).rejects.toMatchObject({ code: 'E_AUTH' });
  });
});
