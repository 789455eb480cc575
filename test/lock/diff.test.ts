import { describe, expect, it } from 'vitest';
import {
  chooseLocked,
  diffEntry,
  type LockEntry,
  mirrorReference,
  parseSyncTarget,
  platformsOfIndex,
} from '../../src/lock/index.js';
import { parsePlatform } from '../../src/oci/types/index.js';
import { parseReference } from '../../src/reference/index.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as `sha256:${string}`;
const M = 'application/vnd.oci.image.manifest.v1+json';

function entry(top: string, platforms: Record<string, string>, want = ['linux/amd64']): LockEntry {
  return {
    input: 'x',
    digest: D(top),
    mediaType: 'application/vnd.oci.image.index.v1+json',
    size: 1,
    platforms: Object.fromEntries(
      Object.entries(platforms).map(([k, c]) => [k, { digest: D(c), mediaType: M, size: 1 }]),
    ),
    attestations: {},
    want,
  };
}

describe('platforms of an index', () => {
  it('records attestations apart, by the platform they describe, never as platforms', () => {
    const index = {
      schemaVersion: 2,
      manifests: [
        { mediaType: M, digest: D('1'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        {
          mediaType: M,
          digest: D('2'),
          size: 2,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        },
        {
          mediaType: M,
          digest: D('3'),
          size: 3,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: {
            'vnd.docker.reference.type': 'attestation-manifest',
            'vnd.docker.reference.digest': D('2'),
          },
        },
      ],
    };
    const { platforms, attestations } = platformsOfIndex(index as never);
    expect(Object.keys(platforms)).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(attestations).toEqual({ 'linux/arm64/v8': D('3') });
  });

  it('chooses a locked platform the way a pull does (arm64 finds arm64/v8; s390x finds nothing)', () => {
    const e = entry('a', { 'linux/amd64': '1', 'linux/arm64/v8': '2' });
    expect(chooseLocked(e.platforms, parsePlatform('linux/arm64'))?.key).toBe('linux/arm64/v8');
    expect(chooseLocked(e.platforms, parsePlatform('linux/s390x'))).toBeUndefined();
  });
});

describe('diffEntry', () => {
  it('unchanged when the top digest is the same', () => {
    expect(diffEntry(entry('a', { 'linux/amd64': '1' }), entry('a', { 'linux/amd64': '1' })).status).toBe(
      'unchanged',
    );
  });

  it('index-moved when only platforms nobody wants changed', () => {
    const d = diffEntry(
      entry('a', { 'linux/amd64': '1', 'linux/arm64/v8': '2' }),
      entry('b', { 'linux/amd64': '1', 'linux/arm64/v8': '3' }),
    );
    expect(d.status).toBe('index-moved');
    expect(d.platforms).toEqual([{ platform: 'linux/arm64/v8', old: D('2'), new: D('3'), wanted: false }]);
  });

  it('moved when a wanted platform changed or disappeared', () => {
    expect(diffEntry(entry('a', { 'linux/amd64': '1' }), entry('b', { 'linux/amd64': '9' })).status).toBe(
      'moved',
    );
    const gone = diffEntry(entry('a', { 'linux/amd64': '1' }), entry('b', { 'linux/arm64/v8': '2' }));
    expect(gone.status).toBe('moved');
    expect(gone.platforms[0]).toEqual({ platform: 'linux/amd64', old: D('1'), new: null, wanted: true });
  });
});

describe('sync destinations', () => {
  it.each([
    [
      'registry.internal/mirror',
      false,
      'docker.io/library/debian:12',
      'registry.internal/mirror/library/debian:12',
    ],
    [
      'registry.internal/mirror',
      true,
      'docker.io/library/debian:12',
      'registry.internal/mirror/docker.io/library/debian:12',
    ],
    ['localhost:5000', false, 'ghcr.io/org/app:1', 'localhost:5000/org/app:1'],
    ['docker://localhost:5000/m/', true, '127.0.0.1:5001/a/b:1', 'localhost:5000/m/127.0.0.1_5001/a/b:1'],
  ])('%s (scoped %s): %s → %s', (dest, scoped, src, want) => {
    const target = parseSyncTarget(dest);
    if (target.kind !== 'registry') throw new Error('not a registry');
    const r = mirrorReference(target, parseReference(src), scoped);
    expect(`${r.domain}/${r.path}:${r.tag}`).toBe(want);
  });

  it('parses oci: and oci-archive:, and refuses a prefix without a host', () => {
    expect(parseSyncTarget('oci:./m')).toEqual({ kind: 'oci', path: './m' });
    expect(parseSyncTarget('oci-archive:all.tar')).toEqual({ kind: 'oci-archive', path: 'all.tar' });
    expect(() => parseSyncTarget('mirror/images')).toThrow(/does not start with a registry host/);
  });
});
