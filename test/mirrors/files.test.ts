import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { isolatedEnv } from '../fakes/scope.js';
import { show, writeTree } from './run-mirrors.js';

/** A registries.conf that sends docker.io to `location` (so each file's effect is visible). */
const hub = (location: string) => `[[registry]]\nprefix = "docker.io"\nlocation = "${location}"\n`;
const entry = (prefix: string, location: string) =>
  `[[registry]]\nprefix = "${prefix}"\nlocation = "${location}"\n`;

/**
 * Runs `ocipull mirrors --json REFS` in a fake machine: `tree` is written under a temp dir holding `home/` (HOME)
 * and `sys/` (OCIPULL_SYSTEM_CONFIG_ROOT, standing in for /). Returns each reference's endpoints.
 */
async function onMachine(
  tree: Record<string, string>,
  refs: string[],
  opts: { args?: (root: string) => string[]; env?: (root: string) => Record<string, string> } = {},
) {
  const root = await writeTree(tree);
  const env = {
    ...(await isolatedEnv()),
    HOME: join(root, 'home'),
    OCIPULL_SYSTEM_CONFIG_ROOT: join(root, 'sys'),
    ...opts.env?.(root),
  };
  const result = await runCli(['mirrors', '--json', ...(opts.args?.(root) ?? []), ...refs], { env });
  const endpoints = result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { endpoints: Parameters<typeof show>[0][] }).endpoints.map(show));
  return { result, endpoints, root };
}

const SYS = 'sys/etc/containers/registries.conf';
const SYS_D = 'sys/etc/containers/registries.conf.d';
const USER = 'home/.config/containers/registries.conf';
const USER_D = 'home/.config/containers/registries.conf.d';

