/**
 * Pulling through mirrors, per host: credentials looked up per physical host and never sent elsewhere (also to a
 * primary that registries.conf rewrites to another host), `insecure` as containers/image reads it (unverified https,
 * then http), a mirror with a path (a Harbor proxy project), `blocked`, an invalid machine configuration, and the
 * library's `mirrors` and `credentials` options.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pull } from '../../src/index.js';
import { runCli } from '../cli/capture.js';
import { addImage } from '../fakes/image.js';
import { faultRegistry, tempDir } from '../fakes/scope.js';
import { Tap } from '../fakes/tap.js';
import { createTestCa } from '../helpers/ca.js';
import { env, pair, pullJson, reads } from './pull-helpers.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** An environment whose Docker config.json holds `auths` for these hosts. */
async function envWithAuths(auths: Record<string, [string, string]>) {
  const e = await env();
  await mkdir(e.DOCKER_CONFIG, { recursive: true });
  const entries = Object.fromEntries(
    Object.entries(auths).map(([host, [u, p]]) => [
      host,
      { auth: Buffer.from(`${u}:${p}`).toString('base64') },
    ]),
  );
  await writeFile(join(e.DOCKER_CONFIG, 'config.json'), JSON.stringify({ auths: entries }));
  return e;
}

/** A registries.conf in a temp dir, as flags. */
async function confFlags(text: string): Promise<string[]> {
  const dir = await tempDir();
  await writeFile(join(dir, 'registries.conf'), text);
  return ['--registries-conf', join(dir, 'registries.conf'), '--registries-conf-dir', join(dir, 'none')];
}

/** An https server with a certificate no one trusts, in front of a registry. */
async function tlsFront(target: string): Promise<Tap> {
  const ca = await createTestCa(await tempDir());
  const tap = await Tap.start(target, { tls: ca.server });
  return tap;
}

