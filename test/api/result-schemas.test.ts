/**
 * Every `--json` result the CLI prints parses with the strict schema the library exports for it, so a field added
 * to one and not the other fails here (the builders also parse through the schemas at run time).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CopyResultSchema,
  DigestResultSchema,
  PullResultSchema,
  RateLimitResultSchema,
  TagsResultSchema,
  UnpackResultSchema,
} from '../../src/index.js';
import { makeLayer, pushImage } from '../archive/helpers.js';
import { runCli } from '../cli/capture.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';

describe('the --json results match the library schemas', () => {
  it('pull, copy, push, digest, tags, ratelimit and unpack', async () => {
    const reg = await faultRegistry();
    await pushImage(reg, 'team/app', 'v1', [await makeLayer({ 'etc/hello': 'hi\n' })]);
    const env = await isolatedEnv();
    const dir = await tempDir();
    const cli = async (...args: string[]) => {
      const r = await runCli([...args], { env });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as unknown;
    };
    const ref = `${reg.host}/team/app:v1`;
    const layout = join(dir, 'layout');
    PullResultSchema.parse(await cli('pull', '--json', '--progress=none', ref, layout));
    CopyResultSchema.parse(await cli('copy', '--json', '--progress=none', ref, `${reg.host}/team/copy:v1`));
    CopyResultSchema.parse(
      await cli('push', '--json', '--progress=none', `${layout}:v1`, `${reg.host}/team/pushed:v1`),
    );
    DigestResultSchema.parse(await cli('digest', '--json', ref));
    TagsResultSchema.parse(await cli('tags', '--json', `${reg.host}/team/app`));
    RateLimitResultSchema.parse(await cli('ratelimit', '--json', ref));
    UnpackResultSchema.parse(
      await cli('unpack', '--json', '--progress=none', `${layout}:v1`, join(dir, 'rootfs')),
    );
  });

  it('are strict: a field more or less is refused', () => {
    const ok = { repository: 'r', tags: [] };
    expect(TagsResultSchema.parse(ok)).toEqual(ok);
    expect(() => TagsResultSchema.parse({ ...ok, extra: 1 })).toThrow();
    expect(() => DigestResultSchema.parse({ reference: 'r', digest: 'sha256:x' })).toThrow();
  });
});
