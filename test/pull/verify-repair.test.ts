import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { addImage, addIndex } from '../fakes/image.js';
import { checkBlobs } from '../fakes/layout.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';
import { partialFile, pseudoRandomBytes } from './process-helpers.js';

/**
 * What a pull trusts on disk (issue 11, item 7 and the resume case of 20): `--verify` re-hashes every blob the
 * entry reaches, manifests included, and repairs the damaged ones; a partial file that fails verification after
 * a resume is fetched once more from byte 0.
 */

async function pull(args: string[]) {
  return runCli(['pull', '--json', '--progress=none', '--retries', '1', ...args], {
    env: await isolatedEnv(),
  });
}

function blobFile(dir: string, digest: string): string {
  return join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** Same size, different bytes: what a size check cannot see. */
async function corrupt(path: string): Promise<void> {
  const bytes = await readFile(path);
  bytes[0] = bytes[0]! ^ 0xff;
  await writeFile(path, bytes);
}

describe('pull --verify', () => {
  it('repairs a damaged manifest, config and layer of the entry', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'team/app', 'v1');
    const dest = await tempDir();
    expect((await pull([`${reg.host}/team/app:v1`, dest])).code).toBe(0);
    for (const d of [img.digest, img.configDesc.digest, img.layers[0]!.digest])
      await corrupt(blobFile(dest, d));
    await expect(checkBlobs(dest)).rejects.toThrow(/hashes to/);

    const r = await pull(['--verify', `${reg.host}/team/app:v1`, dest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { blobs, stray } = await checkBlobs(dest);
    expect(blobs.sort()).toEqual([img.digest, img.configDesc.digest, img.layers[0]!.digest].sort());
    expect(stray).toEqual([]);
  });

  it('repairs the child manifests and the index of an --all-platforms entry', async () => {
    const reg = await faultRegistry();
    const idx = addIndex(reg, 'multi', 'v1');
    const dest = await tempDir();
    expect((await pull(['--all-platforms', `${reg.host}/multi:v1`, dest])).code).toBe(0);
    await corrupt(blobFile(dest, idx.children[1]!.digest));
    await corrupt(blobFile(dest, idx.digest));
    const r = await pull(['--all-platforms', '--verify', `${reg.host}/multi:v1`, dest]);
    expect(r.code).toBe(0);
    await expect(checkBlobs(dest)).resolves.toMatchObject({ stray: [] });
  });

  it('without --verify, a blob of the right size is trusted (and not downloaded again)', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'team/app', 'v1');
    const dest = await tempDir();
    expect((await pull([`${reg.host}/team/app:v1`, dest])).code).toBe(0);
    const r = await pull([`${reg.host}/team/app:v1`, dest]);
    expect(JSON.parse(r.stdout).blobs).toEqual({ downloaded: 0, reused: 2 });
    expect(reg.requestsTo(img.layers[0]!.digest).filter((q) => q.method === 'GET')).toHaveLength(1);
  });
});

describe('pull: a resumed partial that fails verification', () => {
  it('is dropped and fetched once more from byte 0, instead of failing with exit 7', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'small');
    const layer = pseudoRandomBytes(256 * 1024, 'resume-verify');
    const img = addImage(reg, 'team/app', 'big', { layers: [layer] });
    const dest = await tempDir();
    expect((await pull([`${reg.host}/team/app:small`, dest])).code).toBe(0);
    // A partial left by a process that is gone, whose bytes are wrong.
    const deadPid = 99_999_999;
    await writeFile(partialFile(dest, img.layers[0]!.digest, deadPid), Buffer.alloc(100 * 1024, 7));

    const r = await pull([`${reg.host}/team/app:big`, dest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await readFile(blobFile(dest, img.layers[0]!.digest))).toEqual(layer);
    const gets = reg.requestsTo(img.layers[0]!.digest).filter((q) => q.method === 'GET');
    expect(gets.map((q) => q.headers.range)).toEqual([`bytes=${100 * 1024}-`, undefined]);
    expect((await readdir(join(dest, 'blobs', 'sha256'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
