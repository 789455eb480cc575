import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { addImage, addIndex } from '../fakes/image.js';
import { faultRegistry, isolatedEnv } from '../fakes/scope.js';
import { runCli } from './capture.js';

describe('ocipull inspect', () => {
  it('shows an image for people', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'team/app', 'v1');
    const r = await runCli(['inspect', `${reg.host}/team/app:v1`], { env: await isolatedEnv() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Reference:   ${reg.host}/team/app:v1`);
    expect(r.stdout).toContain(`Digest:      ${img.digest}`);
    expect(r.stdout).toContain('Platform:    linux/amd64');
    expect(r.stdout).toContain('Layers:      1,');
    expect(r.stdout).toContain('Cmd:         ["/bin/sh"]');
    expect(r.stdout).toContain('org.example=yes');
  });

  it('selects the platform from an index and never an attestation', async () => {
    const reg = await faultRegistry();
    const idx = addIndex(reg, 'multi', 'latest');
    const r = await runCli(['inspect', '--json', '--platform', 'linux/arm64', `${reg.host}/multi`], {
      env: await isolatedEnv(),
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.digest).toBe(idx.digest);
    expect(report.image.digest).toBe(idx.children[1]!.digest);
    expect(report.image.platform).toBe('linux/arm64/v8');
    expect(report.index.manifests.filter((m: { attestation: boolean }) => m.attestation)).toHaveLength(1);
  });

  it('lists what an index offers when the platform is missing (exit 3)', async () => {
    const reg = await faultRegistry();
    addIndex(reg, 'multi', 'latest');
    const r = await runCli(['inspect', '--platform', 'linux/s390x', `${reg.host}/multi`], {
      env: await isolatedEnv(),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(
        `^ocipull: choose linux/s390x from ${reg.host}/multi:latest: .*available: linux/amd64, linux/arm64/v8, linux/arm/v7`,
      ),
    );
    expect(r.stdout).toBe('');
  });

  it('refuses an explicit --platform that a single-platform image does not have (exit 3), naming the image', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'app', 'v1');
    const e = await isolatedEnv();
    for (const cmd of [['inspect'], ['inspect', '--raw'], ['digest']]) {
      const r = await runCli([...cmd, '--platform', 'linux/arm64', `${reg.host}/app:v1`], { env: e });
      expect(r.code, cmd.join(' ')).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        new RegExp(`^ocipull: choose linux/arm64 from ${reg.host}/app:v1: the image is linux/amd64 only`),
      );
    }
    const ok = await runCli(['digest', '--platform', 'linux/amd64', `${reg.host}/app:v1`], { env: e });
    expect(ok.code).toBe(0);
  });

  it('--raw prints the exact manifest bytes, whose sha256 is the digest', async () => {
    const reg = await faultRegistry();
    const idx = addIndex(reg, 'multi', 'latest');
    const r = await runCli(['inspect', '--raw', `${reg.host}/multi:latest`], { env: await isolatedEnv() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(idx.index);
    expect(`sha256:${createHash('sha256').update(r.stdout).digest('hex')}`).toBe(idx.digest);
  });

  it('--config prints the config and --config --raw its exact bytes', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'app', 'v1');
    const e = await isolatedEnv();
    const pretty = await runCli(['inspect', '--config', `${reg.host}/app:v1`], { env: e });
    expect(JSON.parse(pretty.stdout).architecture).toBe('amd64');
    const raw = await runCli(['inspect', '--config', '--raw', `${reg.host}/app:v1`], { env: e });
    expect(raw.stdout).toBe(img.config.toString());
  });

  it('says which tag is missing in which repository (exit 3)', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'app', 'v1');
    const r = await runCli(['inspect', `${reg.host}/app:v2`], { env: await isolatedEnv() });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`v2 not found in repository ${reg.host}/app`);
    expect(r.stderr).toMatch(/hint: .*ocipull tags/);
  });

  it('shows the rate limit the registry reports', async () => {
    const reg = await faultRegistry({ rateLimit: { limit: 100, remaining: 42, window: 21600 } });
    addImage(reg, 'app', 'v1');
    const r = await runCli(['inspect', `${reg.host}/app:v1`], { env: await isolatedEnv() });
    expect(r.stdout).toContain('Rate limit:  42 of 100 pulls left (6h window)');
  });

  it('exits 6 with a one-line message when the registry is unreachable', async () => {
    const reg = await faultRegistry();
    const host = reg.host;
    await reg.close();
    const r = await runCli(['inspect', '--retries', '0', `${host}/app:v1`], { env: await isolatedEnv() });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/^ocipull: ping 127\.0\.0\.1:\d+: registry unreachable/);
    expect(r.stderr).not.toContain('    at ');
  });

  it('rejects a bad reference with exit 2 before any network use', async () => {
    const r = await runCli(['inspect', 'Bad/Name'], { env: await isolatedEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid reference "Bad\/Name"/);
  });
});

describe('ocipull digest', () => {
  it('resolves with HEAD only, and --full-ref pins the repository', async () => {
    const reg = await faultRegistry();
    const idx = addIndex(reg, 'multi', 'latest');
    const e = await isolatedEnv();
    const r = await runCli(['digest', `${reg.host}/multi`], { env: e });
    expect(r).toEqual({ code: 0, stdout: `${idx.digest}\n`, stderr: '' });
    expect(reg.requestsTo('/manifests/').map((q) => q.method)).toEqual(['HEAD']);
    const full = await runCli(['digest', '--full-ref', `${reg.host}/multi`], { env: e });
    expect(full.stdout).toBe(`${reg.host}/multi@${idx.digest}\n`);
  });

  it('gives the platform image digest with --platform', async () => {
    const reg = await faultRegistry();
    const idx = addIndex(reg, 'multi', 'latest');
    const r = await runCli(['digest', '--json', '--platform', 'linux/arm/v7', `${reg.host}/multi`], {
      env: await isolatedEnv(),
    });
    expect(JSON.parse(r.stdout)).toMatchObject({ digest: idx.children[2]!.digest, platform: 'linux/arm/v7' });
  });
});

describe('ocipull tags', () => {
  it('lists tags across pages', async () => {
    const reg = await faultRegistry({ tagPageSize: 2 });
    for (const t of ['a', 'b', 'c', 'd', 'e']) addImage(reg, 'many', t);
    const r = await runCli(['tags', `${reg.host}/many`], { env: await isolatedEnv() });
    expect(r).toEqual({ code: 0, stdout: 'a\nb\nc\nd\ne\n', stderr: '' });
    const j = await runCli(['tags', '--json', `${reg.host}/many`], { env: await isolatedEnv() });
    expect(JSON.parse(j.stdout)).toEqual({ repository: `${reg.host}/many`, tags: ['a', 'b', 'c', 'd', 'e'] });
  });

  it('refuses a tag in the repository argument', async () => {
    const r = await runCli(['tags', 'debian:12'], { env: await isolatedEnv() });
    expect(r.code).toBe(2);
  });
});

describe('ocipull ratelimit', () => {
  it('reads the quota from a HEAD', async () => {
    const reg = await faultRegistry({
      rateLimit: { limit: 100, remaining: 76, window: 21600, source: '198.51.100.7' },
    });
    addImage(reg, 'app', 'latest');
    const r = await runCli(['ratelimit', '--json', `${reg.host}/app`], { env: await isolatedEnv() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      reference: `${reg.host}/app:latest`,
      registry: reg.host,
      limited: true,
      limit: 100,
      remaining: 76,
      windowSeconds: 21600,
      windowHours: 6,
      source: '198.51.100.7',
    });
    expect(reg.requestsTo('/manifests/').map((q) => q.method)).toEqual(['HEAD']);
    const human = await runCli(['ratelimit', `${reg.host}/app`], { env: await isolatedEnv() });
    expect(human.stdout).toContain('100 pulls per 6h');
    expect(human.stdout).toContain('Remaining: 76');
  });

  it('reports a registry without headers as not rate-limited', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'app', 'latest');
    const r = await runCli(['ratelimit', `${reg.host}/app`], { env: await isolatedEnv() });
    expect(r.stdout).toBe(
      `${reg.host}: not rate-limited (no rate-limit headers on ${reg.host}/app:latest)\n`,
    );
  });

  it('still shows the figures when the quota is spent (429 on HEAD)', async () => {
    const reg = await faultRegistry();
    reg.hook((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.statusCode = 429;
      res.setHeader('ratelimit-limit', '100;w=21600');
      res.setHeader('ratelimit-remaining', '0;w=21600');
      res.end();
      return true;
    });
    const r = await runCli(['ratelimit', '--json', `${reg.host}/app`], { env: await isolatedEnv() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ limited: true, remaining: 0, limit: 100 });
  });
});

describe('credentials from the CLI', () => {
  it('uses Docker config.json for a private repository and fails without it (exit 4, hint)', async () => {
    const reg = await faultRegistry({ auth: { kind: 'bearer', users: { alice: 'pa:ss' } } });
    addImage(reg, 'private/app', 'v1');
    reg.repo('private/app').users = ['alice'];
    const e = await isolatedEnv();
    const denied = await runCli(['digest', `${reg.host}/private/app:v1`], { env: e });
    expect(denied.code).toBe(4);
    expect(denied.stderr).toMatch(/hint: .*(--creds|ocipull login)/);

    const { mkdir } = await import('node:fs/promises');
    await mkdir(e.DOCKER_CONFIG, { recursive: true });
    await writeFile(
      join(e.DOCKER_CONFIG, 'config.json'),
      JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('alice:pa:ss').toString('base64') } } }),
    );
    const ok = await runCli(['digest', '--debug', `${reg.host}/private/app:v1`], { env: e });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('config.json');
    expect(ok.stderr).not.toContain('pa:ss');
  });

  it('--creds and --username/--password-stdin', async () => {
    const reg = await faultRegistry({ auth: { kind: 'bearer', users: { bob: 'pw' } } });
    addImage(reg, 'private/x', 'v1');
    reg.repo('private/x').users = ['bob'];
    const e = await isolatedEnv();
    expect((await runCli(['digest', '--creds', 'bob:pw', `${reg.host}/private/x:v1`], { env: e })).code).toBe(
      0,
    );
    const piped = await runCli(
      ['digest', '--username', 'bob', '--password-stdin', `${reg.host}/private/x:v1`],
      {
        env: e,
        stdin: Readable.from(['pw\n']),
      },
    );
    expect(piped.code).toBe(0);
    const bad = await runCli(['digest', '--username', 'bob', `${reg.host}/private/x:v1`], { env: e });
    expect(bad.code).toBe(2);
  });

  it('login verifies before saving, and logout removes the entry', async () => {
    const reg = await faultRegistry({ auth: { kind: 'bearer', users: { carol: 'right' } } });
    const e = await isolatedEnv();
    const wrong = await runCli(['login', '--username', 'carol', '--password-stdin', reg.host], {
      env: e,
      stdin: Readable.from(['wrong\n']),
    });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/^ocipull: log in to 127\.0\.0\.1:\d+: .*credentials were rejected/);
    expect(wrong.stderr).toContain('nothing was saved');
    expect(wrong.stderr).not.toMatch(/hint: .*ocipull login/);
    await expect(stat(join(e.DOCKER_CONFIG, 'config.json'))).rejects.toThrow();

    const ok = await runCli(['login', '--username', 'carol', '--password-stdin', reg.host], {
      env: e,
      stdin: Readable.from(['right\n']),
    });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('Login succeeded');
    const saved = JSON.parse(await readFile(join(e.DOCKER_CONFIG, 'config.json'), 'utf8'));
    expect(Buffer.from(saved.auths[reg.host].auth, 'base64').toString()).toBe('carol:right');
    expect((await stat(join(e.DOCKER_CONFIG, 'config.json'))).mode & 0o777).toBe(0o600);

    const out = await runCli(['logout', reg.host], { env: e });
    expect(out.code).toBe(0);
    const after = JSON.parse(await readFile(join(e.DOCKER_CONFIG, 'config.json'), 'utf8'));
    expect(after.auths[reg.host]).toBeUndefined();
  });
});
