import { describe, expect, it } from 'vitest';
import {
  resolveCredential,
  writeLogin,
  writeLogout,
} from '../../../../src/registry/auth/credentials/index.js';
import { helperCalls, makeSandbox, rejection } from './sandbox.js';
import { installStoreHelper } from './store-helper.js';

/** Issue 11 #17: with a credsStore or credHelpers entry, login and logout go through the helper, as docker does. */
describe('writeLogin / writeLogout through a credential helper', () => {
  it('stores through credsStore, leaves only an empty marker in the file, and the next lookup finds it', async () => {
    const box = await makeSandbox();
    const { log, db } = await installStoreHelper(box, 'keys');
    const file = await box.write('home/.docker/config.json', {
      credsStore: 'keys',
      auths: { 'https://ghcr.io/v1/': { auth: 'b2xkOnB3' } },
    });
    const opts = { env: box.env, homedir: box.home };
    const login = await writeLogin({ ...opts, domain: 'ghcr.io', username: 'me', password: 'hunter2' });
    expect(login).toEqual({ path: file, helper: `docker-credential-keys (credsStore in ${file})` });
    expect(await helperCalls(log)).toEqual(['store ghcr.io']);
    const text = await box.read(file);
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({ credsStore: 'keys', auths: { 'ghcr.io': {} } });
    expect(JSON.parse(await box.read(db))['ghcr.io']).toMatchObject({ Username: 'me', Secret: 'hunter2' });
    await expect(resolveCredential({ domain: 'ghcr.io', ...opts })).resolves.toMatchObject({
      credential: { kind: 'basic', username: 'me', password: 'hunter2' },
      source: expect.stringContaining('credsStore: keys'),
    });

    await expect(writeLogout({ ...opts, domain: 'ghcr.io' })).resolves.toEqual({
      path: file,
      removed: true,
      helper: `docker-credential-keys (credsStore in ${file})`,
    });
    expect((await helperCalls(log)).slice(-1)).toEqual(['erase ghcr.io']);
    expect(JSON.parse(await box.read(file))).toEqual({ credsStore: 'keys', auths: {} });
    await expect(resolveCredential({ domain: 'ghcr.io', ...opts })).resolves.toBeNull();
    // A second logout finds nothing, in the helper or the file.
    await expect(writeLogout({ ...opts, domain: 'ghcr.io' })).resolves.toMatchObject({ removed: false });
  });

  it('uses the credHelpers entry of the host, with the Docker Hub server URL', async () => {
    const box = await makeSandbox();
    const { log } = await installStoreHelper(box, 'hub');
    await box.write('home/.docker/config.json', { credHelpers: { 'docker.io': 'hub' } });
    const opts = { env: box.env, homedir: box.home };
    await writeLogin({ ...opts, domain: 'docker.io', username: 'me', password: 'pw' });
    await writeLogin({ ...opts, domain: 'quay.io', username: 'q', password: 'qq' });
    expect(await helperCalls(log)).toEqual(['store https://index.docker.io/v1/']);
    const config = JSON.parse(await box.read('home/.docker/config.json'));
    expect(config.auths['https://index.docker.io/v1/']).toEqual({});
    expect(config.auths['quay.io'].auth).toBe(Buffer.from('q:qq').toString('base64'));
  });

  it('fails when the helper refuses to store, and leaves the file as it was', async () => {
    const box = await makeSandbox();
    await installStoreHelper(box, 'locked', { failStore: true });
    const before = { credsStore: 'locked', auths: {} };
    const file = await box.write('home/.docker/config.json', before);
    const err = await rejection(
      writeLogin({ env: box.env, homedir: box.home, domain: 'ghcr.io', username: 'me', password: 'hunter2' }),
    );
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain('docker-credential-locked store ghcr.io');
    expect(err.message).toContain('keychain is locked');
    expect(err.message).not.toContain('hunter2');
    expect(JSON.parse(await box.read(file))).toEqual(before);
  });
});
