import { describe, expect, it } from 'vitest';
import { sideFlags } from '../../src/cli/commands/copy.js';
import { parseSize } from '../../src/cli/registry-options.js';
import { describeEndpoint, parseEndpoint } from '../../src/copy/index.js';

describe('parseEndpoint', () => {
  it.each([
    ['debian', { kind: 'registry', canonical: 'docker.io/library/debian:latest' }],
    ['docker://debian:12', { kind: 'registry', canonical: 'docker.io/library/debian:12' }],
    ['localhost:5000/team/app:v1', { kind: 'registry', canonical: 'localhost:5000/team/app:v1' }],
    [`127.0.0.1:5000/x@sha256:${'a'.repeat(64)}`, { kind: 'registry' }],
    ['oci:./layout', { kind: 'oci', path: './layout', name: undefined }],
    ['oci:./layout:v1', { kind: 'oci', path: './layout', name: 'v1' }],
    ['oci:/abs/dir:latest', { kind: 'oci', path: '/abs/dir', name: 'latest' }],
    ['oci:./a:b/c', { kind: 'oci', path: './a:b/c', name: undefined }],
    ['./layout', { kind: 'oci', path: './layout', name: undefined }],
    ['./layout:v1', { kind: 'oci', path: './layout', name: 'v1' }],
    ['/tmp/x:1.2', { kind: 'oci', path: '/tmp/x', name: '1.2' }],
    ['../up', { kind: 'oci', path: '../up', name: undefined }],
    ['oci-archive:app.tar', { kind: 'oci-archive', path: 'app.tar', name: undefined }],
    ['oci-archive:app.tar:v2', { kind: 'oci-archive', path: 'app.tar', name: 'v2' }],
    ['docker-archive:app.tar', { kind: 'docker-archive', path: 'app.tar' }],
  ])('%s', (input, expected) => {
    const e = parseEndpoint(input);
    const { canonical, ...rest } = expected as Record<string, unknown>;
    expect(e).toMatchObject(rest);
    if (canonical && e.kind === 'registry') {
      const r = e.ref;
      expect(`${r.domain}/${r.path}${r.tag ? `:${r.tag}` : ''}`).toBe(canonical);
    }
  });

  it.each(['oci:', 'oci-archive:', 'docker-archive:', 'oci::x'])('%s needs a path (exit 2)', (input) => {
    expect(() => parseEndpoint(input)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it.each(['dir:/tmp/x', 'containers-storage:x', 'docker-daemon:debian'])(
    '%s is a transport ocipull lacks',
    (input) => {
      expect(() => parseEndpoint(input)).toThrow(/does not support/);
    },
  );

  it('an invalid reference is an invalid reference', () => {
    expect(() => parseEndpoint('Debian:Bad Tag')).toThrow(
      expect.objectContaining({ code: 'E_INVALID_REFERENCE' }),
    );
  });

  it('describes endpoints as typed', () => {
    expect(describeEndpoint(parseEndpoint('docker://debian:12'))).toBe('debian:12');
    expect(describeEndpoint(parseEndpoint('./l:v1'))).toBe('oci:./l:v1');
    expect(describeEndpoint(parseEndpoint('oci-archive:f.tar'))).toBe('oci-archive:f.tar');
  });
});

describe('parseSize', () => {
  it.each([
    ['1048576', 1048576],
    ['512KiB', 512 * 1024],
    ['8MiB', 8 * 1024 * 1024],
    ['8M', 8 * 1024 * 1024],
    ['1gb', 1024 ** 3],
    ['100k', 100 * 1024],
  ])('%s = %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each(['', '0', '-1', '1.5M', '8 pages', 'MiB'])('refuses %j', (input) => {
    expect(() => parseSize(input)).toThrow();
  });
});

describe('copy: the flags of each side', () => {
  it('per-side flags stay on their side; shared ones reach both; --creds is the destination', () => {
    const flags = {
      srcCreds: 'a:1',
      creds: 'b:2',
      destPlainHttp: true,
      srcTlsVerify: false,
      certDir: '/shared',
      destCertDir: '/dest',
    };
    const src = sideFlags(flags, 'src');
    const dest = sideFlags(flags, 'dest');
    expect(src).toMatchObject({ creds: 'a:1', tlsVerify: false, certDir: '/shared' });
    expect(src.plainHttp).toBeUndefined();
    expect(dest).toMatchObject({ creds: 'b:2', plainHttp: true, certDir: '/dest' });
    expect(dest.tlsVerify).toBeUndefined();
    expect(sideFlags({ plainHttp: true }, 'src').plainHttp).toBe(true);
    expect(sideFlags({ creds: 'b:2' }, 'src').creds).toBeUndefined();
  });
});
