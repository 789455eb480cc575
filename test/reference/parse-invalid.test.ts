import { describe, expect, it } from 'vitest';
import { InvalidReferenceError } from '../../src/errors.js';
import { parseReference } from '../../src/reference/index.js';

const F = (n: number) => 'f'.repeat(n);
const ID = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
const D = `sha256:${F(64)}`;

// [input, what the reason must say]. Rows from distribution/reference's invalid lists plus our own.
const rows: [string, RegExp][] = [
  // Empty, whitespace, URLs
  ['', /reference is empty/],
  [' debian', /leading or trailing whitespace/],
  ['debian ', /leading or trailing whitespace/],
  ['\tdebian', /leading or trailing whitespace/],
  ['debian\n', /leading or trailing whitespace/],
  ['deb ian', /invalid character " " in repository path "deb ian"/],
  ['https://github.com/docker/docker', /no URL scheme; remove "https:\/\/"/],
  ['oci://ghcr.io/x', /no URL scheme/],
  // Image IDs
  [ID, /64-character hex string reads as an image ID/],
  ['da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821', /image ID/],
  // Uppercase in the repository path
  ['docker/Docker', /repository path "docker\/Docker" must be lowercase/],
  ['docker.io/docker/Docker', /repository path "docker\/Docker" must be lowercase/],
  ['foo/Bar', /must be lowercase/],
  ['Foo/Bar', /repository path "Bar" must be lowercase/],
  ['Uppercase:tag', /repository path "Uppercase" must be lowercase/],
  ['UPPER', /must be lowercase/],
  ['test:5000/Uppercase/lowercase:tag', /must be lowercase/],
  ['Foo/FarB', /must be lowercase/],
  ['localhost/Foo', /must be lowercase/],
  ['7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C', /must be lowercase/],
  // Path components and separators
  ['-docker', /path component "-docker" must start with a lowercase letter or digit/],
  ['-a', /must start with a lowercase letter or digit, not "-"/],
  ['-docker/docker', /must start with a lowercase letter or digit/],
  ['docker-/docker', /path component "docker-" must end with a lowercase letter or digit/],
  ['-docker-/docker', /must start/],
  ['a-', /must end with a lowercase letter or digit, not "-"/],
  ['foo/-bar', /path component "-bar" must start/],
  ['foo/bar-', /path component "bar-" must end/],
  ['_foo/bar', /path component "_foo" must start/],
  ['____/____', /must start/],
  ['_docker/_docker', /must start/],
  ['docker_/docker_', /must end/],
  ['example.com/__underscore/myimage', /"__underscore" must start/],
  ['example.com/.dots/myimage', /".dots" must start/],
  ['example.com/..dots/myimage', /"..dots" must start/],
  ['a___b', /separator "___"; allowed are '\.', '_', '__' or one or more '-'/],
  ['a..b', /path component "a\.\.b" has separator "\.\."/],
  ['dock..er/docker', /registry host name "dock\.\.er" has an empty label/],
  ['x/dock..er', /separator "\.\."/],
  ['example.com/nodouble..dots/myimage', /separator "\.\."/],
  ['a.-b', /separator "\.-"/],
  ['dock_.er/docker', /registry host name "dock_\.er" must not contain '_'/],
  ['dock-.er/docker', /label "dock-" of registry host name "dock-\.er"/],
  ['x/dock-.er', /path component "dock-\.er" has separator "-\."/],
  ['a-_b', /separator "-_"/],
  ['a^a', /invalid character "\^" in repository path "a\^a"/],
  ['aa/asdf$$^/aa', /invalid character "\$" in repository path/],
  ['asdf$$^/aa', /invalid character "\$"/],
  ['foo/b%61r', /invalid character "%"/],
  // Slashes
  ['a/', /repository path "a\/" ends with '\/'/],
  ['docker/', /ends with '\/'/],
  ['foo/bar/', /ends with '\/'/],
  ['/foo', /repository path "\/foo" starts with '\/'/],
  ['docker///docker', /empty component \('\/\/'\)/],
  ['docker.io/docker///docker', /empty component/],
  ['a//a/a', /empty component/],
  ['docker.io/', /repository name is missing after "docker.io\/"/],
  ['localhost:5000/', /repository name is missing after "localhost:5000\/"/],
  ['ghcr.io/', /repository name is missing/],
  [':justtag', /repository name is missing before ":"/],
  [`@${D}`, /repository name is missing before "@"/],
  ['docker.io/:tag', /repository name is missing before ":"/],
  // Registries, ports, IPv6
  [
    '-docker.io/docker/docker',
    /label "-docker" of registry host name "-docker\.io" must not start or end with '-'/,
  ],
  ['ab-.com/x', /label "ab-"/],
  ['ab.-com/x', /label "-com"/],
  ['.docker/docker', /registry host name "\.docker" has an empty label/],
  ['docker./docker', /has an empty label/],
  ['foo..com/bar', /has an empty label/],
  [':5000/foo', /registry host name is empty/],
  ['foo.com:/bar', /registry "foo\.com:" has an empty port/],
  ['foo.com:http/bar', /port "http" of registry "foo\.com:http" must be a number/],
  [`localhost:http/name@${D}`, /port "http" .* must be a number/],
  ['fc00::1:5000/debian', /more than one ':'; an IPv6 address must be in brackets/],
  ['fd00:1:2::3:75050/x', /must be in brackets/],
  ['[fe80::1%eth0]:5000/debian', /invalid character "%" in IPv6 address "fe80::1%eth0"/],
  ['[fe80::1%@invalidzone]:5000/repo', /invalid character "%" in IPv6 address/],
  ['[2001:db8:3:4::192.0.2.33]:5000/debian', /invalid character "\." in IPv6 address/],
  ['[::1/foo', /IPv6 address in registry "\[::1" is missing its closing '\]'/],
  ['[::1', /invalid character "\[" in repository path/],
  ['[fc00::1]', /invalid character "\["/],
  ['[fc00::1]:5000', /invalid character "\["/],
  ['[2001:db8::1]:tag', /invalid character "\["/],
  ['[fd00:1:2::3]75050/x', /unexpected "75050" after IPv6 address/],
  ['[fd00:1:2::3]::75050/x', /port ":75050" .* must be a number/],
  ['[]/x', /invalid character "\[" in repository path "\[\]\/x"/],
  ['[]:5000/x', /registry "\[\]:5000" has an empty IPv6 address/],
  ['a_b.com/foo', /registry host name "a_b\.com" must not contain '_'/],
  ['bad_hostname.com:8080/myapp:tag', /must not contain '_'/],
  ['do__cker:8080/docker', /must not contain '_'/],
  ['Foo_bar/x', /must not contain '_'/],
  ['foo!.com/x', /invalid character "!" in registry host name/],
  // Tags
  ['foo:', /tag is empty/],
  ['foo:-bad', /tag "-bad" must start with a letter, digit or '_'/],
  ['foo:.bad', /tag "\.bad" must start/],
  ['foo:a:b', /invalid character ":" in tag "a:b"/],
  ['registry.com:8080/myapp:invalid~tag', /invalid character "~" in tag/],
  ['foo:t/x', /port "t" of registry "foo:t" must be a number/],
  ['foo/bar:t/x', /invalid character "\/" in tag "t\/x"/],
  [`foo:${'t'.repeat(129)}`, /tag is 129 characters long; the limit is 128/],
  // Digests
  ['foo@', /digest is empty/],
  ['repo@sha256:ffffffffffffffffffffffffffffffffff', /sha256 digest must have 64 hex digits, got 34/],
  [`foo@sha256:${F(63)}`, /got 63/],
  [`foo@sha256:${F(65)}`, /got 65/],
  [`foo@sha512:${F(64)}`, /sha512 digest must have 128 hex digits, got 64/],
  [`foo@sha384:${F(64)}`, /sha384 digest must have 96 hex digits/],
  [`foo@sha256:${'F'.repeat(64)}`, /sha256 digest hex must be lowercase/],
  [`foo@sha256:${'g'.repeat(64)}`, /invalid character "g" in sha256 digest/],
  [
    `validname@invaliddigest:${F(64)}`,
    /unsupported digest algorithm "invaliddigest"; supported are sha256, sha384, sha512/,
  ],
  [`foo@md5:${F(32)}`, /unsupported digest algorithm "md5"/],
  [`foo@SHA256:${F(64)}`, /unsupported digest algorithm "SHA256"/],
  [`foo@sha256+b64:${F(64)}`, /unsupported digest algorithm "sha256\+b64"/],
  [`foo@constructor:${F(64)}`, /unsupported digest algorithm "constructor"/],
  [`foo@__proto__:${F(64)}`, /unsupported digest algorithm "__proto__"/],
  ['foo@sha256', /must have the form "algorithm:hex"/],
  ['registry.com:8080/myapp@bad', /must have the form "algorithm:hex"/],
  ['registry.com:8080/myapp@2bad', /must have the form/],
  [`foo@:${F(64)}`, /has no algorithm before ':'/],
  ['foo@sha256:', /sha256 digest has no hex after ':'/],
  [`foo@${D}@${D}`, /invalid character "@" in sha256 digest/],
  ['registry.com:8080/myapp@sha256:badbadbadbad', /invalid character "s" in sha256 digest|got 12/],
  // Length
  // The path alone may be 255 characters (reference_test.go: "example.com/" + strings.Repeat("a", 256) is too long).
  [`example.com/${'a'.repeat(256)}`, /is 256 characters long; the limit is 255/],
  ['a'.repeat(248), /repository path "library\/a+…" is 256 characters long; the limit is 255/],
  // reference_test.go: "domain/" + strings.Repeat("a", 256) + ":tag" (here "domain/" is part of a Hub path)
  [`domain/${'a'.repeat(256)}:tag`, /is 263 characters long/],
  [`${'a/'.repeat(128)}a:tag`, /the limit is 255/],
  [
    'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker',
    /the limit is 255/,
  ],
  // Unicode
  ['é', /invalid character "é"/],
  ['ü/bar', /invalid character "ü"/],
  ['foo/Äpfel', /invalid character "Ä"/],
  ['foo/🐳', /invalid character "🐳"/],
  ['foo\u0000bar', /invalid character "\\u0000"/],
  ['foo\nbar', /invalid character "\\n"/],
  ['foo/\uD800', /invalid character "\\ud800"/],
  ['ｄebian', /invalid character "ｄ"/],
];

