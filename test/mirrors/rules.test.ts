import { describe, expect, it } from 'vitest';
import { D, endpointsOf, mirrors } from './run-mirrors.js';

/** [rule, registries.conf, reference, endpoints in order (or 'blocked')]. */
type Row = [string, string, string, string[] | 'blocked'];

const nested = `
[[registry]]
prefix = "example.com"
location = "a.example.net"
[[registry]]
prefix = "example.com/ns"
location = "b.example.net/x"
[[registry]]
prefix = "example.com/ns/repo"
location = "c.example.net/r"
`;

const wildcard = `
[[registry]]
prefix = "*.example.com"
location = "mirror.local"
`;

const wildcardNoLocation = `
[[registry]]
prefix = "*.example.com"
[[registry.mirror]]
location = "cache.local"
`;

const pullFromMirror = `
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "m-unset.local"
[[registry.mirror]]
location = "m-all.local"
pull-from-mirror = "all"
[[registry.mirror]]
location = "m-digest.local"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "m-tag.local"
pull-from-mirror = "tag-only"
`;

const byDigestOnly = `
[[registry]]
location = "docker.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "m1.local"
[[registry.mirror]]
location = "m2.local"
`;

const rows: Row[] = [
  ['no entry: the reference itself', '', 'debian', ['primary docker.io/library/debian:latest']],
  ['longest prefix: host', nested, 'example.com/other:1', ['primary a.example.net/other:1']],
  ['longest prefix: namespace', nested, 'example.com/ns/app:1', ['primary b.example.net/x/app:1']],
  ['longest prefix: repository', nested, 'example.com/ns/repo:1', ['primary c.example.net/r:1']],
  [
    'longest prefix: nested under the repository',
    nested,
    'example.com/ns/repo/sub:1',
    ['primary c.example.net/r/sub:1'],
  ],
  [
    'boundary: repo2 is not under repo',
    nested,
    'example.com/ns/repo2:1',
    ['primary b.example.net/x/repo2:1'],
  ],
  ['boundary: example.comx is not example.com', nested, 'example.comx/app:1', ['primary example.comx/app:1']],
  ['prefix keeps the digest', nested, `example.com/ns/repo@${D}`, [`primary c.example.net/r@${D}`]],
  [
    'host:port prefix',
    '[[registry]]\nprefix = "localhost:5000"\nlocation = "mirror.local:6000"',
    'localhost:5000/app:1',
    ['primary mirror.local:6000/app:1'],
  ],
  [
    'host:port prefix: another port does not match',
    '[[registry]]\nprefix = "localhost:5000"\nlocation = "mirror.local:6000"',
    'localhost:5001/app:1',
    ['primary localhost:5001/app:1'],
  ],
  [
    'quirk kept: a host prefix also matches that host with a port',
    '[[registry]]\nprefix = "example.com"\nlocation = "other.example.net"',
    'example.com:5000/app:1',
    ['primary other.example.net:5000/app:1'],
  ],
  ['wildcard: one level', wildcard, 'a.example.com/x:1', ['primary mirror.local/x:1']],
  ['wildcard: two levels', wildcard, 'a.b.example.com/x:1', ['primary mirror.local/x:1']],
  [
    'quirk kept: a wildcard matches the host without its port, so the port is carried into the rewrite',
    wildcard,
    'a.example.com:5000/x:1',
    ['primary mirror.local:5000/x:1'],
  ],
  ['wildcard: not the bare domain', wildcard, 'example.com/x:1', ['primary example.com/x:1']],
  ['wildcard: no dot before the domain', wildcard, 'notexample.com/x:1', ['primary notexample.com/x:1']],
  [
    'wildcard: not a longer host',
    wildcard,
    'a.example.com.evil.org/x:1',
    ['primary a.example.com.evil.org/x:1'],
  ],
  [
    'wildcard: only in the host part',
    wildcard,
    'registry.org/a.example.com/x:1',
    ['primary registry.org/a.example.com/x:1'],
  ],
  [
    'wildcard without location: no rewrite, mirrors still rewritten',
    wildcardNoLocation,
    'a.example.com/x:1',
    ['mirror cache.local/x:1', 'primary a.example.com/x:1'],
  ],
  [
    'a longer literal prefix beats a wildcard',
    `${wildcard}\n[[registry]]\nprefix = "foo.example.com"\nlocation = "foo.local"`,
    'foo.example.com/x:1',
    ['primary foo.local/x:1'],
  ],
  [
    'quirk kept: equal lengths, the first prefix in sorted order (the wildcard) wins',
    '[[registry]]\nprefix = "*.b.com"\nlocation = "wild.local"\n[[registry]]\nprefix = "a.b.com"\nlocation = "lit.local"',
    'a.b.com/x:1',
    ['primary wild.local/x:1'],
  ],
  [
    'a :tag prefix never matches (entries are looked up by repository)',
    '[[registry]]\nprefix = "example.com/app:1"\nlocation = "other.example.net/app"',
    'example.com/app:1',
    ['primary example.com/app:1'],
  ],
  [
    'an @digest prefix never matches',
    `[[registry]]\nprefix = "example.com/app@${D}"\nlocation = "other.example.net/app"`,
    `example.com/app@${D}`,
    [`primary example.com/app@${D}`],
  ],
  [
    'Docker Hub: official images need library/ spelled out',
    '[[registry]]\nprefix = "docker.io/debian"\nlocation = "hub.local/debian"',
    'debian:12',
    ['primary docker.io/library/debian:12'],
  ],
  [
    'Docker Hub: docker.io/library prefix',
    '[[registry]]\nprefix = "docker.io/library"\nlocation = "harbor.example.com/dockerhub-proxy/library"',
    'debian:12',
    ['primary harbor.example.com/dockerhub-proxy/library/debian:12'],
  ],
  [
    'rewriting to a location with a path (Harbor proxy project) as a mirror',
    '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "harbor.example.com/dockerhub-proxy"',
    'debian:12',
    ['mirror harbor.example.com/dockerhub-proxy/library/debian:12', 'primary docker.io/library/debian:12'],
  ],
  [
    'prefix defaults to location; trailing slashes are trimmed',
    '[[registry]]\nlocation = "quay.io/"\n[[registry.mirror]]\nlocation = "quay-cache.local/quay//"',
    'quay.io/org/app:1',
    ['mirror quay-cache.local/quay/org/app:1', 'primary quay.io/org/app:1'],
  ],
  [
    'mirrors in file order, primary last',
    '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "one.local"\n[[registry.mirror]]\nlocation = "two.local:5000"',
    'alpine',
    [
      'mirror one.local/library/alpine:latest',
      'mirror two.local:5000/library/alpine:latest',
      'primary docker.io/library/alpine:latest',
    ],
  ],
  [
    'same prefix twice in one file: the first wins',
    '[[registry]]\nprefix = "docker.io"\nlocation = "first.local"\n[[registry]]\nprefix = "docker.io"\nlocation = "second.local"',
    'alpine',
    ['primary first.local/library/alpine:latest'],
  ],
  [
    'insecure on the entry and on a mirror, independently',
    '[[registry]]\nlocation = "reg.local"\ninsecure = true\n[[registry.mirror]]\nlocation = "secure.local"\n[[registry.mirror]]\nlocation = "plain.local"\ninsecure = true',
    'reg.local/app:1',
    ['mirror secure.local/app:1', 'mirror insecure plain.local/app:1', 'primary insecure reg.local/app:1'],
  ],
  [
    'blocked',
    '[[registry]]\nlocation = "blocked.example.com"\nblocked = true',
    'blocked.example.com/x:1',
    'blocked',
  ],
  [
    'blocked: a namespace prefix blocks only under it',
    '[[registry]]\nprefix = "docker.io/evil"\nlocation = "docker.io/evil"\nblocked = true',
    'docker.io/good/app:1',
    ['primary docker.io/good/app:1'],
  ],
  [
    'blocked: a wildcard blocks every subdomain',
    '[[registry]]\nprefix = "*.evil.org"\nblocked = true',
    'a.b.evil.org/x:1',
    'blocked',
  ],
  [
    'quirk kept: blocked is checked per endpoint, so mirrors of a blocked registry still serve',
    '[[registry]]\nlocation = "docker.io"\nblocked = true\n[[registry.mirror]]\nlocation = "mirror.local"',
    'debian:12',
    ['mirror mirror.local/library/debian:12'],
  ],
  [
    'a mirror whose location is blocked is skipped',
    '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "bad.example.net"\n[[registry.mirror]]\nlocation = "good.example.net"\n[[registry]]\nlocation = "bad.example.net"\nblocked = true',
    'debian:12',
    ['mirror good.example.net/library/debian:12', 'primary docker.io/library/debian:12'],
  ],
  [
    'a primary rewritten into a blocked registry is blocked',
    '[[registry]]\nprefix = "example.com"\nlocation = "blocked.example.net/x"\n[[registry]]\nlocation = "blocked.example.net"\nblocked = true',
    'example.com/app:1',
    'blocked',
  ],
  [
    'mirror-by-digest-only: tag reference uses no mirror',
    byDigestOnly,
    'debian:12',
    ['primary docker.io/library/debian:12'],
  ],
  [
    'mirror-by-digest-only: digest reference uses every mirror',
    byDigestOnly,
    `debian@${D}`,
    [
      `mirror m1.local/library/debian@${D}`,
      `mirror m2.local/library/debian@${D}`,
      `primary docker.io/library/debian@${D}`,
    ],
  ],
  [
    'pull-from-mirror with a tag reference: unset, all and tag-only',
    pullFromMirror,
    'debian:12',
    [
      'mirror m-unset.local/library/debian:12',
      'mirror m-all.local/library/debian:12',
      'mirror m-tag.local/library/debian:12',
      'primary docker.io/library/debian:12',
    ],
  ],
  [
    'pull-from-mirror with a digest reference: unset, all and digest-only',
    pullFromMirror,
    `debian@${D}`,
    [
      `mirror m-unset.local/library/debian@${D}`,
      `mirror m-all.local/library/debian@${D}`,
      `mirror m-digest.local/library/debian@${D}`,
      `primary docker.io/library/debian@${D}`,
    ],
  ],
  [
    'pull-from-mirror with tag and digest: it is a digest reference',
    pullFromMirror,
    `debian:12@${D}`,
    [
      `mirror m-unset.local/library/debian:12@${D}`,
      `mirror m-all.local/library/debian:12@${D}`,
      `mirror m-digest.local/library/debian:12@${D}`,
      `primary docker.io/library/debian:12@${D}`,
    ],
  ],
  [
    'unknown keys are ignored (containers/image logs them at debug level)',
    '[[registry]]\nlocation = "docker.io"\nwhatever = 1\n[[registry.mirror]]\nlocation = "m.local"\nfoo = "bar"',
    'debian:12',
    ['mirror m.local/library/debian:12', 'primary docker.io/library/debian:12'],
  ],
  [
    'short names keep Docker meaning despite search registries and aliases',
    'unqualified-search-registries = ["quay.io"]\nshort-name-mode = "enforcing"\n[aliases]\n"debian" = "quay.io/other/debian"',
    'debian',
    ['primary docker.io/library/debian:latest'],
  ],
];