describe('ocipull mirrors: which files are read', () => {
  it('no file anywhere: an empty configuration', async () => {
    const { result, endpoints } = await onMachine({}, ['debian']);
    expect(result.code).toBe(0);
    expect(endpoints).toEqual([['primary docker.io/library/debian:latest']]);
  });

  it('the system file, then system drop-ins, then user drop-ins', async () => {
    const { endpoints } = await onMachine(
      {
        [SYS]: hub('sys.local') + entry('quay.io', 'sys-quay.local') + entry('ghcr.io', 'sys-ghcr.local'),
        [`${SYS_D}/50-a.conf`]: entry('quay.io', 'sysd-quay.local') + entry('ghcr.io', 'sysd-ghcr.local'),
        [`${USER_D}/50-a.conf`]: entry('ghcr.io', 'userd-ghcr.local'),
      },
      ['debian', 'quay.io/x/y', 'ghcr.io/x/y'],
    );
    expect(endpoints).toEqual([
      ['primary sys.local/library/debian:latest'],
      ['primary sysd-quay.local/x/y:latest'],
      ['primary userd-ghcr.local/x/y:latest'],
    ]);
  });

  it("the user's registries.conf wins, and then only the user's drop-ins are read", async () => {
    const { endpoints } = await onMachine(
      {
        [SYS]: hub('sys.local'),
        [`${SYS_D}/50-a.conf`]: entry('quay.io', 'sysd-quay.local'),
        [USER]: hub('user.local'),
        [`${USER_D}/50-a.conf`]: entry('ghcr.io', 'userd-ghcr.local'),
      },
      ['debian', 'quay.io/x/y', 'ghcr.io/x/y'],
    );
    expect(endpoints).toEqual([
      ['primary user.local/library/debian:latest'],
      ['primary quay.io/x/y:latest'],
      ['primary userd-ghcr.local/x/y:latest'],
    ]);
  });

  it('CONTAINERS_REGISTRIES_CONF names the main file; the default drop-in directories are still read', async () => {
    const { endpoints } = await onMachine(
      {
        [SYS]: hub('sys.local'),
        [USER]: hub('user.local'),
        'other.conf': hub('env.local'),
        [`${SYS_D}/50-a.conf`]: entry('quay.io', 'sysd-quay.local'),
        [`${USER_D}/50-a.conf`]: entry('ghcr.io', 'userd-ghcr.local'),
      },
      ['debian', 'quay.io/x/y', 'ghcr.io/x/y'],
      { env: (root) => ({ CONTAINERS_REGISTRIES_CONF: join(root, 'other.conf') }) },
    );
    expect(endpoints).toEqual([
      ['primary env.local/library/debian:latest'],
      ['primary sysd-quay.local/x/y:latest'],
      ['primary userd-ghcr.local/x/y:latest'],
    ]);
  });

  it('REGISTRIES_CONFIG_PATH is used when CONTAINERS_REGISTRIES_CONF is not defined', async () => {
    const { endpoints } = await onMachine(
      { [SYS]: hub('sys.local'), 'legacy.conf': hub('legacy.local') },
      ['debian'],
      {
        env: (root) => ({ REGISTRIES_CONFIG_PATH: join(root, 'legacy.conf') }),
      },
    );
    expect(endpoints).toEqual([['primary legacy.local/library/debian:latest']]);
  });

  it('--registries-conf wins over CONTAINERS_REGISTRIES_CONF', async () => {
    const { endpoints } = await onMachine(
      { 'flag.conf': hub('flag.local'), 'env.conf': hub('env.local') },
      ['debian'],
      {
        args: (root) => ['--registries-conf', join(root, 'flag.conf')],
        env: (root) => ({ CONTAINERS_REGISTRIES_CONF: join(root, 'env.conf') }),
      },
    );
    expect(endpoints).toEqual([['primary flag.local/library/debian:latest']]);
  });

  it('a named main file that does not exist exits 2', async () => {
    const { result } = await onMachine({}, ['debian'], {
      args: (root) => ['--registries-conf', join(root, 'missing.conf')],
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/registries configuration ".*missing\.conf": no such file/);
  });

  it('--registries-conf-dir replaces every drop-in directory', async () => {
    const { endpoints } = await onMachine(
      {
        [SYS]: hub('sys.local'),
        [`${SYS_D}/50-a.conf`]: entry('quay.io', 'sysd-quay.local'),
        'mine/50-a.conf': entry('ghcr.io', 'mine-ghcr.local'),
      },
      ['quay.io/x/y', 'ghcr.io/x/y'],
      { args: (root) => ['--registries-conf-dir', join(root, 'mine')] },
    );
    expect(endpoints).toEqual([['primary quay.io/x/y:latest'], ['primary mine-ghcr.local/x/y:latest']]);
  });

  it('drop-ins: *.conf only, by name in byte order ("10" before "9"), subdirectories skipped', async () => {
    const { endpoints } = await onMachine(
      {
        [SYS]: '',
        [`${SYS_D}/9-late.conf`]: hub('nine.local'),
        [`${SYS_D}/10-early.conf`]: hub('ten.local') + entry('quay.io', 'ten-quay.local'),
        [`${SYS_D}/99-ignored.conf.bak`]: hub('bak.local'),
        [`${SYS_D}/zz.conf/inner.conf`]: hub('subdir.local'),
      },
      ['debian', 'quay.io/x/y'],
    );
    expect(endpoints).toEqual([
      ['primary nine.local/library/debian:latest'],
      ['primary ten-quay.local/x/y:latest'],
    ]);
  });

  it('a drop-in [[registry]] with the same prefix replaces the earlier one whole (mirrors too); new prefixes add', async () => {
    const { endpoints } = await onMachine(
      {
        [SYS]:
          '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\nmirror-by-digest-only = true\n' +
          '[[registry.mirror]]\nlocation = "old-mirror.local"\n' +
          entry('quay.io', 'quay.io'),
        [`${SYS_D}/50.conf`]:
          '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "new-mirror.local"\n' +
          entry('ghcr.io', 'ghcr-proxy.local'),
      },
      ['debian', 'quay.io/x/y', 'ghcr.io/x/y'],
    );
    expect(endpoints).toEqual([
      ['mirror new-mirror.local/library/debian:latest', 'primary docker.io/library/debian:latest'],
      ['primary quay.io/x/y:latest'],
      ['primary ghcr-proxy.local/x/y:latest'],
    ]);
  });

  it('quirk kept: insecure/blocked conflicts are checked within a file, not across drop-ins', async () => {
    const { result, endpoints } = await onMachine(
      {
        [SYS]: entry('a.example.com', 'reg.local'),
        [`${SYS_D}/50.conf`]: `${entry('b.example.com', 'reg.local')}insecure = true\n`,
      },
      ['a.example.com/x', 'b.example.com/x'],
    );
    expect(result.code).toBe(0);
    expect(endpoints).toEqual([['primary reg.local/x:latest'], ['primary insecure reg.local/x:latest']]);
  });

  it('--debug says once that short-name settings are read but not used, and lists the files read', async () => {
    const { result } = await onMachine(
      {
        [SYS]: 'unqualified-search-registries = ["quay.io"]\n[aliases]\n"app" = "quay.io/org/app"\n',
        [`${SYS_D}/50.conf`]: 'short-name-mode = "enforcing"\n',
      },
      ['app'],
      { args: () => ['--debug'] },
    );
    expect(result.code).toBe(0);
    const notes = result.stderr.split('\n').filter((l) => l.includes('reads but does not apply'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('unqualified-search-registries, short-name-mode, [aliases]');
    expect(result.stderr).toContain('mirrors: read ');
    expect(result.stdout).toContain('"reference":"docker.io/library/app:latest"');
  });
});
