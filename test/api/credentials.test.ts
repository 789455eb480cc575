/**
 * The library's `credentials` option never reaches a registry it was not meant for: static credentials are the
 * destination's in a copy, and a call that would use them for a second registry is refused; a function is asked
 * per registry.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copy, lock } from '../../src/index.js';
import { addImage } from '../fakes/image.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';

const secret = { username: 'alice', password: 's3cret' };
const basic = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;

describe('library credentials', () => {
  it('copy: static credentials go to the destination only', async () => {
    const src = await faultRegistry({ auth: { kind: 'basic', users: { alice: 's3cret' } } });
    const dst = await faultRegistry();
    addImage(src, 'x/app', '1');
    const err = await copy(`${src.host}/x/app:1`, `${dst.host}/x/app:1`, {
      credentials: secret,
      env: await isolatedEnv(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_AUTH' });
    expect(src.requests.filter((r) => r.headers.authorization === basic)).toEqual([]);
  });

  it('copy: a credentials function is asked per registry and may serve the source', async () => {
    const src = await faultRegistry({ auth: { kind: 'basic', users: { alice: 's3cret' } } });
    const dst = await faultRegistry();
    addImage(src, 'x/app', '1');
    const asked: string[] = [];
    const r = await copy(`${src.host}/x/app:1`, `${dst.host}/x/app:1`, {
      credentials: (registry) => {
        asked.push(registry);
        return registry === src.host ? secret : undefined;
      },
      env: await isolatedEnv(),
    });
    expect(r.writtenDigest).toMatch(/^sha256:/);
    expect(asked).toContain(src.host);
  });

  it('lock: static credentials and two registries is a usage error, and they never reach both', async () => {
    const a = await faultRegistry({ auth: { kind: 'basic', users: { alice: 's3cret' } } });
    const b = await faultRegistry({ auth: { kind: 'basic', users: { alice: 's3cret' } } });
    addImage(a, 'x/one', '1');
    addImage(b, 'x/two', '1');
    const file = join(await tempDir(), 'ocipull.lock');
    const err = await lock([`${a.host}/x/one:1`, `${b.host}/x/two:1`], {
      file,
      credentials: secret,
      env: await isolatedEnv(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_USAGE' });
    // Whichever registry came first may have had them; never both.
    const saw = (reg: typeof a) => reg.requests.some((r) => r.headers.authorization !== undefined);
    expect(saw(a) && saw(b)).toBe(false);
  });
});
