import { describe, expect, it } from 'vitest';
import { type ClientSettings, endpointSettings, MIRROR_CONNECT_TIMEOUT_MS } from '../../src/api/client.js';

describe('endpointSettings: what each endpoint of a pull through mirrors is opened with', () => {
  const fn = async () => undefined;
  const base: ClientSettings = {
    userAgent: 'ocipull/test',
    env: {},
    flags: { creds: 'alice:secret', username: 'alice', password: 'secret', authfile: '/tmp/auth.json' },
    credentials: { username: 'alice', password: 'secret' },
    tlsVerify: false,
    plainHttp: true,
    certDir: '/tmp/certs',
    retries: 5,
  };

  it('keeps every setting for the primary', () => {
    expect(endpointSettings(base, { mirror: false, insecure: false })).toBe(base);
  });

  it('makes the primary insecure only when its entry says so', () => {
    const secure = { ...base, tlsVerify: true, plainHttp: false };
    expect(endpointSettings(secure, { mirror: false, insecure: true })).toMatchObject({
      tlsVerify: false,
      plainHttp: true,
      flags: base.flags,
    });
  });

  it("gives a mirror none of the primary's credentials or TLS flags, one retry and a short connect timeout", () => {
    const m = endpointSettings(base, { mirror: true, insecure: false });
    expect(m.flags).toEqual({ authfile: '/tmp/auth.json' });
    expect(m.credentials).toBeUndefined();
    expect(m).toMatchObject({ tlsVerify: true, plainHttp: false, certDir: undefined, retries: 1 });
    expect(m.connectTimeoutMs).toBe(MIRROR_CONNECT_TIMEOUT_MS);
    expect(MIRROR_CONNECT_TIMEOUT_MS).toBeLessThanOrEqual(5_000);
    expect(endpointSettings(base, { mirror: true, insecure: true })).toMatchObject({
      tlsVerify: false,
      plainHttp: true,
    });
  });

  it('keeps a credentials function, which is asked per registry', () => {
    expect(
      endpointSettings({ ...base, credentials: fn }, { mirror: true, insecure: false }).credentials,
    ).toBe(fn);
  });
});
