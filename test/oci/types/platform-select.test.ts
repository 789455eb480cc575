import { describe, expect, it } from 'vitest';
import {
  type Descriptor,
  formatPlatform,
  type ImageIndex,
  isAttestation,
  listPlatforms,
  parseManifest,
  parsePlatform,
  platformMatches,
  platformPreferences,
  selectManifest,
} from '../../../src/oci/types/index.js';
import { d, dockerManifestList, ociIndexWithAttestations } from './fixtures.js';
import { spec, thrown } from './helpers.js';

const attestationAnnotations = { 'vnd.docker.reference.type': 'attestation-manifest' };

/** An index whose entries are platform strings; `@att` marks an attestation, `-` an entry with no platform. */
function index(entries: string[]): ImageIndex {
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: entries.map((entry, i): Descriptor => {
      const base = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d(`${i}`), size: 1 };
      if (entry === '-') return base;
      const [platform = '', tag] = entry.split('@');
      return {
        ...base,
        platform: spec(platform),
        ...(tag === 'att' ? { annotations: attestationAnnotations } : {}),
      };
    }),
  };
}

function indexOf(parsed: ReturnType<typeof parseManifest>): ImageIndex {
  if (parsed.kind !== 'index') throw new Error('expected an index');
  return parsed.index;
}

describe('platformPreferences (containerd Only vector)', () => {
  it.each([
    ['linux/amd64', ['linux/amd64', 'linux/386']],
    ['linux/amd64/v3', ['linux/amd64/v3', 'linux/amd64/v2', 'linux/amd64', 'linux/386']],
    ['linux/386', ['linux/386']],
    ['linux/arm/v7', ['linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']],
    ['linux/arm/v5', ['linux/arm/v5']],
    ['linux/arm64', ['linux/arm64', 'linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']],
    [
      'linux/arm64/v8.2',
      [
        'linux/arm64/v8.2',
        'linux/arm64/v8.1',
        'linux/arm64',
        'linux/arm/v8',
        'linux/arm/v7',
        'linux/arm/v6',
        'linux/arm/v5',
      ],
    ],
    [
      'linux/arm64/v9',
      [
        'linux/arm64/v9',
        'linux/arm64/v8.5',
        'linux/arm64/v8.4',
        'linux/arm64/v8.3',
        'linux/arm64/v8.2',
        'linux/arm64/v8.1',
        'linux/arm64',
        'linux/arm/v9',
        'linux/arm/v8',
        'linux/arm/v7',
        'linux/arm/v6',
        'linux/arm/v5',
      ],
    ],
    ['linux/s390x', ['linux/s390x']],
  ])('%s', (wanted, expected) => {
    expect(platformPreferences(spec(wanted)).map(formatPlatform)).toEqual(expected);
  });
});

describe('platformMatches', () => {
  it.each([
    ['linux/amd64', 'linux/amd64', true],
    ['linux/amd64', 'linux/x86_64', true],
    ['linux/amd64', 'linux/386', true],
    ['linux/amd64', 'linux/amd64/v2', false],
    ['linux/amd64/v2', 'linux/amd64', true],
    ['linux/386', 'linux/amd64', false],
    ['linux/arm64', 'linux/arm64/v8', true],
    ['linux/arm64/v8', 'linux/aarch64', true],
    ['linux/arm64', 'linux/arm/v7', true],
    ['linux/arm64', 'linux/arm64/v8.2', false],
    ['linux/arm/v7', 'linux/arm', true],
    ['linux/arm/v7', 'linux/arm/v6', true],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['linux/arm/v7', 'linux/arm64', false],
    ['linux/amd64', 'windows/amd64', false],
    ['linux/amd64', 'unknown/unknown', false],
  ])('wanted %s, candidate %s → %s', (wanted, candidate, expected) => {
    expect(platformMatches(spec(wanted), spec(candidate))).toBe(expected);
  });
});