describe('mirrors and hosts', () => {
  it("never sends the primary's credentials to a mirror; each host gets its own", async () => {
    const primary = await faultRegistry({ auth: { kind: 'bearer', users: { alice: 'alice-secret' } } });
    const mirror = await faultRegistry({ auth: { kind: 'basic', users: { bob: 'bob-secret' } } });
    const image = addImage(primary, 'app', '1');
    addImage(mirror, 'app', '1');
    mirror.repo('app').blobs.delete(image.layers[0]!.digest); // so the primary is reached too
    const home = await envWithAuths({ [mirror.host]: ['bob', 'bob-secret'] });
    const args = ['--creds', 'alice:alice-secret', '--mirror', `${primary.host}=${mirror.host}`];
    const result = await runCli(
      ['pull', '--json', '--progress', 'none', ...args, `${primary.host}/app:1`, join(await tempDir(), 'o')],
      { env: home },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).source.repository).toBe(`${mirror.host}/app`);
    const mirrorAuth = mirror.requests.map((r) => r.headers.authorization).filter(Boolean);
    expect(mirrorAuth.length).toBeGreaterThan(0);
    expect(new Set(mirrorAuth)).toEqual(new Set([basic('bob', 'bob-secret')]));
    expect(mirror.tokenRequests).toEqual([]);
    expect(primary.tokenRequests.length).toBeGreaterThan(0);
    expect(primary.requests.some((r) => r.headers.authorization?.startsWith('Bearer '))).toBe(true);
    expect(primary.requests.every((r) => r.headers.authorization !== basic('bob', 'bob-secret'))).toBe(true);
  });

  it('a primary rewritten to another host gets no --creds, only its own from the auth files, and says via', async () => {
    const named = await faultRegistry();
    const other = await faultRegistry({ auth: { kind: 'basic', users: { bob: 'bob-secret' } } });
    const image = addImage(other, 'app', '1');
    const flags = await confFlags(
      `[[registry]]\nprefix = "${named.host}/app"\nlocation = "${other.host}/app"\n`,
    );
    const args = ['pull', '--progress', 'none', '--creds', 'alice:s3cret', ...flags, `${named.host}/app:1`];
    const noAuth = await runCli([...args, join(await tempDir(), 'a')], { env: await env() });
    expect(noAuth.code).toBe(4);
    expect(other.requests.every((r) => r.headers.authorization !== basic('alice', 's3cret'))).toBe(true);
    const withAuth = await runCli([...args, join(await tempDir(), 'b')], {
      env: await envWithAuths({ [other.host]: ['bob', 'bob-secret'] }),
    });
    expect(withAuth.code).toBe(0);
    expect(withAuth.stdout).toContain(`Pulled ${named.host}/app:1 via ${other.host}/app into`);
    expect(withAuth.stdout).toContain(image.digest);
    expect(other.requests.every((r) => r.headers.authorization !== basic('alice', 's3cret'))).toBe(true);
    expect(named.requests).toEqual([]);
  });

  it('insecure = true reaches an https registry with an untrusted certificate; without it the pull fails', async () => {
    const reg = await faultRegistry();
    const image = addImage(reg, 'app', '1');
    const front = await tlsFront(reg.url);
    const ref = `${front.host}/app:1`;
    const strict = await pullJson([...(await confFlags(`[[registry]]\nlocation = "${front.host}"\n`)), ref]);
    expect(strict.result.code).not.toBe(0);
    expect(strict.result.stderr).toMatch(/certificate|TLS/i);
    const insecure = await pullJson([
      ...(await confFlags(`[[registry]]\nlocation = "${front.host}"\ninsecure = true\n`)),
      ref,
    ]);
    expect(insecure.result.stderr).toBe('');
    expect(insecure.json.digest).toBe(image.digest);
    await front.close();
  });

  it('an insecure mirror with an untrusted certificate serves; a secure one is passed over', async () => {
    const { primary, mirror, image, ref } = await pair();
    const front = await tlsFront(mirror.url);
    const secure = await pullJson(['--mirror', `${primary.host}=${front.host}`, ref]);
    expect(secure.json.source.repository).toBe(`${primary.host}/app`);
    expect(secure.json.source.attempts[0].error).toMatch(/certificate|TLS/i);
    const insecure = await pullJson(['--mirror', `${primary.host}=${front.host},insecure`, ref]);
    expect(insecure.json.source).toMatchObject({
      repository: `${front.host}/app`,
      mirror: true,
      attempts: [],
    });
    expect(insecure.json.digest).toBe(image.digest);
    await front.close();
  });

  it('a mirror location with a path (a Harbor proxy project) gets the rest of the repository after it', async () => {
    const { primary, mirror, image, ref } = await pair(undefined, { mirrorRepo: 'hub-proxy/app' });
    const { json } = await pullJson(['--mirror', `${primary.host}=${mirror.host}/hub-proxy`, ref]);
    expect(json.source.repository).toBe(`${mirror.host}/hub-proxy/app`);
    expect(json.digest).toBe(image.digest);
    expect(reads(primary)).toEqual([]);
  });

  it('refuses a blocked reference with E_BLOCKED (exit 11) before any request, naming the command', async () => {
    const { primary, ref } = await pair();
    const flags = await confFlags(`[[registry]]\nlocation = "${primary.host}"\nblocked = true\n`);
    for (const cmd of ['pull', 'inspect', 'digest']) {
      const result = await runCli([cmd, ...flags, ref], { env: await env() });
      expect(result.code).toBe(11);
      expect(result.stderr).toMatch(new RegExp(`^ocipull: ${cmd} ${primary.host}/app:1: blocked by`));
      expect(result.stderr).toContain('registries.conf');
    }
    expect(primary.requests).toEqual([]);
  });

  it('an invalid machine registries.conf (v1) is one warning on reads, not a failure; named or dry-run, it is exit 2', async () => {
    const { primary, mirror, ref, flag } = await pair();
    const e = await env();
    await mkdir(join(e.OCIPULL_SYSTEM_CONFIG_ROOT!, 'etc/containers'), { recursive: true });
    const v1 = join(e.OCIPULL_SYSTEM_CONFIG_ROOT!, 'etc/containers/registries.conf');
    await writeFile(v1, '[registries.search]\nregistries = ["docker.io"]\n');
    const read = await runCli(['digest', ref], { env: e });
    expect(read.code).toBe(0);
    expect(read.stderr).toMatch(/^warning: .*v1 format.*ignoring this machine's registries\.conf/m);
    // --mirror still applies; the file's (none here) do not.
    const viaFlag = await runCli(['digest', '--json', ...flag, ref], { env: e });
    expect(JSON.parse(viaFlag.stdout).source.repository).toBe(`${mirror.host}/app`);
    expect((await runCli(['mirrors', ref], { env: e })).code).toBe(2);
    expect((await runCli(['digest', '--registries-conf', v1, ref], { env: e })).code).toBe(2);
    expect(reads(primary).length).toBeGreaterThan(0);
  });

  it('the library reads through mirrors, keeps static credentials off them, and mirrors: false turns them off', async () => {
    const primary = await faultRegistry({ auth: { kind: 'basic', users: { alice: 'alice-secret' } } });
    const mirror = await faultRegistry();
    const image = addImage(primary, 'app', '1');
    addImage(mirror, 'app', '1');
    mirror.repo('app').blobs.delete(image.layers[0]!.digest);
    const e = await env();
    const ref = `${primary.host}/app:1`;
    const warnings: string[] = [];
    const via = await pull(ref, join(await tempDir(), 'a'), {
      env: e,
      credentials: { username: 'alice', password: 'alice-secret' },
      mirrors: { mirror: [`${primary.host}=${mirror.host}`] },
      onWarning: (w) => warnings.push(w),
    });
    expect(via.source.repository).toBe(`${mirror.host}/app`);
    expect(via.source.fallbacks).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(mirror.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(primary.requests.some((r) => r.headers.authorization === basic('alice', 'alice-secret'))).toBe(
      true,
    );
    const direct = await pull(ref, join(await tempDir(), 'b'), {
      env: { ...e, OCIPULL_MIRRORS: `${primary.host}=${mirror.host}` },
      credentials: { username: 'alice', password: 'alice-secret' },
      mirrors: false,
    });
    expect(direct.source).toMatchObject({ repository: `${primary.host}/app`, mirror: false });
    const fromEnv = await pull(ref, join(await tempDir(), 'c'), {
      env: { ...e, OCIPULL_MIRRORS: `${primary.host}=${mirror.host}` },
      credentials: { username: 'alice', password: 'alice-secret' },
    });
    expect(fromEnv.source.mirror).toBe(true);
  });
});
