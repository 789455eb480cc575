import { describe, expect, it } from 'vitest';
import { InvalidReferenceError } from '../../src/errors.js';
import { canonicalOf, familiarOf, parseReference, parseRepository } from '../../src/reference/index.js';

/** Runs `parse` and returns the error it threw, failing the test if it threw anything but InvalidReferenceError. */
function rejectionOf(parse: () => unknown): InvalidReferenceError | undefined {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof InvalidReferenceError)) throw err;
    return err;
  }
  return undefined;
}

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const N = 10_000;
const longInputs: [string, string, RegExp][] = [
  ['10k dashes', '-'.repeat(N), /must start with a lowercase letter or digit/],
  ['a, 10k dashes', `a${'-'.repeat(N)}`, /must end with a lowercase letter or digit/],
  ['a, 10k dashes, !', `a${'-'.repeat(N)}!`, /invalid character "!"/],
  ['a, 10k dashes, b', `a${'-'.repeat(N)}b`, /the limit is 255/],
  ['a, 10k dashes, . b', `a${'-'.repeat(N)}.b`, /separator/],
  ['a-b repeated', `${'a-'.repeat(N)}A`, /must be lowercase/],
  ['a_ repeated then __ _', `${'a_'.repeat(N)}_a`, /separator "__"|the limit is 255/],
  ['100k letters', 'a'.repeat(100_000), /the limit is 255/],
  ['10k slashes', '/'.repeat(N), /starts with '\/'/],
  ['10k a/', `${'a/'.repeat(N)}`, /ends with '\/'/],
  ['10k colons', ':'.repeat(N), /repository name is missing before ":"/],
  ['10k at signs', '@'.repeat(N), /repository name is missing before "@"/],
  ['10k dots', '.'.repeat(N), /must start with a lowercase letter or digit/],
  ['10k underscores', '_'.repeat(N), /must start/],
  ['long tag', `a:${'b'.repeat(N)}`, /tag is 10000 characters long/],
  ['long tag of dashes', `a:_${'-'.repeat(N)}!`, /invalid character "!" in tag/],
  ['long digest', `a@sha256:${'a'.repeat(N)}`, /got 10000/],
  ['long algorithm', `a@${'a'.repeat(N)}:${'a'.repeat(64)}`, /unsupported digest algorithm/],
  ['long label ending in dash', `a${'-'.repeat(N)}.com/x`, /must not start or end with '-'/],
  ['long domain ending in dash', `a.${'a-'.repeat(N)}/x`, /must not start or end with '-'/],
  ['long bad port', `a.com:${'1'.repeat(N)}x/x`, /must be a number/],
  ['emoji flood', '🐳'.repeat(N), /invalid character "🐳"/],
  ['lone surrogates', '\uD800'.repeat(N), /invalid character "\\ud800"/],
  ['64 hex and more', 'a'.repeat(64 * 100), /the limit is 255/],
];

/**
 * Long domains that distribution/reference accepts: its length limit covers only the path (`len(repo.path)`), and
 * its domain grammar has no length limit. They must still be parsed in linear time.
 */
const longAcceptedDomains: [string, string][] = [
  ['long IPv6', `[${':'.repeat(N)}]`],
  ['long domain labels', `${'a-'.repeat(N)}a.com`],
  ['long domain of dashes', `a${'-'.repeat(N)}b.com`],
  ['long port', `a.com:${'1'.repeat(N)}`],
];

describe('long and hostile input', () => {
  it.each(longAcceptedDomains)('%s is accepted quickly, as Go accepts it', (_name, domain) => {
    const started = performance.now();
    const ref = parseReference(`${domain}/x`);
    expect(performance.now() - started).toBeLessThan(250);
    expect(ref).toEqual({ domain, path: 'x', tag: 'latest', digest: null });
  });

  it.each(longInputs)('%s is rejected quickly with a specific reason', (_name, input, reason) => {
    const started = performance.now();
    const err = rejectionOf(() => parseReference(input));
    expect(performance.now() - started).toBeLessThan(250);
    expect(err?.message).toMatch(reason);
    // The reason repeats at most a 48-character excerpt of the input (up to 6 characters each once escaped); the
    // message quotes the whole input once.
    expect(err!.message.length).toBeLessThan(JSON.stringify(input).length + 500);
    expect(err!.message).not.toContain('\n');
  });

  it('rejects random garbage only with InvalidReferenceError, and what it accepts round-trips', () => {
    const random = prng(0x0c1);
    const alphabet = [
      ...'abz09AZ._-/:@[]%~ \t\n\u0000',
      'é',
      'Ä',
      '🐳',
      '\uD800',
      '\uFEFF',
      '__',
      '--',
      'localhost',
      'docker.io',
      'index.docker.io',
      'library',
      '::1',
      ':5000',
      'sha256:',
      'f'.repeat(64),
      'F'.repeat(64),
      'a'.repeat(64),
    ];
    let accepted = 0;
    const problems: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const length = 1 + Math.floor(random() * 10);
      let input = '';
      for (let j = 0; j < length; j++) input += alphabet[Math.floor(random() * alphabet.length)];
      const label = JSON.stringify(input);
      const err = rejectionOf(() => parseReference(input));
      if (err === undefined) {
        accepted++;
        const ref = JSON.stringify(parseReference(input));
        const viaCanonical = JSON.stringify(parseReference(canonicalOf(parseReference(input))));
        const viaFamiliar = JSON.stringify(parseReference(familiarOf(parseReference(input))));
        if (viaCanonical !== ref || viaFamiliar !== ref) problems.push(`${label} does not round-trip`);
      } else if (
        err.code !== 'E_INVALID_REFERENCE' ||
        !err.message.startsWith(`invalid reference ${label}: `) ||
        err.message.includes('\n')
      ) {
        problems.push(`${label}: bad error ${JSON.stringify(err.message)}`);
      }
      if (rejectionOf(() => parseRepository(input)) === undefined && err !== undefined) {
        problems.push(`${label}: parseRepository accepts what parseReference rejects`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    // The alphabet is rich enough that the fuzzer exercises both outcomes.
    expect(accepted).toBeGreaterThan(500);
  });
});