describe('selectManifest', () => {
  it.each([
    ['exact match', 'linux/amd64', ['linux/arm64/v8', 'linux/amd64'], 1],
    ['exact beats an earlier fallback', 'linux/amd64', ['linux/386', 'linux/amd64'], 1],
    ['amd64 falls back to 386', 'linux/amd64', ['linux/arm64/v8', 'linux/386'], 1],
    ['amd64/v3 wanted → v2 entry', 'linux/amd64/v3', ['linux/arm64/v8', 'linux/amd64/v2'], 1],
    ['amd64/v3 prefers v2 over v1', 'linux/amd64/v3', ['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v4'], 1],
    ['amd64/v2 wanted → plain amd64', 'linux/amd64/v2', ['linux/amd64/v3', 'linux/amd64'], 1],
    ['arm64 wanted → arm64/v8 entry', 'linux/arm64', ['linux/arm/v7', 'linux/arm64/v8'], 1],
    ['arm64 → arm/v8 fallback', 'linux/arm64', ['linux/amd64', 'linux/arm/v7', 'linux/arm/v8'], 2],
    ['arm64 → arm/v7 when no v8', 'linux/arm64/v8', ['linux/amd64', 'linux/arm/v6', 'linux/arm/v7'], 2],
    ['aarch64 entry counts as arm64', 'linux/arm64', ['linux/aarch64'], 0],
    ['arm/v7 wanted with v6 and v7 entries', 'linux/arm/v7', ['linux/arm/v6', 'linux/arm/v7'], 1],
    ['arm/v7 wanted with only v6', 'linux/arm/v7', ['linux/arm64/v8', 'linux/arm/v6'], 1],
    ['arm entry without variant is v7', 'linux/arm/v7', ['linux/arm/v6', 'linux/arm'], 1],
    ['first among equals in index order', 'linux/amd64', ['linux/amd64', 'linux/amd64/v1'], 0],
    ['entries without platform are skipped', 'linux/amd64', ['-', 'linux/amd64'], 1],
    [
      'attestation never selected, even on a real platform',
      'linux/amd64',
      ['linux/amd64@att', 'linux/amd64'],
      1,
    ],
    ['unknown/unknown never selected', 'unknown/unknown', ['unknown/unknown', 'linux/amd64'], -1],
  ])('%s', (_name, wanted, entries, expected) => {
    const idx = index(entries);
    if (expected < 0) {
      expect(thrown(() => selectManifest(idx, spec(wanted))).code).toBe('E_PLATFORM_NOT_FOUND');
    } else {
      expect(selectManifest(idx, spec(wanted))).toBe(idx.manifests[expected]);
    }
  });

  it.each([
    ['linux/amd64', d('alpine-amd64')],
    ['linux/arm64', d('alpine-arm64')],
    ['linux/arm64/v8', d('alpine-arm64')],
    ['linux/arm/v8', undefined],
  ])('Docker Hub index: %s → %s', (wanted, digest) => {
    const idx = indexOf(parseManifest(new TextEncoder().encode(ociIndexWithAttestations)));
    if (digest === undefined)
      expect(() => selectManifest(idx, parsePlatform(wanted))).toThrow(/^no linux\/arm\/v8/);
    else expect(selectManifest(idx, parsePlatform(wanted)).digest).toBe(digest);
  });

  it('Docker manifest list: arm/v7 wanted falls back to the v6 entry', () => {
    const idx = indexOf(parseManifest(new TextEncoder().encode(dockerManifestList)));
    expect(selectManifest(idx, parsePlatform('linux/arm/v7')).digest).toBe(d('registry-armv6'));
  });

  it('no match lists the available platforms, without attestations', () => {
    const idx = indexOf(parseManifest(new TextEncoder().encode(ociIndexWithAttestations)));
    const err = thrown(() => selectManifest(idx, parsePlatform('linux/s390x')));
    expect(err.code).toBe('E_PLATFORM_NOT_FOUND');
    expect(err.message).toBe('no linux/s390x in index; available: linux/amd64, linux/arm64/v8');
    expect(err.hint).toBe('pass --platform with one of those');
  });

  it('no match in an index without platforms says so', () => {
    const err = thrown(() => selectManifest(index(['-', 'unknown/unknown@att']), spec('linux/amd64')));
    expect(err.message).toBe('no linux/amd64 in index; available: none');
    expect(err.hint).toMatch(/by digest/);
  });
});

describe('isAttestation and listPlatforms', () => {
  it.each([
    [{ platform: { os: 'unknown', architecture: 'unknown' } }, true],
    [{ platform: { os: 'linux', architecture: 'amd64' }, annotations: attestationAnnotations }, true],
    [{ annotations: attestationAnnotations }, true],
    [{ platform: { os: 'linux', architecture: 'unknown' } }, false],
    [
      {
        platform: { os: 'linux', architecture: 'amd64' },
        annotations: { 'vnd.docker.reference.type': 'other' },
      },
      false,
    ],
    [{}, false],
  ])('%j → %s', (descriptor, expected) => {
    expect(isAttestation(descriptor)).toBe(expected);
  });

  it.each([
    [
      ['linux/amd64', 'unknown/unknown@att', 'linux/arm64/v8', 'unknown/unknown@att'],
      ['linux/amd64', 'linux/arm64/v8'],
    ],
    [
      ['linux/amd64', 'linux/amd64', '-', 'linux/arm/v7'],
      ['linux/amd64', 'linux/arm/v7'],
    ],
    [['-'], []],
  ])('%j → %j', (entries, expected) => {
    expect(listPlatforms(index(entries))).toEqual(expected);
  });
});
