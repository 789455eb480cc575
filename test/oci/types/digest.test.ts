import { describe, expect, it } from 'vitest';
import {
  type Digest,
  digestHex,
  EMPTY_JSON_DIGEST,
  isDigest,
  isWellFormedDigest,
  parseDigest,
  sha256Digest,
} from '../../../src/oci/types/index.js';

const hex64 = 'a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4';
const hex128 = 'f'.repeat(128);
const encode = (text: string) => new TextEncoder().encode(text);

describe('parseDigest / isDigest', () => {
  it.each([`sha256:${hex64}`, `sha256:${'0'.repeat(64)}`, EMPTY_JSON_DIGEST])('accepts %s', (input) => {
    expect(isDigest(input)).toBe(true);
    expect(parseDigest(input)).toBe(input);
  });

  it.each([
    ['uppercase hex', `sha256:${hex64.toUpperCase()}`, 'hex must be lowercase'],
    ['short hex', 'sha256:abc123', 'sha256 needs 64 hex characters, got 6'],
    ['long hex', `sha256:${hex64}0`, 'sha256 needs 64 hex characters, got 65'],
    ['sha512, not verifiable for writing', `sha512:${hex128}`, 'algorithm "sha512" cannot be verified'],
    ['unknown algorithm', `blake3:${hex64}`, 'algorithm "blake3" cannot be verified'],
    ['path traversal', 'sha256:../../x', 'could escape the blob directory'],
    ['absolute path', `sha256:/etc/${hex64}`, 'could escape the blob directory'],
    ['backslash', `sha256:..\\${hex64}`, 'could escape the blob directory'],
    ['NUL byte', `sha256:${hex64}\u0000`, 'could escape the blob directory'],
    ['no algorithm', hex64, 'expected "sha256:"'],
    ['empty', '', 'expected "sha256:"'],
    ['a tag', 'latest', 'expected "sha256:"'],
    ['empty hex', 'sha256:', 'got 0'],
    ['non-hex', `sha256:${'g'.repeat(64)}`, 'sha256 needs 64 lowercase hex characters'],
    ['trailing newline', `sha256:${hex64}\n`, 'sha256 needs 64 lowercase hex characters'],
    ['uppercase algorithm', `SHA256:${hex64}`, 'does not follow the digest grammar'],
  ])('rejects %s', (_name, input, reason) => {
    expect(isDigest(input)).toBe(false);
    let caught: unknown;
    try {
      parseDigest(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'E_MANIFEST_INVALID' });
    const message = (caught as Error).message;
    expect(message).toContain(`invalid digest ${JSON.stringify(input)}`);
    expect(message).toContain(reason);
  });

  it('cuts very long input in the message', () => {
    const input = `sha256:${'z'.repeat(5000)}`;
    expect(() => parseDigest(input)).toThrow(/^invalid digest "sha256:z{153}…"/);
  });

  it.each([42, null, undefined, { digest: `sha256:${hex64}` }])('isDigest(%j) is false', (value) => {
    expect(isDigest(value)).toBe(false);
  });
});

describe('isWellFormedDigest (descriptor grammar)', () => {
  it.each([
    [`sha256:${hex64}`, true],
    [`sha512:${hex128}`, true],
    [`blake3:${hex64}`, true],
    ['multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8', true],
    ['sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564', true],
    ['x.y_z-1:abc=', true],
    [`sha256:${hex64.toUpperCase()}`, false],
    ['sha256:abc', false],
    [`sha512:${hex64}`, false],
    ['sha256:../../x', false],
    ['Sha256:abc', false],
    ['sha256', false],
    [':abc', false],
    ['sha256::abc', false],
    ['sha..256:abc', false],
    ['alg:with space', false],
    [42, false],
  ])('%j → %s', (value, expected) => {
    expect(isWellFormedDigest(value)).toBe(expected);
  });
});

describe('digest helpers', () => {
  it('digestHex strips the algorithm, leaving the blob file name', () => {
    expect(digestHex(`sha256:${hex64}`)).toBe(hex64);
  });

  it.each([
    ['', 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['{}', EMPTY_JSON_DIGEST],
  ])('sha256Digest(%j)', (text, expected) => {
    const digest: Digest = sha256Digest(encode(text));
    expect(digest).toBe(expected);
  });

  it('EMPTY_JSON_DIGEST is the spec value for the blob {}', () => {
    expect(EMPTY_JSON_DIGEST).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});