describe('parseReference: invalid references', () => {
  it('has a large table', () => {
    expect(rows.length).toBeGreaterThanOrEqual(80);
  });

  it('accepts test.com:http as a Docker Hub name with tag "http", as Go does', () => {
    expect(parseReference('test.com:http')).toEqual({
      domain: 'docker.io',
      path: 'library/test.com',
      tag: 'http',
      digest: null,
    });
  });

  it.each(rows)('%j', (input, reason) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidReferenceError);
    const err = caught as InvalidReferenceError;
    expect(err.code).toBe('E_INVALID_REFERENCE');
    expect(err.input).toBe(input);
    expect(err.message.startsWith(`invalid reference ${JSON.stringify(input)}: `)).toBe(true);
    expect(err.message.slice(`invalid reference ${JSON.stringify(input)}: `.length)).toMatch(reason);
    expect(err.message).not.toContain('\n');
    expect(err.hint ?? '').not.toContain('\n');
  });

  it('gives hints where the fix is not obvious', () => {
    const hintOf = (input: string) => {
      try {
        parseReference(input);
      } catch (err) {
        return (err as InvalidReferenceError).hint;
      }
      return 'parsed';
    };
    expect(hintOf(ID)).toMatch(/NAME@sha256:<hex>.*docker\.io\/<hex>/);
    expect(hintOf('[::1]:5000')).toMatch(/must be followed by a repository path/);
    expect(hintOf('https://ghcr.io/x')).toMatch(/\[registry\/\]repository\[:tag\]/);
    expect(hintOf('foo/Bar')).toBeUndefined();
  });
});
