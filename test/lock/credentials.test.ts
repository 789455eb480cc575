/**
 * Credentials in the commands that talk to many registries at once (lock, verify, sync): a password given on the
 * command line belongs to one registry and is never sent to another; --password-stdin is read once; and sync's
 * destination TLS flags do not weaken the connections to its sources.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { addImage } from '../fakes/image.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { describeWithTools } from '../helpers/tools.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('command-line credentials in lock', () => {
  it('--creds is refused, not sent, when the images are on two registries', async () => {
    const a = await faultRegistry({ auth: { kind: 'basic', users: { alice: 's3cret' } } });
    const b = await faultRegistry({ auth: { kind: 'basic', users: { alice: 's3cret' } } });
    addImage(a, 'x/one', '1');
    addImage(b, 'x/two', '1');
    const file = join(await tempDir(), 'ocipull.lock');
    const r = await runCli(
      ['lock', '--file', file, '--creds', 'alice:s3cret', `${a.host}/x/one:1`, `${b.host}/x/two:1`],
      { env: await isolatedEnv() },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/credentials given on the command line are for one registry/);
    const sent = [...a.requests, ...b.requests].filter(
      (q) => q.headers.authorization === basic('alice', 's3cret'),
    );
    // Only the first registry may have seen them; the second never.
    expect(b.requests.filter((q) => q.headers.authorization !== undefined)).toEqual([]);
    expect(sent.every((q) => a.requests.includes(q))).toBe(true);
  });

  it('--password-stdin is read once for several repositories of one registry', async () => {
    const reg = await faultRegistry({ auth: { kind: 'basic', users: { u: 'pw' } } });
    addImage(reg, 'x/a', '1');
    addImage(reg, 'x/b', '1');
    const file = join(await tempDir(), 'ocipull.lock');
    const r = await runCli(
      [
        'lock',
        '--file',
        file,
        '--username',
        'u',
        '--password-stdin',
        `${reg.host}/x/a:1`,
        `${reg.host}/x/b:1`,
      ],
      { env: await isolatedEnv(), stdin: Readable.from(['pw\n']) },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(
      reg.requests.some((q) => q.path.includes('/x/b/') && q.headers.authorization === basic('u', 'pw')),
    ).toBe(true);
  });
});

describeWithTools(['docker-registry'], 'sync: the TLS flags are the destination', () => {
  let tls: TestRegistry;
  beforeAll(async () => {
    tls = await startRegistry({ tls: true });
  });
  afterAll(async () => {
    await tls?.stop();
  });

  it('--tls-verify=false for the mirror does not turn off verification of a source', async () => {
    const env = await isolatedEnv();
    const dir = await tempDir();
    const file = join(dir, 'ocipull.lock');
    // The source's CA is trusted (NODE_EXTRA_CA_CERTS) only to seed and lock it; sync runs without it.
    const src = `${tls.host}/lonely/image:1`;
    const seed = await faultRegistry();
    addImage(seed, 'lonely/image', '1');
    const copied = await runCli(['copy', '--progress=none', `${seed.host}/lonely/image:1`, src], {
      env: { ...env, NODE_EXTRA_CA_CERTS: tls.caCertPath },
    });
    expect(copied.code, copied.stderr).toBe(0);
    const locked = await runCli(['lock', '--file', file, src], {
      env: { ...env, NODE_EXTRA_CA_CERTS: tls.caCertPath },
    });
    expect(locked.code, locked.stderr).toBe(0);
    const r = await runCli(['sync', '--file', file, '--tls-verify=false', `oci:${join(dir, 'out')}`], {
      env,
    });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/TLS verification failed/);
  });
});
