import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { isolatedEnv } from '../fakes/scope.js';
import { D, endpointsOf, mirrors, writeTree } from './run-mirrors.js';

const fileMirror = '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "file.local"\n';

describe('ocipull mirrors: --mirror, OCIPULL_MIRRORS, --no-mirrors, --docker-mirrors', () => {
  it('--mirror (in flag order), then OCIPULL_MIRRORS, then the file, then the primary', async () => {
    const opts = {
      args: ['--mirror', 'docker.io=flag1.local', '--mirror', 'docker.io=flag2.local,insecure'],
      env: { OCIPULL_MIRRORS: 'docker.io=env1.local,quay.io=q.local\ndocker.io=env2.local/hub,digest-only' },
    };
    expect(await endpointsOf(fileMirror, 'debian', opts)).toEqual([
      'mirror flag1.local/library/debian:latest',
      'mirror insecure flag2.local/library/debian:latest',
      'mirror env1.local/library/debian:latest',
      'mirror file.local/library/debian:latest',
      'primary docker.io/library/debian:latest',
    ]);
    expect(await endpointsOf(fileMirror, `debian@${D}`, opts)).toEqual([
      `mirror flag1.local/library/debian@${D}`,
      `mirror insecure flag2.local/library/debian@${D}`,
      `mirror env1.local/library/debian@${D}`,
      `mirror env2.local/hub/library/debian@${D}`,
      `mirror file.local/library/debian@${D}`,
      `primary docker.io/library/debian@${D}`,
    ]);
    expect(await endpointsOf(fileMirror, 'quay.io/org/app:1', opts)).toEqual([
      'mirror q.local/org/app:1',
      'primary quay.io/org/app:1',
    ]);
  });

  it('tag-only on --mirror', async () => {
    const args = ['--mirror', 'docker.io=t.local,tag-only'];
    expect(await endpointsOf(null, 'debian:12', { args })).toEqual([
      'mirror t.local/library/debian:12',
      'primary docker.io/library/debian:12',
    ]);
    expect(await endpointsOf(null, `debian@${D}`, { args })).toEqual([
      `primary docker.io/library/debian@${D}`,
    ]);
  });

  it('a --mirror for a prefix no entry has keeps the rewriting and blocking of the entry that caught it', async () => {
    const conf =
      '[[registry]]\nprefix = "docker.io"\nlocation = "harbor.example.com/hub"\n' +
      '[[registry]]\nprefix = "*.evil.org"\nblocked = true\n';
    expect(
      await endpointsOf(conf, 'docker.io/org/app:1', { args: ['--mirror', 'docker.io/org=cache.local/org'] }),
    ).toEqual(['mirror cache.local/org/app:1', 'primary harbor.example.com/hub/org/app:1']);
    expect(
      await endpointsOf(conf, 'reg.evil.org/x:1', { args: ['--mirror', 'reg.evil.org=cache.local'] }),
    ).toEqual(['mirror cache.local/x:1']);
  });

  it('a longer prefix in the files still wins over a --mirror for a shorter one', async () => {
    const conf = '[[registry]]\nprefix = "docker.io/library"\nlocation = "harbor.example.com/hub/library"\n';
    expect(await endpointsOf(conf, 'debian', { args: ['--mirror', 'docker.io=cache.local'] })).toEqual([
      'primary harbor.example.com/hub/library/debian:latest',
    ]);
  });

  it('--no-mirrors drops every mirror but keeps rewriting and blocked', async () => {
    const conf =
      '[[registry]]\nprefix = "docker.io"\nlocation = "harbor.example.com/hub"\n[[registry.mirror]]\nlocation = "m.local"\n' +
      '[[registry]]\nlocation = "blocked.example.com"\nblocked = true\n[[registry.mirror]]\nlocation = "bm.local"\n';
    const opts = {
      args: ['--no-mirrors', '--mirror', 'docker.io=flag.local'],
      env: { OCIPULL_MIRRORS: 'docker.io=env.local' },
    };
    expect(await endpointsOf(conf, 'debian', opts)).toEqual([
      'primary harbor.example.com/hub/library/debian:latest',
    ]);
    expect(await endpointsOf(conf, 'blocked.example.com/x', opts)).toBe('blocked');
  });

  it.each([
    ['no =', ['--mirror', 'docker.io'], 'is not PREFIX=LOCATION'],
    ['an empty prefix', ['--mirror', '=m.local'], 'PREFIX before "=" is empty'],
    ['an empty location', ['--mirror', 'docker.io='], 'LOCATION after "=" is empty'],
    ['a scheme', ['--mirror', 'docker.io=https://m.local'], 'URI schemes are not supported'],
    [
      'an unknown option',
      ['--mirror', 'docker.io=m.local,sometimes'],
      'unknown or repeated option "sometimes"',
    ],
    [
      'two modes',
      ['--mirror', 'docker.io=m.local,digest-only,tag-only'],
      'unknown or repeated option "tag-only"',
    ],
    [
      'two mirrors in one flag',
      ['--mirror', 'docker.io=a.local,quay.io=b.local'],
      'one PREFIX=LOCATION per --mirror',
    ],
    ['a bad wildcard', ['--mirror', '*.example.com/ns=m.local'], 'wildcarded prefix'],
  ])('--mirror with %s exits 2', async (_what, args, problem) => {
    const { result } = await mirrors(null, ['debian'], { args });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ocipull: --mirror "/);
    expect(result.stderr).toContain(problem);
  });

  it('OCIPULL_MIRRORS that does not start with PREFIX=LOCATION exits 2 naming the variable', async () => {
    const { result } = await mirrors(null, ['debian'], {
      env: { OCIPULL_MIRRORS: 'insecure,docker.io=m.local' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('OCIPULL_MIRRORS "insecure,docker.io=m.local"');
  });

  it('a per-mirror mode on an entry with mirror-by-digest-only exits 2, as in a file', async () => {
    const conf = '[[registry]]\nlocation = "docker.io"\nmirror-by-digest-only = true\n';
    const { result } = await mirrors(conf, ['debian'], {
      args: ['--mirror', 'docker.io=m.local,digest-only'],
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('sets mirror-by-digest-only');
    // Without a mode the flag's mirror follows the entry's mirror-by-digest-only.
    expect(await endpointsOf(conf, 'debian', { args: ['--mirror', 'docker.io=m.local'] })).toEqual([
      'primary docker.io/library/debian:latest',
    ]);
  });

  describe('--docker-mirrors', () => {
    async function withDaemonJson(json: string | null, args: string[], conf = '') {
      const root = await writeTree({
        'registries.conf': conf,
        ...(json === null ? {} : { 'sys/etc/docker/daemon.json': json }),
      });
      const env = await isolatedEnv({ OCIPULL_SYSTEM_CONFIG_ROOT: join(root, 'sys') });
      return runCli(
        [
          'mirrors',
          '--json',
          '--registries-conf',
          join(root, 'registries.conf'),
          '--registries-conf-dir',
          join(root, 'd'),
          ...args,
        ],
        { env },
      );
    }

    it("adds daemon.json's registry-mirrors for docker.io, after the file's; an http:// mirror is insecure", async () => {
      const json = JSON.stringify({ 'registry-mirrors': ['https://mirror.gcr.io', 'http://10.0.0.5:5000/'] });
      const result = await withDaemonJson(
        json,
        ['--docker-mirrors', 'debian:12', 'quay.io/a/b:1'],
        fileMirror,
      );
      expect(result.code).toBe(0);
      const [hub, quay] = result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(
        hub.endpoints.map((e: { reference: string; insecure: boolean }) => `${e.reference} ${e.insecure}`),
      ).toEqual([
        'file.local/library/debian:12 false',
        'mirror.gcr.io/library/debian:12 false',
        '10.0.0.5:5000/library/debian:12 true',
        'docker.io/library/debian:12 false',
      ]);
      expect(quay.endpoints).toHaveLength(1);
    });

    it('is not read without the flag', async () => {
      const json = JSON.stringify({ 'registry-mirrors': ['https://mirror.gcr.io'] });
      const result = await withDaemonJson(json, ['debian:12']);
      expect(JSON.parse(result.stdout).endpoints).toHaveLength(1);
    });

    it('a missing daemon.json adds nothing', async () => {
      const result = await withDaemonJson(null, ['--docker-mirrors', 'debian:12']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).endpoints).toHaveLength(1);
    });

    it.each([
      [
        'a mirror with a path',
        '{"registry-mirrors": ["https://harbor.example.com/proxy"]}',
        'must be the root of a domain',
      ],
      ['not JSON', '{', 'is not valid JSON'],
      ['not a list', '{"registry-mirrors": "https://m"}', 'must be a list of URLs'],
    ])('%s exits 2 naming daemon.json', async (_what, json, problem) => {
      const result = await withDaemonJson(json, ['--docker-mirrors', 'debian:12']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/Docker daemon configuration ".*daemon\.json"/);
      expect(result.stderr).toContain(problem);
    });
  });

  it('human output: a short numbered list with the rule of each endpoint', async () => {
    const root = await writeTree({ 'r.conf': fileMirror });
    const env = await isolatedEnv({ OCIPULL_SYSTEM_CONFIG_ROOT: join(root, 'sys') });
    const result = await runCli(
      [
        'mirrors',
        '--registries-conf',
        join(root, 'r.conf'),
        '--registries-conf-dir',
        join(root, 'd'),
        'debian:12',
        'quay.io/a/b',
      ],
      { env },
    );
    expect(result.code).toBe(0);
    const conf = join(root, 'r.conf');
    expect(result.stdout).toBe(
      'docker.io/library/debian:12\n' +
        `  1. file.local/library/debian:12  (mirror; prefix "docker.io" in ${conf})\n` +
        `  2. docker.io/library/debian:12  (primary; prefix "docker.io" in ${conf})\n` +
        'quay.io/a/b:latest\n' +
        '  1. quay.io/a/b:latest  (primary; no [[registry]] matches)\n',
    );
  });
});
