import { describe, expect, it } from 'vitest';
import { InvalidReferenceError } from '../../src/errors.js';
import { parseReference, type Reference } from '../../src/reference/index.js';
import { type GoResult, goParseNormalized } from './go-oracle.js';

function ours(input: string): Reference | InvalidReferenceError {
  try {
    return parseReference(input);
  } catch (err) {
    if (err instanceof InvalidReferenceError) return err;
    throw err;
  }
}

/**
 * Compares with the transcribed Go parser and returns a description of any disagreement, or null. The one
 * deliberate difference: Go accepts a first component that contains '.' and '_' (e.g. "a_b.com/foo") by treating
 * the whole input as a path with an EMPTY domain; we reject it, because a reference without a registry cannot be
 * pulled.
 */
function disagreement(input: string, go: GoResult): string | null {
  const actual = ours(input);
  const label = JSON.stringify(input);
  if (go.ok && go.domain === '') {
    if (actual instanceof InvalidReferenceError && /must not contain '_'/.test(actual.message)) return null;
    return `${label}: Go gives an empty domain; expected our '_' rejection, got ${JSON.stringify(actual)}`;
  }
  if (!go.ok) {
    return actual instanceof InvalidReferenceError ? null : `${label}: Go says ${go.error}, we accept`;
  }
  if (actual instanceof InvalidReferenceError) return `${label}: Go accepts, we say ${actual.message}`;
  const expected = { domain: go.domain, path: go.path, tag: go.tag, digest: go.digest };
  return JSON.stringify(actual) === JSON.stringify(expected)
    ? null
    : `${label}: Go gives ${JSON.stringify(expected)}, we give ${JSON.stringify(actual)}`;
}

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('agreement with distribution/reference', () => {
  it('the oracle itself reproduces known Go answers', () => {
    expect(goParseNormalized('debian')).toEqual({
      ok: true,
      domain: 'docker.io',
      path: 'library/debian',
      tag: 'latest',
      digest: null,
    });
    expect(goParseNormalized('a_b.com/foo')).toMatchObject({ ok: true, domain: '', path: 'a_b.com/foo' });
    expect(goParseNormalized('docker/Docker')).toMatchObject({ ok: false });
    expect(goParseNormalized(`foo@sha256:${'f'.repeat(63)}`)).toMatchObject({ ok: false });
    // reference_test.go TestReferenceParse: the length limit is on the path, not on domain/path.
    expect(goParseNormalized(`example.com/${'a'.repeat(255)}:tag`)).toEqual({
      ok: true,
      domain: 'example.com',
      path: 'a'.repeat(255),
      tag: 'tag',
      digest: null,
    });
    expect(goParseNormalized(`example.com/${'a'.repeat(256)}`)).toMatchObject({ ok: false });
    expect(goParseNormalized(`${'a/'.repeat(127)}a:tag-puts-this-over-max`)).toMatchObject({
      ok: true,
      path: `${'a/'.repeat(127)}a`,
    });
    // normalize.go adds "library/" before Parse, so a one-component Hub name may have 247 characters.
    expect(goParseNormalized('a'.repeat(247))).toMatchObject({ ok: true });
    expect(goParseNormalized('a'.repeat(248))).toMatchObject({ ok: false });
  });

  it.each([['a_b.com/foo'], ['foo_bar.com/x'], ['test_com.io/x:tag'], ['do__cker.io/docker']])(
    '%s: Go returns an empty domain, we reject',
    (input) => {
      const go = goParseNormalized(input);
      expect(go).toMatchObject({ ok: true, domain: '' });
      expect(disagreement(input, go)).toBeNull();
    },
  );

  it('agrees on 40,000 random short inputs built from grammar tokens', () => {
    const random = prng(20_240_601);
    const tokens = [
      'a',
      'b',
      'z',
      '0',
      '9',
      'A',
      'F',
      'é',
      '.',
      '_',
      '__',
      '-',
      '--',
      '/',
      '/',
      ':',
      '@',
      '[',
      ']',
      '[::1]',
      '::',
      ':5000',
      ':0',
      'localhost',
      'docker.io',
      'index.docker.io',
      'library',
      'example.com',
      'sha256:',
      'sha384:',
      'sha512:',
      'md5:',
      'f'.repeat(32),
      'f'.repeat(64),
      'F'.repeat(64),
      '0a'.repeat(48),
      'f'.repeat(128),
      ' ',
    ];
    const counts = { accepted: 0, rejected: 0 };
    const problems: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const length = 1 + Math.floor(random() * 8);
      let input = '';
      for (let j = 0; j < length; j++) input += tokens[Math.floor(random() * tokens.length)];
      const go = goParseNormalized(input);
      const problem = disagreement(input, go);
      if (problem !== null) problems.push(problem);
      counts[go.ok ? 'accepted' : 'rejected']++;
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(counts.accepted).toBeGreaterThan(2000);
    expect(counts.rejected).toBeGreaterThan(2000);
  });

  it('agrees around the length limits', () => {
    const problems: string[] = [];
    const outcomes = { accepted: 0, rejected: 0 };
    // n is the length of the path after normalization; the domains in front of it do not count.
    for (let n = 240; n <= 270; n++) {
      for (const input of [
        'a'.repeat(n - 8),
        `example.com/${'a'.repeat(n)}`,
        `a/${'b'.repeat(n - 2)}`,
        `localhost/${'c'.repeat(n)}:tag`,
        `${'d'.repeat(63)}.${'e'.repeat(63)}.example.com:65535/${'f'.repeat(n)}`,
        `foo:${'t'.repeat(n - 130)}`,
        `[::1]:5000/${'x/'.repeat(Math.floor((n - 1) / 2))}x`,
        `[2001:db8::1]:5000/${'y'.repeat(n)}@sha256:${'f'.repeat(64)}`,
      ]) {
        const go = goParseNormalized(input);
        outcomes[go.ok ? 'accepted' : 'rejected']++;
        const problem = disagreement(input, go);
        if (problem !== null) problems.push(problem);
      }
    }
    expect(problems).toEqual([]);
    expect(outcomes.accepted).toBeGreaterThan(80);
    expect(outcomes.rejected).toBeGreaterThan(80);
  });

  it.each([
    // From reference_test.go: valid, although domain/path is 267 characters.
    [`example.com/${'a'.repeat(255)}:tag`, true],
    [`example.com/${'a'.repeat(256)}`, false],
    [`${'a/'.repeat(127)}a:tag-puts-this-over-max`, true],
    [`domain/${'a'.repeat(256)}:tag`, false],
  ])('%s: same answer as Go (ok=%s)', (input, ok) => {
    const go = goParseNormalized(input);
    expect(go.ok).toBe(ok);
    expect(disagreement(input, go)).toBeNull();
  });
});
