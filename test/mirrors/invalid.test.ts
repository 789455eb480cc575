import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { isolatedEnv } from '../fakes/scope.js';
import { mirrors, writeTree } from './run-mirrors.js';

/** [what containers/image refuses, registries.conf, a part of the message]. */
const rows: [string, string, string][] = [
  ['both prefix and location unset', '[[registry]]\ninsecure = true', 'both location and prefix are unset'],
  [
    'location unset and prefix not a wildcard',
    '[[registry]]\nprefix = "example.com"',
    'location is unset and prefix is not in the format *.example.com',
  ],
  [
    'pull-from-mirror on a registry',
    '[[registry]]\nlocation = "docker.io"\npull-from-mirror = "digest-only"',
    'pull-from-mirror must not be set for a non-mirror registry',
  ],
  [
    'a mirror without location',
    '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\ninsecure = true',
    'mirror location is unset',
  ],
  [
    'mirror-by-digest-only together with a per-mirror pull-from-mirror',
    '[[registry]]\nlocation = "docker.io"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.local"\npull-from-mirror = "all"',
    'cannot set mirror usage mirror-by-digest-only for the registry and pull-from-mirror',
  ],
  [
    'an unknown pull-from-mirror value',
    '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "m.local"\npull-from-mirror = "sometimes"',
    'unsupported pull-from-mirror value "sometimes"',
  ],
  [
    'conflicting insecure for one location',
    '[[registry]]\nprefix = "a.example.com"\nlocation = "reg.local"\n[[registry]]\nprefix = "b.example.com"\nlocation = "reg.local"\ninsecure = true',
    `registry "reg.local" is defined multiple times with conflicting "insecure" setting`,
  ],
  [
    'conflicting blocked for one location',
    '[[registry]]\nprefix = "a.example.com"\nlocation = "reg.local"\nblocked = true\n[[registry]]\nprefix = "b.example.com"\nlocation = "reg.local"',
    `registry "reg.local" is defined multiple times with conflicting "blocked" setting`,
  ],
  [
    'an invalid unqualified-search-registries entry',
    'unqualified-search-registries = ["example.com/ns"]',
    'invalid unqualified-search-registries entry "example.com/ns"',
  ],
  ['an invalid short-name-mode', 'short-name-mode = "sometimes"', 'invalid short-name mode: "sometimes"'],
  [
    'a wildcard with a namespace',
    '[[registry]]\nprefix = "*.example.com/ns"\nlocation = "m.local"',
    'wildcarded prefix should be in the format *.example.com',
  ],
  [
    'a wildcard with a port',
    '[[registry]]\nprefix = "*.example.com:5000"\nlocation = "m.local"',
    'wildcarded prefix should be in the format *.example.com',
  ],
  [
    'a location with a URI scheme',
    '[[registry]]\nlocation = "https://registry.example.com"',
    'URI schemes are not supported',
  ],
  [
    'a mirror location with a URI scheme',
    '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "http://m.local"',
    'URI schemes are not supported',
  ],
  ['an alias with a tag', '[aliases]\n"debian" = "docker.io/library/debian:12"', 'must not contain tag'],
  [
    'an alias without registry',
    '[aliases]\n"debian" = "library/debian"',
    'must contain registry and repository',
  ],
  [
    'an alias name with a registry',
    '[aliases]\n"quay.io/debian" = "docker.io/library/debian"',
    'must not contain registry',
  ],
  ['invalid TOML', '[[registry]\nlocation = "x"', 'invalid TOML at line 1'],
  [
    'a value of the wrong type',
    '[[registry]]\nlocation = "docker.io"\ninsecure = "yes"',
    'registry[0].insecure',
  ],
  ['[registry] as a table, not an array of tables', '[registry]\nlocation = "docker.io"', 'registry'],
  [
    'the v1 format',
    '[registries.search]\nregistries = ["docker.io"]\n[registries.block]\nregistries = []',
    'the v1 format',
  ],
  [
    'v1 mixed with v2',
    '[registries.insecure]\nregistries = ["reg.local"]\n[[registry]]\nlocation = "docker.io"',
    'the v1 format',
  ],
];

describe('ocipull mirrors: configurations containers/image rejects exit 2, name the file and the problem', () => {
  it.each(rows)('%s', async (_what, conf, problem) => {
    const { result } = await mirrors(conf, ['debian']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ocipull: registries configuration ".*registries\.conf": /);
    expect(result.stderr).toContain(problem);
  });

  it('v1: the hint says how to convert', async () => {
    const { result } = await mirrors('[registries.search]\nregistries = ["docker.io"]', ['debian']);
    expect(result.stderr).toContain('hint: rewrite it in the v2 format');
  });

  it('a rewrite that gives a non-canonical reference exits 2 naming the entry and its file', async () => {
    const { result } = await mirrors(
      '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "mirror"',
      ['debian'],
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /\[\[registry\]\] prefix "docker.io" in .*registries\.conf: location "mirror"/,
    );
    expect(result.stderr).toContain('not a canonical reference');
  });

  it('an invalid drop-in names the drop-in; nothing is printed for any reference', async () => {
    const root = await writeTree({
      'main.conf': '[[registry]]\nlocation = "docker.io"',
      'd/50-bad.conf': '[[registry]]\nprefix = "example.com"',
    });
    const env = await isolatedEnv();
    const result = await runCli(
      [
        'mirrors',
        '--json',
        '--registries-conf',
        join(root, 'main.conf'),
        '--registries-conf-dir',
        join(root, 'd'),
        'debian',
        'alpine',
      ],
      { env },
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `registries configuration ${JSON.stringify(join(root, 'd/50-bad.conf'))}`,
    );
  });

  it('a v1 drop-in is refused', async () => {
    const root = await writeTree({
      'main.conf': '',
      'd/10.conf': '[registries.search]\nregistries = ["quay.io"]',
    });
    const env = await isolatedEnv();
    const result = await runCli(
      [
        'mirrors',
        '--registries-conf',
        join(root, 'main.conf'),
        '--registries-conf-dir',
        join(root, 'd'),
        'debian',
      ],
      { env },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('10.conf');
    expect(result.stderr).toContain('the v1 format');
  });
});
