/**
 * zstd layers as skopeo writes them (`skopeo copy --dest-compress-format zstd --dest-compress`, TESTING.md), from a
 * gzip layout: ocipull unpacks the zstd copy to the same tree umoci unpacks from the gzip original (umoci
 * 0.4.7 refuses zstd, "blob is not correct mediatype"), through the library and through the built CLI bundle (so
 * fzstd is in dist/). skopeo 1.9.3 hangs writing `zstd:chunked` into an oci: layout, so zstd:chunked is covered by
 * the hand-made frames of zstd.test.ts.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { unpackImage } from '../../src/unpack/index.js';
import { deterministicBytes } from '../helpers/images.js';
import { describeWithTools } from '../helpers/tools.js';
import { buildTar, writeLayout } from './tar-fixtures.js';
import { diffTrees, forceRemove, readTree, umociUnpack } from './tree.js';

const BIN = fileURLToPath(new URL('../../bin/ocipull.js', import.meta.url));

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
  });
}

/** Runs the built CLI; resolves with its exit code and output. */
function runBin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { HOME: base, PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface LayoutManifest {
  layers: { mediaType: string; digest: string; size: number }[];
}

async function manifestOf(layout: string): Promise<LayoutManifest> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  const hex = index.manifests[0]!.digest.slice('sha256:'.length);
  return JSON.parse(await readFile(join(layout, 'blobs', 'sha256', hex), 'utf8')) as LayoutManifest;
}

let base: string;
let gzipLayout: string;
let zstdLayout: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ocipull-zstd-skopeo-'));
});
afterAll(async () => {
  await forceRemove(base);
});

describeWithTools(['umoci', 'skopeo'], 'zstd layers written by skopeo', () => {
  beforeAll(async () => {
    // The gzip original is written with tar-stream: `umoci insert` 0.4.7 ends its layer tars without the last
    // block's padding and the end-of-archive blocks, which tar-stream (and so ocipull) refuses, gzip or zstd.
    const lower = await buildTar([
      { name: 'etc/' },
      { name: 'etc/os-release', content: 'ID=zstd-skopeo\n' },
      { name: 'etc/gone', content: 'removed by the upper layer\n' },
    ]);
    const upper = await buildTar([
      { name: 'etc/.wh.gone' },
      { name: 'usr/' },
      { name: 'usr/share/' },
      { name: 'usr/share/data/' },
      // Incompressible and very compressible content, several zstd blocks each.
      { name: 'usr/share/data/random.bin', content: deterministicBytes(3 * 1024 * 1024, 'zstd') },
      { name: 'usr/share/data/zeros', content: Buffer.alloc(8 * 1024 * 1024) },
      {
        name: 'usr/share/data/text',
        content: Array.from({ length: 20_000 }, (_, i) => `${i}: zstd\n`).join(''),
      },
      { name: 'usr/share/text-link', type: 'symlink', linkname: 'data/text' },
    ]);
    gzipLayout = join(base, 'gzip');
    zstdLayout = join(base, 'zstd');
    await writeLayout(gzipLayout, [{ tar: lower }, { tar: upper }], 't');
    await run('skopeo', [
      'copy',
      '--quiet',
      '--dest-compress-format',
      'zstd',
      '--dest-compress',
      `oci:${gzipLayout}:t`,
      `oci:${zstdLayout}:t`,
    ]);
  }, 120_000);

  it('skopeo wrote +zstd layers whose bytes are zstd frames', async () => {
    const { layers } = await manifestOf(zstdLayout);
    expect(layers.length).toBe(2);
    for (const layer of layers) {
      expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
      const blob = await readFile(join(zstdLayout, 'blobs', 'sha256', layer.digest.slice(7)));
      expect(blob.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    }
  });

  it('unpackImage gives the same tree as umoci unpack of the gzip original (diff IDs checked)', async () => {
    const ours = join(base, 'ours');
    const result = await unpackImage({ layout: zstdLayout, name: 't', dest: ours, rootless: true });
    expect(result.layers).toBe(2);
    const bundle = join(base, 'umoci-bundle');
    await umociUnpack(gzipLayout, 't', bundle);
    const theirs = await readTree(join(bundle, 'rootfs'));
    const mine = await readTree(ours);
    expect(mine.get('usr/share/data/zeros')).toMatchObject({ type: 'file', size: 8 * 1024 * 1024 });
    expect(mine.get('usr/share/text-link')).toMatchObject({ type: 'symlink', target: 'data/text' });
    expect(mine.has('etc/gone')).toBe(false);
    expect(diffTrees(mine, theirs)).toEqual([]);
  }, 120_000);

  it('the built CLI (esbuild bundle) unpacks the zstd layout', async () => {
    const dest = join(base, 'cli-rootfs');
    const r = await runBin(['unpack', '--json', '--progress=none', `${zstdLayout}:t`, dest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ layers: 2 });
    expect(await readFile(join(dest, 'etc/os-release'), 'utf8')).toBe('ID=zstd-skopeo\n');
  }, 120_000);
});