describe('ocipull mirrors --json: registries.conf rules', () => {
  it.each(rows)('%s', async (_rule, conf, ref, expected) => {
    expect(await endpointsOf(conf, ref)).toEqual(expected);
  });

  it('prints exactly the documented shape, one line per input, in input order', async () => {
    const conf =
      '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "m.local"\ninsecure = true';
    const { result, lines } = await mirrors(conf, ['debian:12', 'ghcr.io/org/app']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(
      '{"input":"debian:12","reference":"docker.io/library/debian:12","blocked":false,"endpoints":[' +
        '{"reference":"m.local/library/debian:12","mirror":true,"insecure":true},' +
        '{"reference":"docker.io/library/debian:12","mirror":false,"insecure":false}]}',
    );
    expect(lines.map((l) => l.input)).toEqual(['debian:12', 'ghcr.io/org/app']);
    expect(lines[1]).toEqual({
      input: 'ghcr.io/org/app',
      reference: 'ghcr.io/org/app:latest',
      blocked: false,
      endpoints: [{ reference: 'ghcr.io/org/app:latest', mirror: false, insecure: false }],
    });
  });

  it('a blocked reference prints blocked: true and no endpoints, and exits 0 (a dry run)', async () => {
    const { result, lines } = await mirrors('[[registry]]\nlocation = "docker.io"\nblocked = true', [
      'debian',
    ]);
    expect(result.code).toBe(0);
    expect(lines).toEqual([
      { input: 'debian', reference: 'docker.io/library/debian:latest', blocked: true, endpoints: [] },
    ]);
  });

  it('an invalid reference is reported on stderr with exit 2; the others still print', async () => {
    const { result, lines } = await mirrors(null, ['Bad Ref', 'debian']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid reference "Bad Ref"');
    expect(lines.map((l) => l.input)).toEqual(['debian']);
  });
});
