import { describe, expect, it } from 'vitest';
import {
  type ClientSettings,
  endpointSettings,
  MIRROR_CONNECT_TIMEOUT_MS,
  MIRROR_HEADERS_TIMEOUT_MS,
} from '../../src/api/client.js';

describe('endpointSettings: what each endpoint of a read through registries.conf is opened with', () => {
  const fn = async () => undefined;
  const base: ClientSettings = {
    userAgent: 'ocipull/test',
    env: {},
    flags: { creds: 'alice:secret', username: 'alice', password: 'secret', authfile: '/tmp/auth.json' },
    credentials: fn,
    tlsVerify: false,
    plainHttp: true,
    certDir: '/tmp/certs',
    retries: 5,
  };
  const own = { mirror: false, insecure: false, sameHost: true };

  it("keeps every setting for the reference's own registry", () => {
    expect(endpointSettings(base, own)).toBe(base);
  });

  it('makes an insecure entry unverified https then http (not plain http only), keeping the rest', () => {
    const secure = { ...base, tlsVerify: true, plainHttp: false };
    expect(endpointSettings(secure, { ...own, insecure: true })).toMatchObject({
      tlsVerify: false,
      insecure: true,
      plainHttp: false,
      flags: base.flags,
    });
  });

  it("gives a mirror none of the primary's credentials (static or a function) or TLS flags", () => {
    const m = endpointSettings(base, { mirror: true, insecure: false, sameHost: false });
    expect(m.flags).toEqual({ authfile: '/tmp/auth.json' });
    expect(m.credentials).toBeUndefined();
    expect(m).toMatchObject({ tlsVerify: true, plainHttp: false, certDir: undefined, retries: 1 });
    expect(m.connectTimeoutMs).toBe(MIRROR_CONNECT_TIMEOUT_MS);
    expect(m.headersTimeoutMs).toBe(MIRROR_HEADERS_TIMEOUT_MS);
    expect(MIRROR_CONNECT_TIMEOUT_MS).toBeLessThanOrEqual(5_000);
    expect(endpointSettings(base, { mirror: true, insecure: true, sameHost: false })).toMatchObject({
      tlsVerify: false,
      insecure: true,
      plainHttp: false,
    });
  });

  it('a mirror on the same host as the reference still gets none of them', () => {
    const m = endpointSettings(base, { mirror: true, insecure: false, sameHost: true });
    expect(m.flags).toEqual({ authfile: '/tmp/auth.json' });
    expect(m.credentials).toBeUndefined();
  });

  it("a primary rewritten to another host gets no credentials or TLS flags, but the primary's retries", () => {
    const p = endpointSettings(base, { mirror: false, insecure: false, sameHost: false });
    expect(p.flags).toEqual({ authfile: '/tmp/auth.json' });
    expect(p.credentials).toBeUndefined();
    expect(p).toMatchObject({ tlsVerify: true, plainHttp: false, retries: 5 });
    expect(p.connectTimeoutMs).toBeUndefined();
  });
});
